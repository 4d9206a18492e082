"""Traces from a request through its workflow to its activities (OpenTelemetry): the API's
middleware opens a span per request, and Temporal's tracing interceptor (temporalio.contrib)
carries its context into the Update, the workflow's handling of it and each activity it runs.

With `OTEL_EXPORTER_OTLP_ENDPOINT` set (the OpenTelemetry standard variable: a collector, Jaeger,
Tempo…), spans are sent there over OTLP/HTTP; without it they cost next to nothing and go nowhere.
"""

from __future__ import annotations

import os

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from temporalio.client import Interceptor
from temporalio.contrib.opentelemetry import TracingInterceptor

tracer = trace.get_tracer("chengnuo")


def export_spans(service: str) -> bool:
    """Send this process's spans to OTEL_EXPORTER_OTLP_ENDPOINT, if set (once per process)."""
    if not os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        return False
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    return True


def interceptors() -> list[Interceptor]:
    """For Client.connect: the client's calls and, through the client, its workers traced."""
    return [TracingInterceptor()]
