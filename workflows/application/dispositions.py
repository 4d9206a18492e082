"""Measures on an untrue promise: an order to rectify by a deadline, revocation (proposed: the
hearing decides), a penalty, a referral to the judiciary; each with its number and basis."""

from __future__ import annotations

from temporalio import workflow

from workflows.application import wording as say
from workflows.application.before_patches import BeforePatches

with workflow.unsafe.imports_passed_through():
    from workflows import guards
    from workflows.rules import DISPOSITION_LABELS, FOLLOW_UP, MAX_RECTIFY_DAYS, conflict
    from workflows.types import (
        ApplicationView,
        DispositionAction as D,
        DispositionInput,
        VerificationState as V,
    )


class Dispositions(BeforePatches):
    @workflow.update
    async def dispose(self, inp: DispositionInput) -> ApplicationView:
        """Every measure's state first, in this step; the credit records after. Rectify orders,
        revoke proposes (the statement period first), penalty and referral are decisions of
        their own with number and basis."""
        if not self._legal:
            return await self._disposed_before_legal(inp)
        actor, reason, c = inp.actor, inp.reason, self.case
        actions = self._actions(inp)
        awaiting = self._awaiting_disposition()
        credits: list[tuple[str, str | None, str]] = []
        closes = inp.action in (D.penalize, D.refer)  # alone: the measure closes the open untrue findings
        if self._measures and c.status not in FOLLOW_UP:  # the decision stands: only a recorded ground keeps it
            closes = inp.action == D.penalize and bool(inp.keep_decision)
        if closes:
            for m in awaiting:
                m.verification = V.disposed
        left_open = awaiting and not closes and inp.action in (D.penalize, D.refer)
        for action in actions:
            if action == D.rectify:
                self._order_rectification(inp, awaiting)
            elif action == D.penalize:
                c.penalized = True
                kept = inp.keep_decision if self._measures else None
                words = self._decided("penalize", actor, reason, c.procedure.penalty_basis, inp.decision_no, keeps_decision=kept)
                text = say.penalized(reason, words) + (say.decision_kept(kept) if kept else "")
                self._by(actor, "penalize", text)
                self._issue("penalize", text, [m.code for m in awaiting], inp.decision_no)
                credits.append(("penalized", None, f"{reason}（{inp.decision_no}）"))
            elif action == D.refer:
                c.referred = True
                words = self._decided(
                    "refer", actor, reason, c.procedure.referral_basis, inp.decision_no, inp.receiving_organ, remedies=False
                )
                self._by(actor, "refer", say.referred(inp.receiving_organ, reason, words))
                self._issue(
                    "refer", say.referred(inp.receiving_organ, reason, words), [m.code for m in awaiting], inp.decision_no
                )
                credits.append(("referred_pending", None, f"{reason}（{inp.decision_no}，移送{inp.receiving_organ}）"))
        if left_open:
            self._system("finding_open", say.FINDING_STAYS_OPEN)
        self._mutated()
        if inp.action == D.revoke:  # since measures-keep-rights never a matter whose rectification runs
            states = (V.untrue,) if self._measures else (V.untrue, V.rectifying)
            findings = [m for m in c.matters if m.verification in states]
            await self._propose(findings, reason, actor)
            self._mutated()
        if credits:
            await self._record_credits(*credits, by=actor)
        return await self._changed()

    @dispose.validator
    def validate_dispose(self, inp: DispositionInput) -> None:
        actions = self._actions(inp)
        if not self._legal:
            self._validate_disposition_before_legal(inp, actions)
            return
        view, now = self._view(), workflow.now()
        for action in actions:  # what the case allows now, measure by measure
            guards.disposition(view, inp.actor, now, action, self._measures)
        if self._measures:
            guards.measures_together(view, inp.action, actions, inp.keep_decision)
        if any(a in (D.rectify, D.revoke) for a in inp.also):  # then what was sent
            raise conflict("整改与撤销只能作为主处置措施")
        if inp.action == D.rectify and not (inp.deadline_days and 1 <= inp.deadline_days <= MAX_RECTIFY_DAYS):
            raise conflict(f"责令整改须给出1至{MAX_RECTIFY_DAYS}日的期限")
        for action in actions:
            if action in (D.penalize, D.refer) and not inp.decision_no:
                raise conflict(f"{DISPOSITION_LABELS[action]}须注明决定书文号")
        if D.refer in actions and not inp.receiving_organ:
            raise conflict("移送司法机关须注明接收机关")
