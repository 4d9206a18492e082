"""Drive catalogue revisions in tests the way the API does: Updates with actors."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from sqlmodel import Session
from temporalio.client import WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy

from activities.revisions import revision_workflow_id
from catalogue.versions import entry_of
from db.models import Matter
from tests.support.factories import OTHER_DEPARTMENT, matter
from tests.support.harness import Harness
from workflows.catalogue_types import (
    CatalogueEntry,
    ChangeAction,
    EntryChange,
    ReviewInput,
    RevisionStepInput,
    RevisionView,
    StartRevisionInput,
)
from workflows.revision import CatalogueRevisionWorkflow as W
from workflows.types import Actor, Role

TEST_DEPARTMENT = "湛河区测试局"  # the department of tests/support/factories.py's entries
DEPT = Actor("dept-officer-1", Role.department, TEST_DEPARTMENT)
OTHER_DEPT = Actor("dept-officer-2", Role.department, OTHER_DEPARTMENT)
BUREAU = Actor("bureau-1", Role.bureau)


def current(case: Harness, code: str) -> CatalogueEntry:
    with Session(case.engine) as s:
        row = s.get(Matter, code)
        assert row is not None
        return entry_of(row)


def add(code: str, **overrides: Any) -> EntryChange:
    return EntryChange(ChangeAction.add, code, entry_of(matter(code, **overrides)))


def change(case: Harness, code: str, **fields: Any) -> EntryChange:
    return EntryChange(ChangeAction.change, code, replace(current(case, code), **fields))


def retire(code: str, reason: str = "上位法修改，该证明已取消") -> EntryChange:
    return EntryChange(ChangeAction.retire, code, reason=reason)


async def start(
    case: Harness, changes: list[EntryChange], actor: Actor = DEPT, department: str | None = TEST_DEPARTMENT
) -> WorkflowHandle[Any, Any]:
    """A draft revision, its workflow handed to the harness (stopped and replayed after the test)."""
    revision_id = f"r-{uuid.uuid4().hex[:10]}"
    handle = await case.env.client.start_workflow(
        W.run,
        StartRevisionInput(revision_id, department, actor, changes),
        id=revision_workflow_id(revision_id),
        task_queue=case.task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )
    case.handles.append(handle)
    await handle.execute_update(W.created)
    return handle


async def publish_through(handle: WorkflowHandle[Any, Any], department: Actor = DEPT) -> RevisionView:
    """上报 → 审定 → 备案 → 公布."""
    await handle.execute_update(W.submit, RevisionStepInput(department))
    await handle.execute_update(W.review, ReviewInput(BUREAU, approve=True, note="符合要求"))
    await handle.execute_update(W.file, RevisionStepInput(BUREAU))
    view: RevisionView = await handle.execute_update(W.publish, RevisionStepInput(BUREAU))
    return view
