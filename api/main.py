"""The FastAPI application: the Temporal client and the database engine are made once, here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline
from sqlalchemy import Engine
from temporalio.client import Client

from api import schemas
from api.errors import EXCEPTION_HANDLERS
from api.limits import BodySizeLimit, CleanUrl, SecurityHeaders
from api.observability import Observed, metrics, watch
from api.routes import (
    admin,
    applicants,
    applications,
    calendar,
    catalogue_admin,
    claims,
    codec,
    complaints,
    credit,
    letters,
    matters,
    public,
    repairs,
    statistics,
)
from api.temporal import Temporal
from config import Settings, get_settings
from console import routes as console
from console.static_files import console_static
from db.migrate import prepare
from db.session import settings_engine
from ops.logs import json_logs
from ops.tracing import export_spans, interceptors
from security.codec import data_converter
from security.keys import keyring
from security.pseudonyms import pseudonyms


def create_app(settings: Settings | None = None, temporal: Client | None = None, engine: Engine | None = None) -> FastAPI:
    """Build the app; tests pass their own client and engine."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings or get_settings()
        app.state.engine = engine or settings_engine(app.state.settings)
        prepare(app.state.engine, production=app.state.settings.production)
        json_logs()
        watch(app.state.engine, Path(app.state.settings.archive_dir))
        app.state.pseudonyms = pseudonyms(app.state.settings)
        export_spans("chengnuo-api")
        client = temporal or await Client.connect(
            app.state.settings.temporal_address,
            namespace=app.state.settings.temporal_namespace,
            data_converter=data_converter(keyring(app.state.settings)),
            interceptors=interceptors(),
        )
        app.state.temporal = Temporal(client, app.state.settings)
        yield

    # Swagger UI and ReDoc from files the API serves itself: a government network has no CDN.
    app = FastAPIOffline(
        title="承诺 Chengnuo",
        description="证明事项告知承诺制 — notification–commitment system for certification matters",
        lifespan=lifespan,
        exception_handlers=EXCEPTION_HANDLERS,  # 422 in the documented shape, 500 without a traceback
        responses=schemas.ERROR_RESPONSES,  # the errors any route may answer, documented for clients (and the fuzz test)
    )

    app.add_route("/metrics", metrics, include_in_schema=False)  # Prometheus (docs/OPERATIONS.md: alerts)

    @app.get("/health", tags=["health"])
    async def health() -> dict[str, str]:
        """Liveness: the API is up and its event loop answers."""
        return {"status": "ok"}

    app.include_router(catalogue_admin.router)  # first: /catalogue/revisions, /catalogue/versions… before /catalogue/{code}
    app.include_router(letters.router)  # …/letters/{matter}.pdf before applications' …/letters/{matter}
    for module in (matters, applications, claims, complaints, applicants, credit, repairs, calendar, codec, admin, statistics):
        app.include_router(module.router)
    app.include_router(public.router)  # last: /catalogue/{code} after every fixed /catalogue/… path
    app.include_router(console.router)  # the console: GET / (work queues), /login, /cases/…
    app.mount("/console/static", console_static(), name="console-static")
    # the Temporal Web UI calls the codec server from the browser (its own origin)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=(settings or get_settings()).codec_cors_origins,
        allow_credentials=True,
        allow_methods=["POST", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "X-Namespace"],
    )
    # outermost: a body over MAX_BODY_BYTES is refused before anything reads it; a URL with a control character too
    app.add_middleware(CleanUrl)
    app.add_middleware(BodySizeLimit)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(Observed)  # outermost: every answer counted and timed, its request id in the logs
    return app


app = create_app()
