"""What every concern of the case workflow shares: the state, the timeline, the status, who may
act, and what the state says (open findings, the next deadline)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow

from workflows.application import wording as say
from workflows.application.patches import LEAN
from workflows.application.timer import Timer

with workflow.unsafe.imports_passed_through():
    from workflows.case import OPEN_FINDINGS, derived_status, next_deadline
    from workflows.rules import BEFORE_DECISION, DECISION_LABELS, FINAL_STATUSES, check_transition
    from workflows.types import (
        Actor,
        AdverseDecision,
        ApplicationStatus as S,
        CaseState,
        DispositionAction as D,
        DispositionInput,
        MatterCase,
        Notice,
        OpenApplicationInput,
        TimelineEntry,
        VerificationState as V,
    )


class CaseBase:
    """The state and the helpers of every concern (workflows/application/*.py mixes them in)."""

    _inp: OpenApplicationInput
    case: CaseState
    """Everything the case knows; what continue-as-new carries and the view reads."""
    _timer: Timer
    _projected: int
    """Timeline entries the read model has (of all runs)."""
    _lock: asyncio.Lock
    _wake: bool
    _opened: bool
    _legal: bool
    _searchable: bool
    _searched: dict[str, Any]
    """The search attributes as last upserted."""
    _continuable: bool
    _graded: bool
    _terminates: bool
    _measures: bool
    _serves: bool

    # ---- the timeline ----------------------------------------------------------------------

    def _by(self, actor: Actor, action: str, summary: str) -> None:
        self._event(actor.id, actor.role, action, summary)

    def _system(self, action: str, summary: str) -> None:
        self._event(say.SYSTEM, say.SYSTEM, action, summary)

    def _event(self, actor_id: str, role: str, action: str, summary: str) -> None:
        c = self.case
        c.events.append(
            TimelineEntry(
                c.event_base + len(c.events) + 1,
                workflow.now(),
                actor_id,
                str(role),
                action,
                f"{say.speaker(actor_id, role)}：{summary}",
            )
        )

    # ---- the status ------------------------------------------------------------------------

    def _mutated(self) -> None:
        """Right after an action's state changes, before its first await: derive the status, so
        no other handler ever sees matters and status disagree."""
        self._refresh_status()

    def _refresh_status(self) -> None:
        self._set_status(derived_status(self.case.status, self.case.matters))

    def _set_status(self, status: S) -> None:
        check_transition(self.case.status, status)
        self.case.status = status

    def _close(self) -> None:
        self.case.closed_at = workflow.now()
        self._system("close", say.closed(self.case.status))

    @property
    def _lean(self) -> bool:
        return workflow.patched(LEAN)

    # ---- who may act: workflows/guards.py ----------------------------------------------------

    def _departments(self) -> list[str]:
        return sorted({e.department for e in self.case.entries})

    # ---- what the state says ----------------------------------------------------------------

    def _awaiting_disposition(self) -> list[MatterCase]:
        return [m for m in self.case.matters if m.verification == V.untrue]

    def _open_findings(self) -> list[MatterCase]:
        return [m for m in self.case.matters if m.verification in OPEN_FINDINGS]

    def _in_follow_up(self) -> bool:
        return self.case.follow_up_until is not None and not self.case.follow_up_closed

    def _unserved(self) -> list[Notice]:
        return [n for n in self.case.notices if n.served_at is None]

    def _settled(self) -> bool:
        """A final status, nothing more to follow up or to serve: the case may close."""
        return self.case.status in FINAL_STATUSES and not self._in_follow_up() and not self._unserved()

    def _escalated(self) -> bool:
        return self.case.decision_overdue or any(m.escalated for m in self.case.matters)

    def _next_deadline(self) -> datetime | None:
        """The matters' next deadline, and since organ-decisions the 办理时限, the statement
        period and the follow-up period."""
        c, now = self.case, workflow.now()
        times = [next_deadline(c.matters, c.window_end, now)]
        if self._legal:
            if c.status in BEFORE_DECISION and not c.decision_overdue:
                times.append(c.decision_due_at)
            if c.hearing and not c.hearing.period_over:
                times.append(c.hearing.statement_until)
            if self._in_follow_up():
                times.append(c.follow_up_until)
            times.extend(n.deemed_at for n in self._unserved())
        return min((t for t in times if t), default=None)

    @staticmethod
    def _actions(inp: DispositionInput) -> list[D]:
        return [inp.action, *(a for a in dict.fromkeys(inp.also) if a != inp.action)]

    # ---- decisions on record ----------------------------------------------------------------

    def _decided(
        self,
        kind: str,
        actor: Actor,
        reason: str,
        basis: str,
        decision_no: str | None = None,
        receiving_organ: str | None = None,
        remedies: bool = True,
        ground: str | None = None,
        keeps_decision: str | None = None,
    ) -> str:
        """An adverse decision on record, with its basis and the applicant's remedies; returns
        the words the timeline adds."""
        told = self.case.procedure.remedies if remedies else ""
        self.case.decisions.append(
            AdverseDecision(
                kind=kind,
                label=DECISION_LABELS[kind],
                at=workflow.now(),
                actor_id=actor.id,
                reason=reason,
                basis=basis,
                remedies=told,
                decision_no=decision_no,
                receiving_organ=receiving_organ,
                ground=ground,
                keeps_decision=keeps_decision,
            )
        )
        return say.decision_words(basis, told, decision_no)

    def _start_follow_up(self) -> None:
        """终止办理 or revocation on an untrue promise: penalty and referral may still follow."""
        self.case.follow_up_until = workflow.now() + timedelta(days=self.case.procedure.follow_up_days)
