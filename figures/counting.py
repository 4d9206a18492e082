"""The figures counted by the database: one GROUP BY over the matter rows and their cases.

The scan sums, per (department, matter, month) cell, the kept matters' figures, and each case's
figures over the one row that stands for the case in a breakdown (`_once`), so that the cells
add up to every breakdown and the totals without counting a case twice. The median time to a
decision needs the decided cases' times themselves: one narrow read, the medians taken here.
"""

from __future__ import annotations

from collections.abc import Mapping
from statistics import median
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session, col, select

from db.models import Application, CaseEvent, CaseMatter, Matter
from figures.definitions import (
    AWAITING,
    DEFINITIONS,
    DONE,
    FIGURES,
    KEY_LABELS,
    LABELS,
    OUTCOME_STATUSES,
    UNKNOWN_DEPARTMENT,
    UNTRUE,
    Query,
)
from workflows.case import CHINA_OFFSET
from workflows.rules import FINAL_STATUSES
from workflows.types import ApplicationStatus as S, MatterMode

A = Application.__table__  # type: ignore[attr-defined]
M = CaseMatter.__table__  # type: ignore[attr-defined]
E = CaseEvent.__table__  # type: ignore[attr-defined]
HOURS = int(CHINA_OFFSET.total_seconds() // 3600)
DAY = 86400


class china_month(FunctionElement[str]):
    """'YYYY-MM' of a UTC timestamp in China time."""

    type = sa.String()
    inherit_cache = True


@compiles(china_month, "sqlite")
def _month_sqlite(element: china_month, compiler: Any, **kw: Any) -> str:
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)}, '+{HOURS} hours')"


@compiles(china_month, "postgresql")
def _month_postgresql(element: china_month, compiler: Any, **kw: Any) -> str:
    return f"to_char(timezone('UTC', {compiler.process(element.clauses, **kw)}) + interval '{HOURS} hours', 'YYYY-MM')"


class seconds_between(FunctionElement[float]):
    """The seconds from the first timestamp to the second (to the millisecond)."""

    type = sa.Float()
    inherit_cache = True


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element: seconds_between, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"round((julianday({end}) - julianday({start})) * {DAY}, 3)"


@compiles(seconds_between, "postgresql")
def _seconds_postgresql(element: seconds_between, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"extract(epoch from ({end} - {start}))"


def n(condition: Any) -> Any:
    """How many rows meet the condition."""
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def total(column: Any) -> Any:
    """The sum of a column (0 over no rows)."""
    return sa.func.coalesce(sa.func.sum(column), 0)


DECIDED = sa.or_(A.c.approved_at.is_not(None), A.c.status == S.rejected)
MONTH = china_month(M.c.opened_at)
MATTER_FIGURES: dict[str, Any] = {  # summed over the kept matter rows
    "matters": sa.true(),
    "committed": M.c.mode == MatterMode.commitment,
    "proven": M.c.mode == MatterMode.proof,
    "undecided": M.c.mode == MatterMode.undecided,
    "proofs_saved": sa.and_(M.c.mode == MatterMode.commitment, DECIDED),
    "withdrawals": M.c.withdrawn,
    "done": M.c.verification.in_(DONE),
    "awaiting": M.c.verification.in_(AWAITING),
    "overdue": sa.and_(M.c.overdue, M.c.verification.in_(DONE | AWAITING)),
    "on_time": sa.and_(sa.not_(M.c.overdue), M.c.verification.in_(DONE)),
    "untrue": M.c.verification.in_(UNTRUE),
}
CASE_FIGURES: dict[str, Any] = {  # counted once per case
    "applications": sa.true(),
    "decided": DECIDED,
    "approved": A.c.approved_at.is_not(None),
    "decision_overdue": A.c.decision_overdue,
    **{s.value: A.c.status == s for s in OUTCOME_STATUSES},
    "in_progress": sa.and_(A.c.status.not_in(FINAL_STATUSES), A.c.status != S.aborted),
    "aborted": A.c.status == S.aborted,
    "penalized": A.c.penalized,
    "referred": A.c.referred,
}
COUNTS = (*MATTER_FIGURES, *CASE_FIGURES, "complaints")
BREAKDOWNS = ("department", "matter", "month")
NOTHING: dict[str, int] = dict.fromkeys(COUNTS, 0)


def _kept(query: Query) -> list[Any]:
    """The matter rows counted: opened in the period, of the department and matter asked for
    (the period said of the cases as well, so that only theirs are joined)."""
    start, end = query.bounds()
    out: list[Any] = [M.c.opened_at.is_not(None)]
    for opened in (M.c.opened_at, A.c.opened_at):
        if start:
            out.append(opened >= start)
        if end:
            out.append(opened < end)
    if query.department:
        out.append(M.c.department == query.department)
    if query.matter:
        out.append(M.c.code == query.matter)
    return out


def _once(query: Query) -> dict[str, Any]:
    """Per breakdown, the kept row that stands for its case, so that each case counts once: by
    matter, every row (a case has a code once); by department, the case's first of the
    department; by month and in all, the case's first kept matter."""
    if query.matter:
        return dict.fromkeys(BREAKDOWNS, sa.true())
    by_department = M.c.department_first
    return {"department": by_department, "matter": sa.true(), "month": by_department if query.department else M.c.case_first}


def _cells(session: Session, query: Query) -> list[dict[str, Any]]:
    """One scan: per (department, matter, month), the kept matters' sums and, for each
    breakdown, the sums over the rows that stand for their cases."""
    once = _once(query)
    complaints = (
        sa.select(E.c.application_id, sa.func.count().label("n"))
        .where(E.c.action == "complaint")
        .group_by(E.c.application_id)
        .subquery()
    )
    columns = [n(condition).label(k) for k, condition in MATTER_FIGURES.items()]
    for breakdown, row in once.items():
        columns += [n(sa.and_(row, condition)).label(f"{breakdown}.{k}") for k, condition in CASE_FIGURES.items()]
        columns.append(total(sa.case((row, sa.func.coalesce(complaints.c.n, 0)), else_=0)).label(f"{breakdown}.complaints"))
    stmt = (
        sa.select(M.c.department, M.c.code, MONTH.label("month"), sa.func.min(M.c.name).label("name"), *columns)
        .select_from(
            M.join(A, A.c.application_id == M.c.application_id).outerjoin(
                complaints, complaints.c.application_id == M.c.application_id
            )
        )
        .where(*_kept(query))
        .group_by(M.c.department, M.c.code, MONTH)
    )
    return [dict(row) for row in session.execute(stmt).mappings()]


def _medians(session: Session, query: Query) -> dict[str, dict[Any, float]]:
    """Per breakdown and key (and in all, under None): the median seconds from opening to the
    decision, over the decided cases' rows that stand for them."""
    once = _once(query)
    stmt = (
        sa.select(
            M.c.department,
            M.c.code,
            MONTH,
            *(sa.case((row, 1), else_=0) for row in once.values()),
            seconds_between(A.c.opened_at, A.c.decided_at),
        )
        .select_from(M.join(A, A.c.application_id == M.c.application_id))
        .where(*_kept(query), DECIDED, A.c.decided_at.is_not(None))
    )
    seconds: dict[str, dict[Any, list[float]]] = {b: {} for b in BREAKDOWNS}
    overall: list[float] = []
    for department, code, month, by_department, by_matter, by_month, s in session.execute(stmt):
        for breakdown, key, counted in (
            ("department", department, by_department),
            ("matter", code, by_matter),
            ("month", month, by_month),
        ):
            if counted:
                seconds[breakdown].setdefault(key, []).append(float(s))
        if by_month:
            overall.append(float(s))
    out = {b: {k: median(v) for k, v in by_key.items()} for b, by_key in seconds.items()}
    out["all"] = {None: median(overall)} if overall else {}
    return out


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def figures(c: Mapping[str, int], median_seconds: float | None) -> dict[str, Any]:
    """Every figure of FIGURES from a key's counts."""
    committed, proven, done = c["committed"], c["proven"], c["done"]
    out: dict[str, Any] = {
        "applications": c["applications"],
        "decided": c["decided"],
        "approved": c["approved"],
        "median_days_to_decision": round(median_seconds / DAY, 2) if median_seconds is not None else None,
        "decision_overdue": c["decision_overdue"],
        "matters": c["matters"],
        "committed": committed,
        "proven": proven,
        "undecided": c["undecided"],
        "commitment_rate": _rate(committed, committed + proven),
        "proofs_saved": c["proofs_saved"],
        "withdrawals": c["withdrawals"],
        "verifications_due": done + c["awaiting"],
        "verifications_done": done,
        "verifications_on_time": c["on_time"],
        "verifications_overdue": c["overdue"],
        "verifications_outstanding": c["awaiting"],
        "untrue": c["untrue"],
        "untrue_rate": _rate(c["untrue"], done),
    }
    for k in (*(s.value for s in OUTCOME_STATUSES), "in_progress", "aborted", "penalized", "referred", "complaints"):
        out[k] = c[k]
    assert list(out) == [f.key for f in FIGURES]
    return out


def _fold(cells: list[dict[str, Any]]) -> dict[str, dict[Any, dict[str, int]]]:
    """The cells summed per breakdown and key, and in all (under None): each breakdown with the
    case counts of its own rows."""
    out: dict[str, dict[Any, dict[str, int]]] = {b: {} for b in (*BREAKDOWNS, "all")}
    for cell in cells:
        for breakdown, key, counted in (
            ("department", cell["department"], "department"),
            ("matter", cell["code"], "matter"),
            ("month", cell["month"], "month"),
            ("all", None, "month"),
        ):
            sums = out[breakdown].setdefault(key, dict.fromkeys(COUNTS, 0))
            for k in MATTER_FIGURES:
                sums[k] += int(cell[k])
            for k in (*CASE_FIGURES, "complaints"):
                sums[k] += int(cell[f"{counted}.{k}"])
    return out


def _months(first: str, last: str) -> list[str]:
    year, month = map(int, first.split("-"))
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def report(session: Session, query: Query) -> dict[str, Any]:
    """The whole report: the query, the totals, the breakdowns, the labels and definitions."""
    cells = _cells(session, query)
    counted, medians = _fold(cells), _medians(session, query)
    names = {cell["code"]: cell["name"] for cell in cells}
    departments = {cell["code"]: cell["department"] for cell in cells}
    names |= dict(session.exec(select(Matter.code, Matter.name).where(col(Matter.code).in_(list(names)))).all())
    by_month = counted["month"]
    months = _months(min(by_month), max(by_month)) if by_month else []
    return {
        "query": query.as_dict(),
        "totals": figures(counted["all"].get(None, NOTHING), medians["all"].get(None)),
        "by_department": sorted(
            (
                {"department": d or UNKNOWN_DEPARTMENT, **figures(c, medians["department"].get(d))}
                for d, c in counted["department"].items()
            ),
            key=lambda row: row["department"],
        ),
        "by_matter": [
            {
                "matter": code,
                "matter_name": names[code],
                "department": departments[code] or UNKNOWN_DEPARTMENT,
                **figures(c, medians["matter"].get(code)),
            }
            for code, c in sorted(counted["matter"].items())
        ],
        "by_month": [{"month": m, **figures(by_month.get(m, NOTHING), medians["month"].get(m))} for m in months],
        "labels": {**KEY_LABELS, **LABELS},
        "definitions": DEFINITIONS,
    }


def known_departments(session: Session) -> set[str]:
    return set(session.exec(select(Matter.department).distinct()))


def known_matter(session: Session, code: str) -> bool:
    return session.get(Matter, code) is not None
