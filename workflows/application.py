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
from dataclasses import replace
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
    from credit.rules import METHOD_LABELS, RISK_LEVELS
    from workflows.search import CASE_STATUS, DEPARTMENTS, ESCALATED, MATTER_CODES, NEXT_DEADLINE
    from workflows.case import (
        AWAITING_VERIFIER,
        FOUND_UNTRUE,
        NOT_YET_DUE,
        OPEN_FINDINGS,
        ROUTINE,
        china_date,
        china_time,
        closing_status,
        derived_status,
        next_deadline,
        ready_to_close,
    )
    from workflows.rules import (
        BEFORE_DECISION,
        CREDIT_KIND_OF,
        CREDIT_KINDS,
        DECISION_LABELS,
        DISPOSITION_LABELS,
        DISPOSITION_ROLES,
        FINAL_STATUSES,
        FOLLOW_UP,
        MAX_RECTIFY_DAYS,
        ROLE_LABELS,
        STATUS_LABELS,
        VERIFICATION_LABELS,
        check_action,
        check_scope,
        check_transition,
        conflict,
        forbidden,
        ineligibility,
    )
    from workflows.types import (
        Actor,
        AdverseDecision,
        CloseInput,
        Hearing,
        Procedure,
        RevocationDecisionInput,
        Role,
        StatementInput,
        ApplicationStatus as S,
        ApplicationView,
        AssessCreditInput,
        CancelInput,
        CaseState,
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
# Cases opened from here on follow the seed where its consequences bite (issue 15): revocation
# is proposed, the applicant may state their case, the supervisor decides; daily supervision may
# verify any committed matter in its own window; penalty and referral stand alone and may follow
# 终止办理 or revocation in a follow-up period; honest closing; deadlines before the decision;
# credit records when the finding is final; paper commitments at the counter.
LEGAL = "organ-decisions"
# Cases opened from here on keep their search attributes current (workflows/search.py) and
# tell the Web UI their status in Chinese (current details).
SEARCHABLE = "search-attributes"
# Cases opened from here on continue as new, with their whole state, when their history grows
# long (Temporal ends a workflow whose history passes 51,200 events or 50 MB).
CONTINUABLE = "continue-as-new"
# Cases opened from here on take their measures from the credit office's rules (issue 18): the
# grade at opening and at approval named with the rule version, the chance of verification by
# grade and by the matter's risk level, the verification method.
GRADED = "graded-measures"


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
        # Decided once, at the first activation: validators may read it (they may not call patched).
        self._legal = workflow.patched(LEGAL)
        self._searchable = workflow.patched(SEARCHABLE)
        self._searched: dict[str, Any] = {}  # the search attributes as last upserted
        self._procedure = Procedure()
        self._decision_due_at: datetime | None = None
        self._decision_basis: str | None = None
        self._decision_overdue = False
        self._hearing: Hearing | None = None
        self._decisions: list[AdverseDecision] = []
        self._follow_up_until: datetime | None = None
        self._follow_up_closed = False
        self._continuable = workflow.patched(CONTINUABLE)
        self._graded = workflow.patched(GRADED)
        self._event_base = 0  # timeline entries of earlier runs
        self._run = 1
        if inp.resume:
            self._restore(inp.resume)

    # ---- the process -------------------------------------------------------------------

    @workflow.run
    async def run(self, inp: OpenApplicationInput) -> str:
        if inp.resume:
            await self._sync()  # search attributes and current details again, in this run
        else:
            await self._open(inp)

        if self._legal:  # 事中 verification deadlines and the 办理时限 run before the decision
            await self._watch(lambda: self._status in BEFORE_DECISION)
        else:
            await workflow.wait_condition(lambda: self._status not in BEFORE_DECISION)
        if self._approved_at is not None and not (inp.resume and self._status in FOLLOW_UP):
            await self._supervise()  # approved, even if a complaint already moved the status on
        if self._in_follow_up():
            await self._watch(self._in_follow_up)
        return await self._finish()

    async def _open(self, inp: OpenApplicationInput) -> None:
        self._opened_at = workflow.now()
        actor = inp.opened_by
        self._by(actor, "open", f"受理申请「{inp.service}」，涉及证明事项{len(inp.matter_codes)}项")
        if self._lean:  # one local activity: entries, credit, letters
            opened: OpenedCase = await self._call(OpeningActivities.open_case, self._letters_input(inp.matter_codes))
            self._credit = opened.credit
            self._procedure = opened.procedure or self._procedure
            self._decision_due_at, self._decision_basis = opened.decision_due_at, opened.decision_basis
            self._check_eligibility(opened.entries)
            self._notified(opened.letters)
        else:
            entries: list[MatterEntry] = await self._call(CatalogueActivities.load_matters, LoadMattersInput(inp.matter_codes))
            self._credit = await self._call(CreditActivities.assess_credit, AssessCreditInput(inp.applicant.id))
            self._check_eligibility(entries)
            await self._notify()
        if self._graded and self._credit and self._credit.rule_version:
            self._system("credit", f"受理时信用等级：{self._grade_words(self._credit)}")
        if self._decision_due_at:
            self._system("time_limit", f"办理时限至{china_time(self._decision_due_at)}")
        self._refresh_status()
        await self._sync()
        self._opened = True

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
            opened_at=workflow.now() if self._legal else None,
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
            if self._graded and self._credit.rule_version:
                self._draw(m)
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
        if self._legal:  # each matter keeps its own supervision period, as its letter says
            for m in self._matters.values():
                m.window_end = self._approved_at + timedelta(days=self._entries[m.code].supervision_days)

    def _draw(self, m: MatterCase) -> None:
        """Drawn for after-approval verification with the chance the rules give the applicant's
        grade for the matter's risk level; the draw, the chance and the rule version on record."""
        assert self._credit is not None
        level = self._entries[m.code].risk_level
        fixed = self._inp.sampling_fixed
        chance = self._inp.sampling_probability if fixed else self._credit.sampling.get(level, self._inp.sampling_probability)
        m.draw = workflow.random().random()
        m.sampled = m.draw < chance
        m.sampling_probability, m.risk_level = chance, level
        m.verification_method = self._credit.method or None
        m.verification = V.scheduled if m.sampled else V.sampled_out
        how = f"，{METHOD_LABELS[self._credit.method]}" if self._credit.method in METHOD_LABELS else ""
        self._system(
            "sampling",
            f"「{m.name}」{'列入' if m.sampled else '未抽中'}事后核查{how}：信用等级{self._credit.label or self._credit.grade}、"
            f"{RISK_LEVELS.get(level, level)}事项，抽查概率{chance:.0%}"
            f"（{'固定抽查概率 SAMPLING_PROBABILITY' if fixed else f'信用规则第{self._credit.rule_version}版'}），抽签值{m.draw:.3f}",
        )

    @staticmethod
    def _grade_words(credit: CreditAssessment) -> str:
        why = f"：{credit.reason}" if credit.reason else ""
        return f"{credit.label or credit.grade}（{credit.grade}级，信用规则第{credit.rule_version}版）{why}"

    async def _supervise(self) -> None:
        """After approval: wake on each deadline or action until the case can close."""
        if not self._lean:  # cases approved before the decision computed its own due dates
            await self._schedule_drawn()
            self._refresh_status()
            await self._sync()

        while not ready_to_close(self._matters.values(), self._window_end, workflow.now()):
            self._wake = False
            deadline = self._next_deadline()
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
            await self._continue_if_long()
        self._stop_timer()
        if self._legal:  # honest closing: 已履诺 only where verification found every promise true
            self._set_status(closing_status(self._matters.values()))
            if any(m.mode == MatterMode.commitment for m in self._matters.values()):
                if self._status == S.fulfilled:
                    await self._record_credits(("kept_promise", None, "监管期满，承诺经核查属实"))
                elif self._status == S.no_finding:
                    await self._record_credits(("no_finding", None, "监管期满，未发现承诺不实"))
            return
        self._set_status(S.rectified if any(m.verification == V.rectified for m in self._matters.values()) else S.fulfilled)
        if self._status == S.fulfilled and any(m.mode == MatterMode.commitment for m in self._matters.values()):
            await self._record_credits(("kept_promise", None, "监管期满，承诺均已履行"))

    async def _watch(self, going_on: Callable[[], bool]) -> None:
        """While `going_on`: wake on each deadline or action, fire what fell due, project."""
        while going_on():
            self._wake = False
            await self._until(self._next_deadline())
            if going_on() and await self._fire_deadlines():
                self._refresh_status()
                await self._sync()
            await self._continue_if_long()
        self._stop_timer()

    def _next_deadline(self) -> datetime | None:
        """The matters' next deadline, and since organ-decisions the 办理时限, the statement
        period and the follow-up period."""
        now = workflow.now()
        times = [next_deadline(self._matters.values(), self._window_end, now)]
        if self._legal:
            if self._status in BEFORE_DECISION and not self._decision_overdue:
                times.append(self._decision_due_at)
            if self._hearing and not self._hearing.period_over:
                times.append(self._hearing.statement_until)
            if self._in_follow_up():
                times.append(self._follow_up_until)
        return min((t for t in times if t), default=None)

    def _in_follow_up(self) -> bool:
        return self._follow_up_until is not None and not self._follow_up_closed

    async def _until(self, deadline: datetime | None) -> None:
        """Sleep until the deadline or the next action. The timer stands across actions that
        leave the deadline where it was: one timer per deadline, not one per action."""
        if deadline != self._timer_at:
            self._stop_timer()
            if deadline:
                seconds = max((deadline - workflow.now()).total_seconds(), 1.0)
                self._timer, self._timer_at = asyncio.ensure_future(asyncio.sleep(seconds)), deadline
        woke = asyncio.ensure_future(
            workflow.wait_condition(lambda: self._wake or (self._status in FINAL_STATUSES and not self._in_follow_up()))
        )
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
        if self._legal:
            fired = self._fire_case_deadlines(now)
        for m in self._matters.values():
            if m.verification == V.scheduled and m.due_at and m.due_at <= now:
                m.verification = V.due
                self._system("due", f"「{m.name}」事后核查到期，请核查人员于{china_time(m.deadline_at)}前登记结果")
                fired = True
            elif m.verification in AWAITING_VERIFIER and m.deadline_at and m.deadline_at <= now and not m.escalated:
                m.escalated = True
                stage = "事中核查" if m.verification == V.pending else "核查"
                self._system("escalate", f"「{m.name}」{stage}逾期未登记结果，已上报负责人督办（不视为核查通过）")
                fired = True
            elif m.verification == V.rectifying and m.rectify_by and m.rectify_by <= now and self._legal:
                # the deadline missed proposes revocation; the organ decides after the statement period
                await self._propose([m], f"「{m.name}」逾期未整改")
                return True
            elif m.verification == V.rectifying and m.rectify_by and m.rectify_by <= now:
                m.verification = V.revoked
                self._system("rectify_missed", f"「{m.name}」逾期未整改，撤销行政决定")
                self._set_status(S.revoked)
                await self._record_credits(("revoked", m.code, "逾期未整改，撤销行政决定"))
                return True
        return fired

    def _fire_case_deadlines(self, now: datetime) -> bool:
        """The 办理时限, the statement period and the follow-up period (since organ-decisions)."""
        fired = False
        if self._status in BEFORE_DECISION and self._decision_due_at and self._decision_due_at <= now and not self._decision_overdue:
            self._decision_overdue = True
            self._system("time_limit_overdue", f"已超过办理时限（{china_time(self._decision_due_at)}）尚未作出决定，已上报负责人督办")
            fired = True
        h = self._hearing
        if h and not h.period_over and h.statement_until and h.statement_until <= now:
            h.period_over = True
            said = "申请人已陈述、申辩" if h.statement else "申请人未陈述、申辩"
            self._system("statement_over", f"陈述申辩期满（{said}），待负责人作出是否撤销的决定")
            fired = True
        if self._in_follow_up() and self._follow_up_until and self._follow_up_until <= now:
            self._follow_up_closed = True
            self._system("follow_up_over", "后续处理期限届满")
            fired = True
        return fired

    async def _propose(self, matters: list[MatterCase], grounds: str, actor: Actor | None = None) -> None:
        """Revocation proposed (拟撤销): the grounds told, a statement period in working days."""
        now = workflow.now()
        for m in matters:
            m.verification = V.proposed
        self._hearing = Hearing(grounds=grounds, matters=[m.code for m in matters], proposed_at=now)
        self._refresh_status()  # before the first await: no handler sees matters and status disagree
        hearing = self._hearing
        sched = await self._call(  # to the end of the last working day of the period
            CalendarActivities.schedule_verification,
            ScheduleInput(start=now, working_days=0, deadline_working_days=self._procedure.statement_working_days),
        )
        hearing.statement_until = sched.deadline_at
        text = (
            f"拟撤销行政决定：{grounds}。已告知申请人拟作出决定的事实、理由及依据（{self._procedure.revoke_basis}），"
            f"申请人可于{china_time(sched.deadline_at)}前陈述、申辩（{self._procedure.statement_basis}）"
        )
        if actor:
            self._by(actor, "propose_revoke", text)
        else:
            self._system("propose_revoke", text)

    def _decided(self, kind: str, actor: Actor, reason: str, basis: str, decision_no: str | None = None,
                 receiving_organ: str | None = None, remedies: bool = True) -> str:
        """An adverse decision on record, with its basis and the applicant's remedies; returns
        the words the timeline adds."""
        self._decisions.append(
            AdverseDecision(
                kind=kind,
                label=DECISION_LABELS[kind],
                at=workflow.now(),
                actor_id=actor.id,
                reason=reason,
                basis=basis,
                remedies=self._procedure.remedies if remedies else "",
                decision_no=decision_no,
                receiving_organ=receiving_organ,
            )
        )
        no = f"（{decision_no}）" if decision_no else ""
        return f"{no}依据：{basis}。" + (f"救济途径：{self._procedure.remedies}" if remedies and self._procedure.remedies else "")

    def _start_follow_up(self) -> None:
        """终止办理 or revocation on an untrue promise: penalty and referral may still follow."""
        self._follow_up_until = workflow.now() + timedelta(days=self._procedure.follow_up_days)

    async def _continue_if_long(self) -> None:
        """A history grown long goes on in a new run of the same case, with the whole state
        (after every handler has finished and the read model has the last word)."""
        info = workflow.info()
        if not self._continuable or not (
            info.is_continue_as_new_suggested() or info.get_current_history_length() >= self._inp.continue_after_events
        ):
            return
        await workflow.wait_condition(workflow.all_handlers_finished)
        self._system("continue", f"案卷工作流历史较长，转入第{self._run + 1}段运行继续办理（状态与期限不变）")
        await self._sync()
        await workflow.wait_condition(workflow.all_handlers_finished)
        self._stop_timer()
        workflow.continue_as_new(replace(self._inp, resume=self._state()))

    def _state(self) -> CaseState:
        return CaseState(
            status=self._status,
            matters=list(self._matters.values()),
            entries=list(self._entries.values()),
            credit=self._credit,
            grade_now=self._grade_now,
            events=self._events[self._projected - self._event_base :],
            event_base=self._projected,
            projections=self._projections,
            penalized=self._penalized,
            referred=self._referred,
            decision_reason=self._decision_reason,
            opened_at=self._opened_at,
            approved_at=self._approved_at,
            window_end=self._window_end,
            closed_at=self._closed_at,
            complained=self._complained,
            procedure=self._procedure,
            decision_due_at=self._decision_due_at,
            decision_basis=self._decision_basis,
            decision_overdue=self._decision_overdue,
            hearing=self._hearing,
            decisions=list(self._decisions),
            follow_up_until=self._follow_up_until,
            follow_up_closed=self._follow_up_closed,
            run=self._run + 1,
        )

    def _restore(self, state: CaseState) -> None:
        self._status = state.status
        self._matters = {m.code: m for m in state.matters}
        self._entries = {e.code: e for e in state.entries}
        self._credit, self._grade_now = state.credit, state.grade_now
        self._events, self._event_base, self._projected = list(state.events), state.event_base, state.event_base
        self._projections = state.projections
        self._penalized, self._referred = state.penalized, state.referred
        self._decision_reason = state.decision_reason
        self._opened_at, self._approved_at = state.opened_at, state.approved_at
        self._window_end, self._closed_at = state.window_end, state.closed_at
        self._complained = state.complained
        self._procedure = state.procedure
        self._decision_due_at, self._decision_basis = state.decision_due_at, state.decision_basis
        self._decision_overdue = state.decision_overdue
        self._hearing = state.hearing
        self._decisions = list(state.decisions)
        self._follow_up_until, self._follow_up_closed = state.follow_up_until, state.follow_up_closed
        self._run = state.run
        self._opened = True

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
        verify_first = m.stage == "during" or self._complained
        m.verification = V.pending if (verify_first and not m.exempt) else V.none
        digest = (m.letter_sha256 or "")[:12]
        if inp.signature == "paper":  # signed at the counter, recorded by the caseworker
            m.commitment_sha256 = _sha256(m.letter_sha256 or "", self._inp.applicant.id, inp.scan_sha256 or "", now.isoformat())
            m.signature, m.scan_sha256, m.recorded_by = "paper", inp.scan_sha256, inp.actor.id
            self._by(inp.actor, "commit", f"录入申请人在窗口书面签署的「{m.name}」告知承诺书（承诺书摘要 {digest}，扫描件摘要 {(inp.scan_sha256 or '')[:12]}）")
        else:
            m.commitment_sha256 = _sha256(m.letter_sha256 or "", inp.actor.id, now.isoformat())
            m.signature = "online" if self._legal else None
            self._by(inp.actor, "commit", f"签署「{m.name}」告知承诺书（承诺书摘要 {digest}）")
        self._mutated()
        if self._legal and m.verification == V.pending:  # 事中 verification has its own deadline
            await self._due_now(m, now)
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
        if inp.actor.role == Role.caseworker and not (self._legal and inp.signature == "paper" and inp.scan_sha256):
            raise forbidden("承办人只能录入申请人在窗口书面签署的承诺书（signature=paper，附扫描件摘要），不得代为承诺")
        if inp.actor.role == Role.applicant and inp.signature != "online":
            raise conflict("书面承诺书须由承办人在窗口录入")

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
            if self._graded and inp.credit:  # the grade as it stands now decides the draw
                self._credit = inp.credit
                self._system("credit", f"作出决定时信用等级：{self._grade_words(inp.credit)}")
            self._plan_verification()
            self._mutated()
            if self._lean:  # the decision's answer carries the due dates
                await self._schedule_drawn()
        else:
            self._set_status(S.rejected)
            words = self._decided("reject", inp.actor, inp.reason, inp.reason) if self._legal else ""
            self._by(inp.actor, "reject", f"作出不予批准决定。理由：{inp.reason}{'。' + words if words else ''}")
            self._mutated()
        return await self._changed()

    @decide.validator
    def validate_decide(self, inp: DecisionInput) -> None:
        self._allowed("decision", inp.actor)
        pending = [m.name for m in self._matters.values() if m.verification == V.pending]
        if inp.approve and pending:
            raise conflict(f"事中核查尚未完成：{'、'.join(pending)}")

    @workflow.update
    async def complain(self, inp: ComplaintInput) -> ApplicationView:
        now = workflow.now()
        before = self._status in BEFORE_DECISION
        self._complained = self._complained or before
        touched = []
        not_yet_due = (*NOT_YET_DUE, V.exempt) if self._legal else NOT_YET_DUE  # exempt: verifiable on a complaint
        for m in self._matters.values():
            if m.mode != MatterMode.commitment or (m.exempt and not self._legal):
                continue
            if before and m.verification == V.none:
                m.verification = V.pending
                touched.append(m)
            elif not before and m.verification in not_yet_due:
                m.verification = V.due
                m.due_at, m.deadline_at = now, None
                touched.append(m)
        names = "、".join(m.name for m in touched) or "无待核查的承诺事项"
        effect = "决定前须先行核查" if before else "核查即时到期"
        contact = "（投诉人留有联系方式）" if inp.contact else ""
        self._by(inp.actor, "complaint", f"收到投诉举报{contact}：{inp.text}。{effect}：{names}")
        self._mutated()
        for m in touched if (not before or self._legal) else []:
            await self._due_now(m, now)
        return await self._changed()

    @complain.validator
    def validate_complain(self, inp: ComplaintInput) -> None:
        self._allowed("complaint", inp.actor)

    @workflow.update
    async def record_verification(self, inp: VerificationInput) -> ApplicationView:
        if self._legal:
            return await self._verified(inp)
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

    @record_verification.validator
    def validate_record_verification(self, inp: VerificationInput) -> None:
        m = self._check(inp.actor, "verification", inp.matter)
        allowed = (V.pending,) if self._status in BEFORE_DECISION else (V.scheduled, V.due, V.reverifying)
        if self._legal and m.verification in ROUTINE and self._status not in BEFORE_DECISION and m.mode == MatterMode.commitment:
            if m.window_end and workflow.now() >= m.window_end:
                raise conflict(f"「{m.name}」的监管期已于{china_time(m.window_end)}届满，不能再行核查")
            return  # daily supervision: any committed matter, any time within its own window
        if m.verification not in allowed:
            raise conflict(f"「{m.name}」当前为「{VERIFICATION_LABELS[m.verification]}」，不能登记核查结果")

    async def _verified(self, inp: VerificationInput) -> ApplicationView:
        """A verification result (since organ-decisions): no credit record on the verifier's
        click; a failed re-verification proposes revocation; routine checks of any matter."""
        m, actor = self._matters[inp.matter], inp.actor
        routine = "日常监管" if m.verification in ROUTINE else ""
        m.findings = inp.findings
        if inp.truthful:
            rectified = m.verification == V.reverifying
            m.verification = V.rectified if rectified else V.true
            self._by(actor, "verify", f"「{m.name}」{routine}{'整改复核通过' if rectified else '核查属实'}：{inp.findings}")
            self._mutated()
            if rectified:
                await self._record_credits(("untrue_rectified", m.code, f"承诺不实，已按期整改到位：{inp.findings}"), by=actor)
            return await self._changed()
        if self._status in BEFORE_DECISION:
            m.verification = V.untrue
            self._set_status(S.terminated)
            words = self._decided("terminate", actor, inp.findings, self._procedure.termination_basis)
            self._by(actor, "verify", f"「{m.name}」事中核查发现承诺不实，终止办理：{inp.findings}。{words}")
            self._start_follow_up()
            self._mutated()
            await self._record_credits(("terminated", m.code, f"事中核查承诺不实，终止办理：{inp.findings}"), by=actor)
            return await self._changed()
        if m.verification == V.reverifying:
            self._by(actor, "verify", f"「{m.name}」整改复核仍不符合：{inp.findings}")
            await self._propose([m], f"「{m.name}」整改复核仍不符合（{inp.findings}）")
            self._mutated()
            return await self._changed()
        m.verification = V.untrue
        self._by(actor, "verify", f"「{m.name}」{routine}核查发现承诺不实，待处置：{inp.findings}")
        self._mutated()
        return await self._changed()

    @workflow.update
    async def dispose(self, inp: DispositionInput) -> ApplicationView:
        """Every measure's state first, in this step; the credit records after."""
        if self._legal:
            return await self._disposed(inp)
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
                self._penalized = self._penalized or action == D.penalize
                self._referred = self._referred or action == D.refer
                self._by(actor, action.value, f"{label}。理由：{reason}")
        self._mutated()
        await self._record_credits(*((CREDIT_KIND_OF[a], None, reason) for a in actions if a != D.rectify), by=actor)
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
            return
        if self._status not in (S.verifying, S.rectifying):
            raise conflict(f"申请当前状态为「{STATUS_LABELS[self._status]}」，不能执行此操作")
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

    def _validate_legal_disposition(self, inp: DispositionInput, actions: list[D]) -> None:
        """Since organ-decisions: penalty and referral stand alone on any untrue finding, also
        after 终止办理 or revocation while the follow-up period runs; revoke proposes."""
        if self._status in FOLLOW_UP:
            if not self._in_follow_up():
                raise conflict("本案已办结，不能再作处置")
            if inp.action in (D.rectify, D.revoke):
                raise conflict(f"申请已「{STATUS_LABELS[self._status]}」，只能作出行政处罚或移送司法机关")
        if inp.action == D.rectify:
            if not self._awaiting_disposition():
                raise conflict("没有待处置的不实承诺")
            if not (inp.deadline_days and 1 <= inp.deadline_days <= MAX_RECTIFY_DAYS):
                raise conflict(f"责令整改须给出1至{MAX_RECTIFY_DAYS}日的期限")
        if inp.action == D.revoke:
            if self._hearing:
                raise conflict("撤销程序已启动，正在陈述申辩期，请在期满后作出决定")
            if not [m for m in self._matters.values() if m.verification in (V.untrue, V.rectifying)]:
                raise conflict("没有待处置的不实承诺")
        if not any(m.verification in FOUND_UNTRUE or (self._status == S.terminated and m.verification == V.untrue) for m in self._matters.values()):
            raise conflict("本案没有核查不实的承诺，不能处置")
        for action in actions:
            if action in (D.penalize, D.refer) and not inp.decision_no:
                raise conflict(f"{DISPOSITION_LABELS[action]}须注明决定书文号")
        if D.refer in actions and not inp.receiving_organ:
            raise conflict("移送司法机关须注明接收机关")
        if D.penalize in actions and self._penalized:
            raise conflict("已作出行政处罚")
        if D.refer in actions and self._referred:
            raise conflict("已移送司法机关")

    def _order_rectification(self, inp: DispositionInput, awaiting: list[MatterCase]) -> None:
        """责令限期整改: every untrue matter awaiting a measure, one deadline in calendar days."""
        assert inp.deadline_days is not None
        by = workflow.now() + timedelta(days=inp.deadline_days)
        for m in awaiting:
            m.verification, m.rectify_by = V.rectifying, by
        label = DISPOSITION_LABELS[D.rectify]
        self._by(inp.actor, "rectify", f"{label}，限{inp.deadline_days}日内（{china_time(by)}前）整改。理由：{inp.reason}")

    async def _disposed(self, inp: DispositionInput) -> ApplicationView:
        """Measures since organ-decisions: rectify orders, revoke proposes (the statement period
        first), penalty and referral are decisions of their own with number and basis."""
        actor, reason = inp.actor, inp.reason
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
                self._penalized = True
                words = self._decided("penalize", actor, reason, self._procedure.penalty_basis, inp.decision_no)
                self._by(actor, "penalize", f"作出行政处罚决定。理由：{reason}。{words}")
                credits.append(("penalized", None, f"{reason}（{inp.decision_no}）"))
            elif action == D.refer:
                self._referred = True
                words = self._decided("refer", actor, reason, self._procedure.referral_basis, inp.decision_no, inp.receiving_organ, remedies=False)
                self._by(actor, "refer", f"移送{inp.receiving_organ}。理由：{reason}。{words}")
                credits.append(("referred_pending", None, f"{reason}（{inp.decision_no}，移送{inp.receiving_organ}）"))
        self._mutated()
        if inp.action == D.revoke:
            findings = [m for m in self._matters.values() if m.verification in (V.untrue, V.rectifying)]
            await self._propose(findings, reason, actor)
            self._mutated()
        if credits:
            await self._record_credits(*credits, by=actor)
        return await self._changed()

    @workflow.update
    async def state_case(self, inp: StatementInput) -> ApplicationView:
        """The applicant's statement and defence (陈述、申辩) against a proposed revocation."""
        assert self._hearing is not None
        self._hearing.statement, self._hearing.stated_at = inp.text, workflow.now()
        self._by(inp.actor, "statement", f"提出陈述、申辩：{inp.text}")
        self._mutated()
        return await self._changed()

    @state_case.validator
    def validate_state_case(self, inp: StatementInput) -> None:
        self._allowed("statement", inp.actor)
        h = self._hearing
        if h is None or h.statement is not None:
            raise conflict("没有待陈述申辩的拟撤销决定，或已提出陈述申辩")
        if h.period_over or (h.statement_until and workflow.now() >= h.statement_until):
            raise conflict("陈述申辩期已满")

    @workflow.update
    async def decide_revocation(self, inp: RevocationDecisionInput) -> ApplicationView:
        """The supervisor's decision on a proposed revocation, after the statement period."""
        h, actor = self._hearing, inp.actor
        assert h is not None
        self._hearing = None
        proposed = [m for m in self._matters.values() if m.verification == V.proposed]
        heard = f"（申请人陈述申辩：{h.statement}）" if h.statement else "（申请人未陈述申辩）"
        if inp.revoke:
            for m in self._open_findings():
                m.verification = V.revoked
            self._set_status(S.revoked)
            words = self._decided("revoke", actor, inp.reason, self._procedure.revoke_basis, inp.decision_no)
            self._by(actor, "revoke", f"作出撤销行政决定{heard}。理由：{inp.reason}。{words}")
            self._start_follow_up()
            self._mutated()
            await self._record_credits(("revoked", None, f"{h.grounds}；{inp.reason}（{inp.decision_no}）"), by=actor)
            return await self._changed()
        for m in proposed:
            m.verification = V.untrue if inp.finding_stands else V.true
        outcome = "核查结论维持，待另行处置" if inp.finding_stands else "陈述申辩理由成立，核查结论更正为属实"
        self._by(actor, "not_revoke", f"决定不予撤销{heard}：{outcome}。理由：{inp.reason}")
        self._mutated()
        return await self._changed()

    @decide_revocation.validator
    def validate_decide_revocation(self, inp: RevocationDecisionInput) -> None:
        self._allowed("revocation", inp.actor)
        h = self._hearing
        if h is None:
            raise conflict("没有拟撤销的决定")
        over = h.period_over or (h.statement_until is not None and workflow.now() >= h.statement_until)
        if not (over or h.statement):
            raise conflict(f"陈述申辩期至{china_time(h.statement_until)}，期满或申请人陈述申辩后方可作出决定")
        if inp.revoke and not inp.decision_no:
            raise conflict("撤销决定须注明决定书文号")

    @workflow.update
    async def close_case(self, inp: CloseInput) -> ApplicationView:
        """The supervisor ends the follow-up period: no further measures."""
        self._follow_up_closed = True
        self._by(inp.actor, "close_follow_up", f"后续处理完毕。理由：{inp.reason}")
        return await self._changed()

    @close_case.validator
    def validate_close_case(self, inp: CloseInput) -> None:
        self._allowed("close", inp.actor)
        if not self._in_follow_up():
            raise conflict("本案没有待办结的后续处理")

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
        if self._legal and inp.actor.role != Role.applicant:  # the office ends it: 终止办理, not a withdrawal
            self._set_status(S.terminated)
            words = self._decided("terminate", inp.actor, inp.reason, inp.reason)
            self._by(inp.actor, "terminate", f"终止办理（未作出决定）。理由：{inp.reason}。{words}")
        else:
            self._set_status(S.cancelled)
            self._by(inp.actor, "cancel", f"撤回申请。理由：{inp.reason}")
        self._mutated()
        return await self._changed()

    @cancel.validator
    def validate_cancel(self, inp: CancelInput) -> None:
        self._allowed("cancel", inp.actor)

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
        self._allowed("recompute", inp.actor)

    @workflow.query
    def state(self) -> ApplicationView:
        return self._view()

    # ---- helpers ---------------------------------------------------------------------------

    def _check(self, actor: Actor, action: str, code: str) -> MatterCase:
        self._allowed(action, actor)
        if code not in self._matters:
            raise conflict(f"本申请不涉及证明事项 {code}")
        return self._matters[code]

    def _allowed(self, action: str, actor: Actor) -> None:
        """Refuse an action the actor's role, identity or department, or the case's status, does
        not allow (validators only: never replayed, so this may change without a patch)."""
        check_action(action, actor, self._status, self._inp.applicant.id)
        check_scope(actor, self._departments())

    def _departments(self) -> list[str]:
        return sorted({e.department for e in self._entries.values()})

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
        if self._lean and self._status in FINAL_STATUSES and self._closed_at is None and not self._in_follow_up():
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
                actor_id=by.id if by else SYSTEM,
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
        if self._searchable:
            self._search()
        async with self._lock:
            new = self._events[self._projected - self._event_base :]
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

    def _search(self) -> None:
        """Upsert the search attributes that changed since the last upsert (one event, or none),
        and the Chinese line the Web UI shows."""
        deadline, escalated = self._next_deadline(), self._escalated()
        wanted: dict[str, tuple[Any, Any]] = {
            CASE_STATUS.name: (CASE_STATUS, self._status.value),
            DEPARTMENTS.name: (DEPARTMENTS, self._departments()),
            MATTER_CODES.name: (MATTER_CODES, list(self._matters)),
            NEXT_DEADLINE.name: (NEXT_DEADLINE, deadline),
            ESCALATED.name: (ESCALATED, escalated),
        }
        updates = [  # a deadline that passes without a next one stays: see workflows/search.py
            key.value_set(value) for name, (key, value) in wanted.items() if value is not None and self._searched.get(name) != value
        ]
        if updates:
            workflow.upsert_search_attributes(updates)
            self._searched = {name: value for name, (_, value) in wanted.items()}
        due = f"；下一期限 {china_time(deadline)}" if deadline else ""
        workflow.set_current_details(f"{STATUS_LABELS[self._status]}（{self._inp.service}）{due}{'；已督办' if escalated else ''}")

    def _by(self, actor: Actor, action: str, summary: str) -> None:
        self._event(actor.id, actor.role, action, summary)

    def _system(self, action: str, summary: str) -> None:
        self._event(SYSTEM, SYSTEM, action, summary)

    def _event(self, actor_id: str, role: str, action: str, summary: str) -> None:
        who = "系统" if role == SYSTEM else f"{ROLE_LABELS[role]}（{actor_id}）"  # type: ignore[index]
        self._events.append(
            TimelineEntry(self._event_base + len(self._events) + 1, workflow.now(), actor_id, str(role), action, f"{who}：{summary}")
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
            decision_due_at=self._decision_due_at,
            decision_overdue=self._decision_overdue,
            hearing=self._hearing,
            decisions=list(self._decisions),
            follow_up_until=self._follow_up_until if self._in_follow_up() else None,
            departments=self._departments(),
            next_deadline=self._next_deadline() if self._closed_at is None else None,
            escalated=self._escalated(),
        )

    def _escalated(self) -> bool:
        return self._decision_overdue or any(m.escalated for m in self._matters.values())
