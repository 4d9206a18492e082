"""What those who run the API see: /metrics, and JSON log lines with the request's id and the
case's, a refused request among them."""

from __future__ import annotations

import io
import json
import logging

import httpx

from tests.support.factories import AFTER
from tests.support.http import auth, body


def json_handler() -> logging.StreamHandler:  # type: ignore[type-arg]
    return next(h for h in logging.getLogger("chengnuo").handlers if getattr(h, "chengnuo_json", False))  # type: ignore[misc]


async def test_metrics_count_requests_by_route_and_temporal_calls(http: httpx.AsyncClient) -> None:
    assert (await http.get("/health")).status_code == 200
    await http.post("/applications", json=body("obs-1", [AFTER]), headers=auth("caseworker"))
    refused = await http.post("/applications/obs-1/decision", json={"approve": True, "reason": "x"}, headers=auth("caseworker"))
    assert refused.status_code == 409
    text = (await http.get("/metrics")).text
    assert 'chengnuo_http_requests_total{method="GET",route="/health",status="200"}' in text
    assert 'route="/applications/{application_id}/decision",status="409"' in text  # the template, never the case's id
    assert "obs-1" not in text
    assert 'chengnuo_temporal_calls_total{outcome="refused"}' in text and 'chengnuo_temporal_calls_total{outcome="ok"}' in text
    assert "chengnuo_escalated_cases" in text and "chengnuo_credit_outbox_oldest_seconds" in text


async def test_log_lines_carry_the_request_and_the_case(http: httpx.AsyncClient) -> None:
    handler, lines = json_handler(), io.StringIO()
    before = handler.setStream(lines)
    try:
        answer = await http.get("/applications/obs-none", headers=auth("auditor") | {"X-Request-ID": "req-42"})
    finally:
        handler.setStream(before)
    assert answer.status_code == 404 and answer.headers["X-Request-ID"] == "req-42"
    [line] = [json.loads(x) for x in lines.getvalue().splitlines() if '"chengnuo.refused"' in x]
    assert line["request_id"] == "req-42" and line["application_id"] == "obs-none"
    assert line["levelname"] == "INFO" and "refused 404 GET /applications/obs-none" in line["message"]
    fresh = await http.get("/health")
    assert len(fresh.headers["X-Request-ID"]) == 16  # none given: one made
