"""CreditRepairWorkflow (信用修复): one application to repair credit, id `credit-repair-<id>`.

The applicant applies (the API checks the records and the minimum period, keeps the evidence
and starts this workflow with its SHA-256); the credit office approves or rejects with a reason
within `working_days` working days. The deadline passing does not decide anything: the repair is
marked overdue and stays in the office's queue until it is decided. Approval repairs the records,
re-grades the applicant and queues the `repaired` event for the credit platform (one activity,
one transaction, once); the bar on commitment is lifted from the next assessment on. The
applicant may withdraw while it is pending.

Updates (validators refuse a wrong role or state before anything reaches history): submitted,
decide, withdraw. Query: state.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.calendar import CalendarActivities
    from activities.repair import RepairActivities
    from workflows.repair_types import (
        REPAIR_STATUS_LABELS,
        ApplyRepairInput,
        RepairDecisionInput,
        RepairInput,
        RepairStatus,
        RepairView,
        RepairWithdrawInput,
    )
    from workflows.rules import ROLE_LABELS, conflict, forbidden
    from workflows.types import Role, ScheduleInput, VerificationSchedule

ACTIVITY_TIMEOUT = timedelta(seconds=30)
IDEMPOTENT_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))
DECIDERS = frozenset({Role.credit_officer})


def invalid(message: str) -> ApplicationError:
    """The request lacks what the action needs (HTTP 422)."""
    return ApplicationError(message, type="Invalid", non_retryable=True)


@workflow.defn
class CreditRepairWorkflow:
    @workflow.init
    def __init__(self, inp: RepairInput) -> None:
        self._inp = inp
        self._status = RepairStatus.pending
        self._applied_at: datetime | None = None
        self._due_at: datetime | None = None
        self._provisional = False
        self._overdue = False
        self._decided_at: datetime | None = None
        self._decided_by: str | None = None
        self._reason: str | None = None
        self._ready = False
        self._lock = asyncio.Lock()

    @workflow.run
    async def run(self, inp: RepairInput) -> str:
        self._applied_at = workflow.now()
        due: VerificationSchedule = await self._activity(  # to the end of the last working day
            CalendarActivities.schedule_verification,
            ScheduleInput(start=self._applied_at, working_days=0, deadline_working_days=inp.working_days),
        )
        self._due_at, self._provisional = due.deadline_at, due.provisional
        await self._project()
        self._ready = True
        try:
            await workflow.wait_condition(self._decided, timeout=max(self._due_at - workflow.now(), timedelta(seconds=1)))
        except TimeoutError:
            if not self._decided():
                self._overdue = True  # still pending, still in the queue, now marked overdue
                await self._project()
            await workflow.wait_condition(self._decided)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._status.value

    def _decided(self) -> bool:
        return self._status != RepairStatus.pending

    # ---- updates -----------------------------------------------------------------------------

    @workflow.update
    async def submitted(self) -> RepairView:
        """The repair once its deadline is set and projected (for the application's POST)."""
        await workflow.wait_condition(lambda: self._ready)
        return self._view()

    @workflow.update
    async def decide(self, inp: RepairDecisionInput) -> RepairView:
        self._status = RepairStatus.approved if inp.approve else RepairStatus.rejected  # before any await
        self._decided_at, self._decided_by, self._reason = workflow.now(), inp.actor.id, inp.reason
        if inp.approve:
            await self._activity(
                RepairActivities.apply_repair, ApplyRepairInput(self._inp.repair_id, inp.actor.id, self._decided_at, inp.reason)
            )
        await self._project()
        return self._view()

    @decide.validator
    def validate_decide(self, inp: RepairDecisionInput) -> None:
        if inp.actor.role not in DECIDERS:
            raise forbidden(f"{ROLE_LABELS[inp.actor.role]}无权审核信用修复申请（仅限{ROLE_LABELS[Role.credit_officer]}）")
        self._check_pending()
        if not inp.reason.strip():
            raise invalid("准予或不予信用修复，均须说明理由")

    @workflow.update
    async def withdraw(self, inp: RepairWithdrawInput) -> RepairView:
        self._status = RepairStatus.withdrawn  # before any await
        self._decided_at, self._decided_by, self._reason = workflow.now(), inp.actor.id, inp.reason
        await self._project()
        return self._view()

    @withdraw.validator
    def validate_withdraw(self, inp: RepairWithdrawInput) -> None:
        if inp.actor.role != Role.applicant or inp.actor.id != self._inp.applicant:
            raise forbidden("信用修复申请只能由申请人本人撤回")
        self._check_pending()

    def _check_pending(self) -> None:
        if not self._ready:  # the API answers the application only once it is ready
            raise conflict("信用修复申请正在受理，请稍后再试")
        if self._status != RepairStatus.pending:
            raise conflict(f"信用修复申请当前状态为「{REPAIR_STATUS_LABELS[self._status]}」，不能执行此操作")

    @workflow.query
    def state(self) -> RepairView:
        return self._view()

    # ---- helpers -----------------------------------------------------------------------------

    async def _project(self) -> None:
        """Write the read model; serialized, so a later state always wins."""
        async with self._lock:
            await self._activity(RepairActivities.project_repair, self._view())

    async def _activity(self, fn: Any, arg: Any) -> Any:
        return await workflow.execute_activity_method(
            fn, arg, start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=IDEMPOTENT_RETRY
        )

    def _view(self) -> RepairView:
        return RepairView(
            repair_id=self._inp.repair_id,
            applicant=self._inp.applicant,
            record_ids=list(self._inp.record_ids),
            evidence_sha256=self._inp.evidence_sha256,
            status=self._status,
            applied_at=self._applied_at,
            due_at=self._due_at,
            overdue=self._overdue,
            decided_at=self._decided_at,
            decided_by=self._decided_by,
            reason=self._reason,
            provisional_due=self._provisional,
        )
