"""The 考评 figures as the API and the console ask for them: who may read them, a query checked
(422 with the reason), the workbook."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from api.errors import unprocessable
from figures import counting
from figures.definitions import Query
from figures.workbook import workbook
from workflows.types import Role

ROLES = frozenset({Role.auditor, Role.supervisor, Role.admin})
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _day(text: str | None, name: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise unprocessable(f"日期无效：{text}（应为 YYYY-MM-DD）", ("query", name), "date_parsing") from None


def checked(
    session: Session,
    date_from: str | None = None,
    date_to: str | None = None,
    department: str | None = None,
    matter: str | None = None,
) -> Query:
    """The query, or 422: a date that is not a day, from after to, a department or matter not in the catalogue."""
    query = Query(_day(date_from, "from"), _day(date_to, "to"), department, matter)
    if query.date_from and query.date_to and query.date_from > query.date_to:
        raise unprocessable(f"起始日 {query.date_from} 晚于截止日 {query.date_to}", ("query", "to"))
    if department is not None and department not in counting.known_departments(session):
        raise unprocessable(f"清单中没有部门「{department}」", ("query", "department"))
    if matter is not None and not counting.known_matter(session, matter):
        raise unprocessable(f"证明事项 {matter} 不在清单中", ("query", "matter"))
    return query


def workbook_of(session: Session, query: Query) -> tuple[bytes, str]:
    """The figures as an .xlsx, and the file's name (by the period)."""
    period = "-".join(d.isoformat() for d in (query.date_from, query.date_to) if d) or "all"
    return workbook(counting.report(session, query), query), f"chengnuo-statistics-{period}.xlsx"
