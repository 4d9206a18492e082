"""The suite's shared time-skipping server is replaced when a test leaves its clock held."""

from __future__ import annotations

from tests.support.factories import AFTER, CASEWORKER, applicant
from tests.support.temporal import SkippingServer
from workflows.application import ApplicationWorkflow
from workflows.types import OpenApplicationInput


async def test_a_workflow_task_nobody_polls_holds_the_clock_and_is_noticed() -> None:
    server = SkippingServer()
    try:
        env = await server.get()
        assert await server.clock_runs(within=5)
        handle = await env.client.start_workflow(  # its first workflow task waits for a worker that never comes
            ApplicationWorkflow.run,
            OpenApplicationInput(
                application_id="held-1",
                applicant=applicant(),
                service="测试",
                matter_codes=[AFTER],
                opened_by=CASEWORKER,
                sampling_probability=1.0,
                sampling_fixed=True,
            ),
            id="application-held-1",
            task_queue="nobody-polls",
        )
        await handle.terminate("ended, but its scheduled task still holds the clock")
        assert not await server.clock_runs(within=1)
        await server.retire()
        assert await server.clock_runs() and server.started == 1  # nothing until the next test asks
        await server.get()
        assert await server.clock_runs(within=5) and server.started == 2
    finally:
        await server.retire()
