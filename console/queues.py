"""Work queues: per role, what awaits the signed-in person, the most urgent first.

Each queue is one query of the read model (db/queries.py): filtered by the case's status and its
matter rows, ordered by urgency (overdue first, then the nearest deadline, then the oldest), a
page at a time with its true total, so an old, urgent item never falls behind newer cases. A
department's caseworkers and verifiers see only cases with a matter of their department (and in
a queue of matters, their department's matters); an applicant only their own cases.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from activities.calendar import WorkingCalendar
from activities.projection import hearing_of
from api.claims import CASE, claims_of, holder_label
from console.wording import NextStep, moment, next_step, working_days_left
from db.models import Application, CalendarDay, CaseMatter, Complaint
from db.queries import PER_PAGE, Page, paged, urgent, visible
from workflows.case import CHINA
from workflows.guards import statement_open
from workflows.rules import FINAL_STATUSES, FOLLOW_UP, READS
from workflows.types import Actor, ApplicationStatus as S, Role, VerificationState as V

COMPLAINT_DAYS = 30  # complaints shown: those of the last month


@dataclass(frozen=True)
class Item:
    """One line of a queue: a case, what it waits for, by when."""

    case: Application
    what: str
    due: datetime | None = None
    overdue: bool = False
    left: int | None = None
    """Working days left to `due` (negative: overdue by that many)."""
    matter: str | None = None
    step: NextStep | None = None
    """An applicant's own case: what happens next."""
    holder: str | None = None
    """Who has claimed the item (办理人), as people read it."""


@dataclass
class Queue:
    key: str
    title: str
    short: str
    """The navigation's label."""
    items: list[Item] = field(default_factory=list)
    empty: str = "暂无待办事项"
    total: int = 0
    """Every item the queue holds, on all its pages."""
    page: int = 1
    pages: int = 1


@dataclass(frozen=True)
class Ask:
    """What page of each queue to read: {queue key: page}; per_page 0 reads the totals alone."""

    pages: dict[str, int] = field(default_factory=dict)
    per_page: int = PER_PAGE

    def fill(self, session: Session, queue: Queue, query: Any, item: Callable[[Any], Item], count: Any = None) -> Queue:
        found: Page[Any] = paged(session, query, self.pages.get(queue.key, 1), self.per_page, count)
        queue.items = held(session, [item(row) for row in found.rows])
        queue.total, queue.page, queue.pages = found.total, found.page, found.pages
        return queue

    def fill_matters(
        self, session: Session, queue: Queue, query: Any, count: Any, item: Callable[[Application, CaseMatter], Item]
    ) -> Queue:
        """A queue of matter rows: the page is read from them alone, then its cases by key."""
        found: Page[CaseMatter] = paged(session, query, self.pages.get(queue.key, 1), self.per_page, count)
        ids = {m.application_id for m in found.rows}
        rows = (
            {r.application_id: r for r in session.exec(select(Application).where(col(Application.application_id).in_(ids)))}
            if ids
            else {}
        )
        queue.items = held(session, [item(rows[m.application_id], m) for m in found.rows])
        queue.total, queue.page, queue.pages = found.total, found.page, found.pages
        return queue


def held(session: Session, items: list[Item]) -> list[Item]:
    """The items with who holds each (the case's claim, or its matter's)."""
    claims = claims_of(session, (i.case.application_id for i in items))
    found = ((i, claims.get((i.case.application_id, i.matter or CASE))) for i in items)
    return [replace(i, holder=holder_label(c)) if c else i for i, c in found]


def calendar(session: Session, now: datetime) -> WorkingCalendar:
    today = now.astimezone(CHINA).date()
    rows = session.exec(
        select(CalendarDay).where(CalendarDay.day >= today - timedelta(days=400), CalendarDay.day <= today + timedelta(days=800))
    )
    return WorkingCalendar({r.day: r.is_workday for r in rows})


def cases(actor: Actor, statuses: Iterable[S] | None = None) -> Any:
    """The cases the actor may see, in the given statuses."""
    if statuses is None:
        return visible(select(Application), actor)
    named = [str(s) for s in statuses]
    return visible(select(Application), actor, statuses=named).where(col(Application.status).in_(named))


def matters(actor: Actor, states: Iterable[V], statuses: Iterable[S], *more: Any) -> tuple[Any, Any]:
    """The matter rows the actor may see in the given verification states and case statuses, and
    the query that counts them."""
    where = [
        col(CaseMatter.verification).in_([str(s) for s in states]),
        col(CaseMatter.status).in_([str(s) for s in statuses]),
        *more,
    ]
    count = select(func.count()).select_from(CaseMatter)
    return visible(select(CaseMatter).where(*where), actor, matter_level=True), visible(
        count.where(*where), actor, matter_level=True
    )


def _item(
    row: Application,
    what: str,
    due: datetime | None,
    now: datetime,
    cal: WorkingCalendar,
    overdue: bool = False,
    matter: str | None = None,
) -> Item:
    return Item(row, what, due, overdue or (due is not None and due <= now), working_days_left(due, now, cal), matter)


def decisions_due(session: Session, actor: Actor, now: datetime, cal: WorkingCalendar, ask: Ask) -> Queue:
    queue = Queue("decisions", "待作出决定（办理时限）", "待决定")
    query = cases(actor, (S.notified, S.reviewing)).order_by(*urgent(Application.decision_due_at))

    def item(row: Application) -> Item:
        what = "材料已齐，待审查决定" if row.status == S.reviewing else "待申请人选择承诺或提交证明"
        return _item(row, what, moment(row.decision_due_at), now, cal, row.decision_overdue)

    return ask.fill(session, queue, query, item)


def untrue_findings(session: Session, actor: Actor, now: datetime, cal: WorkingCalendar, ask: Ask) -> Queue:
    queue = Queue("findings", "待处置的不实承诺", "待处置")
    query, count = matters(
        actor,
        (V.untrue,),
        (S.verifying, S.terminated),
        sa.or_(col(CaseMatter.status) != S.terminated, col(CaseMatter.closed_at).is_(None)),
    )
    query = query.order_by(*urgent(rows=CaseMatter), col(CaseMatter.code))
    return ask.fill_matters(
        session, queue, query, count, lambda row, m: _item(row, f"「{m.name}」核查不实，待处置", None, now, cal, matter=m.code)
    )


def rectifications(session: Session, actor: Actor, now: datetime, cal: WorkingCalendar, ask: Ask) -> Queue:
    queue = Queue("rectifications", "整改期限", "整改期限")
    query, count = matters(actor, (V.rectifying,), (S.rectifying,))
    query = query.order_by(*urgent(CaseMatter.rectify_by, CaseMatter), col(CaseMatter.code))
    return ask.fill_matters(
        session,
        queue,
        query,
        count,
        lambda row, m: _item(row, f"「{m.name}」限期整改中", moment(m.rectify_by), now, cal, matter=m.code),
    )


def complaints(session: Session, actor: Actor, now: datetime, ask: Ask) -> Queue:
    """Complaints received in the last month on the cases the actor may see, newest first."""
    queue = Queue("complaints", "收到的投诉举报（近30日）", "投诉举报")
    query = visible(
        select(Complaint, Application)
        .join(Application, col(Application.application_id) == col(Complaint.application_id))
        .where(col(Complaint.received_at) >= now - timedelta(days=COMPLAINT_DAYS)),
        actor,
    ).order_by(col(Complaint.received_at).desc(), col(Complaint.id).desc())

    def item(found: Any) -> Item:
        complaint, row = found
        merged = "" if complaint.forwarded else "（已并入当日核查）"
        text = complaint.text if len(complaint.text) <= 60 else complaint.text[:60] + "…"
        return Item(row, f"{text}{merged}", moment(complaint.received_at))

    return ask.fill(session, queue, query, item)


VERIFY_WORDS = {V.due: "核查到期", V.pending: "事中核查", V.reverifying: "整改复核"}


def verifications(session: Session, actor: Actor, now: datetime, cal: WorkingCalendar, ask: Ask) -> Queue:
    queue = Queue("verifications", "待核查（到期与逾期）", "待核查")
    statuses = (S.notified, S.reviewing, S.approved, S.verifying, S.rectifying, S.hearing)
    query, count = matters(actor, VERIFY_WORDS, statuses)
    query = query.order_by(*urgent(CaseMatter.deadline_at, CaseMatter), col(CaseMatter.code))

    def item(row: Application, m: CaseMatter) -> Item:
        return _item(row, f"「{m.name}」{VERIFY_WORDS[V(m.verification)]}", moment(m.deadline_at), now, cal, m.escalated, m.code)

    return ask.fill_matters(session, queue, query, count, item)


def hearings(session: Session, actor: Actor, now: datetime, cal: WorkingCalendar, ask: Ask) -> Queue:
    """Proposed revocations; a period already over (a decision due now) comes first."""
    queue = Queue("hearings", "拟撤销与陈述申辩期", "陈述申辩")
    query = cases(actor, (S.hearing,)).order_by(*urgent(Application.statement_until))

    def item(row: Application) -> Item:
        h = hearing_of(row)
        if h is not None and h.statement is not None:
            what, due = "申请人已陈述申辩，待作出决定", None
        elif h is None or not statement_open(h, now):
            what, due = "陈述申辩期满，待作出决定", None
        else:
            what, due = "陈述申辩期内（期满后作出决定）", h.statement_until
        return Item(row, what, due, False, working_days_left(due, now, cal))

    return ask.fill(session, queue, query, item)


def escalated(session: Session, actor: Actor, ask: Ask) -> Queue:
    queue = Queue("escalated", "超期督办", "超期督办")
    query = cases(actor).where(
        col(Application.escalated).is_(True), col(Application.status).not_in([str(s) for s in FINAL_STATUSES])
    )
    query = query.order_by(*urgent(Application.next_deadline))

    def item(row: Application) -> Item:
        late = [m["name"] for m in row.matters if m.get("escalated")]
        what = (
            "；".join(
                ([f"办理时限已过（{row.status_label}）"] if row.decision_overdue else []) + [f"「{n}」核查逾期" for n in late]
            )
            or "期限已过"
        )
        return Item(row, what, moment(row.next_deadline), True)

    return ask.fill(session, queue, query, item)


def follow_ups(session: Session, actor: Actor, now: datetime, cal: WorkingCalendar, ask: Ask) -> Queue:
    queue = Queue("follow-ups", "后续处理期（处罚、移送或办结）", "后续处理")
    query = cases(actor, FOLLOW_UP).where(col(Application.closed_at).is_(None), col(Application.follow_up_until) > now)
    query = query.order_by(*urgent(Application.follow_up_until))
    return ask.fill(
        session,
        queue,
        query,
        lambda row: _item(row, f"{row.status_label}：可作出处罚、移送，或办结", moment(row.follow_up_until), now, cal),
    )


def own_cases(session: Session, actor: Actor, now: datetime, ask: Ask) -> Queue:
    """An applicant's own cases: the nearest deadline first, then the newest."""
    queue = Queue("mine", "我的申请", "我的申请", empty="您还没有申请")
    query = cases(actor).order_by(
        sa.asc(col(Application.next_deadline)).nulls_last(), col(Application.opened_at).desc(), col(Application.application_id)
    )

    def item(row: Application) -> Item:
        step = next_step(row, now)
        return Item(row, step.text, step.by, False, step=step)

    return ask.fill(session, queue, query, item)


def all_cases(session: Session, actor: Actor, ask: Ask) -> Queue:
    queue = Queue("all", "全部申请（最近）", "全部申请", empty="尚无申请")
    query = cases(actor).order_by(col(Application.opened_at).desc(), col(Application.application_id).desc())
    return ask.fill(session, queue, query, lambda row: Item(row, row.status_label, moment(row.next_deadline), row.escalated))


def queues_for(session: Session, actor: Actor, now: datetime, ask: Ask | None = None) -> list[Queue]:
    """The signed-in person's queues, in the order the navigation lists them."""
    ask = ask or Ask()
    cal = calendar(session, now) if ask.per_page else WorkingCalendar({})
    if actor.role == Role.applicant:
        return [own_cases(session, actor, now, ask)]
    if actor.role == Role.caseworker:
        return [
            decisions_due(session, actor, now, cal, ask),
            untrue_findings(session, actor, now, cal, ask),
            rectifications(session, actor, now, cal, ask),
            complaints(session, actor, now, ask),
        ]
    if actor.role == Role.verifier:
        return [verifications(session, actor, now, cal, ask)]
    if actor.role == Role.supervisor:
        return [
            hearings(session, actor, now, cal, ask),
            escalated(session, actor, ask),
            untrue_findings(session, actor, now, cal, ask),
            follow_ups(session, actor, now, cal, ask),
        ]
    if actor.role in READS["applications"]:
        return [all_cases(session, actor, ask)]
    return []
