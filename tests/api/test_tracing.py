"""A request is traced through its workflow to its activities: the API's span, the Update the
client sends, the workflow's handling of it and the activities it runs share one trace."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import Engine
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from api.main import create_app
from config import Settings
from ops.tracing import interceptors
from tests.support.factories import AFTER, CONVERTER
from tests.support.harness import Harness
from tests.support.http import auth, body
from tests.support.replay import replay_all, stop_all
from worker import build_worker


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """The spans of this test, in memory; the process's provider is set once (OpenTelemetry allows
    one), and this test's processor is shut after it, so later tests' spans are not kept."""
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    exporter = InMemorySpanExporter()
    processor = SimpleSpanProcessor(exporter)
    provider.add_span_processor(processor)
    yield exporter
    processor.shutdown()


async def test_a_request_is_traced_through_its_workflow_to_its_activities(
    env: WorkflowEnvironment, engine: Engine, spans: InMemorySpanExporter
) -> None:
    client = Client(
        env.client.service_client, namespace=env.client.namespace, data_converter=CONVERTER, interceptors=interceptors()
    )
    case = Harness(env, engine, task_queue=f"tq-{uuid.uuid4()}")
    app = create_app(Settings(task_queue=case.task_queue, chengnuo_env="development", sampling_probability=1.0), client, engine)
    async with build_worker(client, engine, case.task_queue):
        async with app.router.lifespan_context(app):
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
                opened = await http.post("/applications", json=body("tr-1", [AFTER]), headers=auth("caseworker"))
                assert opened.status_code == 201, opened.text
                case.handles.append(env.client.get_workflow_handle("application-tr-1"))
                committed = await http.post("/applications/tr-1/commit", json={"matter": AFTER}, headers=auth("caseworker") | {
                    "X-Request-ID": "trace-me"})  # fmt: skip
                assert committed.status_code in (200, 403)
        await stop_all(case)
    await replay_all(case)

    finished = spans.get_finished_spans()
    ours = [s for s in finished if s.instrumentation_scope and s.instrumentation_scope.name == "chengnuo"]
    [request] = [s for s in ours if s.name == "POST /applications"]
    same = {s.name for s in finished if s.context and request.context and s.context.trace_id == request.context.trace_id}
    assert any(n.startswith(("StartWorkflow", "StartUpdateWithStartWorkflow", "UpdateWithStartWorkflow")) for n in same), same
    assert any(n.startswith("RunWorkflow:ApplicationWorkflow") for n in same), same  # in the worker
    assert any(n.startswith(("RunActivity:", "StartActivity:")) for n in same), same  # and its activities
    [commit] = [s for s in ours if s.name == "POST /applications/{application_id}/commit"]
    assert commit.attributes and commit.attributes["chengnuo.request_id"] == "trace-me"
    assert commit.attributes["chengnuo.application_id"] == "tr-1"
