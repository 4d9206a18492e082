"""What the case does outside itself: activities, the read model, search attributes, credit
records, and the answer an action returns."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

from workflows.application import wording as say
from workflows.application.base import CaseBase

with workflow.unsafe.imports_passed_through():
    from activities.credit import CreditActivities
    from activities.projection import ProjectionActivities
    from workflows.case import china_time
    from workflows.rules import CREDIT_KINDS, STATUS_LABELS
    from workflows.search import CASE_STATUS, DEPARTMENTS, ESCALATED, MATTER_CODES, NEXT_DEADLINE
    from workflows.types import Actor, ApplicationView, CreditRecordInput, ProjectionInput, RecordCreditsInput

ACTIVITY_TIMEOUT = timedelta(seconds=30)
# Every activity is safe to repeat (writes key on business ids), so retry until the database
# or template store answers; a non-retryable ApplicationError still stops at once.
IDEMPOTENT_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))


class Effects(CaseBase):
    async def _call(self, fn: Callable[..., Any], arg: Any) -> Any:
        if self._lean:
            return await workflow.execute_local_activity_method(
                fn, arg, start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=IDEMPOTENT_RETRY
            )
        return await workflow.execute_activity_method(
            fn, arg, start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=IDEMPOTENT_RETRY
        )

    async def _changed(self) -> ApplicationView:
        """After an action's effects: close the case if the action ended it, wake the
        supervisor, project, and answer with the case as it now stands."""
        self._wake = True
        if self._lean and self.case.closed_at is None and self._settled():
            self._close()
        await self._sync()
        return self._view()

    async def _sync(self) -> None:
        """Write the read model: the projection is serialized so a later state always wins."""
        if self._searchable:
            self._search()
        async with self._lock:
            c = self.case
            new = c.events[self._projected - c.event_base :]
            # Ordered by workflow time, then by count: still increasing after a Reset, which
            # replays the counter from the reset point but not the clock.
            c.projections += 1
            seq = int(workflow.now().timestamp() * 1_000_000) * 1000 + c.projections % 1000
            await self._call(ProjectionActivities.project_application, ProjectionInput(self._view(), new, seq, self._projected))
            self._projected += len(new)

    def _search(self) -> None:
        """Upsert the search attributes that changed since the last upsert (one event, or none),
        and the Chinese line the Web UI shows."""
        deadline, escalated = self._next_deadline(), self._escalated()
        wanted: dict[str, tuple[Any, Any]] = {
            CASE_STATUS.name: (CASE_STATUS, self.case.status.value),
            DEPARTMENTS.name: (DEPARTMENTS, self._departments()),
            MATTER_CODES.name: (MATTER_CODES, [m.code for m in self.case.matters]),
            NEXT_DEADLINE.name: (NEXT_DEADLINE, deadline),
            ESCALATED.name: (ESCALATED, escalated),
        }
        updates = [  # a deadline that passes without a next one stays: see workflows/search.py
            key.value_set(value)
            for name, (key, value) in wanted.items()
            if value is not None and self._searched.get(name) != value
        ]
        if updates:
            workflow.upsert_search_attributes(updates)
            self._searched = {name: value for name, (_, value) in wanted.items()}
        due = f"；下一期限 {china_time(deadline)}" if deadline else ""
        workflow.set_current_details(
            f"{STATUS_LABELS[self.case.status]}（{self._inp.service}）{due}{'；已督办' if escalated else ''}"
        )

    def _view(self) -> ApplicationView:
        c = self.case
        credit = c.grade_now or c.credit
        return ApplicationView(
            application_id=self._inp.application_id,
            applicant=self._inp.applicant,
            service=self._inp.service,
            status=c.status,
            matters=list(c.matters),
            credit_grade=credit.grade if credit else None,
            barred_reason=credit.reason if credit and credit.barred else None,
            penalized=c.penalized,
            referred=c.referred,
            decision_reason=c.decision_reason,
            approved_at=c.approved_at,
            window_ends_at=c.window_end,
            closed_at=c.closed_at,
            opened_at=c.opened_at,
            decision_due_at=c.decision_due_at,
            decision_overdue=c.decision_overdue,
            hearing=c.hearing,
            decisions=list(c.decisions),
            follow_up_until=c.follow_up_until if self._in_follow_up() else None,
            notices=list(c.notices),
            departments=self._departments(),
            next_deadline=self._next_deadline() if c.closed_at is None else None,
            escalated=self._escalated(),
        )

    async def _record_credits(self, *facts: tuple[str, str | None, str], by: Actor | None = None) -> None:
        """Credit records (kind, matter, note) of what `by` decided (None: a deadline), each
        written once; a lean case then knows the applicant's grade as the archive now stands."""
        records = [
            CreditRecordInput(
                business_id=f"{self._inp.application_id}:{kind}:{matter or '-'}",
                applicant_id=self._inp.applicant.id,
                application_id=self._inp.application_id,
                kind=kind,
                severity=CREDIT_KINDS[kind][0],
                matter_code=matter,
                at=workflow.now(),
                note=note,
                actor_id=by.id if by else say.SYSTEM,
            )
            for kind, matter, note in facts
        ]
        if self._lean:  # a regular activity, never a local one: see patches.LEAN
            self.case.grade_now = await workflow.execute_activity_method(
                CreditActivities.record_credits,
                RecordCreditsInput(self._inp.applicant.id, records),
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=IDEMPOTENT_RETRY,
            )
            return
        for record in records:
            await self._call(CreditActivities.record_credit, record)
