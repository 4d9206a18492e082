"""The assessment dashboard (考评统计): the API's own figures (figures/counting.py, the
query checked by services/statistics.py, as the API checks it) as headline numbers and server-made SVG charts —
what a supervisor and an auditor look at first: how cases end, commitment against proof,
verification done on time, the untrue rate, by department and by month."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from sqlmodel import Session

from console.charts import Bar, Part, bars, columns, percent, stacked
from console.forms import refusal_message
from console.nav import DASHBOARD_ROLES
from console.web import error_page, page, signed_in, to_login
from figures import counting
from services import statistics
from services.statistics import XLSX
from workflows.rules import ROLE_LABELS

router = APIRouter(include_in_schema=False)

OUTCOMES = (  # (figure, tone): how the cases opened in the period stand
    ("in_progress", "blue"),
    ("fulfilled", "green"),
    ("no_finding", "teal"),
    ("rectified", "amber"),
    ("sanctioned", "red"),
    ("granted", "green"),
    ("rejected", "grey"),
    ("terminated", "grey"),
    ("revoked", "red"),
    ("cancelled", "grey"),
    ("aborted", "purple"),
)
MONTHS_SHOWN = 12


@dataclass(frozen=True)
class Tile:
    label: str
    value: str
    note: str = ""
    bad: bool = False


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    svg: Markup
    note: str = ""


def tiles(t: dict[str, Any]) -> list[Tile]:
    """The headline figures."""
    return [
        Tile("受理申请", f"{t['applications']} 件", f"已决定 {t['decided']} 件，准予 {t['approved']} 件"),
        Tile("承诺率", percent(t["commitment_rate"]), f"承诺 {t['committed']} / 证明 {t['proven']} 件次"),
        Tile("免于提交证明", f"{t['proofs_saved']} 份", "以承诺代替的证明"),
        Tile(
            "承诺不实率",
            percent(t["untrue_rate"]),
            f"不实 {t['untrue']} / 已核查 {t['verifications_done']} 件次",
            bad=bool(t["untrue"]),
        ),
        Tile(
            "逾期核查",
            f"{t['verifications_overdue']} 件次",
            f"待核查 {t['verifications_outstanding']} 件次",
            bad=bool(t["verifications_overdue"]),
        ),
        Tile("超过办理时限", f"{t['decision_overdue']} 件", "已上报督办", bad=bool(t["decision_overdue"])),
        Tile("投诉举报", f"{t['complaints']} 次", f"处罚 {t['penalized']} 件，移送 {t['referred']} 件"),
    ]


def charts(report: dict[str, Any]) -> list[Chart]:
    """The report's charts, in the order the page shows them."""
    t, labels = report["totals"], report["labels"]
    out = [
        Chart(
            "outcomes",
            "申请办理结果（按当前状态）",
            bars("申请办理结果", [Bar(labels[k].removesuffix("（件）"), t[k], tone) for k, tone in OUTCOMES]),
        )
    ]
    verification = [
        Bar("应核查", t["verifications_due"]),
        Bar("已核查", t["verifications_done"], "teal"),
        Bar("按期核查", t["verifications_on_time"], "green"),
        Bar("逾期核查", t["verifications_overdue"], "red"),
        Bar("待核查", t["verifications_outstanding"], "amber"),
        Bar("承诺不实", t["untrue"], "red"),
    ]
    out.append(
        Chart(
            "verification",
            "核查情况（件次）",
            bars("核查情况", verification),
            "逾期核查含逾期后补登结论的；承诺不实不含陈述申辩后更正为属实的。",
        )
    )
    departments = report["by_department"]
    if departments:
        modes = (Part("告知承诺", "blue"), Part("提交证明", "grey"), Part("尚未选择", "amber"))
        rows = [
            (d["department"], (d["committed"], d["proven"], d["undecided"]), f"承诺率 {percent(d['commitment_rate'])}")
            for d in departments
        ]
        out.append(Chart("modes", "告知承诺与提交证明（按部门，件次）", stacked("告知承诺与提交证明（按部门）", modes, rows)))
        rates = [
            Bar(
                d["department"],
                (d["untrue_rate"] or 0) * 100,
                "red" if d["untrue"] else "green",
                f"{percent(d['untrue_rate'])}（{d['untrue']}/{d['verifications_done']}）",
            )
            for d in departments
        ]
        out.append(
            Chart(
                "untrue",
                "承诺不实率（按部门）",
                bars("承诺不实率（按部门）", rates, maximum=100),
                "承诺不实 ÷ 已核查；括号内为件次。无核查的部门记为 —。",
            )
        )
    months = report["by_month"][-MONTHS_SHOWN:]
    if months:
        series = (Part("受理申请", "blue"), Part("告知承诺", "teal"), Part("承诺不实", "red"))
        groups = [(m["month"], (m["applications"], m["committed"], m["untrue"])) for m in months]
        out.append(Chart("months", f"按月（受理月份，最近{len(months)}个月）", columns("按月统计", series, groups)))
    return out


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request) -> Response:
    """The dashboard for the period and department asked (the API's query and its checks)."""
    user = signed_in(request)
    if user is None:
        return to_login()
    if user.actor.role not in DASHBOARD_ROLES:
        allowed = "、".join(ROLE_LABELS[r] for r in sorted(DASHBOARD_ROLES))
        return error_page(request, f"{ROLE_LABELS[user.actor.role]}无权查看考评统计（仅限{allowed}）", 403, user)
    asked = {k: request.query_params.get(k) or None for k in ("from", "to", "department")}
    with Session(request.app.state.engine) as db:
        departments = sorted(counting.known_departments(db))
        try:
            query = statistics.checked(db, asked["from"], asked["to"], asked["department"])
        except HTTPException as err:
            return page(
                request,
                "dashboard.html",
                {"asked": asked, "departments": departments, "error": refusal_message(err)},
                err.status_code,
                user,
            )
        report = counting.report(db, query)
    return page(
        request,
        "dashboard.html",
        {
            "asked": asked,
            "departments": departments,
            "error": "",
            "report": report,
            "tiles": tiles(report["totals"]),
            "charts": charts(report),
            "describe": query.describe(),
        },
        user=user,
    )


@router.get("/dashboard.xlsx")
def dashboard_xlsx(request: Request) -> Response:
    """The same figures as the API's /statistics.xlsx, for the signed-in reader."""
    user = signed_in(request)
    if user is None:
        return to_login()
    if user.actor.role not in DASHBOARD_ROLES:
        return error_page(request, f"{ROLE_LABELS[user.actor.role]}无权查看考评统计", 403, user)
    asked = {k: request.query_params.get(k) or None for k in ("from", "to", "department")}
    with Session(request.app.state.engine) as db:
        try:
            query = statistics.checked(db, asked["from"], asked["to"], asked["department"])
        except HTTPException as err:
            return error_page(request, refusal_message(err), err.status_code, user)
        content, name = statistics.workbook_of(db, query)
    return Response(content, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})
