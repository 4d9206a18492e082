"""After a test: what it left running stopped, and every history it made replayed against the
current code."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from temporalio.client import WorkflowExecutionStatus, WorkflowHandle, WorkflowHistory

from tests.support.factories import CONVERTER
from tests.support.harness import Harness
from worker import replayer


async def stop_all(harness: Harness) -> None:
    """Let in-flight steps finish, then end what the test left running: an activity orphaned by
    the worker's shutdown would stop the shared test server from skipping time."""
    for started in harness.handles:
        handle = harness.env.client.get_workflow_handle(started.id)  # the latest run (continued as new)
        if (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
            await harness.quiet(handle)
            if (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
                await handle.terminate("test finished")


async def replay_all(harness: Harness, test_name: str = "") -> None:
    """Replay every history against the current code; with CHENGNUO_RECORD_HISTORIES=<dir>, also
    keep them there (how tests/workflows/histories/ was made)."""
    replay = replayer(CONVERTER)
    record = os.environ.get("CHENGNUO_RECORD_HISTORIES")
    histories = [history for handle in harness.handles async for history in runs(harness, handle)]
    for n, history in enumerate(histories, 1):
        result = await replay.replay_workflow(history, raise_on_replay_failure=False)
        assert result.replay_failure is None, result.replay_failure
        if record:
            Path(record, f"{test_name}-{n}.json").write_text(history.to_json())


async def runs(harness: Harness, handle: WorkflowHandle[Any, Any]) -> AsyncIterator[WorkflowHistory]:
    """The history of each run of a workflow, the first run first (a case continued as new has several)."""
    run_id = handle.first_execution_run_id or handle.run_id
    while True:
        history = await harness.env.client.get_workflow_handle(handle.id, run_id=run_id).fetch_history()
        yield history
        last = history.events[-1]
        if not last.HasField("workflow_execution_continued_as_new_event_attributes"):
            return
        run_id = last.workflow_execution_continued_as_new_event_attributes.new_execution_run_id
