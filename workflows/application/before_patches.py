"""What cases opened before a patch still do, where the patch answers False (patches.py): kept
only to replay and carry on those cases. Delete each part when its patch retires
(docs/VERSIONING.md, "Retiring a patch"); new rules never go here."""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow

from workflows.application import wording as say
from workflows.application.notice import Notice

with workflow.unsafe.imports_passed_through():
    from activities.catalogue import CatalogueActivities
    from activities.credit import CreditActivities
    from activities.letters import LetterActivities
    from workflows import guards
    from workflows.rules import (
        BEFORE_DECISION,
        CREDIT_KIND_OF,
        DISPOSITION_LABELS,
        DISPOSITION_ROLES,
        FINAL_STATUSES,
        MAX_RECTIFY_DAYS,
        STATUS_LABELS,
        conflict,
        forbidden,
    )
    from workflows.types import (
        ApplicationStatus as S,
        ApplicationView,
        AssessCreditInput,
        DispositionAction as D,
        DispositionInput,
        LoadMattersInput,
        MatterCase,
        MatterEntry,
        MatterMode,
        OpenApplicationInput,
        VerificationInput,
        VerificationState as V,
    )


class BeforePatches(Notice):
    # ---- before organ-terminates: the verifier's 事中 finding ended the case at once ---------

    async def _terminated_before_organ(self, inp: VerificationInput) -> ApplicationView:
        m, actor = self.case.matter(inp.matter), inp.actor
        m.verification = V.untrue
        self._set_status(S.terminated)
        words = self._decided("terminate", actor, inp.findings, self.case.procedure.termination_basis)
        self._by(actor, "verify", say.found_untrue_terminated(m.name, inp.findings, words))
        self._start_follow_up()
        self._mutated()
        await self._record_credits(("terminated", m.code, f"事中核查承诺不实，终止办理：{inp.findings}"), by=actor)
        return await self._changed()

    # ---- before lean-life: activities through the task queue, due dates at supervision -------

    async def _open_before_lean(self, inp: OpenApplicationInput) -> None:
        entries: list[MatterEntry] = await self._call(CatalogueActivities.load_matters, LoadMattersInput(inp.matter_codes))
        self.case.credit = await self._call(CreditActivities.assess_credit, AssessCreditInput(inp.applicant.id))
        self._check_eligibility(entries)
        eligible = [m.code for m in self.case.matters if m.eligible]  # letters rendered on their own
        if eligible:
            self._notified(await self._call(LetterActivities.render_letters, self._letters_input(eligible)))

    async def _schedule_at_supervision_before_lean(self) -> None:
        """Cases approved before the decision computed its own due dates."""
        await self._schedule_drawn()
        self._refresh_status()
        await self._sync()

    async def _wait_before_lean(self, deadline: datetime | None) -> None:
        """A new timer at every wake-up."""
        timeout = max(deadline - workflow.now(), timedelta(seconds=1)) if deadline else None
        try:
            await workflow.wait_condition(lambda: self._wake or self.case.status in FINAL_STATUSES, timeout=timeout)
        except TimeoutError:
            pass

    # ---- before graded-measures: one chance for every clean applicant ------------------------

    def _draw_before_graded(self, m: MatterCase) -> None:
        credit = self.case.credit
        assert credit is not None
        if credit.clean:
            draw = workflow.random().random()
            m.sampled = draw < self._inp.sampling_probability
            note = f"信用良好，随机抽取（抽中概率{self._inp.sampling_probability:.0%}，抽签值{draw:.3f}）"
        else:
            m.sampled = True
            note = f"信用等级{credit.grade}，全部核查"
        m.verification = V.scheduled if m.sampled else V.sampled_out
        self._system("sampling", f"「{m.name}」{'列入' if m.sampled else '未抽中'}事后核查：{note}")

    # ---- before organ-decisions: the verifier's click decides, revocation at once --------------

    async def _close_before_legal(self) -> None:
        matters = self.case.matters
        self._set_status(S.rectified if any(m.verification == V.rectified for m in matters) else S.fulfilled)
        if self.case.status == S.fulfilled and any(m.mode == MatterMode.commitment for m in matters):
            await self._record_credits(("kept_promise", None, "监管期满，承诺均已履行"))

    async def _verified_before_legal(self, inp: VerificationInput) -> ApplicationView:
        m, actor = self.case.matter(inp.matter), inp.actor
        m.findings = inp.findings
        if inp.truthful:
            m.verification = V.rectified if m.verification == V.reverifying else V.true
            self._by(
                actor, "verify", f"「{m.name}」{'整改复核通过' if m.verification == V.rectified else '核查属实'}：{inp.findings}"
            )
            self._mutated()
            return await self._changed()
        if self.case.status in BEFORE_DECISION:
            m.verification = V.untrue
            self._set_status(S.terminated)
            self._by(actor, "verify", f"「{m.name}」事中核查发现承诺不实，终止办理：{inp.findings}")
            self._mutated()
            await self._record_credits(("false_commitment", m.code, f"事中核查承诺不实：{inp.findings}"), by=actor)
            return await self._changed()
        if m.verification == V.reverifying:
            m.verification = V.revoked
            self._set_status(S.revoked)
            self._by(actor, "verify", f"「{m.name}」整改复核仍不符合，撤销行政决定：{inp.findings}")
            self._mutated()
            await self._record_credits(("revoked", m.code, f"整改复核不合格：{inp.findings}"), by=actor)
            return await self._changed()
        m.verification = V.untrue
        self._by(actor, "verify", f"「{m.name}」事后核查发现承诺不实，待处置：{inp.findings}")
        self._mutated()
        await self._record_credits(("false_commitment", m.code, f"事后核查承诺不实：{inp.findings}"), by=actor)
        return await self._changed()

    async def _disposed_before_legal(self, inp: DispositionInput) -> ApplicationView:
        actor, reason = inp.actor, inp.reason
        actions = self._actions(inp)
        awaiting = self._awaiting_disposition()
        for action in actions:
            label = DISPOSITION_LABELS[action]
            if action == D.rectify:
                self._order_rectification(inp, awaiting)
            elif action == D.revoke:  # the decision goes, with every open finding
                for m in self._open_findings():
                    m.verification = V.revoked
                self._set_status(S.revoked)
                self._by(actor, "revoke", f"{label}。理由：{reason}")
            else:
                self.case.penalized = self.case.penalized or action == D.penalize
                self.case.referred = self.case.referred or action == D.refer
                self._by(actor, action.value, f"{label}。理由：{reason}")
        self._mutated()
        await self._record_credits(*((CREDIT_KIND_OF[a], None, reason) for a in actions if a != D.rectify), by=actor)
        return await self._changed()

    def _validate_disposition_before_legal(self, inp: DispositionInput, actions: list[D]) -> None:
        guards.who("disposition", self._view(), inp.actor)
        for action in actions:
            if inp.actor.role not in DISPOSITION_ROLES[action]:
                raise forbidden(f"{DISPOSITION_LABELS[action]}须由负责人作出")
        if any(a in (D.rectify, D.revoke) for a in inp.also):
            raise conflict("整改与撤销只能作为主处置措施")
        if self.case.status not in (S.verifying, S.rectifying):
            raise conflict(f"申请当前状态为「{STATUS_LABELS[self.case.status]}」，不能执行此操作")
        if inp.action in (D.rectify, D.revoke) and not self._awaiting_disposition():
            raise conflict("没有待处置的不实承诺")
        if inp.action in (D.penalize, D.refer) and self._awaiting_disposition():
            raise conflict("不实承诺待处置：行政处罚、移送司法机关须与责令整改或撤销一并作出（also）")
        if not self._open_findings():
            raise conflict("本案没有核查不实的承诺，不能处置")
        if inp.action == D.rectify and not (inp.deadline_days and 1 <= inp.deadline_days <= MAX_RECTIFY_DAYS):
            raise conflict(f"责令整改须给出1至{MAX_RECTIFY_DAYS}日的期限")
        if D.penalize in actions and self.case.penalized:
            raise conflict("已作出行政处罚")
        if D.refer in actions and self.case.referred:
            raise conflict("已移送司法机关")
