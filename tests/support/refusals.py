"""Actions a case must refuse: refused by the workflow's validator, with nothing but an empty
workflow task reaching its history."""

from __future__ import annotations

from typing import Any

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from tests.support.harness import Harness

WORKFLOW_TASK_EVENTS = {
    EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
}


async def refused(handle: WorkflowHandle[Any, Any], update: Any, arg: Any, kind: str = "Conflict") -> str:
    """Send an update that must be refused; nothing but an empty workflow task may reach history.

    The time-skipping test server has no speculative workflow tasks, so it records the task that
    ran the validator; the real server (tests/api/test_e2e.py) records nothing at all.
    """
    await Harness.quiet(handle)
    before = len((await handle.fetch_history()).events)
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await handle.execute_update(update, arg)
    cause = err.value.cause
    assert isinstance(cause, ApplicationError) and cause.type == kind, cause
    added = (await handle.fetch_history()).events[before:]
    assert {e.event_type for e in added} <= WORKFLOW_TASK_EVENTS, added
    return cause.message


async def refused_saying(handle: Any, update: Any, arg: Any, says: str, kind: str = "Conflict") -> None:
    """Refused by the validator with a reason that says `says`; history untouched."""
    message = await refused(handle, update, arg, kind)
    assert says in message, message
