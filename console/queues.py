"""Work queues: per role, what awaits the signed-in person, the most urgent first.

Read from the read model the way GET /applications reads it: a department's caseworkers and
verifiers see only cases with a matter of their department; an applicant only their own cases.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from activities.calendar import WorkingCalendar
from api.routes.applications import has_department
from db.models import Application, CalendarDay, Complaint
from workflows.case import CHINA
from workflows.rules import FINAL_STATUSES, FOLLOW_UP, READS, in_scope
from workflows.types import Actor, ApplicationStatus as S, Role, VerificationState as V

from console.wording import NextStep, moment, next_step, working_days_left

LIMIT = 500  # cases read per queue
COMPLAINT_DAYS = 30  # complaints shown: those of the last month
FAR = datetime.max.replace(tzinfo=CHINA)


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


@dataclass
class Queue:
    key: str
    title: str
    short: str
    """The navigation's label."""
    items: list[Item] = field(default_factory=list)
    empty: str = "暂无待办事项"

    def sort(self) -> Queue:
        """Overdue first, then the nearest deadline; no deadline last."""
        self.items.sort(key=lambda i: (not i.overdue, i.due or FAR))
        return self


def calendar(session: Session, now: datetime) -> WorkingCalendar:
    today = now.astimezone(CHINA).date()
    rows = session.exec(select(CalendarDay).where(CalendarDay.day >= today - timedelta(days=400), CalendarDay.day <= today + timedelta(days=800)))
    return WorkingCalendar({r.day: r.is_workday for r in rows})


def cases(session: Session, actor: Actor, statuses: Iterable[S] | None = None, escalated: bool | None = None) -> list[Application]:
    """The cases the actor may see, in the given statuses, newest first."""
    query = select(Application).order_by(col(Application.opened_at).desc()).limit(LIMIT)
    if actor.role == Role.applicant:
        query = query.where(Application.applicant_id == actor.id)
    if not in_scope(actor, ()):
        assert actor.department is not None
        query = query.where(has_department(actor.department))
    if statuses is not None:
        query = query.where(col(Application.status).in_([str(s) for s in statuses]))
    if escalated is not None:
        query = query.where(Application.escalated == escalated)
    return list(session.exec(query))


def _item(row: Application, what: str, due: datetime | None, now: datetime, cal: WorkingCalendar,
          overdue: bool = False, matter: str | None = None) -> Item:
    return Item(row, what, due, overdue or (due is not None and due <= now), working_days_left(due, now, cal), matter)


def decisions_due(session: Session, actor: Actor, now: datetime, cal: WorkingCalendar) -> Queue:
    queue = Queue("decisions", "待作出决定（办理时限）", "待决定")
    for row in cases(session, actor, (S.notified, S.reviewing)):
        what = "材料已齐，待审查决定" if row.status == S.reviewing else "待申请人选择承诺或提交证明"
        queue.items.append(_item(row, what, moment(row.decision_due_at), now, cal, row.decision_overdue))
    return queue.sort()


def untrue_findings(session: Session, actor: Actor, now: datetime, cal: WorkingCalendar) -> Queue:
    queue = Queue("findings", "待处置的不实承诺", "待处置")
    for row in cases(session, actor, (S.verifying, S.terminated)):
        for m in row.matters:
            if m["verification"] == V.untrue and (row.status != S.terminated or row.closed_at is None):
                queue.items.append(_item(row, f"「{m['name']}」核查不实，待处置", None, now, cal, matter=m["code"]))
    return queue.sort()


def rectifications(session: Session, actor: Actor, now: datetime, cal: WorkingCalendar) -> Queue:
    queue = Queue("rectifications", "整改期限", "整改期限")
    for row in cases(session, actor, (S.rectifying,)):
        for m in row.matters:
            if m["verification"] == V.rectifying:
                queue.items.append(_item(row, f"「{m['name']}」限期整改中", moment(m.get("rectify_by")), now, cal, matter=m["code"]))
    return queue.sort()


def complaints(session: Session, actor: Actor, now: datetime) -> Queue:
    """Complaints received in the last month on the cases the actor may see, newest first."""
    queue = Queue("complaints", "收到的投诉举报（近30日）", "投诉举报")
    query = (
        select(Complaint, Application)
        .join(Application, sa.and_(col(Application.application_id) == col(Complaint.application_id)))
        .where(Complaint.received_at >= now - timedelta(days=COMPLAINT_DAYS))
        .order_by(col(Complaint.received_at).desc())
        .limit(LIMIT)
    )
    if not in_scope(actor, ()):
        assert actor.department is not None
        query = query.where(has_department(actor.department))
    for complaint, row in session.exec(query):
        merged = "" if complaint.forwarded else "（已并入当日核查）"
        text = complaint.text if len(complaint.text) <= 60 else complaint.text[:60] + "…"
        queue.items.append(Item(row, f"{text}{merged}", moment(complaint.received_at)))
    return queue


def verifications(session: Session, actor: Actor, now: datetime, cal: WorkingCalendar) -> Queue:
    queue = Queue("verifications", "待核查（到期与逾期）", "待核查")
    words = {V.due: "核查到期", V.pending: "事中核查", V.reverifying: "整改复核"}
    for row in cases(session, actor, (S.notified, S.reviewing, S.approved, S.verifying, S.rectifying, S.hearing)):
        for m in row.matters:
            state = V(m["verification"])
            if state in words:
                due = moment(m.get("deadline_at"))
                item = _item(row, f"「{m['name']}」{words[state]}", due, now, cal, bool(m.get("escalated")), m["code"])
                queue.items.append(item)
    return queue.sort()


def hearings(session: Session, actor: Actor, now: datetime, cal: WorkingCalendar) -> Queue:
    queue = Queue("hearings", "拟撤销与陈述申辩期", "陈述申辩")
    for row in cases(session, actor, (S.hearing,)):
        h = row.hearing or {}
        until = moment(h.get("statement_until"))
        if h.get("statement") is not None:
            what, due = "申请人已陈述申辩，待作出决定", None
        elif h.get("period_over") or (until is not None and until <= now):
            what, due = "陈述申辩期满，待作出决定", None
        else:
            what, due = "陈述申辩期内（期满后作出决定）", until
        queue.items.append(Item(row, what, due, False, working_days_left(due, now, cal)))
    return queue.sort()


def escalated(session: Session, actor: Actor) -> Queue:
    queue = Queue("escalated", "超期督办", "超期督办")
    for row in cases(session, actor, escalated=True):
        if row.status in FINAL_STATUSES:
            continue
        late = [m["name"] for m in row.matters if m.get("escalated")]
        what = "；".join(
            ([f"办理时限已过（{row.status_label}）"] if row.decision_overdue else []) + [f"「{n}」核查逾期" for n in late]
        ) or "期限已过"
        queue.items.append(Item(row, what, moment(row.next_deadline), True))
    return queue.sort()


def follow_ups(session: Session, actor: Actor, now: datetime, cal: WorkingCalendar) -> Queue:
    queue = Queue("follow-ups", "后续处理期（处罚、移送或办结）", "后续处理")
    for row in cases(session, actor, FOLLOW_UP):
        until = moment(row.follow_up_until)
        if row.closed_at is None and until is not None and now < until:
            queue.items.append(_item(row, f"{row.status_label}：可作出处罚、移送，或办结", until, now, cal))
    return queue.sort()


def own_cases(session: Session, actor: Actor, now: datetime) -> Queue:
    queue = Queue("mine", "我的申请", "我的申请", empty="您还没有申请")
    for row in cases(session, actor):
        step = next_step(row, now)
        queue.items.append(Item(row, step.text, step.by, False, step=step))
    queue.items.sort(key=lambda i: (not (i.step and i.step.yours), i.due or FAR))
    return queue


def all_cases(session: Session, actor: Actor) -> Queue:
    queue = Queue("all", "全部申请（最近）", "全部申请", empty="尚无申请")
    queue.items = [Item(row, row.status_label, moment(row.next_deadline), row.escalated) for row in cases(session, actor)[:100]]
    return queue


def queues_for(session: Session, actor: Actor, now: datetime) -> list[Queue]:
    """The signed-in person's queues, in the order the navigation lists them."""
    cal = calendar(session, now)
    if actor.role == Role.applicant:
        return [own_cases(session, actor, now)]
    if actor.role == Role.caseworker:
        return [decisions_due(session, actor, now, cal), untrue_findings(session, actor, now, cal),
                rectifications(session, actor, now, cal), complaints(session, actor, now)]
    if actor.role == Role.verifier:
        return [verifications(session, actor, now, cal)]
    if actor.role == Role.supervisor:
        return [hearings(session, actor, now, cal), escalated(session, actor),
                untrue_findings(session, actor, now, cal), follow_ups(session, actor, now, cal)]
    if actor.role in READS["applications"]:
        return [all_cases(session, actor)]
    return []
