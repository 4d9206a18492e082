"""ApplicationWorkflow: one application under 证明事项告知承诺制, from opening to closing.

The process (DESIGN.md, "An application's life"):
  open → eligibility per matter (catalogue entry, applicant's credit) → notify (a commitment
  letter per eligible matter, kept by hash) → per matter commit or prove, withdraw until the
  decision → 事中 verification → decide → after approval a verification timer per committed,
  non-exempt matter (working days, drawn by credit), complaints, escalation of overdue
  verification, disposition of untrue findings, rectification → close when the supervision
  window is over and every verification is settled.

This class is the process (run, supervision, continue-as-new); each concern's Updates, with
their validators, are mixed in from the modules beside it (commitments, decision, verification,
dispositions, hearing, deadlines). Query: state.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace

from temporalio import workflow

from workflows.application import wording as say
from workflows.application.commitments import Commitments
from workflows.application.decision import Decision
from workflows.application.dispositions import Dispositions
from workflows.application.patches import (
    CLOSE_AFTER_HANDLERS,
    CONTINUABLE,
    GRADED,
    LEGAL,
    MEASURES,
    SEARCHABLE,
    SERVED,
    TERMINATES,
)
from workflows.application.timer import Timer
from workflows.application.verification import Verification

with workflow.unsafe.imports_passed_through():
    from activities.opening import OpeningActivities
    from workflows.case import closing_status, ready_to_close
    from workflows.rules import BEFORE_DECISION, FINAL_STATUSES, FOLLOW_UP
    from workflows.types import ApplicationStatus as S, ApplicationView, CaseState, MatterMode, OpenApplicationInput, OpenedCase


@workflow.defn
class ApplicationWorkflow(Commitments, Decision, Verification, Dispositions):
    @workflow.init
    def __init__(self, inp: OpenApplicationInput) -> None:
        self._inp = inp
        self.case = inp.resume or CaseState()
        self._timer = Timer()
        self._projected = self.case.event_base
        self._lock = asyncio.Lock()
        self._wake = False
        self._opened = inp.resume is not None
        # Decided once, at the first activation, in this order: validators may read them (they
        # may not call patched).
        self._legal = self._follows(LEGAL)
        self._searchable = self._follows(SEARCHABLE)
        self._searched = {}
        self._continuable = self._follows(CONTINUABLE)
        self._graded = self._follows(GRADED)
        self._terminates = self._follows(TERMINATES)
        self._measures = self._follows(MEASURES)
        self._serves = self._follows(SERVED)
        self.case.patches = [
            p
            for p, on in (
                (LEGAL, self._legal),
                (SEARCHABLE, self._searchable),
                (CONTINUABLE, self._continuable),
                (GRADED, self._graded),
                (TERMINATES, self._terminates),
                (MEASURES, self._measures),
                (SERVED, self._serves),
            )
            if on
        ]

    def _follows(self, patch: str) -> bool:
        """A case-wide patch, asked at the start of every run (the marker is a command of each
        run's history); a run carried on keeps what the case's first run answered."""
        now = workflow.patched(patch)
        carried = self.case.patches
        if self._inp.resume is None:
            return now
        if carried is None:  # a state carried before `patches` existed: a case opened before any later patch
            return now and patch in (LEGAL, SEARCHABLE, CONTINUABLE, GRADED)
        return now and patch in carried

    @workflow.run
    async def run(self, inp: OpenApplicationInput) -> str:
        if inp.resume:
            await self._sync()  # search attributes and current details again, in this run
        else:
            await self._open(inp)

        if self._legal:  # 事中 verification deadlines and the 办理时限 run before the decision
            await self._watch(lambda: self.case.status in BEFORE_DECISION)
        else:
            await workflow.wait_condition(lambda: self.case.status not in BEFORE_DECISION)
        supervised = self.case.status != S.granted  # granted: nothing promised, closed at the decision
        if supervised and self.case.approved_at is not None and not (inp.resume and self.case.status in FOLLOW_UP):
            await self._supervise()  # approved, even if a complaint already moved the status on
        if self._in_follow_up():
            await self._watch(self._in_follow_up)
        if self._serves and self._unserved():  # 办结 once every notice is served (deemed served at the latest)
            await self._sync()  # the outcome on record meanwhile
            await self._watch(lambda: bool(self._unserved()))
        return await self._finish()

    async def _open(self, inp: OpenApplicationInput) -> None:
        c = self.case
        c.opened_at = workflow.now()
        self._by(inp.opened_by, "open", say.opened(inp.service, len(inp.matter_codes)))
        if self._lean:  # one local activity: entries, credit, letters
            opened: OpenedCase = await self._call(OpeningActivities.open_case, self._letters_input(inp.matter_codes))
            c.credit = opened.credit
            c.procedure = opened.procedure or c.procedure
            c.decision_due_at, c.decision_basis = opened.decision_due_at, opened.decision_basis
            self._check_eligibility(opened.entries)
            self._notified(opened.letters)
        else:
            await self._open_before_lean(inp)
        if self._graded and c.credit and c.credit.rule_version:
            self._system("credit", say.grade_at_opening(c.credit))
        if c.decision_due_at:
            self._system("time_limit", say.time_limit(c.decision_due_at))
        self._refresh_status()
        await self._sync()
        self._opened = True

    async def _supervise(self) -> None:
        """After approval: wake on each deadline or action until the case can close."""
        if not self._lean:
            await self._schedule_at_supervision_before_lean()
        while not ready_to_close(self.case.matters, self.case.window_end, workflow.now()):
            self._wake = False
            deadline = self._next_deadline()
            if self._lean:
                await self._until(deadline)
            else:
                await self._wait_before_lean(deadline)
            if self.case.status in FINAL_STATUSES:
                self._timer.stop()
                return
            if await self._fire_deadlines():
                self._refresh_status()
                await self._sync()
            await self._continue_if_long()
        self._timer.stop()
        if not self._legal:
            await self._close_before_legal()
            return
        # honest closing: 已履诺 only where verification found every promise true
        self._set_status(closing_status(self.case.matters))
        if any(m.mode == MatterMode.commitment for m in self.case.matters):
            if self.case.status == S.fulfilled:
                await self._record_credits(("kept_promise", None, say.KEPT_VERIFIED))
            elif self.case.status == S.no_finding:
                await self._record_credits(("no_finding", None, say.NO_FINDING))

    async def _watch(self, going_on: Callable[[], bool]) -> None:
        """While `going_on`: wake on each deadline or action, fire what fell due, project."""
        while going_on():
            self._wake = False
            await self._until(self._next_deadline())
            if going_on() and await self._fire_deadlines():
                self._refresh_status()
                await self._sync()
            await self._continue_if_long()
        self._timer.stop()

    async def _continue_if_long(self) -> None:
        """A history grown long goes on in a new run of the same case, with the whole state
        (after every handler has finished and the read model has the last word)."""
        info = workflow.info()
        if not self._continuable or not (
            info.is_continue_as_new_suggested() or info.get_current_history_length() >= self._inp.continue_after_events
        ):
            return
        await workflow.wait_condition(workflow.all_handlers_finished)
        self._system("continue", say.continued(self.case.run + 1))
        await self._sync()
        await workflow.wait_condition(workflow.all_handlers_finished)
        self._timer.stop()
        c = self.case
        carried = replace(c, events=c.events[self._projected - c.event_base :], event_base=self._projected, run=c.run + 1)
        workflow.continue_as_new(replace(self._inp, resume=carried))

    async def _finish(self) -> str:
        if self.case.status not in FINAL_STATUSES:
            # A bug, not a business outcome: fail the workflow task (it retries and shows in the
            # UI) rather than the case, so a fixed worker carries the case on from here.
            raise RuntimeError(f"closing in non-final status {self.case.status}")
        if self._lean or workflow.patched(CLOSE_AFTER_HANDLERS):
            # the measures of a final action (penalty, referral) are on record before the close
            await workflow.wait_condition(workflow.all_handlers_finished)
        if self.case.closed_at is None:  # not closed yet by the action that made the case final
            self._close()
            await self._sync()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.case.status.value

    @workflow.update
    async def opened(self) -> ApplicationView:
        """Returns the case once it is notified and projected (for the opening POST)."""
        await workflow.wait_condition(lambda: self._opened)
        return self._view()

    @workflow.query
    def state(self) -> ApplicationView:
        return self._view()
