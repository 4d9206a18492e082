"""Assessment figures (法治政府建设考评): pure functions over the read model's rows.

Nothing here touches Temporal; `load` reads the rows, `report` counts them, `workbook` lays a
report out as an .xlsx. The route only validates the query and answers.

**The period** is the application's opening (`opened_at`), in China time (UTC+8): `date_from`
and `date_to` are calendar days, both included. Every figure counts the cohort of applications
opened in the period, whatever happened to them later (a case opened in March and revoked in June
counts as revoked in March's figures). Rows without `opened_at` are not counted.

**Scope.** `department` keeps the applications with a matter of that department and, of their
matters, only that department's; `matter` keeps the applications with that matter and only that
matter. Application figures (outcomes, the median, complaints) count the kept applications;
matter figures count the kept matters. A matter's department is the catalogue's.

**Breakdowns.** By department: the applications with a kept matter of the department, and those
matters. By matter: the applications with the matter, and that matter. By month (of opening, in
China time): the applications opened that month, and their kept matters; every month from the
first to the last month with an application is listed. An application with matters of two
departments (or two matters) counts once in each row, so the rows of a breakdown may add up to
more than the totals, which count each application once.

The figures, each with its Chinese label and definition, are in `FIGURES`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from io import BytesIO
from statistics import median
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from sqlalchemy import ColumnElement, and_
from sqlmodel import Session, col, select

from db.models import Application, CaseEvent, Matter
from workflows.case import CHINA
from workflows.rules import FINAL_STATUSES, STATUS_LABELS
from workflows.types import ApplicationStatus as S, MatterMode, VerificationState as V

# A matter's verification has a result (the first finding is in; a re-verification after
# rectification belongs to the same verification).
DONE = frozenset({V.true, V.untrue, V.rectifying, V.reverifying, V.rectified, V.revoked, V.proposed, V.disposed})
# The result found the commitment untrue (a finding corrected on the applicant's statement is `true` again).
UNTRUE = frozenset({V.untrue, V.rectifying, V.reverifying, V.rectified, V.revoked, V.proposed, V.disposed})
# Fallen due, result not yet in (事中 awaiting the verifier, or 事后 due).
AWAITING = frozenset({V.pending, V.due})
OUTCOME_STATUSES = (S.fulfilled, S.no_finding, S.rectified, S.sanctioned, S.rejected, S.terminated, S.revoked, S.cancelled)
UNKNOWN_DEPARTMENT = "未知部门"
QUOTED_NAME = re.compile(r"「([^」]*)」")


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    definition: str
    kind: str = "count"  # count | rate | days


FIGURES: tuple[Figure, ...] = (
    Figure("applications", "受理申请（件）", "统计期内受理（opened_at，北京时间）的申请件数"),
    Figure("decided", "作出决定（件）", "其中已作出准予或不予批准决定的件数"),
    Figure("approved", "准予（件）", "其中作出准予决定的件数"),
    Figure("median_days_to_decision", "受理至决定天数中位数", "受理至作出准予或不予批准决定的自然日数（精确到0.01日）的中位数；无已决定申请时为空", "days"),
    Figure("decision_overdue", "超过办理时限（件）", "超过办理时限尚未作出决定、已上报督办的件数"),
    Figure("matters", "证明事项（件次）", "申请涉及的证明事项件次"),
    Figure("committed", "告知承诺办理（件次）", "申请人作出承诺、以告知承诺方式办理的证明事项件次（不含已撤回的承诺）"),
    Figure("proven", "提交证明办理（件次）", "提交证明材料办理的证明事项件次（含不适用承诺及撤回承诺后改交证明的）"),
    Figure("undecided", "尚未选择方式（件次）", "尚未选择承诺或提交证明的证明事项件次"),
    Figure("commitment_rate", "承诺率", "告知承诺办理 ÷（告知承诺办理 + 提交证明办理）；分母为0时为空", "rate"),
    Figure("proofs_saved", "免于提交证明（份）", "已作出决定（准予或不予批准）的申请中，以承诺代替、申请人无需开具的证明份数"),
    Figure("withdrawals", "撤回承诺（件次）", "决定前申请人撤回承诺、改按原程序提交证明的证明事项件次"),
    Figure("verifications_due", "应核查（件次）", "已到期须核查的承诺事项件次：已有核查结论的，加上到期待登记结果的（事中核查、事后核查到期、投诉举报）"),
    Figure("verifications_done", "已核查（件次）", "已登记核查结论的承诺事项件次（整改后复核计入同一次核查）"),
    Figure("verifications_on_time", "按期核查（件次）", "已核查且未逾期的件次"),
    Figure("verifications_overdue", "逾期核查（件次）", "核查逾期未登记结果、已上报负责人督办的件次（含逾期后补登结论的和仍未登记的）"),
    Figure("verifications_outstanding", "待核查（件次）", "应核查而尚未登记结论的件次"),
    Figure("untrue", "承诺不实（件次）", "核查结论为承诺不实的件次（陈述申辩后更正为属实的不计）"),
    Figure("untrue_rate", "承诺不实率", "承诺不实 ÷ 已核查；分母为0时为空", "rate"),
    Figure("fulfilled", STATUS_LABELS[S.fulfilled] + "（件）", "申请当前状态为已履诺办结（承诺均经核查属实）的件数"),
    Figure("no_finding", STATUS_LABELS[S.no_finding] + "（件）", "申请当前状态为监管期满未发现承诺不实的件数"),
    Figure("rectified", STATUS_LABELS[S.rectified] + "（件）", "申请当前状态为整改到位办结的件数"),
    Figure("sanctioned", STATUS_LABELS[S.sanctioned] + "（件）", "申请当前状态为不实承诺已依法处理办结（处罚或移送）的件数"),
    Figure("rejected", STATUS_LABELS[S.rejected] + "（件）", "申请当前状态为不予批准的件数"),
    Figure("terminated", STATUS_LABELS[S.terminated] + "（件）", "申请当前状态为终止办理的件数（事中核查不实，或承办机关终止）"),
    Figure("revoked", STATUS_LABELS[S.revoked] + "（件）", "申请当前状态为撤销行政决定的件数"),
    Figure("cancelled", STATUS_LABELS[S.cancelled] + "（件）", "申请当前状态为申请人撤回申请的件数"),
    Figure("in_progress", "办理中或监管中（件）", "尚未办结的件数（已告知、审查中、监管期、核查中、整改中、陈述申辩中）"),
    Figure("aborted", STATUS_LABELS[S.aborted] + "（件）", "工作流异常终止、待人工处理的件数"),
    Figure("penalized", "行政处罚（件）", "作出行政处罚决定的件数（与上列状态可重叠）"),
    Figure("referred", "移送司法机关（件）", "移送司法机关的件数（与上列状态可重叠）"),
    Figure("complaints", "投诉举报（次）", "收到的投诉举报次数（转入案件的）"),
)
LABELS: dict[str, str] = {f.key: f.label for f in FIGURES}
DEFINITIONS: dict[str, str] = {f.key: f.definition for f in FIGURES}
KEY_LABELS = {
    "department": "部门",
    "matter": "证明事项编码",
    "matter_name": "证明事项名称",
    "month": "月份",
}


@dataclass(frozen=True)
class Query:
    date_from: date | None = None
    date_to: date | None = None
    department: str | None = None
    matter: str | None = None

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """[start, end) in UTC: the first instant of date_from and the first after date_to, China
        time. A bound past what a timestamp can hold (year 1, year 9999) bounds nothing."""

        def instant(day: date, days: int) -> datetime | None:
            try:
                return datetime.combine(day + timedelta(days=days), time(), CHINA).astimezone(timezone.utc)
            except OverflowError:
                return None

        return (
            instant(self.date_from, 0) if self.date_from else None,
            instant(self.date_to, 1) if self.date_to else None,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "department": self.department,
            "matter": self.matter,
            "period_by": "opened_at",
            "timezone": "UTC+8",
        }

    def describe(self) -> str:
        """The query in Chinese, for the workbook's header row."""
        period = f"{self.date_from.isoformat() if self.date_from else '最早'} 至 {self.date_to.isoformat() if self.date_to else '最新'}"
        return (
            f"统计区间：{period}（按受理时间，北京时间）；部门：{self.department or '全部'}；"
            f"证明事项：{self.matter or '全部'}"
        )


@dataclass(frozen=True)
class MatterFacts:
    code: str
    name: str
    department: str
    mode: str
    verification: str
    withdrawn: bool
    overdue: bool


@dataclass
class CaseFacts:
    """One application as the figures see it."""

    row: Application
    month: str
    matters: list[MatterFacts]
    decided_at: datetime | None
    complaints: int = 0
    decisions: set[str] = field(default_factory=set)

    @property
    def decided(self) -> bool:
        return self.row.approved_at is not None or self.row.status == S.rejected


@dataclass(frozen=True)
class Catalogue:
    """What the figures need of the catalogue: each code's name and department."""

    names: dict[str, str]
    departments: dict[str, str]

    @classmethod
    def of(cls, matters: Iterable[Matter]) -> Catalogue:
        rows = list(matters)
        return cls({m.code: m.name for m in rows}, {m.code: m.department for m in rows})


@dataclass(frozen=True)
class Event:
    application_id: str
    at: datetime
    action: str
    summary: str


EVENT_ACTIONS = ("complaint", "escalate", "reject")


# ---- reading the rows --------------------------------------------------------------------------


def load(session: Session, query: Query) -> tuple[list[Application], list[Event], Catalogue]:
    """The applications opened in the period, the timeline entries the figures use, the catalogue."""
    start, end = query.bounds()
    conditions: list[ColumnElement[bool]] = [col(Application.opened_at).is_not(None)]
    if start:
        conditions.append(col(Application.opened_at) >= start)
    if end:
        conditions.append(col(Application.opened_at) < end)
    rows = list(session.exec(select(Application).where(*conditions)))
    joined = (
        select(CaseEvent)
        .join(Application, col(Application.application_id) == col(CaseEvent.application_id))
        .where(and_(*conditions), col(CaseEvent.action).in_(EVENT_ACTIONS))
    )
    events = [Event(e.application_id, e.at, e.action, e.summary) for e in session.exec(joined)]
    return rows, events, Catalogue.of(session.exec(select(Matter)))


def known_departments(session: Session) -> set[str]:
    return set(session.exec(select(Matter.department).distinct()))


def known_matter(session: Session, code: str) -> bool:
    return session.get(Matter, code) is not None


# ---- the facts of a case -----------------------------------------------------------------------


def _at(value: Any) -> datetime | None:
    """A timestamp from a JSON column (ISO text) or a row (datetime), timezone-aware."""
    if value is None:
        return None
    at = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)


def month_of(at: datetime) -> str:
    return at.astimezone(CHINA).strftime("%Y-%m")


def facts(rows: Iterable[Application], events: Iterable[Event], catalogue: Catalogue) -> list[CaseFacts]:
    by_case: dict[str, list[Event]] = {}
    for e in events:
        by_case.setdefault(e.application_id, []).append(e)
    out = []
    for row in rows:
        assert row.opened_at is not None
        mine = sorted(by_case.get(row.application_id, []), key=lambda e: e.at)
        escalated_names = {name for e in mine if e.action == "escalate" for name in QUOTED_NAME.findall(e.summary)[:1]}
        only = row.departments[0] if len(row.departments or []) == 1 else UNKNOWN_DEPARTMENT
        matters = [
            MatterFacts(
                code=m["code"],
                name=catalogue.names.get(m["code"], m.get("name", m["code"])),
                department=catalogue.departments.get(m["code"], only),
                mode=m.get("mode", MatterMode.undecided),
                verification=m.get("verification", V.none),
                withdrawn=m.get("withdrawn_reason") is not None,
                overdue=bool(m.get("escalated")) or m.get("name") in escalated_names,
            )
            for m in row.matters
        ]
        kinds = {d.get("kind", "") for d in row.decisions or []}
        out.append(
            CaseFacts(
                row=row,
                month=month_of(row.opened_at),
                matters=matters,
                decided_at=decision_time(row, mine),
                complaints=sum(e.action == "complaint" for e in mine),
                decisions=kinds,
            )
        )
    return out


def decision_time(row: Application, events: list[Event]) -> datetime | None:
    """Approval: approved_at. Rejection: the reject decision's time, else the timeline's, else the close."""
    if row.approved_at is not None:
        return _at(row.approved_at)
    if row.status != S.rejected:
        return None
    for d in row.decisions or []:
        if d.get("kind") == "reject" and d.get("at"):
            return _at(d["at"])
    rejected = [e.at for e in events if e.action == "reject"]
    return _at(rejected[0]) if rejected else _at(row.closed_at)


# ---- the figures -------------------------------------------------------------------------------


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def figures(cases: list[CaseFacts], keep: Callable[[MatterFacts], bool]) -> dict[str, Any]:
    """Every figure of FIGURES for these applications, counting only the matters `keep` keeps."""
    kept = [(c, m) for c in cases for m in c.matters if keep(m)]
    committed = [(c, m) for c, m in kept if m.mode == MatterMode.commitment]
    proven = sum(m.mode == MatterMode.proof for _, m in kept)
    done = [m for _, m in kept if m.verification in DONE]
    due = len(done) + sum(m.verification in AWAITING for _, m in kept)
    overdue = [m for _, m in kept if m.overdue and (m.verification in DONE or m.verification in AWAITING)]
    untrue = sum(m.verification in UNTRUE for m in done)
    days = [
        (c.decided_at - _at(c.row.opened_at)).total_seconds() / 86400  # type: ignore[operator]
        for c in cases
        if c.decided and c.decided_at is not None
    ]
    statuses = [c.row.status for c in cases]
    out: dict[str, Any] = {
        "applications": len(cases),
        "decided": sum(c.decided for c in cases),
        "approved": sum(c.row.approved_at is not None for c in cases),
        "median_days_to_decision": round(median(days), 2) if days else None,
        "decision_overdue": sum(bool(c.row.decision_overdue) for c in cases),
        "matters": len(kept),
        "committed": len(committed),
        "proven": proven,
        "undecided": sum(m.mode == MatterMode.undecided for _, m in kept),
        "commitment_rate": _rate(len(committed), len(committed) + proven),
        "proofs_saved": sum(c.decided for c, _ in committed),
        "withdrawals": sum(m.withdrawn for _, m in kept),
        "verifications_due": due,
        "verifications_done": len(done),
        "verifications_on_time": sum(not m.overdue for m in done),
        "verifications_overdue": len(overdue),
        "verifications_outstanding": due - len(done),
        "untrue": untrue,
        "untrue_rate": _rate(untrue, len(done)),
    }
    for status in OUTCOME_STATUSES:
        out[status.value] = statuses.count(status)
    out["in_progress"] = sum(s not in FINAL_STATUSES and s != S.aborted for s in statuses)
    out["aborted"] = statuses.count(S.aborted)
    out["penalized"] = sum(bool(c.row.penalized) or "penalize" in c.decisions for c in cases)
    out["referred"] = sum(bool(c.row.referred) or "refer" in c.decisions for c in cases)
    out["complaints"] = sum(c.complaints for c in cases)
    assert list(out) == [f.key for f in FIGURES]
    return out


def _months(first: str, last: str) -> list[str]:
    year, month = map(int, first.split("-"))
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def report(rows: Iterable[Application], events: Iterable[Event], catalogue: Catalogue, query: Query) -> dict[str, Any]:
    """The whole report: the query, the totals, the breakdowns, the labels and definitions."""

    def in_scope(m: MatterFacts) -> bool:
        return (query.department is None or m.department == query.department) and (query.matter is None or m.code == query.matter)

    cases = [c for c in facts(rows, events, catalogue) if any(in_scope(m) for m in c.matters)]
    by_department: dict[str, list[CaseFacts]] = {}
    by_matter: dict[str, list[CaseFacts]] = {}
    by_month: dict[str, list[CaseFacts]] = {}
    names: dict[str, str] = {}
    matter_departments: dict[str, str] = {}
    for c in cases:
        kept = [m for m in c.matters if in_scope(m)]
        for d in dict.fromkeys(m.department for m in kept):
            by_department.setdefault(d, []).append(c)
        for m in kept:
            if not by_matter.get(m.code) or by_matter[m.code][-1] is not c:
                by_matter.setdefault(m.code, []).append(c)
            names.setdefault(m.code, m.name)
            matter_departments.setdefault(m.code, m.department)
        by_month.setdefault(c.month, []).append(c)
    months = _months(min(by_month), max(by_month)) if by_month else []

    def department_row(d: str) -> dict[str, Any]:
        return {"department": d, **figures(by_department[d], lambda m: in_scope(m) and m.department == d)}

    def matter_row(code: str) -> dict[str, Any]:
        counted = figures(by_matter[code], lambda m: in_scope(m) and m.code == code)
        return {"matter": code, "matter_name": names[code], "department": matter_departments[code], **counted}

    return {
        "query": query.as_dict(),
        "totals": figures(cases, in_scope),
        "by_department": [department_row(d) for d in sorted(by_department)],
        "by_matter": [matter_row(code) for code in sorted(by_matter)],
        "by_month": [{"month": k, **figures(by_month.get(k, []), in_scope)} for k in months],
        "labels": {**KEY_LABELS, **LABELS},
        "definitions": DEFINITIONS,
    }


# ---- the workbook ------------------------------------------------------------------------------

TITLE = "证明事项告知承诺制工作统计（法治政府建设考评）"
SHEETS: tuple[tuple[str, str, tuple[str, ...]], ...] = (  # (sheet, breakdown, key columns)
    ("按部门", "by_department", ("department",)),
    ("按证明事项", "by_matter", ("matter", "matter_name", "department")),
    ("按月份", "by_month", ("month",)),
)
SUMMARY_SHEET = "汇总"
TOTAL_LABEL = "合计"
OVERLAP_NOTE = "注：一件申请涉及多个部门或证明事项的，分别计入各行；“合计”行按申请去重统计，可能小于各行之和。"
FORMATS = {"rate": "0.00%", "days": "0.00", "count": "0"}
HEADER_ROW = 3  # row 1: title; row 2: the query; row 3: column headers; data from row 4


def _header(ws: Any, query: Query, width: int) -> None:
    ws.cell(row=1, column=1, value=TITLE).font = Font(bold=True, size=14)
    ws.cell(row=2, column=1, value=query.describe())
    if width > 1:
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)


def _put(ws: Any, row: int, column: int, value: Any, kind: str = "count") -> None:
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, int | float):
        cell.number_format = FORMATS[kind]


def workbook(data: dict[str, Any], query: Query) -> bytes:
    """The report as an .xlsx: a summary sheet, a sheet per breakdown (Chinese headers, the query in
    a header row, a totals row), and the definitions."""
    wb = Workbook()
    summary = wb.active
    assert summary is not None
    summary.title = SUMMARY_SHEET
    _header(summary, query, 3)
    for column, text in enumerate(("指标", "数值", "口径说明"), 1):
        summary.cell(row=HEADER_ROW, column=column, value=text).font = Font(bold=True)
    for n, f in enumerate(FIGURES, HEADER_ROW + 1):
        summary.cell(row=n, column=1, value=f.label)
        _put(summary, n, 2, data["totals"][f.key], f.kind)
        summary.cell(row=n, column=3, value=f.definition)
    summary.column_dimensions["A"].width = 28
    summary.column_dimensions["B"].width = 14
    summary.column_dimensions["C"].width = 80

    for title, breakdown, keys in SHEETS:
        ws = wb.create_sheet(title)
        width = len(keys) + len(FIGURES)
        _header(ws, query, width)
        headers = [KEY_LABELS[k] for k in keys] + [f.label for f in FIGURES]
        for column, text in enumerate(headers, 1):
            cell = ws.cell(row=HEADER_ROW, column=column, value=text)
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        rows = data[breakdown]
        for n, item in enumerate(rows, HEADER_ROW + 1):
            for column, k in enumerate(keys, 1):
                ws.cell(row=n, column=column, value=item[k])
            for column, f in enumerate(FIGURES, len(keys) + 1):
                _put(ws, n, column, item[f.key], f.kind)
        total_row = HEADER_ROW + 1 + len(rows)
        ws.cell(row=total_row, column=1, value=TOTAL_LABEL).font = Font(bold=True)
        for column, f in enumerate(FIGURES, len(keys) + 1):
            _put(ws, total_row, column, data["totals"][f.key], f.kind)
            ws.cell(row=total_row, column=column).font = Font(bold=True)
        if breakdown != "by_month":
            ws.cell(row=total_row + 1, column=1, value=OVERLAP_NOTE)
        ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=len(keys) + 1)
        for column in range(1, width + 1):
            ws.column_dimensions[get_column_letter(column)].width = 16
        ws.row_dimensions[HEADER_ROW].height = 45

    notes = wb.create_sheet("口径说明")
    _header(notes, query, 3)
    for column, text in enumerate(("字段", "指标", "口径说明"), 1):
        notes.cell(row=HEADER_ROW, column=column, value=text).font = Font(bold=True)
    for n, f in enumerate(FIGURES, HEADER_ROW + 1):
        notes.cell(row=n, column=1, value=f.key)
        notes.cell(row=n, column=2, value=f.label)
        notes.cell(row=n, column=3, value=f.definition)
    last = HEADER_ROW + len(FIGURES) + 1
    notes.cell(row=last, column=1, value="统计区间")
    notes.cell(row=last, column=3, value="按申请受理时间（opened_at）统计，北京时间（UTC+8），起止日期均含当日；各项数字为该期间受理的申请至今的情况。")
    notes.cell(row=last + 1, column=1, value="说明")
    notes.cell(row=last + 1, column=3, value=OVERLAP_NOTE.removeprefix("注："))
    notes.column_dimensions["A"].width = 28
    notes.column_dimensions["B"].width = 28
    notes.column_dimensions["C"].width = 90

    out = BytesIO()
    wb.save(out)
    return out.getvalue()
