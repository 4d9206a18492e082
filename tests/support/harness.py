"""Drive application workflows in tests the way the API does: updates with actors."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine
from temporalio.client import WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.testing import WorkflowEnvironment

from activities.projection import workflow_id
from tests.support.factories import CASEWORKER, applicant
from workflows.application import ApplicationWorkflow
from workflows.types import Applicant, ApplicationView, OpenApplicationInput


@dataclass
class Harness:
    env: WorkflowEnvironment
    engine: Engine
    task_queue: str
    handles: list[WorkflowHandle[Any, Any]] = field(default_factory=list)
    _n: int = 0

    async def open(
        self,
        matters: list[str],
        who: Applicant | None = None,
        sampling: float | None = 1.0,
        application_id: str | None = None,
        service: str = "测试行政事项",
        continue_after_events: int = 10_000,
    ) -> tuple[WorkflowHandle[Any, Any], ApplicationView]:
        self._n += 1
        app_id = application_id or f"t-{self.task_queue[-8:]}-{self._n}"
        handle = await self.env.client.start_workflow(
            ApplicationWorkflow.run,
            OpenApplicationInput(
                application_id=app_id,
                applicant=who or applicant(),
                service=service,
                matter_codes=matters,
                opened_by=CASEWORKER,
                sampling_probability=0.3 if sampling is None else sampling,
                sampling_fixed=sampling is not None,  # None: the credit rules draw
                continue_after_events=continue_after_events,
            ),
            id=workflow_id(app_id),
            task_queue=self.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )
        if all(h.id != handle.id for h in self.handles):
            self.handles.append(handle)
        view = await handle.execute_update(ApplicationWorkflow.opened)
        return handle, view

    @staticmethod
    async def state(handle: WorkflowHandle[Any, Any]) -> ApplicationView:
        return await handle.query(ApplicationWorkflow.state)

    async def until(
        self, handle: WorkflowHandle[Any, Any], check: Callable[[ApplicationView], bool], timeout: float = 20
    ) -> ApplicationView:
        """Poll the state (real time) until check holds: timers fire asynchronously."""
        end = time.monotonic() + timeout
        while True:
            view = await self.state(handle)
            if check(view):
                return view
            if time.monotonic() > end:
                raise AssertionError(f"condition never held; last state {view.status}: {view.matters}")
            await asyncio.sleep(0.05)

    async def outcome(self, handle: WorkflowHandle[Any, Any], skip_days: float = 0) -> str:
        """The workflow's result after skipping skip_days of workflow time.

        Never awaits the result with time skipping unlocked: the test server, once idle, would
        jump years ahead to its own housekeeping timers.
        """
        if skip_days:
            await self.skip(skip_days)
        with self.env.auto_time_skipping_disabled():
            return await asyncio.wait_for(handle.result(), timeout=20)

    async def skip(self, days: float) -> None:
        await self.env.sleep(timedelta(days=days))

    @staticmethod
    def matter(view: ApplicationView, code: str) -> Any:
        return next(m for m in view.matters if m.code == code)

    def timeline_rows(self, application_id: str) -> list[Any]:
        from sqlmodel import Session, select

        from db.models import CaseEvent

        with Session(self.engine) as s:
            return list(s.exec(select(CaseEvent).where(CaseEvent.application_id == application_id).order_by(CaseEvent.seq)))

    async def timeline(self, handle: WorkflowHandle[Any, Any]) -> list[Any]:
        view = await self.state(handle)
        return self.timeline_rows(view.application_id)

    @staticmethod
    async def quiet(handle: WorkflowHandle[Any, Any], timeout: float = 20) -> None:
        """Wait until the workflow has nothing in flight: no activity, no workflow task."""
        end = time.monotonic() + timeout
        calm = 0
        while calm < 2:
            raw = (await handle.describe()).raw_description
            busy = bool(raw.pending_activities) or raw.HasField("pending_workflow_task")
            calm = 0 if busy else calm + 1
            if time.monotonic() > end:
                raise AssertionError("workflow never became quiet")
            await asyncio.sleep(0.05)
