"""Serving notices on the applicant (送达, notices-served): every decision, proposal, order and
finding is issued as a notice; served in person or by post (the office records the receipt),
electronically (the applicant's first opening) or deemed served by the procedure's rule; the
periods that run 自收到之日起 start at service."""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow

from workflows.application import wording as say
from workflows.application.effects import Effects

with workflow.unsafe.imports_passed_through():
    from activities.calendar import CalendarActivities
    from workflows import guards
    from workflows.types import (
        Actor,
        ApplicationView,
        Notice,
        NoticeOpened,
        ScheduleInput,
        ServiceInput,
        VerificationState as V,
    )


class Service(Effects):
    def _issue(
        self, kind: str, text: str, matters: list[str] | None = None, decision_no: str | None = None, days: int | None = None
    ) -> Notice | None:
        """A notice to serve (notices-served; None for a case opened before)."""
        if not self._serves:
            return None
        c, now = self.case, workflow.now()
        deemed = c.procedure.service_deemed_days
        notice = Notice(
            no=len(c.notices) + 1,
            kind=kind,
            title=say.NOTICE_TITLES[kind],
            issued_at=now,
            text=text,
            matters=list(matters or []),
            decision_no=decision_no,
            period_days=days,
            deemed_at=now + timedelta(days=deemed) if deemed else None,
        )
        c.notices.append(notice)
        return notice

    async def _serve(self, n: Notice, at: datetime, method: str, by: Actor | None) -> None:
        """Served: on record, and what runs from service starts."""
        n.served_at, n.method, n.served_by = at, method, by.id if by else say.SYSTEM
        text = say.served(n.no, n.title, method, at)
        if by:
            self._by(by, "served", text)
        else:
            self._system("served", text)
        c = self.case
        if n.kind == "order":  # 责令限期整改: the period runs from service
            assert n.period_days is not None
            for code in n.matters:
                m = c.matter(code)
                if m.verification == V.rectifying and m.rectify_by is None:
                    m.rectify_by = at + timedelta(days=n.period_days)
        elif n.kind == "proposal" and c.hearing:  # 陈述申辩: working days from service
            sched = await self._call(
                CalendarActivities.schedule_verification,
                ScheduleInput(start=at, working_days=0, deadline_working_days=c.procedure.statement_working_days),
            )
            h = c.hearing
            h.statement_until = max(h.statement_until or sched.deadline_at, sched.deadline_at)
            h.period_over = False
            self._system("statement_period", say.statement_period_from_service(n.title, sched.deadline_at))

    async def _fire_service(self, now: datetime) -> bool:
        """Notices deemed served by the procedure's rule."""
        due = [n for n in self._unserved() if n.deemed_at and n.deemed_at <= now]
        for n in due:
            assert n.deemed_at is not None
            await self._serve(n, n.deemed_at, "deemed", None)
        return bool(due)

    @workflow.update
    async def serve_notice(self, inp: ServiceInput) -> ApplicationView:
        """The office records a notice served in person or by post (the receipt's date)."""
        n = self.case.notices[inp.notice - 1]
        await self._serve(n, inp.served_at, inp.method, inp.actor)
        self._mutated()
        return await self._changed()

    @serve_notice.validator
    def validate_serve_notice(self, inp: ServiceInput) -> None:
        guards.service(self._view(), inp.actor, workflow.now(), inp.notice, inp.method, inp.served_at)

    @workflow.update
    async def open_notice(self, inp: NoticeOpened) -> ApplicationView:
        """The applicant opened a notice: read, and the first time served electronically."""
        n, now = self.case.notices[inp.notice - 1], workflow.now()
        n.read_at = now
        if n.served_at is None:
            await self._serve(n, now, "electronic", inp.actor)
        self._mutated()
        return await self._changed()

    @open_notice.validator
    def validate_open_notice(self, inp: NoticeOpened) -> None:
        guards.opening_notice(self._view(), inp.actor, workflow.now(), inp.notice)
