"""Measures on an untrue promise: an order to rectify by a deadline, revocation (proposed: the
hearing decides), a penalty, a referral to the judiciary; each with its number and basis."""

from __future__ import annotations

from temporalio import workflow

from workflows.application import wording as say
from workflows.application.before_patches import BeforePatches

with workflow.unsafe.imports_passed_through():
    from workflows.case import FOUND_UNTRUE
    from workflows.rules import DISPOSITION_LABELS, DISPOSITION_ROLES, FOLLOW_UP, MAX_RECTIFY_DAYS, STATUS_LABELS, conflict, forbidden
    from workflows.types import (
        ApplicationStatus as S,
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
        if inp.action in (D.penalize, D.refer):  # alone: the measure closes the open untrue findings
            for m in awaiting:
                m.verification = V.disposed
        for action in actions:
            if action == D.rectify:
                self._order_rectification(inp, awaiting)
            elif action == D.penalize:
                c.penalized = True
                words = self._decided("penalize", actor, reason, c.procedure.penalty_basis, inp.decision_no)
                self._by(actor, "penalize", say.penalized(reason, words))
                credits.append(("penalized", None, f"{reason}（{inp.decision_no}）"))
            elif action == D.refer:
                c.referred = True
                words = self._decided("refer", actor, reason, c.procedure.referral_basis, inp.decision_no, inp.receiving_organ, remedies=False)
                self._by(actor, "refer", say.referred(inp.receiving_organ, reason, words))
                credits.append(("referred_pending", None, f"{reason}（{inp.decision_no}，移送{inp.receiving_organ}）"))
        self._mutated()
        if inp.action == D.revoke:
            findings = [m for m in c.matters if m.verification in (V.untrue, V.rectifying)]
            await self._propose(findings, reason, actor)
            self._mutated()
        if credits:
            await self._record_credits(*credits, by=actor)
        return await self._changed()

    @dispose.validator
    def validate_dispose(self, inp: DispositionInput) -> None:
        self._allowed("disposition", inp.actor)
        actions = self._actions(inp)
        for action in actions:
            if inp.actor.role not in DISPOSITION_ROLES[action]:
                raise forbidden(f"{DISPOSITION_LABELS[action]}须由负责人作出")
        if any(a in (D.rectify, D.revoke) for a in inp.also):
            raise conflict("整改与撤销只能作为主处置措施")
        if self._legal:
            self._validate_legal_disposition(inp, actions)
        else:
            self._validate_disposition_before_legal(inp, actions)

    def _validate_legal_disposition(self, inp: DispositionInput, actions: list[D]) -> None:
        """Since organ-decisions: penalty and referral stand alone on any untrue finding, also
        after 终止办理 or revocation while the follow-up period runs; revoke proposes."""
        c = self.case
        if c.status in FOLLOW_UP:
            if not self._in_follow_up():
                raise conflict("本案已办结，不能再作处置")
            if inp.action in (D.rectify, D.revoke):
                raise conflict(f"申请已「{STATUS_LABELS[c.status]}」，只能作出行政处罚或移送司法机关")
        if inp.action == D.rectify:
            if not self._awaiting_disposition():
                raise conflict("没有待处置的不实承诺")
            if not (inp.deadline_days and 1 <= inp.deadline_days <= MAX_RECTIFY_DAYS):
                raise conflict(f"责令整改须给出1至{MAX_RECTIFY_DAYS}日的期限")
        if inp.action == D.revoke:
            if c.hearing:
                raise conflict("撤销程序已启动，正在陈述申辩期，请在期满后作出决定")
            if not [m for m in c.matters if m.verification in (V.untrue, V.rectifying)]:
                raise conflict("没有待处置的不实承诺")
        if not any(m.verification in FOUND_UNTRUE or (c.status == S.terminated and m.verification == V.untrue) for m in c.matters):
            raise conflict("本案没有核查不实的承诺，不能处置")
        for action in actions:
            if action in (D.penalize, D.refer) and not inp.decision_no:
                raise conflict(f"{DISPOSITION_LABELS[action]}须注明决定书文号")
        if D.refer in actions and not inp.receiving_organ:
            raise conflict("移送司法机关须注明接收机关")
        if D.penalize in actions and c.penalized:
            raise conflict("已作出行政处罚")
        if D.refer in actions and c.referred:
            raise conflict("已移送司法机关")
