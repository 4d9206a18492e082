"""Version pinning: a case keeps the catalogue entry it opened with; a case opened after a
publication takes the new one (the application workflow snapshots MatterEntry at opening)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle

from tests.catalogue.support import change, publish_through, start
from tests.support.factories import AFTER, APPLICANT, CASEWORKER, CONVERTER
from tests.support.harness import Harness
from workflows.application import ApplicationWorkflow as A
from workflows.types import CommitInput, DecisionInput, OpenedCase, VerificationState as V


async def opened_with(handle: WorkflowHandle[Any, Any]) -> OpenedCase:
    """What the case's opening read from the catalogue, as its history recorded it (the
    local activity's marker)."""
    history = await handle.fetch_history()
    for event in history.events:
        if event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED:
            result = event.marker_recorded_event_attributes.details.get("result")  # a local activity's answer
            if result is None or not result.payloads:
                continue
            (value,) = await CONVERTER.decode(list(result.payloads), [OpenedCase])
            return value
    raise AssertionError("no opening recorded")


async def approve(case: Harness, handle: WorkflowHandle[Any, Any]) -> Any:
    await handle.execute_update(A.commit, CommitInput(APPLICANT, AFTER))
    await handle.execute_update(A.decide, DecisionInput(CASEWORKER, True, "符合条件"))
    view = await case.until(handle, lambda v: case.matter(v, AFTER).due_at is not None)
    return case.matter(view, AFTER)


async def test_a_running_case_keeps_its_version_a_new_one_takes_the_current(case: Harness) -> None:
    before, _ = await case.open([AFTER])
    revision = await start(case, [change(case, AFTER, verification_days=40)])  # 10 → 40 working days
    assert (await publish_through(revision)).published_version == 2
    after, _ = await case.open([AFTER])

    old, new = await opened_with(before), await opened_with(after)
    assert [(e.code, e.version, e.verification_days) for e in old.entries] == [(AFTER, 1, 10)]
    assert [(e.code, e.version, e.verification_days) for e in new.entries] == [(AFTER, 2, 40)]

    # and each verifies on its own version's schedule
    m_old, m_new = await approve(case, before), await approve(case, after)
    assert m_old.verification == V.scheduled == m_new.verification
    assert m_old.due_at is not None and m_new.due_at is not None
    assert m_new.due_at - m_old.due_at > timedelta(days=28)  # 30 more working days
    await before.terminate("test over")
    await after.terminate("test over")
