"""Verifying promises: complaints (投诉举报) that make verification due, the verifier's results
(事中, after approval, 日常监管, the re-verification of a rectification), the rectification
evidence."""

from __future__ import annotations

from temporalio import workflow

from workflows.application import wording as say
from workflows.application.before_patches import BeforePatches

with workflow.unsafe.imports_passed_through():
    from workflows import guards
    from workflows.case import NOT_YET_DUE, ROUTINE
    from workflows.rules import BEFORE_DECISION
    from workflows.types import (
        ApplicationView,
        ComplaintInput,
        MatterMode,
        RectificationInput,
        VerificationInput,
        VerificationState as V,
    )


class Verification(BeforePatches):
    @workflow.update
    async def complain(self, inp: ComplaintInput) -> ApplicationView:
        now = workflow.now()
        before = self.case.status in BEFORE_DECISION
        self.case.complained = self.case.complained or before
        touched = []
        not_yet_due = (*NOT_YET_DUE, V.exempt) if self._legal else NOT_YET_DUE  # exempt: verifiable on a complaint
        for m in self.case.matters:
            if m.mode != MatterMode.commitment or (m.exempt and not self._legal):
                continue
            if before and m.verification == V.none:
                m.verification = V.pending
                touched.append(m)
            elif not before and m.verification in not_yet_due:
                m.verification = V.due
                m.due_at, m.deadline_at = now, None
                touched.append(m)
        self._by(inp.actor, "complaint", say.complaint(inp.text, bool(inp.contact), before, [m.name for m in touched]))
        self._mutated()
        for m in touched if (not before or self._legal) else []:
            await self._due_now(m, now)
        return await self._changed()

    @complain.validator
    def validate_complain(self, inp: ComplaintInput) -> None:
        guards.complaint(self._view(), inp.actor, workflow.now())

    @workflow.update
    async def record_verification(self, inp: VerificationInput) -> ApplicationView:
        """A verification result (since organ-decisions): no credit record on the verifier's
        click; a failed re-verification proposes revocation; routine checks of any matter."""
        if not self._legal:
            return await self._verified_before_legal(inp)
        m, actor = self.case.matter(inp.matter), inp.actor
        routine = m.verification in ROUTINE
        m.findings = inp.findings
        if inp.truthful:
            rectified = m.verification == V.reverifying
            m.verification = V.rectified if rectified else V.true
            self._by(actor, "verify", say.found_true(m.name, routine, rectified, inp.findings))
            self._mutated()
            if rectified:
                await self._record_credits(("untrue_rectified", m.code, f"承诺不实，已按期整改到位：{inp.findings}"), by=actor)
            return await self._changed()
        if self.case.status in BEFORE_DECISION:
            if not self._terminates:
                return await self._terminated_before_organ(inp)
            m.verification = V.untrue  # the organ decides 终止办理 (cancel), with a number and a ground
            self._by(actor, "verify", say.found_untrue_before_decision(m.name, inp.findings))
            self._issue("finding", say.found_untrue_before_decision(m.name, inp.findings), [m.code])
            self._mutated()
            return await self._changed()
        if m.verification == V.reverifying:
            self._by(actor, "verify", say.reverification_failed(m.name, inp.findings))
            await self._propose([m], say.reverification_failed_grounds(m.name, inp.findings))
            self._mutated()
            return await self._changed()
        m.verification = V.untrue
        self._by(actor, "verify", say.found_untrue(m.name, routine, inp.findings))
        self._mutated()
        return await self._changed()

    @record_verification.validator
    def validate_record_verification(self, inp: VerificationInput) -> None:
        guards.verification(self._view(), inp.actor, workflow.now(), inp.matter, self._legal)

    @workflow.update
    async def submit_rectification(self, inp: RectificationInput) -> ApplicationView:
        m = self.case.matter(inp.matter)
        now = workflow.now()
        m.verification = V.reverifying
        m.due_at, m.deadline_at, m.escalated = now, None, False
        self._by(inp.actor, "rectification", say.rectification_submitted(m.name, inp.evidence))
        self._mutated()
        await self._due_now(m, now)
        return await self._changed()

    @submit_rectification.validator
    def validate_submit_rectification(self, inp: RectificationInput) -> None:
        guards.rectification(self._view(), inp.actor, workflow.now(), inp.matter, self._measures)
