"""Deadlines: due dates from the working-day calendar, what fires when one passes (due,
escalation, a missed rectification, the 办理时限, the statement and follow-up periods), and
recomputing them when the calendar changes."""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow

from workflows.application import wording as say
from workflows.application.hearing import Hearings
from workflows.application.patches import ESCALATION_FOLLOWS

with workflow.unsafe.imports_passed_through():
    from activities.calendar import CalendarActivities
    from workflows import guards
    from workflows.case import AWAITING_VERIFIER
    from workflows.rules import BEFORE_DECISION, DISPOSITION_LABELS
    from workflows.types import (
        ApplicationStatus as S,
        ApplicationView,
        DispositionAction as D,
        DispositionInput,
        MatterCase,
        RecomputeInput,
        ScheduleInput,
        VerificationSchedule,
        VerificationState as V,
    )


class Deadlines(Hearings):
    async def _until(self, deadline: datetime | None) -> None:
        """Sleep until the deadline or the next action."""
        await self._timer.until(deadline, lambda: self._wake or self._settled())

    async def _fire_deadlines(self) -> bool:
        now = workflow.now()
        fired = False
        if self._legal:
            fired = self._fire_case_deadlines(now)
        if self._serves:
            fired = await self._fire_service(now) or fired
        for m in self.case.matters:
            if m.verification == V.scheduled and m.due_at and m.due_at <= now:
                m.verification = V.due
                self._system("due", say.due(m))
                fired = True
            elif m.verification in AWAITING_VERIFIER and m.deadline_at and m.deadline_at <= now and not m.escalated:
                m.escalated = True
                self._system("escalate", say.escalated(m, during=m.verification == V.pending))
                fired = True
            elif m.verification == V.rectifying and m.rectify_by and m.rectify_by <= now and self._legal:
                # the deadline missed proposes revocation; the organ decides after the statement period
                await self._propose([m], say.rectification_missed(m.name))
                return True
            elif m.verification == V.rectifying and m.rectify_by and m.rectify_by <= now:  # before organ-decisions
                m.verification = V.revoked
                self._system("rectify_missed", f"「{m.name}」逾期未整改，撤销行政决定")
                self._set_status(S.revoked)
                await self._record_credits(("revoked", m.code, "逾期未整改，撤销行政决定"))
                return True
        return fired

    def _fire_case_deadlines(self, now: datetime) -> bool:
        """The 办理时限, the statement period and the follow-up period (since organ-decisions)."""
        c, fired = self.case, False
        if c.status in BEFORE_DECISION and c.decision_due_at and c.decision_due_at <= now and not c.decision_overdue:
            c.decision_overdue = True
            self._system("time_limit_overdue", say.time_limit_overdue(c.decision_due_at))
            fired = True
        h = c.hearing
        if h and not h.period_over and h.statement_until and h.statement_until <= now:
            h.period_over = True
            self._system("statement_over", say.statement_period_over(bool(h.statement)))
            fired = True
        if self._in_follow_up() and c.follow_up_until and c.follow_up_until <= now:
            c.follow_up_closed = True
            self._system("follow_up_over", say.FOLLOW_UP_OVER)
            fired = True
        return fired

    async def _schedule_drawn(self) -> None:
        """A due date for every matter drawn at approval."""
        approved_at = self.case.approved_at
        assert approved_at is not None
        for m in self.case.matters:
            if m.verification != V.scheduled:
                continue
            sched = await self._schedule(m, approved_at, m.verification_days)
            if sched and m.verification == V.scheduled:  # not made due by a complaint meanwhile
                self._apply(m, sched, sched.due_at)
                self._system("schedule", say.scheduled(m))

    async def _schedule(self, m: MatterCase, start: datetime, working_days: int) -> VerificationSchedule | None:
        """The calendar's answer, or None when a newer request for this matter was made meanwhile."""
        m.schedule_round += 1
        asked = m.schedule_round
        sched: VerificationSchedule = await self._call(
            CalendarActivities.schedule_verification,
            ScheduleInput(start=start, working_days=working_days, deadline_working_days=m.deadline_days),
        )
        return sched if m.schedule_round == asked else None

    @staticmethod
    def _apply(m: MatterCase, sched: VerificationSchedule, due_at: datetime) -> None:
        """A newly computed deadline; an escalation belonged to the old one if the new one is
        later and still ahead (cases escalated before this rule keep it: see the patch)."""
        if (
            m.escalated
            and sched.deadline_at != m.deadline_at
            and sched.deadline_at > workflow.now()
            and workflow.patched(ESCALATION_FOLLOWS)
        ):
            m.escalated = False
        m.due_at = due_at
        m.deadline_at = sched.deadline_at
        m.provisional_deadline = sched.provisional
        m.calendar_note = sched.note

    async def _due_now(self, m: MatterCase, now: datetime) -> None:
        """Verification due at once (complaint, rectification evidence): the verifier's deadline."""
        m.due_at = now
        sched = await self._schedule(m, now, 0)
        if sched and m.verification in AWAITING_VERIFIER:  # still this round, still awaiting a result
            self._apply(m, sched, now)

    def _order_rectification(self, inp: DispositionInput, awaiting: list[MatterCase]) -> None:
        """责令限期整改: every untrue matter awaiting a measure, one deadline in calendar days."""
        assert inp.deadline_days is not None
        by = None if self._serves else workflow.now() + timedelta(days=inp.deadline_days)  # notices-served: from service
        for m in awaiting:
            m.verification, m.rectify_by = V.rectifying, by
        text = say.rectification_ordered(DISPOSITION_LABELS[D.rectify], inp.deadline_days, by, inp.reason)
        self._by(inp.actor, "rectify", text)
        self._issue("order", text, [m.code for m in awaiting], days=inp.deadline_days)

    @workflow.update
    async def recompute_deadlines(self, inp: RecomputeInput) -> ApplicationView:
        """The calendar changed (a State Council notice was entered): every pending deadline
        is computed again, from the same start, on the new calendar."""
        changed = []
        for m in list(self.case.matters):
            if m.verification == V.scheduled and self.case.approved_at:
                sched = await self._schedule(m, self.case.approved_at, m.verification_days)
                if sched and m.verification == V.scheduled:
                    self._apply(m, sched, sched.due_at)
                    changed.append(say.due_date_moved(m))
            elif m.verification in AWAITING_VERIFIER and m.due_at:
                due = m.due_at
                sched = await self._schedule(m, due, 0)
                if sched and m.verification in AWAITING_VERIFIER:
                    self._apply(m, sched, due)
                    changed.append(say.deadline_moved(m))
        self._by(inp.actor, "recompute", say.recomputed(inp.source, changed))
        self._mutated()
        return await self._changed()

    @recompute_deadlines.validator
    def validate_recompute_deadlines(self, inp: RecomputeInput) -> None:
        guards.recompute(self._view(), inp.actor, workflow.now())
