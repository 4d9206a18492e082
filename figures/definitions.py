"""The assessment figures (法治政府建设考评): what each counts, and the query that scopes them.

**The period** is the application's opening (`opened_at`), in China time (UTC+8): `date_from`
and `date_to` are calendar days, both included. Every figure counts the cohort of applications
opened in the period, whatever happened to them later (a case opened in March and revoked in June
counts as revoked in March's figures). Rows without `opened_at` are not counted.

**Scope.** `department` keeps the applications with a matter of that department and, of their
matters, only that department's; `matter` keeps the applications with that matter and only that
matter. Application figures (outcomes, the median, complaints) count the kept applications;
matter figures count the kept matters. A matter's department is its matter row's: the case's
own department, else the catalogue's when the case opened.

**Breakdowns.** By department: the applications with a kept matter of the department, and those
matters. By matter: the applications with the matter, and that matter. By month (of opening, in
China time): the applications opened that month, and their kept matters; every month from the
first to the last month with an application is listed. An application with matters of two
departments (or two matters) counts once in each row, so the rows of a breakdown may add up to
more than the totals, which count each application once.

The figures, each with its Chinese label and definition, are in `FIGURES`; `figures.counting`
counts them in the database, `figures.workbook` lays them out as an .xlsx.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from workflows.case import CHINA
from workflows.rules import STATUS_LABELS
from workflows.types import ApplicationStatus as S, VerificationState as V

# A matter's verification has a result (the first finding is in; a re-verification after
# rectification belongs to the same verification).
DONE = frozenset({V.true, V.untrue, V.rectifying, V.reverifying, V.rectified, V.revoked, V.proposed, V.disposed})
# The result found the commitment untrue (a finding corrected on the applicant's statement is `true` again).
UNTRUE = frozenset({V.untrue, V.rectifying, V.reverifying, V.rectified, V.revoked, V.proposed, V.disposed})
# Fallen due, result not yet in (事中 awaiting the verifier, or 事后 due).
AWAITING = frozenset({V.pending, V.due})
OUTCOME_STATUSES = (
    S.fulfilled,
    S.no_finding,
    S.rectified,
    S.sanctioned,
    S.granted,
    S.rejected,
    S.terminated,
    S.revoked,
    S.cancelled,
)
UNKNOWN_DEPARTMENT = "未知部门"


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
    Figure(
        "median_days_to_decision",
        "受理至决定天数中位数",
        "受理至作出准予或不予批准决定的自然日数（精确到0.01日）的中位数；无已决定申请时为空",
        "days",
    ),
    Figure("decision_overdue", "超过办理时限（件）", "超过办理时限尚未作出决定、已上报督办的件数"),
    Figure("matters", "证明事项（件次）", "申请涉及的证明事项件次"),
    Figure("committed", "告知承诺办理（件次）", "申请人作出承诺、以告知承诺方式办理的证明事项件次（不含已撤回的承诺）"),
    Figure("proven", "提交证明办理（件次）", "提交证明材料办理的证明事项件次（含不适用承诺及撤回承诺后改交证明的）"),
    Figure("undecided", "尚未选择方式（件次）", "尚未选择承诺或提交证明的证明事项件次"),
    Figure("commitment_rate", "承诺率", "告知承诺办理 ÷（告知承诺办理 + 提交证明办理）；分母为0时为空", "rate"),
    Figure("proofs_saved", "免于提交证明（份）", "已作出决定（准予或不予批准）的申请中，以承诺代替、申请人无需开具的证明份数"),
    Figure("withdrawals", "撤回承诺（件次）", "决定前申请人撤回承诺、改按原程序提交证明的证明事项件次"),
    Figure(
        "verifications_due",
        "应核查（件次）",
        "已到期须核查的承诺事项件次：已有核查结论的，加上到期待登记结果的（事中核查、事后核查到期、投诉举报）",
    ),
    Figure("verifications_done", "已核查（件次）", "已登记核查结论的承诺事项件次（整改后复核计入同一次核查）"),
    Figure("verifications_on_time", "按期核查（件次）", "已核查且未逾期的件次"),
    Figure(
        "verifications_overdue",
        "逾期核查（件次）",
        "核查逾期未登记结果、已上报负责人督办的件次（含逾期后补登结论的和仍未登记的）",
    ),
    Figure("verifications_outstanding", "待核查（件次）", "应核查而尚未登记结论的件次"),
    Figure("untrue", "承诺不实（件次）", "核查结论为承诺不实的件次（陈述申辩后更正为属实的不计）"),
    Figure("untrue_rate", "承诺不实率", "承诺不实 ÷ 已核查；分母为0时为空", "rate"),
    Figure("fulfilled", STATUS_LABELS[S.fulfilled] + "（件）", "申请当前状态为已履诺办结（承诺均经核查属实）的件数"),
    Figure("no_finding", STATUS_LABELS[S.no_finding] + "（件）", "申请当前状态为监管期满未发现承诺不实的件数"),
    Figure("rectified", STATUS_LABELS[S.rectified] + "（件）", "申请当前状态为整改到位办结的件数"),
    Figure("sanctioned", STATUS_LABELS[S.sanctioned] + "（件）", "申请当前状态为不实承诺已依法处理办结（处罚或移送）的件数"),
    Figure("granted", STATUS_LABELS[S.granted] + "（件）", "申请当前状态为已批准办结、各事项均提交证明未作承诺的件数"),
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
        return f"统计区间：{period}（按受理时间，北京时间）；部门：{self.department or '全部'}；证明事项：{self.matter or '全部'}"
