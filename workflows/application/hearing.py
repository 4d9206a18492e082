"""A revocation proposed (拟撤销), the applicant's statement (陈述、申辩), the organ's decision;
the end of the follow-up period."""

from __future__ import annotations

from temporalio import workflow

from workflows.application import wording as say
from workflows.application.service import Service

with workflow.unsafe.imports_passed_through():
    from activities.calendar import CalendarActivities
    from workflows import guards
    from workflows.rules import conflict
    from workflows.types import (
        Actor,
        ApplicationStatus as S,
        ApplicationView,
        CloseInput,
        Hearing,
        MatterCase,
        RevocationDecisionInput,
        ScheduleInput,
        Statement,
        StatementInput,
        VerificationState as V,
    )


class Hearings(Service):
    async def _propose(self, matters: list[MatterCase], grounds: str, actor: Actor | None = None) -> None:
        """Revocation proposed (拟撤销): the grounds told, a statement period in working days.
        Since measures-keep-rights a proposal while a hearing is open joins it: the grounds added,
        the statements kept, a statement period on the new grounds."""
        now = workflow.now()
        for m in matters:
            m.verification = V.proposed
        joined = self._measures and self.case.hearing is not None
        if joined and (open_hearing := self.case.hearing):
            open_hearing.matters.extend(m.code for m in matters)
            open_hearing.grounds = f"{open_hearing.grounds}；{grounds}"
            open_hearing.statement, open_hearing.stated_at, open_hearing.period_over = None, None, False
            if self._serves:  # the period on the new grounds starts when their notice is served
                open_hearing.statement_until = None
        else:
            self.case.hearing = Hearing(grounds=grounds, matters=[m.code for m in matters], proposed_at=now)
        self._refresh_status()  # before the first await: no handler sees matters and status disagree
        hearing, procedure = self.case.hearing, self.case.procedure
        assert hearing is not None
        if self._serves:  # the statement period runs from the notice's service
            text = say.revocation_proposed_to_serve(grounds, procedure.revoke_basis, procedure.statement_working_days)
            text += say.JOINED_HEARING if joined else ""
            self._issue("proposal", text, [m.code for m in matters])
            if actor:
                self._by(actor, "propose_revoke", text)
            else:
                self._system("propose_revoke", text)
            return
        sched = await self._call(  # to the end of the last working day of the period
            CalendarActivities.schedule_verification,
            ScheduleInput(start=now, working_days=0, deadline_working_days=procedure.statement_working_days),
        )
        hearing.statement_until = max(hearing.statement_until or sched.deadline_at, sched.deadline_at)
        text = say.revocation_proposed(grounds, procedure.revoke_basis, sched.deadline_at, procedure.statement_basis)
        if joined:
            text += say.JOINED_HEARING
        if actor:
            self._by(actor, "propose_revoke", text)
        else:
            self._system("propose_revoke", text)

    @workflow.update
    async def state_case(self, inp: StatementInput) -> ApplicationView:
        """The applicant's statement and defence (陈述、申辩) against a proposed revocation."""
        assert self.case.hearing is not None
        self.case.hearing.statement, self.case.hearing.stated_at = inp.text, workflow.now()
        self.case.hearing.statements.append(Statement(inp.text, workflow.now()))
        self._by(inp.actor, "statement", say.statement(inp.text))
        self._mutated()
        return await self._changed()

    @state_case.validator
    def validate_state_case(self, inp: StatementInput) -> None:
        guards.statement(self._view(), inp.actor, workflow.now())

    @workflow.update
    async def decide_revocation(self, inp: RevocationDecisionInput) -> ApplicationView:
        """The supervisor's decision on a proposed revocation, after the statement period."""
        h, actor = self.case.hearing, inp.actor
        assert h is not None
        self.case.hearing = None
        proposed = [m for m in self.case.matters if m.verification == V.proposed]
        heard = say.heard("；".join(s.text for s in h.statements) or None if self._measures else h.statement)
        if inp.revoke:
            for m in self._open_findings():
                m.verification = V.revoked
            self._set_status(S.revoked)
            words = self._decided("revoke", actor, inp.reason, self.case.procedure.revoke_basis, inp.decision_no)
            self._by(actor, "revoke", say.revoked(heard, inp.reason, words))
            self._issue("revoke", say.revoked(heard, inp.reason, words), h.matters, inp.decision_no)
            self._start_follow_up()
            self._mutated()
            await self._record_credits(("revoked", None, f"{h.grounds}；{inp.reason}（{inp.decision_no}）"), by=actor)
            return await self._changed()
        for m in proposed:
            m.verification = V.untrue if inp.finding_stands else V.true
            if self._measures and inp.finding_stands and m.rectify_by and m.rectify_by > workflow.now():
                m.verification = V.rectifying  # its ordered rectification period still runs
        self._by(actor, "not_revoke", say.not_revoked(heard, inp.finding_stands, inp.reason))
        self._issue("not_revoke", say.not_revoked(heard, inp.finding_stands, inp.reason), h.matters)
        self._mutated()
        return await self._changed()

    @decide_revocation.validator
    def validate_decide_revocation(self, inp: RevocationDecisionInput) -> None:
        guards.revocation(self._view(), inp.actor, workflow.now())
        if inp.revoke and not inp.decision_no:
            raise conflict("撤销决定须注明决定书文号")

    @workflow.update
    async def close_case(self, inp: CloseInput) -> ApplicationView:
        """The supervisor ends the follow-up period: no further measures."""
        self.case.follow_up_closed = True
        self._by(inp.actor, "close_follow_up", say.follow_up_closed(inp.reason))
        return await self._changed()

    @close_case.validator
    def validate_close_case(self, inp: CloseInput) -> None:
        guards.close(self._view(), inp.actor, workflow.now())
