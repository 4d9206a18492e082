"""What the API tells those who run it: Prometheus metrics at /metrics, and logs as JSON lines
that carry the request's id and the case's.

- `chengnuo_http_requests_total{method,route,status}` and `chengnuo_http_request_seconds` by
  route template (never the raw path: one series per route, not per case);
- `chengnuo_temporal_calls_total{outcome}`: ok, refused (403/409 from a validator), busy (503),
  no_answer (504), gone, error;
- at each scrape, from the database: `chengnuo_escalated_cases` (deadlines missed and reported),
  `chengnuo_credit_outbox_oldest_seconds` (the oldest credit event not yet pushed) and
  `chengnuo_archive_last_pass_timestamp_seconds` (the archive's last pass);
- every log line of the `chengnuo` loggers as JSON, with `request_id` (the request's
  `X-Request-ID`, or a new one, answered in the same header) and `application_id` (the case the
  path names). Refused requests are logged by `chengnuo.refused` (api/errors.py).
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

from opentelemetry.trace import SpanKind
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from audit.archive import LAST_PASS
from db.models import Application, CreditOutbox
from ops.logs import application_id, request_id
from ops.tracing import tracer

CASE_IN_PATH = re.compile(r"^/(?:applications|cases)/([^/]+)")

REGISTRY = CollectorRegistry()
REQUESTS = Counter("chengnuo_http_requests", "HTTP requests answered", ["method", "route", "status"], registry=REGISTRY)
LATENCY = Histogram(
    "chengnuo_http_request_seconds",
    "Time to answer, by route",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)
TEMPORAL_CALLS = Counter("chengnuo_temporal_calls", "Calls to Temporal, by outcome", ["outcome"], registry=REGISTRY)


class FromTheDatabase(Collector):
    """Gauges read at each scrape (one cheap query each, on indexed columns)."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.archive: Path | None = None

    def collect(self) -> Iterator[GaugeMetricFamily]:
        if self.engine is None:
            return
        with Session(self.engine) as s:
            escalated = s.exec(
                select(func.count())
                .select_from(Application)
                .where(col(Application.escalated).is_(True), col(Application.closed_at).is_(None))
            ).one()
            oldest = s.exec(select(func.min(CreditOutbox.created_at)).where(col(CreditOutbox.delivered_at).is_(None))).one()
        yield GaugeMetricFamily("chengnuo_escalated_cases", "Cases with a missed deadline reported to the supervisor", escalated)
        age = (datetime.now(timezone.utc) - oldest).total_seconds() if oldest else 0.0
        yield GaugeMetricFamily("chengnuo_credit_outbox_oldest_seconds", "Age of the oldest credit event not yet pushed", age)
        if self.archive is not None:
            stamp = self.archive / LAST_PASS
            last = float(stamp.read_text(encoding="utf-8").split()[0]) if stamp.is_file() else 0.0
            yield GaugeMetricFamily(
                "chengnuo_archive_last_pass_timestamp_seconds", "When the archive last completed a pass", last
            )


DATABASE = FromTheDatabase()
REGISTRY.register(DATABASE)


def metrics(_request: Request) -> Response:
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


def route_of(scope: Scope) -> str:
    """The matched route's template (`/applications/{application_id}`), or `unmatched`: read from
    the scope once the router has matched it (never the raw path: one series per route)."""
    route = scope.get("route")
    return str(getattr(route, "path_format", None) or getattr(route, "path", None) or "unmatched")


class Observed:
    """Outermost middleware: the request's id and case for the logs, the metrics of its answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")[:64]
        rid = given if re.fullmatch(r"[A-Za-z0-9._-]{1,64}", given or "") else uuid.uuid4().hex[:16]
        case = CASE_IN_PATH.match(scope.get("path", ""))
        tokens = request_id.set(rid), application_id.set(case.group(1) if case else "")
        status, started = 500, time.perf_counter()

        async def answer(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", rid.encode()))
            await send(message)

        with tracer.start_as_current_span(f"{scope['method']} {scope.get('path', '')}", kind=SpanKind.SERVER) as span:
            try:
                await self.app(scope, receive, answer)
            finally:
                route = route_of(scope)
                span.update_name(f"{scope['method']} {route}")  # the template: spans grouped by route
                span.set_attributes({"http.status_code": status, "chengnuo.request_id": rid,
                                     "chengnuo.application_id": application_id.get()})  # fmt: skip
                REQUESTS.labels(scope["method"], route, str(status)).inc()
                LATENCY.labels(scope["method"], route).observe(time.perf_counter() - started)
                request_id.reset(tokens[0])
                application_id.reset(tokens[1])


def count_temporal(outcome: str) -> None:
    TEMPORAL_CALLS.labels(outcome).inc()


def watch(engine: Engine, archive: Path | None) -> None:
    DATABASE.engine, DATABASE.archive = engine, archive
