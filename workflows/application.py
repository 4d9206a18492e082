"""ApplicationWorkflow: one application under 证明事项告知承诺制, from opening to closing.

The process (DESIGN.md, "An application's life"):
  open → eligibility per matter (catalogue entry, applicant's credit) → notify (a commitment
  letter per eligible matter, kept by hash) → per matter commit or prove, withdraw until the
  decision → 事中 verification → decide → after approval a verification timer per committed,
  non-exempt matter (working days, drawn by credit), complaints, escalation of overdue
  verification, disposition of untrue findings, rectification → close when the supervision
  window is over and every verification is settled.

Human steps are Updates whose validators refuse wrong roles and wrong states before anything
reaches history: opened, commit, submit_proof, withdraw_commitment, decide, complain,
record_verification, dispose, submit_rectification, cancel. Query: state.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.calendar import CalendarActivities
    from activities.catalogue import CatalogueActivities
    from activities.credit import CreditActivities
    from activities.letters import LetterActivities
    from activities.opening import OpeningActivities
    from activities.projection import ProjectionActivities
    from workflows.case import AWAITING_VERIFIER, NOT_YET_DUE, OPEN_FINDINGS, china_date, china_time, derived_status, next_deadline, ready_to_close
    from workflows.rules import (
        BEFORE_DECISION,
        CREDIT_KIND_OF,
        CREDIT_KINDS,
        DISPOSITION_LABELS,
        DISPOSITION_ROLES,
        FINAL_STATUSES,
        MAX_RECTIFY_DAYS,
        ROLE_LABELS,
        STATUS_LABELS,
        VERIFICATION_LABELS,
        check_action,
        check_transition,
        conflict,
        forbidden,
        ineligibility,
    )
    from workflows.types import (
        Actor,
        ApplicationStatus as S,
        ApplicationView,
        AssessCreditInput,
        CancelInput,
        CommitInput,
        ComplaintInput,
        CreditAssessment,
        CreditRecordInput,
        DecisionInput,
        DispositionAction as D,
        DispositionInput,
        LetterRef,
        RecordCreditsInput,
        LoadMattersInput,
        MatterCase,
        MatterEntry,
        MatterMode,
        OpenApplicationInput,
        OpenedCase,
        ProjectionInput,
        ProofInput,
        RecomputeInput,
        RectificationInput,
        RenderLettersInput,
        ScheduleInput,
        TimelineEntry,
        VerificationInput,
        VerificationSchedule,
        VerificationState as V,
        WithdrawInput,
    )

ACTIVITY_TIMEOUT = timedelta(seconds=30)
# Every activity is safe to repeat (writes key on business ids), so retry until the database
# or template store answers; a non-retryable ApplicationError still stops at once.
IDEMPOTENT_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))
SYSTEM = "system"
# Cases opened from here on read and project through local activities (a marker each, inside
# the workflow task, instead of a round trip through the task queue) and answer every Update
# with its full effect: due dates computed, the closing recorded, the current credit grade.
# Cases opened before keep the old path to the end of their life.
#
# A workflow task can run and then be thrown away (two Updates racing on one case: the server
# refuses the task's completion and a new attempt may accept the other Update). A local
# activity has then already run, on state that never happened. So local activities only read,
# or write what the next attempt overwrites (the projection rewrites the whole row and the
# timeline from its own count on); a credit record, which nobody may ever see unless it is
# true, is written by a regular activity, scheduled only once the task that decided it is
# committed.
LEAN = "lean-life"


def _sha256(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


@workflow.defn
class ApplicationWorkflow:
    @workflow.init
    def __init__(self, inp: OpenApplicationInput) -> None:
        self._inp = inp
        self._status = S.opening
        self._matters: dict[str, MatterCase] = {}
        self._entries: dict[str, MatterEntry] = {}
        self._credit: CreditAssessment | None = None
        self._grade_now: CreditAssessment | None = None  # after this case's own credit records
        self._timer: asyncio.Future[None] | None = None  # the supervision timer and its deadline
        self._timer_at: datetime | None = None
        self._events: list[TimelineEntry] = []
        self._projected = 0
        self._projections = 0
        self._lock = asyncio.Lock()
        self._wake = False
        self._penalized = False
        self._referred = False
        self._decision_reason: str | None = None
        self._opened_at: datetime | None = None
        self._approved_at: datetime | None = None
        self._window_end: datetime | None = None
        self._closed_at: datetime | None = None
        self._opened = False
        self._complained = False  # a complaint before the decision: every commitment is verified first

    # ---- the process -------------------------------------------------------------------

    @workflow.run
    async def run(self, inp: OpenApplicationInput) -> str:
        self._opened_at = workflow.now()
        actor = inp.opened_by
        self._by(actor, "open", f"受理申请「{inp.service}」，涉及证明事项{len(inp.matter_codes)}项")
        if self._lean:  # one local activity: entries, credit, letters
            opened: OpenedCase = await self._call(OpeningActivities.open_case, self._letters_input(inp.matter_codes))
            self._credit = opened.credit
            self._check_eligibility(opened.entries)
            self._notified(opened.letters)
        else:
            entries: list[MatterEntry] = await self._call(CatalogueActivities.load_matters, LoadMattersInput(inp.matter_codes))
            self._credit = await self._call(CreditActivities.assess_credit, AssessCreditInput(inp.applicant.id))
            self._check_eligibility(entries)
            await self._notify()
        self._refresh_status()
        await self._sync()
        self._opened = True

        await workflow.wait_condition(lambda: self._status not in BEFORE_DECISION)
        if self._approved_at is not None:  # approved, even if a complaint already moved the status on
            await self._supervise()
        return await self._finish()

    def _check_eligibility(self, entries: list[MatterEntry]) -> None:
        assert self._credit is not None
        for e in entries:
            self._entries[e.code] = e
            reason = ineligibility(e, self._credit)
            self._matters[e.code] = MatterCase(
                code=e.code,
                name=e.name,
                stage=e.verification_stage,
                exempt=e.verification_exempt,
                eligible=reason is None,
                ineligible_reason=reason,
                mode=MatterMode.undecided if reason is None else MatterMode.proof,
                verification_days=e.verification_days,
                deadline_days=e.verification_deadline_days,
            )
            if reason:
                self._system("eligibility", f"「{e.name}」须提交证明：{reason}")

    async def _notify(self) -> None:
        """Letters rendered on their own (cases opened before `open_case`)."""
        eligible = [m.code for m in self._matters.values() if m.eligible]
        if eligible:
            self._notified(await self._call(LetterActivities.render_letters, self._letters_input(eligible)))

    def _letters_input(self, codes: list[str]) -> RenderLettersInput:
        return RenderLettersInput(
            application_id=self._inp.application_id,
            applicant=self._inp.applicant,
            service=self._inp.service,
            issued_on=china_date(workflow.now()).isoformat(),
            matter_codes=codes,
        )

    def _notified(self, letters: list[LetterRef]) -> None:
        for letter in letters:
            self._matters[letter.matter_code].letter_sha256 = letter.sha256
        if letters:
            names = "、".join(self._matters[letter.matter_code].name for letter in letters)
            self._system("notify", f"已书面告知证明事项告知承诺书：{names}")

    def _plan_verification(self) -> None:
        """At approval, in the same step: which committed matters get verified, drawn by credit.

        Done synchronously so a complaint or a result arriving while due dates are still being
        computed finds every matter already in its verification state.
        """
        assert self._credit is not None
        for m in self._matters.values():
            if m.mode != MatterMode.commitment or m.verification == V.true:
                continue
            if m.exempt:
                m.verification = V.exempt
                continue
            if self._credit.clean:
                draw = workflow.random().random()
                m.sampled = draw < self._inp.sampling_probability
                note = f"信用良好，随机抽取（抽中概率{self._inp.sampling_probability:.0%}，抽签值{draw:.3f}）"
            else:
                m.sampled = True
                note = f"信用等级{self._credit.grade}，全部核查"
            m.verification = V.scheduled if m.sampled else V.sampled_out
            self._system("sampling", f"「{m.name}」{'列入' if m.sampled else '未抽中'}事后核查：{note}")
        window = max((e.supervision_days for e in self._entries.values()), default=0)
        assert self._approved_at is not None
        self._window_end = self._approved_at + timedelta(days=window)

    async def _supervise(self) -> None:
        """After approval: wake on each deadline or action until the case can close."""
        if not self._lean:  # cases approved before the decision computed its own due dates
            await self._schedule_drawn()
            self._refresh_status()
            await self._sync()

        while not ready_to_close(self._matters.values(), self._window_end, workflow.now()):
            self._wake = False
            deadline = next_deadline(self._matters.values(), self._window_end, workflow.now())
            if self._lean:
                await self._until(deadline)
            else:
                timeout = max(deadline - workflow.now(), timedelta(seconds=1)) if deadline else None
                try:
                    await workflow.wait_condition(lambda: self._wake or self._status in FINAL_STATUSES, timeout=timeout)
                except TimeoutError:
                    pass
            if self._status in FINAL_STATUSES:
                self._stop_timer()
                return
            if await self._fire_deadlines():
                self._refresh_status()
                await self._sync()
        self._stop_timer()
        self._set_status(S.rectified if any(m.verification == V.rectified for m in self._matters.values()) else S.fulfilled)
        if self._status == S.fulfilled and any(m.mode == MatterMode.commitment for m in self._matters.values()):
            await self._record_credits(("kept_promise", None, "监管期满，承诺均已履行"))

    async def _until(self, deadline: datetime | None) -> None:
        """Sleep until the deadline or the next action. The timer stands across actions that
        leave the deadline where it was: one timer per deadline, not one per action."""
        if deadline != self._timer_at:
            self._stop_timer()
            if deadline:
                seconds = max((deadline - workflow.now()).total_seconds(), 1.0)
                self._timer, self._timer_at = asyncio.ensure_future(asyncio.sleep(seconds)), deadline
        woke = asyncio.ensure_future(workflow.wait_condition(lambda: self._wake or self._status in FINAL_STATUSES))
        await workflow.wait([f for f in (self._timer, woke) if f], return_when=asyncio.FIRST_COMPLETED)
        woke.cancel()
        if self._timer and self._timer.done():
            self._timer, self._timer_at = None, None

    def _stop_timer(self) -> None:
        if self._timer:
            self._timer.cancel()
        self._timer, self._timer_at = None, None

    async def _schedule_drawn(self) -> None:
        """A due date for every matter drawn at approval."""
        assert self._approved_at is not None
        for m in self._matters.values():
            if m.verification != V.scheduled:
                continue
            sched = await self._schedule(m, self._approved_at, m.verification_days)
            if sched and m.verification == V.scheduled:  # not made due by a complaint meanwhile
                self._apply(m, sched, sched.due_at)
                self._system("schedule", f"「{m.name}」事后核查于{china_time(m.due_at)}到期{self._calendar_note(m)}")

    async def _fire_deadlines(self) -> bool:
        now = workflow.now()
        fired = False
        for m in self._matters.values():
            if m.verification == V.scheduled and m.due_at and m.due_at <= now:
                m.verification = V.due
                self._system("due", f"「{m.name}」事后核查到期，请核查人员于{china_time(m.deadline_at)}前登记结果")
                fired = True
            elif m.verification in AWAITING_VERIFIER and m.deadline_at and m.deadline_at <= now and not m.escalated:
                m.escalated = True
                self._system("escalate", f"「{m.name}」核查逾期未登记结果，已上报负责人督办（不视为核查通过）")
                fired = True
            elif m.verification == V.rectifying and m.rectify_by and m.rectify_by <= now:
                m.verification = V.revoked
                self._system("rectify_missed", f"「{m.name}」逾期未整改，撤销行政决定")
                self._set_status(S.revoked)
                await self._record_credits(("revoked", m.code, "逾期未整改，撤销行政决定"))
                return True
        return fired

    async def _finish(self) -> str:
        if self._status not in FINAL_STATUSES:
            # A bug, not a business outcome: fail the workflow task (it retries and shows in the
            # UI) rather than the case, so a fixed worker carries the case on from here.
            raise RuntimeError(f"closing in non-final status {self._status}")
        if self._lean or workflow.patched("close-after-handlers"):
            # the measures of a final action (penalty, referral) are on record before the close
            await workflow.wait_condition(workflow.all_handlers_finished)
        if self._closed_at is None:  # not closed yet by the action that made the case final
            self._close()
            await self._sync()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._status.value

    def _close(self) -> None:
        self._closed_at = workflow.now()
        self._system("close", f"办结：{STATUS_LABELS[self._status]}")

    # ---- updates -------------------------------------------------------------------------

    @workflow.update
    async def opened(self) -> ApplicationView:
        """Returns the case once it is notified and projected (for the opening POST)."""
        await workflow.wait_condition(lambda: self._opened)
        return self._view()

    @workflow.update
    async def commit(self, inp: CommitInput) -> ApplicationView:
        m = self._matters[inp.matter]
        now = workflow.now()
        m.mode = MatterMode.commitment
        m.committed_at = now
        m.withdrawn_reason = None
        m.commitment_sha256 = _sha256(m.letter_sha256 or "", inp.actor.id, now.isoformat())
        verify_first = m.stage == "during" or self._complained
        m.verification = V.pending if (verify_first and not m.exempt) else V.none
        self._by(inp.actor, "commit", f"签署「{m.name}」告知承诺书（承诺书摘要 {(m.letter_sha256 or '')[:12]}）")
        self._mutated()
        return await self._changed()

    @commit.validator
    def validate_commit(self, inp: CommitInput) -> None:
        m = self._check(inp.actor, "commit", inp.matter)
        if not m.eligible:
            raise conflict(f"「{m.name}」不能以承诺方式办理：{m.ineligible_reason}")
        if m.mode == MatterMode.commitment:
            raise conflict(f"「{m.name}」已作出承诺")
        if m.mode == MatterMode.proof:
            raise conflict(f"「{m.name}」已选择提交证明")
        if inp.letter_sha256 and inp.letter_sha256 != m.letter_sha256:
            raise conflict("承诺书版本与告知的版本不一致，请阅读最新告知承诺书后再承诺")

    @workflow.update
    async def submit_proof(self, inp: ProofInput) -> ApplicationView:
        m = self._matters[inp.matter]
        m.mode = MatterMode.proof
        m.proof_sha256 = _sha256(inp.document)
        self._by(inp.actor, "proof", f"提交「{m.name}」证明材料：{inp.document}")
        self._mutated()
        return await self._changed()

    @submit_proof.validator
    def validate_submit_proof(self, inp: ProofInput) -> None:
        m = self._check(inp.actor, "proof", inp.matter)
        if m.mode == MatterMode.commitment:
            raise conflict(f"「{m.name}」已作出承诺；如改为提交证明，请先撤回承诺")
        if m.proof_sha256:
            raise conflict(f"「{m.name}」的证明材料已提交")

    @workflow.update
    async def withdraw_commitment(self, inp: WithdrawInput) -> ApplicationView:
        m = self._matters[inp.matter]
        m.mode = MatterMode.proof
        m.withdrawn_reason = inp.reason
        m.commitment_sha256 = None
        m.verification = V.none
        self._by(inp.actor, "withdraw", f"撤回「{m.name}」承诺，改按原程序提交证明。理由：{inp.reason}")
        self._mutated()
        return await self._changed()

    @withdraw_commitment.validator
    def validate_withdraw_commitment(self, inp: WithdrawInput) -> None:
        m = self._check(inp.actor, "withdraw", inp.matter)
        if m.mode != MatterMode.commitment:
            raise conflict(f"「{m.name}」没有可撤回的承诺")

    @workflow.update
    async def decide(self, inp: DecisionInput) -> ApplicationView:
        self._decision_reason = inp.reason
        if inp.approve:
            self._approved_at = workflow.now()
            self._set_status(S.approved)
            self._by(inp.actor, "approve", f"作出准予决定。理由：{inp.reason}")
            self._plan_verification()
            self._mutated()
            if self._lean:  # the decision's answer carries the due dates
                await self._schedule_drawn()
        else:
            self._set_status(S.rejected)
            self._by(inp.actor, "reject", f"作出不予批准决定。理由：{inp.reason}")
            self._mutated()
        return await self._changed()

    @decide.validator
    def validate_decide(self, inp: DecisionInput) -> None:
        check_action("decision", inp.actor, self._status, self._inp.applicant.id)
        pending = [m.name for m in self._matters.values() if m.verification == V.pending]
        if inp.approve and pending:
            raise conflict(f"事中核查尚未完成：{'、'.join(pending)}")

    @workflow.update
    async def complain(self, inp: ComplaintInput) -> ApplicationView:
        now = workflow.now()
        before = self._status in BEFORE_DECISION
        self._complained = self._complained or before
        touched = []
        for m in self._matters.values():
            if m.mode != MatterMode.commitment or m.exempt:
                continue
            if before and m.verification == V.none:
                m.verification = V.pending
                touched.append(m)
            elif not before and m.verification in NOT_YET_DUE:
                m.verification = V.due
                m.due_at, m.deadline_at = now, None
                touched.append(m)
        names = "、".join(m.name for m in touched) or "无待核查的承诺事项"
        effect = "决定前须先行核查" if before else "核查即时到期"
        self._by(inp.actor, "complaint", f"收到投诉举报：{inp.text}。{effect}：{names}")
        self._mutated()
        for m in touched if not before else []:
            await self._due_now(m, now)
        return await self._changed()

    @complain.validator
    def validate_complain(self, inp: ComplaintInput) -> None:
        check_action("complaint", inp.actor, self._status, self._inp.applicant.id)

    @workflow.update
    async def record_verification(self, inp: VerificationInput) -> ApplicationView:
        m = self._matters[inp.matter]
        m.findings = inp.findings
        actor = inp.actor
        if inp.truthful:
            m.verification = V.rectified if m.verification == V.reverifying else V.true
            self._by(actor, "verify", f"「{m.name}」{'整改复核通过' if m.verification == V.rectified else '核查属实'}：{inp.findings}")
            self._mutated()
            return await self._changed()
        if self._status in BEFORE_DECISION:
            m.verification = V.untrue
            self._set_status(S.terminated)
            self._by(actor, "verify", f"「{m.name}」事中核查发现承诺不实，终止办理：{inp.findings}")
            self._mutated()
            await self._record_credits(("false_commitment", m.code, f"事中核查承诺不实：{inp.findings}"))
            return await self._changed()
        if m.verification == V.reverifying:
            m.verification = V.revoked
            self._set_status(S.revoked)
            self._by(actor, "verify", f"「{m.name}」整改复核仍不符合，撤销行政决定：{inp.findings}")
            self._mutated()
            await self._record_credits(("revoked", m.code, f"整改复核不合格：{inp.findings}"))
            return await self._changed()
        m.verification = V.untrue
        self._by(actor, "verify", f"「{m.name}」事后核查发现承诺不实，待处置：{inp.findings}")
        self._mutated()
        await self._record_credits(("false_commitment", m.code, f"事后核查承诺不实：{inp.findings}"))
        return await self._changed()

    @record_verification.validator
    def validate_record_verification(self, inp: VerificationInput) -> None:
        m = self._check(inp.actor, "verification", inp.matter)
        allowed = (V.pending,) if self._status in BEFORE_DECISION else (V.scheduled, V.due, V.reverifying)
        if m.verification not in allowed:
            raise conflict(f"「{m.name}」当前为「{VERIFICATION_LABELS[m.verification]}」，不能登记核查结果")

    @workflow.update
    async def dispose(self, inp: DispositionInput) -> ApplicationView:
        """Every measure's state first, in this step; the credit records after."""
        now, actor, reason = workflow.now(), inp.actor, inp.reason
        actions = self._actions(inp)
        awaiting = self._awaiting_disposition()
        for action in actions:
            label = DISPOSITION_LABELS[action]
            if action == D.rectify:
                assert inp.deadline_days is not None
                by = now + timedelta(days=inp.deadline_days)
                for m in awaiting:
                    m.verification, m.rectify_by = V.rectifying, by
                self._by(actor, "rectify", f"{label}，限{inp.deadline_days}日内（{china_time(by)}前）整改。理由：{reason}")
            elif action == D.revoke:  # the decision goes, with every open finding
                for m in self._open_findings():
                    m.verification = V.revoked
                self._set_status(S.revoked)
                self._by(actor, "revoke", f"{label}。理由：{reason}")
            else:
                self._penalized = self._penalized or action == D.penalize
                self._referred = self._referred or action == D.refer
                self._by(actor, action.value, f"{label}。理由：{reason}")
        self._mutated()
        await self._record_credits(*((CREDIT_KIND_OF[a], None, reason) for a in actions if a != D.rectify))
        return await self._changed()

    @dispose.validator
    def validate_dispose(self, inp: DispositionInput) -> None:
        check_action("disposition", inp.actor, self._status, self._inp.applicant.id)
        actions = self._actions(inp)
        for action in actions:
            if inp.actor.role not in DISPOSITION_ROLES[action]:
                raise forbidden(f"{DISPOSITION_LABELS[action]}须由负责人作出")
        if any(a in (D.rectify, D.revoke) for a in inp.also):
            raise conflict("整改与撤销只能作为主处置措施")
        if inp.action in (D.rectify, D.revoke) and not self._awaiting_disposition():
            raise conflict("没有待处置的不实承诺")
        if inp.action in (D.penalize, D.refer) and self._awaiting_disposition():
            raise conflict("不实承诺待处置：行政处罚、移送司法机关须与责令整改或撤销一并作出（also）")
        if not self._open_findings():
            raise conflict("本案没有核查不实的承诺，不能处置")
        if inp.action == D.rectify and not (inp.deadline_days and 1 <= inp.deadline_days <= MAX_RECTIFY_DAYS):
            raise conflict(f"责令整改须给出1至{MAX_RECTIFY_DAYS}日的期限")
        if D.penalize in actions and self._penalized:
            raise conflict("已作出行政处罚")
        if D.refer in actions and self._referred:
            raise conflict("已移送司法机关")

    @workflow.update
    async def submit_rectification(self, inp: RectificationInput) -> ApplicationView:
        m = self._matters[inp.matter]
        now = workflow.now()
        m.verification = V.reverifying
        m.due_at, m.deadline_at, m.escalated = now, None, False
        self._by(inp.actor, "rectification", f"提交「{m.name}」整改材料：{inp.evidence}，待复核")
        self._mutated()
        await self._due_now(m, now)
        return await self._changed()

    @submit_rectification.validator
    def validate_submit_rectification(self, inp: RectificationInput) -> None:
        m = self._check(inp.actor, "rectification", inp.matter)
        if m.verification != V.rectifying:
            raise conflict(f"「{m.name}」没有待整改的事项")
        if m.rectify_by and workflow.now() >= m.rectify_by:
            raise conflict(f"「{m.name}」整改期限已过")

    @workflow.update
    async def cancel(self, inp: CancelInput) -> ApplicationView:
        self._set_status(S.cancelled)
        self._by(inp.actor, "cancel", f"撤回申请。理由：{inp.reason}")
        self._mutated()
        return await self._changed()

    @cancel.validator
    def validate_cancel(self, inp: CancelInput) -> None:
        check_action("cancel", inp.actor, self._status, self._inp.applicant.id)

    @workflow.update
    async def recompute_deadlines(self, inp: RecomputeInput) -> ApplicationView:
        """The calendar changed (a State Council notice was entered): every pending deadline
        is computed again, from the same start, on the new calendar."""
        changed = []
        for m in list(self._matters.values()):
            if m.verification == V.scheduled and self._approved_at:
                sched = await self._schedule(m, self._approved_at, m.verification_days)
                if sched and m.verification == V.scheduled:
                    self._apply(m, sched, sched.due_at)
                    changed.append(f"「{m.name}」核查到期日{china_time(m.due_at)}")
            elif m.verification in AWAITING_VERIFIER and m.due_at:
                due = m.due_at
                sched = await self._schedule(m, due, 0)
                if sched and m.verification in AWAITING_VERIFIER:
                    self._apply(m, sched, due)
                    changed.append(f"「{m.name}」核查期限{china_time(m.deadline_at)}")
        self._by(inp.actor, "recompute", f"依据录入的节假日安排（{inp.source}）重新计算期限：{'；'.join(changed) or '无待计算的期限'}")
        self._mutated()
        return await self._changed()

    @recompute_deadlines.validator
    def validate_recompute_deadlines(self, inp: RecomputeInput) -> None:
        check_action("recompute", inp.actor, self._status, self._inp.applicant.id)

    @workflow.query
    def state(self) -> ApplicationView:
        return self._view()

    # ---- helpers ---------------------------------------------------------------------------

    def _check(self, actor: Actor, action: str, code: str) -> MatterCase:
        check_action(action, actor, self._status, self._inp.applicant.id)
        if code not in self._matters:
            raise conflict(f"本申请不涉及证明事项 {code}")
        return self._matters[code]

    @staticmethod
    def _actions(inp: DispositionInput) -> list[D]:
        return [inp.action, *(a for a in dict.fromkeys(inp.also) if a != inp.action)]

    def _awaiting_disposition(self) -> list[MatterCase]:
        return [m for m in self._matters.values() if m.verification == V.untrue]

    def _open_findings(self) -> list[MatterCase]:
        return [m for m in self._matters.values() if m.verification in OPEN_FINDINGS]

    def _mutated(self) -> None:
        """Right after an action's state changes, before its first await: derive the status, so
        no other handler ever sees matters and status disagree."""
        self._refresh_status()

    async def _changed(self) -> ApplicationView:
        """After an action's effects: close the case if the action ended it, wake the
        supervisor, project, and answer with the case as it now stands."""
        self._wake = True
        if self._lean and self._status in FINAL_STATUSES and self._closed_at is None:
            self._close()
        await self._sync()
        return self._view()

    @property
    def _lean(self) -> bool:
        return workflow.patched(LEAN)

    def _refresh_status(self) -> None:
        self._set_status(derived_status(self._status, self._matters.values()))

    def _set_status(self, status: S) -> None:
        check_transition(self._status, status)
        self._status = status

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
            and workflow.patched("escalation-follows-new-deadline")
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

    async def _record_credits(self, *facts: tuple[str, str | None, str]) -> None:
        """Credit records (kind, matter, note), each written once; a lean case then knows the
        applicant's grade as the archive now stands."""
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
            )
            for kind, matter, note in facts
        ]
        if self._lean:  # a regular activity, never a local one: see LEAN
            self._grade_now = await workflow.execute_activity_method(
                CreditActivities.record_credits,
                RecordCreditsInput(self._inp.applicant.id, records),
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=IDEMPOTENT_RETRY,
            )
            return
        for record in records:
            await self._call(CreditActivities.record_credit, record)

    async def _sync(self) -> None:
        """Write the read model: the projection is serialized so a later state always wins."""
        async with self._lock:
            new = self._events[self._projected :]
            # Ordered by workflow time, then by count: still increasing after a Reset, which
            # replays the counter from the reset point but not the clock.
            self._projections += 1
            seq = int(workflow.now().timestamp() * 1_000_000) * 1000 + self._projections % 1000
            await self._call(
                ProjectionActivities.project_application, ProjectionInput(self._view(), new, seq, self._projected)
            )
            self._projected += len(new)

    async def _call(self, fn: Callable[..., Any], arg: Any) -> Any:
        if self._lean:
            return await workflow.execute_local_activity_method(
                fn, arg, start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=IDEMPOTENT_RETRY
            )
        return await workflow.execute_activity_method(
            fn, arg, start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=IDEMPOTENT_RETRY
        )

    def _by(self, actor: Actor, action: str, summary: str) -> None:
        self._event(actor.id, actor.role, action, summary)

    def _system(self, action: str, summary: str) -> None:
        self._event(SYSTEM, SYSTEM, action, summary)

    def _event(self, actor_id: str, role: str, action: str, summary: str) -> None:
        who = "系统" if role == SYSTEM else f"{ROLE_LABELS[role]}（{actor_id}）"  # type: ignore[index]
        self._events.append(
            TimelineEntry(len(self._events) + 1, workflow.now(), actor_id, str(role), action, f"{who}：{summary}")
        )

    @staticmethod
    def _calendar_note(m: MatterCase) -> str:
        return f"（暂定：{m.calendar_note}）" if m.provisional_deadline else ""

    def _view(self) -> ApplicationView:
        credit = self._grade_now or self._credit
        return ApplicationView(
            application_id=self._inp.application_id,
            applicant=self._inp.applicant,
            service=self._inp.service,
            status=self._status,
            matters=list(self._matters.values()),
            credit_grade=credit.grade if credit else None,
            barred_reason=credit.reason if credit and credit.barred else None,
            penalized=self._penalized,
            referred=self._referred,
            decision_reason=self._decision_reason,
            approved_at=self._approved_at,
            window_ends_at=self._window_end,
            closed_at=self._closed_at,
            opened_at=self._opened_at,
        )
