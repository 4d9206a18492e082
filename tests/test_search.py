"""Cases found in Temporal by their search attributes, on the dev server (visibility queries)."""

from __future__ import annotations

import asyncio

import pytest

from tests.support.factories import AFTER, APPLICANT, CASEWORKER, OTHER, OTHER_DEPARTMENT
from tests.support.harness import Harness
from workflows import search
from workflows.application import ApplicationWorkflow as W
from workflows.types import CommitInput, DecisionInput

pytestmark = pytest.mark.e2e


async def test_cases_found_by_status_department_and_matter(dev_case: Harness) -> None:
    case, env = dev_case, dev_case.env
    approved, view = await case.open([AFTER])
    await approved.execute_update(W.commit, CommitInput(APPLICANT, AFTER))
    await approved.execute_update(W.decide, DecisionInput(CASEWORKER, True, "符合条件"))
    other, _ = await case.open([OTHER])

    async def found(query: str) -> set[str]:
        for _ in range(50):  # visibility is eventually consistent
            ids = {wf.id async for wf in env.client.list_workflows(query)}
            if ids:
                return ids
            await asyncio.sleep(0.2)
        return set()

    assert await found("CaseStatus='approved'") == {approved.id}
    assert await found(f"Departments='{OTHER_DEPARTMENT}'") == {other.id}
    assert await found(f"MatterCodes='{AFTER}' AND NextDeadline > '2000-01-01T00:00:00Z'") == {approved.id}
    assert await found("CaseStatus='notified' AND Escalated=false") == {other.id}
    described = await approved.describe()
    assert described.typed_search_attributes.get(search.CASE_STATUS) == "approved"
    assert view.application_id not in str(described.typed_search_attributes)  # no personal data there
