"""The decision: approval (with the draw for after-approval verification), rejection, and the
case ended before it (withdrawn by the applicant, 终止办理 by the office)."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

from workflows.application import wording as say
from workflows.application.before_patches import BeforePatches

with workflow.unsafe.imports_passed_through():
    from credit.rules import METHOD_LABELS, RISK_LEVELS
    from workflows import guards
    from workflows.types import (
        ApplicationStatus as S,
        ApplicationView,
        CancelInput,
        DecisionInput,
        MatterCase,
        MatterMode,
        Role,
        VerificationState as V,
    )


class Decision(BeforePatches):
    @workflow.update
    async def decide(self, inp: DecisionInput) -> ApplicationView:
        self.case.decision_reason = inp.reason
        if inp.approve and self._terminates and not any(m.mode == MatterMode.commitment for m in self.case.matters):
            self.case.approved_at = workflow.now()  # nothing promised, nothing to verify: closed at the decision
            self._set_status(S.granted)
            self._by(inp.actor, "approve", say.approved_without_commitment(inp.reason))
            self._issue("approval", say.approved_without_commitment(inp.reason))
            self._mutated()
        elif inp.approve:
            self.case.approved_at = workflow.now()
            self._set_status(S.approved)
            self._by(inp.actor, "approve", say.approved(inp.reason))
            self._issue("approval", say.approved(inp.reason))
            if self._graded and inp.credit:  # the grade as it stands now decides the draw
                self.case.credit = inp.credit
                self._system("credit", say.grade_at_decision(inp.credit))
            self._plan_verification()
            self._mutated()
            if self._lean:  # the decision's answer carries the due dates
                await self._schedule_drawn()
        else:
            self._set_status(S.rejected)
            words = self._decided("reject", inp.actor, inp.reason, inp.reason) if self._legal else ""
            self._by(inp.actor, "reject", say.rejected(inp.reason, words))
            self._issue("reject", say.rejected(inp.reason, words))
            self._mutated()
        return await self._changed()

    @decide.validator
    def validate_decide(self, inp: DecisionInput) -> None:
        guards.decision(self._view(), inp.actor, workflow.now(), inp.approve)

    def _plan_verification(self) -> None:
        """At approval, in the same step: which committed matters get verified, drawn by credit.

        Done synchronously so a complaint or a result arriving while due dates are still being
        computed finds every matter already in its verification state.
        """
        c = self.case
        assert c.credit is not None and c.approved_at is not None
        for m in c.matters:
            if m.mode != MatterMode.commitment or m.verification == V.true:
                continue
            if m.exempt:
                m.verification = V.exempt
            elif self._graded and c.credit.rule_version:
                self._draw(m)
            else:
                self._draw_before_graded(m)
        window = max((e.supervision_days for e in c.entries), default=0)
        c.window_end = c.approved_at + timedelta(days=window)
        if self._legal:  # each matter keeps its own supervision period, as its letter says
            for m in c.matters:
                m.window_end = c.approved_at + timedelta(days=c.entry(m.code).supervision_days)

    def _draw(self, m: MatterCase) -> None:
        """Drawn for after-approval verification with the chance the rules give the applicant's
        grade for the matter's risk level; the draw, the chance and the rule version on record."""
        credit = self.case.credit
        assert credit is not None
        level = self.case.entry(m.code).risk_level
        fixed = self._inp.sampling_fixed
        chance = self._inp.sampling_probability if fixed else credit.sampling.get(level, self._inp.sampling_probability)
        m.draw = workflow.random().random()
        m.sampled = m.draw < chance
        m.sampling_probability, m.risk_level = chance, level
        m.verification_method = credit.method or None
        m.verification = V.scheduled if m.sampled else V.sampled_out
        self._system(
            "sampling", say.sampled(m, credit, RISK_LEVELS.get(level, level), METHOD_LABELS.get(credit.method, ""), fixed)
        )

    @workflow.update
    async def cancel(self, inp: CancelInput) -> ApplicationView:
        if self._terminates and inp.actor.role != Role.applicant:  # 终止办理 on a ground, with its number
            await self._terminate(inp)
            return await self._changed()
        if self._legal and inp.actor.role != Role.applicant:  # the office ends it: 终止办理, not a withdrawal
            self._set_status(S.terminated)
            words = self._decided("terminate", inp.actor, inp.reason, inp.reason)
            self._by(inp.actor, "terminate", say.terminated_by_office(inp.reason, words))
        else:
            self._set_status(S.cancelled)
            self._by(inp.actor, "cancel", say.cancelled(inp.reason))
        self._mutated()
        return await self._changed()

    async def _terminate(self, inp: CancelInput) -> None:
        """The organ's 终止办理 decision (organ-terminates): the ground's basis on record; on an
        untrue finding, its credit record with the decision, and penalty or referral may follow."""
        ground = self.case.procedure.ground(inp.ground)
        assert ground is not None
        self._set_status(S.terminated)
        words = self._decided("terminate", inp.actor, inp.reason, ground.basis, inp.decision_no, ground=ground.id)
        self._by(inp.actor, "terminate", say.terminated_on_ground(ground.label, inp.reason, words))
        self._issue("terminate", say.terminated_on_ground(ground.label, inp.reason, words), decision_no=inp.decision_no)
        untrue = self._awaiting_disposition() if ground.finding else []
        if untrue:
            self._start_follow_up()
        self._mutated()
        if untrue:
            await self._record_credits(
                *(("terminated", m.code, f"事中核查承诺不实，终止办理：{m.findings}（{inp.decision_no}）") for m in untrue),
                by=inp.actor,
            )

    @cancel.validator
    def validate_cancel(self, inp: CancelInput) -> None:
        guards.cancel(self._view(), inp.actor, workflow.now())
        if not self._terminates or inp.actor.role == Role.applicant:
            return
        guards.termination(self._view(), self.case.procedure.ground(inp.ground), inp.ground, inp.decision_no, self._serves)
