"""How the read model is asked for cases: who may see which, a department by its matter rows,
the most urgent first, a page at a time with the true total. The console's queues and
GET /applications both ask this way, so nothing drops out because newer cases exist."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlmodel import Session, col, func, select
from sqlmodel.sql.expression import Select, SelectOfScalar

from db.models import Application, CaseMatter
from workflows.rules import in_scope
from workflows.types import Actor, Role

PER_PAGE = 50
T = TypeVar("T")


def in_department(name: str, statuses: Collection[str] = ()) -> sa.ColumnElement[bool]:
    """The case has a matter of that department (by its matter rows, on an index); asked with
    the case statuses the query wants, the same index finds only those cases' rows (a matter
    row carries its case's status)."""
    where = [col(CaseMatter.application_id) == col(Application.application_id), col(CaseMatter.department) == name]
    return sa.exists().where(*where, *([col(CaseMatter.status).in_(list(statuses))] if statuses else []))


def visible(query: Any, actor: Actor, matter_level: bool = False, statuses: Collection[str] = ()) -> Any:
    """Only what the actor may see: an applicant their own cases; a department's staff the cases
    with a matter of theirs (and in a queue of matters, only their department's matters).
    `statuses`: the case statuses the query already asks for, to narrow the department's rows."""
    if actor.role == Role.applicant:
        query = query.where(col(Application.applicant_id) == actor.id)
    if not in_scope(actor, ()):
        assert actor.department is not None
        query = query.where(
            col(CaseMatter.department) == actor.department if matter_level else in_department(actor.department, statuses)
        )
    return query


def urgent(due: Any = None, rows: type[Application] | type[CaseMatter] = Application) -> tuple[Any, ...]:
    """Overdue first (its deadline has passed), then the nearest deadline, then the oldest case;
    no deadline last (without a deadline column: the oldest first). The application id keeps
    pages stable."""
    oldest = (col(rows.opened_at).asc(), col(rows.application_id).asc())
    return oldest if due is None else (sa.asc(due).nulls_last(), *oldest)


@dataclass
class Page(Generic[T]):
    rows: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def paged(
    session: Session,
    query: Select[Any] | SelectOfScalar[Any],
    page: int = 1,
    per_page: int = PER_PAGE,
    count: Any = None,
    offset: int | None = None,
) -> Page[Any]:
    """One page of the query (or `per_page` rows from `offset`) and the query's true total,
    counted by `count` where a narrower query counts the same rows (per_page 0: the total alone)."""
    counted = count if count is not None else select(func.count()).select_from(query.order_by(None).subquery())
    total = session.exec(counted).one()
    start = (max(page, 1) - 1) * per_page if offset is None else offset
    rows = (_cases_by_key if _of_cases(query) else _rows)(session, query.limit(per_page).offset(start)) if per_page else []
    return Page(rows, total, start // per_page + 1 if per_page else 1, per_page or PER_PAGE)


def _of_cases(query: Any) -> bool:
    return [d.get("entity") for d in query.column_descriptions] == [Application]


def _rows(session: Session, query: Any) -> list[Any]:
    return list(session.exec(query).all())


def _cases_by_key(session: Session, query: Any) -> list[Application]:
    """A page of whole cases found by key first: the page's ids from an index alone (a deep page
    skips index entries, not table rows), then those rows."""
    ids: Sequence[str] = session.exec(query.with_only_columns(col(Application.application_id))).all()
    found = (
        {r.application_id: r for r in session.exec(select(Application).where(col(Application.application_id).in_(ids)))}
        if ids
        else {}
    )
    return [found[i] for i in ids]


@dataclass(frozen=True)
class Listing:
    """What GET /applications asks: filters and an order."""

    applicant: str | None = None
    status: str | None = None
    department: str | None = None
    overdue: bool | None = None
    deadline_from: datetime | None = None
    deadline_to: datetime | None = None
    sort: str = "-opened_at"


SORTS: dict[str, tuple[Any, ...]] = {
    "-opened_at": (sa.desc(col(Application.opened_at)), sa.desc(col(Application.application_id))),
    "opened_at": (sa.asc(col(Application.opened_at)), sa.asc(col(Application.application_id))),
    "deadline": urgent(Application.next_deadline),
}


def applications(actor: Actor, asked: Listing) -> Any:
    """The cases the actor may see that the listing asks for, in its order."""
    statuses = [asked.status] if asked.status else []
    query = visible(select(Application), actor, statuses=statuses).order_by(*SORTS[asked.sort])
    applicant = actor.id if actor.role == Role.applicant else asked.applicant
    if applicant:
        query = query.where(col(Application.applicant_id) == applicant)
    if asked.status:
        query = query.where(col(Application.status) == asked.status)
    if asked.department:
        query = query.where(in_department(asked.department, statuses))
    if asked.overdue is not None:
        query = query.where(col(Application.escalated) == asked.overdue)
    if asked.deadline_from:
        query = query.where(col(Application.next_deadline) >= asked.deadline_from)
    if asked.deadline_to:
        query = query.where(col(Application.next_deadline) <= asked.deadline_to)
    return query
