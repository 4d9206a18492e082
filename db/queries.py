"""How the read model is asked for cases: who may see which, a department by its matter rows,
the most urgent first, a page at a time with the true total. The console's queues and
GET /applications both ask this way, so nothing drops out because newer cases exist."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlmodel import Session, col, func, select
from sqlmodel.sql.expression import Select, SelectOfScalar

from db.models import Application, CaseMatter
from workflows.rules import in_scope
from workflows.types import Actor, Role

PER_PAGE = 50
T = TypeVar("T")


def in_department(name: str) -> sa.ColumnElement[bool]:
    """The case has a matter of that department (by its matter rows, on an index)."""
    return sa.exists().where(col(CaseMatter.application_id) == col(Application.application_id), col(CaseMatter.department) == name)


def visible(query: Any, actor: Actor, matter_level: bool = False) -> Any:
    """Only what the actor may see: an applicant their own cases; a department's staff the cases
    with a matter of theirs (and in a queue of matters, only their department's matters)."""
    if actor.role == Role.applicant:
        query = query.where(col(Application.applicant_id) == actor.id)
    if not in_scope(actor, ()):
        assert actor.department is not None
        query = query.where(col(CaseMatter.department) == actor.department if matter_level else in_department(actor.department))
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


def paged(session: Session, query: Select[Any] | SelectOfScalar[Any], page: int = 1, per_page: int = PER_PAGE,
          count: Any = None) -> Page[Any]:
    """One page of the query and its true total, counted by `count` where a narrower query
    counts the same rows (per_page 0: the total alone)."""
    counted = count if count is not None else select(func.count()).select_from(query.order_by(None).subquery())
    total = session.exec(counted).one()
    rows: Sequence[Any] = []
    if per_page:
        rows = session.exec(query.limit(per_page).offset((max(page, 1) - 1) * per_page)).all()  # type: ignore[call-overload]
    return Page(list(rows), total, max(page, 1), per_page or PER_PAGE)
