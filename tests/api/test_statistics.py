"""The assessment figures (考评统计, issue 17) against a known set of cases.

The cases are written into the read model by the projection's own activity (each case's view and
its timeline, as one projection), on SQLite and on PostgreSQL; no Temporal is needed, so the app
gets a stand-in client. Every expected figure below is counted by hand from the table in `CASES`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import asdict
from datetime import date, datetime, timezone
from io import BytesIO
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
import sqlalchemy as sa
from alembic import command
from openpyxl import load_workbook
from sqlalchemy import Engine
from sqlmodel import Session

from activities.projection import ProjectionActivities, application_row, matter_rows
from api.main import create_app
from api.routes import statistics
from config import Settings
from db.migrate import alembic_config
from db.session import make_engine, session_factory
from figures import counting
from figures.definitions import FIGURES, LABELS, Query
from figures.workbook import OVERLAP_NOTE, TOTAL_LABEL
from tests.support.factories import AFTER, AFTER2, DURING, EXCLUDED, EXEMPT, OTHER, OTHER_DEPARTMENT, TEST_MATTERS
from tests.support.postgres import on_postgres
from workflows.types import (
    AdverseDecision,
    Applicant,
    ApplicationStatus as S,
    ApplicationView,
    MatterCase,
    MatterMode as M,
    ProjectionInput,
    TimelineEntry,
    VerificationState as V,
)

POSTGRES = not on_postgres.mark.args[0]
D1 = "湛河区测试局"
D2 = OTHER_DEPARTMENT
PERIOD = {"from": "2026-01-01", "to": "2026-03-31"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def matter(code: str, mode: M, verification: V = V.none, **kw: Any) -> MatterCase:
    return MatterCase(
        code=code,
        name=f"测试证明{code}",
        stage="during" if code == DURING else "after",
        exempt=code == EXEMPT,
        eligible=code != EXCLUDED,
        mode=mode,
        verification=verification,
        **kw,
    )


def decision(kind: str, at: str) -> AdverseDecision:
    return AdverseDecision(kind=kind, label=kind, at=utc(at), actor_id="sv-1", reason="理由", basis="依据", remedies="")


# id: (opened_at UTC, matters, status, approved_at UTC, extra view fields, timeline (action, at, summary))
# China time is UTC+8: st-3 opens on 1 Feb in China, st-7 on 1 Apr, st-0 on 31 Dec 2025.
CASES: dict[str, tuple[str, list[MatterCase], S, str | None, dict[str, Any], list[tuple[str, str, str]]]] = {
    "st-0": ("2025-12-31T15:59:00", [matter(AFTER, M.proof)], S.reviewing, None, {}, []),
    "st-1": (
        "2026-01-05T02:00:00",
        [matter(AFTER, M.commitment, V.true), matter(OTHER, M.proof)],
        S.fulfilled,
        "2026-01-07T02:00:00",
        {},
        [],
    ),
    "st-2": (  # escalated, then rectified: the flag was reset by the rectification, the timeline keeps it
        "2026-01-10T00:00:00",
        [matter(AFTER, M.commitment, V.rectified)],
        S.rectified,
        "2026-01-13T12:00:00",
        {},
        [
            ("complaint", "2026-01-20T00:00:00", "收到投诉举报：……。核查即时到期：测试证明T-AFTER"),
            ("escalate", "2026-02-01T00:00:00", "「测试证明T-AFTER」核查逾期未登记结果，已上报负责人督办（不视为核查通过）"),
            ("rectify", "2026-02-03T00:00:00", "责令限期整改"),
        ],
    ),
    "st-3": (  # 事中 untrue: terminated, then penalized in the follow-up period
        "2026-01-31T17:00:00",
        [matter(DURING, M.commitment, V.untrue)],
        S.terminated,
        None,
        {
            "penalized": True,
            "decisions": [decision("terminate", "2026-02-02T00:00:00"), decision("penalize", "2026-02-20T00:00:00")],
        },
        [],
    ),
    "st-4": (  # commitment withdrawn; an excluded matter; rejected a day after opening
        "2026-02-03T01:00:00",
        [matter(AFTER, M.proof, withdrawn_reason="改交证明"), matter(EXCLUDED, M.proof)],
        S.rejected,
        None,
        {"decisions": [decision("reject", "2026-02-04T01:00:00")], "closed_at": utc("2026-02-04T01:00:00")},
        [("reject", "2026-02-04T01:00:00", "作出不予批准决定")],
    ),
    "st-5": (
        "2026-02-10T00:00:00",
        [matter(AFTER, M.commitment, V.revoked), matter(AFTER2, M.commitment, V.sampled_out)],
        S.revoked,
        "2026-02-20T00:00:00",
        {"referred": True, "decisions": [decision("revoke", "2026-03-20T00:00:00"), decision("refer", "2026-03-21T00:00:00")]},
        [],
    ),
    "st-6": (  # complained about before the decision, past its 办理时限
        "2026-02-15T00:00:00",
        [matter(AFTER, M.commitment, V.pending), matter(OTHER, M.undecided)],
        S.reviewing,
        None,
        {"decision_overdue": True},
        [
            ("complaint", "2026-02-16T00:00:00", "收到投诉举报：……"),
            ("complaint", "2026-02-17T00:00:00", "收到投诉举报：……"),
        ],
    ),
    "st-7": (
        "2026-03-31T16:30:00",
        [matter(EXEMPT, M.commitment, V.exempt), matter(DURING, M.commitment, V.true)],
        S.approved,
        "2026-04-02T16:30:00",
        {},
        [],
    ),
    "st-8": ("2026-03-02T00:00:00", [matter(AFTER, M.undecided)], S.cancelled, None, {}, []),
    "st-9": (  # one verification overdue and still awaited, one done late
        "2026-03-05T00:00:00",
        [matter(AFTER, M.commitment, V.due, escalated=True), matter(OTHER, M.commitment, V.true, escalated=True)],
        S.verifying,
        "2026-03-06T00:00:00",
        {},
        [
            ("escalate", "2026-04-01T00:00:00", "「测试证明T-AFTER」核查逾期未登记结果，已上报负责人督办（不视为核查通过）"),
            ("escalate", "2026-04-01T00:00:00", "「测试证明T-OTHER」核查逾期未登记结果，已上报负责人督办（不视为核查通过）"),
        ],
    ),
    "st-10": (
        "2026-03-08T00:00:00",
        [matter(AFTER, M.commitment, V.disposed)],
        S.sanctioned,
        "2026-03-12T00:00:00",
        {"penalized": True, "decisions": [decision("penalize", "2026-04-01T00:00:00")]},
        [],
    ),
    "st-11": ("2026-03-09T00:00:00", [matter(AFTER2, M.commitment, V.sampled_out)], S.no_finding, "2026-03-09T12:00:00", {}, []),
}


def views() -> Iterator[tuple[ApplicationView, list[TimelineEntry]]]:
    """Each case's view and its whole timeline."""
    for app_id, (opened, matters, status, approved, extra, timeline) in CASES.items():
        view = ApplicationView(
            application_id=app_id,
            applicant=Applicant(id=f"app-{app_id}", name="测试申请人", kind="company"),
            service="测试事项",
            status=status,
            matters=matters,
            opened_at=utc(opened),
            approved_at=utc(approved) if approved else None,
            departments=sorted({D2 if m.code == OTHER else D1 for m in matters}),
            **extra,
        )
        events = [("open", opened, "受理申请")] + timeline
        yield (
            view,
            [TimelineEntry(seq, utc(at), "x", "system", action, summary) for seq, (action, at, summary) in enumerate(events, 1)],
        )


def write_cases(engine: Engine) -> None:
    """Each case as one projection."""
    projection = ProjectionActivities(session_factory(engine))
    for view, entries in views():
        projection.project_application(ProjectionInput(view, entries, seq=1, projected_before=0))


def auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer dev-{role}:app-st-1" if role == "applicant" else f"Bearer dev-{role}"}


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest) -> Engine:
    """The read model on SQLite, and on the machine's PostgreSQL."""
    if request.param == "postgresql" and not POSTGRES:
        pytest.skip("no PostgreSQL: DATABASE_URL unset and none on 127.0.0.1:5432")
    return request.getfixturevalue("engine" if request.param == "sqlite" else "pg")  # type: ignore[no-any-return]


@pytest_asyncio.fixture
async def http(store: Engine) -> AsyncIterator[httpx.AsyncClient]:
    engine = store
    write_cases(engine)
    app = create_app(Settings(chengnuo_env="development"), object(), engine)  # type: ignore[arg-type]  # no Temporal needed
    if not any(getattr(r, "path", None) == "/statistics" for r in app.routes):  # until api/main.py registers it
        app.include_router(statistics.router)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            yield client


async def stats(http: httpx.AsyncClient, **params: str) -> dict[str, Any]:
    r = await http.get("/statistics", params=params, headers=auth("auditor"))
    assert r.status_code == 200, r.text
    return r.json()


RATES = {f.key for f in FIGURES if f.kind != "count"}


def fig(**nonzero: Any) -> dict[str, Any]:
    """Every figure: the ones given, the rest 0 (counts) or None (rates, the median)."""
    unknown = nonzero.keys() - {f.key for f in FIGURES}
    assert not unknown, unknown
    return {f.key: nonzero.get(f.key, None if f.key in RATES else 0) for f in FIGURES}


# ---- the figures, counted by hand -------------------------------------------------------------

PERIOD_TOTALS = fig(
    applications=10,
    decided=7,
    approved=6,
    median_days_to_decision=2.0,
    decision_overdue=1,
    matters=15,
    committed=10,
    proven=3,
    undecided=2,
    commitment_rate=0.7692,
    proofs_saved=8,
    withdrawals=1,
    verifications_due=8,
    verifications_done=6,
    verifications_on_time=4,
    verifications_overdue=3,
    verifications_outstanding=2,
    untrue=4,
    untrue_rate=0.6667,
    fulfilled=1,
    no_finding=1,
    rectified=1,
    sanctioned=1,
    rejected=1,
    terminated=1,
    revoked=1,
    cancelled=1,
    in_progress=2,
    penalized=2,
    referred=1,
    complaints=3,
)
ROW_D1 = {"department": D1} | fig(
    applications=10,
    decided=7,
    approved=6,
    median_days_to_decision=2.0,
    decision_overdue=1,
    matters=12,
    committed=9,
    proven=2,
    undecided=1,
    commitment_rate=0.8182,
    proofs_saved=7,
    withdrawals=1,
    verifications_due=7,
    verifications_done=5,
    verifications_on_time=4,
    verifications_overdue=2,
    verifications_outstanding=2,
    untrue=4,
    untrue_rate=0.8,
    fulfilled=1,
    no_finding=1,
    rectified=1,
    sanctioned=1,
    rejected=1,
    terminated=1,
    revoked=1,
    cancelled=1,
    in_progress=2,
    penalized=2,
    referred=1,
    complaints=3,
)
ROW_D2 = {"department": D2} | fig(
    applications=3,
    decided=2,
    approved=2,
    median_days_to_decision=1.5,
    decision_overdue=1,
    matters=3,
    committed=1,
    proven=1,
    undecided=1,
    commitment_rate=0.5,
    proofs_saved=1,
    verifications_due=1,
    verifications_done=1,
    verifications_overdue=1,
    untrue_rate=0.0,
    fulfilled=1,
    in_progress=2,
    complaints=2,
)
BY_DEPARTMENT = sorted([ROW_D1, ROW_D2], key=lambda row: row["department"])  # by name: 湛河区其他局 first
BY_MONTH = [
    {"month": "2026-01"}
    | fig(
        applications=2,
        decided=2,
        approved=2,
        median_days_to_decision=2.75,
        matters=3,
        committed=2,
        proven=1,
        commitment_rate=0.6667,
        proofs_saved=2,
        verifications_due=2,
        verifications_done=2,
        verifications_on_time=1,
        verifications_overdue=1,
        untrue=1,
        untrue_rate=0.5,
        fulfilled=1,
        rectified=1,
        complaints=1,
    ),
    {"month": "2026-02"}
    | fig(  # st-3 opened on 31 Jan UTC, 1 Feb in China
        applications=4,
        decided=2,
        approved=1,
        median_days_to_decision=5.5,
        decision_overdue=1,
        matters=7,
        committed=4,
        proven=2,
        undecided=1,
        commitment_rate=0.6667,
        proofs_saved=2,
        withdrawals=1,
        verifications_due=3,
        verifications_done=2,
        verifications_on_time=2,
        verifications_outstanding=1,
        untrue=2,
        untrue_rate=1.0,
        terminated=1,
        rejected=1,
        revoked=1,
        in_progress=1,
        penalized=1,
        referred=1,
        complaints=2,
    ),
    {"month": "2026-03"}
    | fig(  # st-7 opened on 31 Mar UTC is April's
        applications=4,
        decided=3,
        approved=3,
        median_days_to_decision=1.0,
        matters=5,
        committed=4,
        undecided=1,
        commitment_rate=1.0,
        proofs_saved=4,
        verifications_due=3,
        verifications_done=2,
        verifications_on_time=1,
        verifications_overdue=2,
        verifications_outstanding=1,
        untrue=1,
        untrue_rate=0.5,
        cancelled=1,
        in_progress=1,
        sanctioned=1,
        no_finding=1,
        penalized=1,
    ),
]
BY_MATTER = [
    {"matter": AFTER, "matter_name": f"测试证明{AFTER}", "department": D1}
    | fig(
        applications=8,
        decided=6,
        approved=5,
        median_days_to_decision=2.75,
        decision_overdue=1,
        matters=8,
        committed=6,
        proven=1,
        undecided=1,
        commitment_rate=0.8571,
        proofs_saved=5,
        withdrawals=1,
        verifications_due=6,
        verifications_done=4,
        verifications_on_time=3,
        verifications_overdue=2,
        verifications_outstanding=2,
        untrue=3,
        untrue_rate=0.75,
        fulfilled=1,
        rectified=1,
        rejected=1,
        revoked=1,
        in_progress=2,
        cancelled=1,
        sanctioned=1,
        penalized=1,
        referred=1,
        complaints=3,
    ),
    {"matter": AFTER2, "matter_name": f"测试证明{AFTER2}", "department": D1}
    | fig(
        applications=2,
        decided=2,
        approved=2,
        median_days_to_decision=5.25,
        matters=2,
        committed=2,
        commitment_rate=1.0,
        proofs_saved=2,
        revoked=1,
        no_finding=1,
        referred=1,
    ),
    {"matter": DURING, "matter_name": f"测试证明{DURING}", "department": D1}
    | fig(
        applications=1,
        matters=1,
        committed=1,
        commitment_rate=1.0,
        verifications_due=1,
        verifications_done=1,
        verifications_on_time=1,
        untrue=1,
        untrue_rate=1.0,
        terminated=1,
        penalized=1,
    ),
    {"matter": EXCLUDED, "matter_name": f"测试证明{EXCLUDED}", "department": D1}
    | fig(
        applications=1,
        decided=1,
        median_days_to_decision=1.0,
        matters=1,
        proven=1,
        commitment_rate=0.0,
        rejected=1,
    ),
    {"matter": OTHER, "matter_name": f"测试证明{OTHER}", "department": D2}
    | {k: v for k, v in ROW_D2.items() if k != "department"},
]


async def test_figures_equal_the_hand_count(http: httpx.AsyncClient) -> None:
    data = await stats(http, **PERIOD)
    assert data["query"] == {
        "from": "2026-01-01",
        "to": "2026-03-31",
        "department": None,
        "matter": None,
        "period_by": "opened_at",
        "timezone": "UTC+8",
    }
    assert data["totals"] == PERIOD_TOTALS
    assert data["by_department"] == BY_DEPARTMENT
    assert data["by_month"] == BY_MONTH
    assert data["by_matter"] == BY_MATTER
    # every figure has a Chinese label and a definition
    assert {f.key for f in FIGURES} <= data["labels"].keys() and data["labels"]["proofs_saved"] == "免于提交证明（份）"
    assert data["definitions"].keys() == {f.key for f in FIGURES}
    assert all(data["labels"][k] and data["definitions"][k] for k in data["definitions"])


async def test_without_a_period_every_case_counts(http: httpx.AsyncClient) -> None:
    data = await stats(http)
    assert data["totals"] == fig(
        applications=12,
        decided=8,
        approved=7,
        median_days_to_decision=2.0,
        decision_overdue=1,
        matters=18,
        committed=12,
        proven=4,
        undecided=2,
        commitment_rate=0.75,
        proofs_saved=10,
        withdrawals=1,
        verifications_due=9,
        verifications_done=7,
        verifications_on_time=5,
        verifications_overdue=3,
        verifications_outstanding=2,
        untrue=4,
        untrue_rate=0.5714,
        fulfilled=1,
        no_finding=1,
        rectified=1,
        sanctioned=1,
        rejected=1,
        terminated=1,
        revoked=1,
        cancelled=1,
        in_progress=4,
        penalized=2,
        referred=1,
        complaints=3,
    )
    # a cohort's figures do not depend on the period asked: Jan–Mar are as above
    assert data["by_month"] == [
        {"month": "2025-12"} | fig(applications=1, matters=1, proven=1, commitment_rate=0.0, in_progress=1),
        *BY_MONTH,
        {"month": "2026-04"}
        | fig(
            applications=1,
            decided=1,
            approved=1,
            median_days_to_decision=2.0,
            matters=2,
            committed=2,
            commitment_rate=1.0,
            proofs_saved=2,
            verifications_due=1,
            verifications_done=1,
            verifications_on_time=1,
            untrue_rate=0.0,
            in_progress=1,
        ),
    ]


async def test_period_bounds_are_china_days(http: httpx.AsyncClient) -> None:
    jan = await stats(http, **{"from": "2026-01-01", "to": "2026-01-31"})
    assert jan["totals"]["applications"] == 2  # st-3 (31 Jan 17:00 UTC) is 1 Feb in China
    assert [m["month"] for m in jan["by_month"]] == ["2026-01"]
    feb_first = await stats(http, **{"from": "2026-02-01", "to": "2026-02-01"})
    assert feb_first["totals"]["applications"] == 1 and feb_first["totals"]["terminated"] == 1
    dec = await stats(http, to="2025-12-31")
    assert dec["totals"]["applications"] == 1 and dec["by_month"][0]["month"] == "2025-12"
    april = await stats(http, **{"from": "2026-04-01"})
    assert april["totals"]["applications"] == 1 and april["by_month"][0]["month"] == "2026-04"


async def test_filters_by_department_and_matter(http: httpx.AsyncClient) -> None:
    other = await stats(http, department=D2, **PERIOD)
    assert other["totals"] == {k: v for k, v in ROW_D2.items() if k != "department"}
    assert other["by_department"] == [ROW_D2]
    assert [m["matter"] for m in other["by_matter"]] == [OTHER]
    assert other["query"]["department"] == D2

    after = await stats(http, matter=AFTER, **PERIOD)
    assert after["totals"] == {k: v for k, v in BY_MATTER[0].items() if k not in ("matter", "matter_name", "department")}
    assert after["by_matter"] == [BY_MATTER[0]]
    assert [d["department"] for d in after["by_department"]] == [D1]

    # st-3 in February, st-7 in April: March is listed, with nothing in it
    during = await stats(http, matter=DURING)
    assert during["by_month"] == [
        {"month": "2026-02"} | {k: v for k, v in BY_MATTER[2].items() if k not in ("matter", "matter_name", "department")},
        {"month": "2026-03"} | fig(),
        {"month": "2026-04"}
        | fig(
            applications=1,
            decided=1,
            approved=1,
            median_days_to_decision=2.0,
            matters=1,
            committed=1,
            commitment_rate=1.0,
            proofs_saved=1,
            verifications_due=1,
            verifications_done=1,
            verifications_on_time=1,
            untrue_rate=0.0,
            in_progress=1,
        ),
    ]
    both = await stats(http, department=D2, matter=AFTER)
    assert both["totals"] == fig() and both["by_month"] == [] and both["by_department"] == []


@pytest.mark.parametrize("path", ["/statistics", "/statistics.xlsx"])
async def test_roles(http: httpx.AsyncClient, path: str) -> None:
    for role in ("auditor", "supervisor", "admin"):
        assert (await http.get(path, headers=auth(role))).status_code == 200, role
    for role in ("caseworker", "verifier", "applicant", "public"):
        r = await http.get(path, headers=auth(role))
        assert r.status_code == 403 and "无权查看统计数据" in r.json()["detail"], role
    assert (await http.get(path)).status_code == 401
    assert (await http.get(path, headers={"Authorization": "Bearer nonsense"})).status_code == 401


@pytest.mark.parametrize("path", ["/statistics", "/statistics.xlsx"])
async def test_bad_queries_are_422(http: httpx.AsyncClient, path: str) -> None:
    bad = [
        {"from": "2026-02-30"},
        {"to": "2026-13-01"},
        {"from": "2026-1-5"},
        {"from": "20260105"},
        {"to": "yesterday"},
        {"from": "2026-03-01", "to": "2026-02-28"},
        {"department": "没有这个局"},
        {"matter": "NO-SUCH"},
    ]
    for params in bad:
        r = await http.get(path, params=params, headers=auth("auditor"))
        assert r.status_code == 422, (params, r.text)
        detail = r.json()["detail"]
        assert isinstance(detail, list) and detail[0]["loc"][0] == "query", detail
    assert (await http.get(path, params={"from": "2026-03-01", "to": "2026-03-01"}, headers=auth("auditor"))).status_code == 200
    # the first and last days there are: every case, no overflow
    r = await http.get(path, params={"from": "0001-01-01", "to": "9999-12-31"}, headers=auth("auditor"))
    assert r.status_code == 200
    if path == "/statistics":
        assert r.json()["totals"]["applications"] == len(CASES)


async def test_xlsx_cells_equal_the_json(http: httpx.AsyncClient) -> None:
    data = await stats(http, **PERIOD)
    r = await http.get("/statistics.xlsx", params=PERIOD, headers=auth("supervisor"))
    assert r.status_code == 200
    assert r.headers["content-type"] == XLSX
    assert r.headers["content-disposition"] == 'attachment; filename="chengnuo-statistics-2026-01-01-2026-03-31.xlsx"'
    wb = load_workbook(BytesIO(r.content))
    assert wb.sheetnames == ["汇总", "按部门", "按证明事项", "按月份", "口径说明"]
    query_text = "统计区间：2026-01-01 至 2026-03-31（按受理时间，北京时间）；部门：全部；证明事项：全部"

    summary = wb["汇总"]
    assert summary["A2"].value == query_text
    assert [c.value for c in summary[3]] == ["指标", "数值", "口径说明"]
    for n, f in enumerate(FIGURES, 4):
        assert summary.cell(n, 1).value == f.label
        assert summary.cell(n, 2).value == data["totals"][f.key], f.key
        assert summary.cell(n, 3).value == data["definitions"][f.key]

    sheets = {
        "按部门": ("by_department", ["部门"]),
        "按证明事项": ("by_matter", ["证明事项编码", "证明事项名称", "部门"]),
        "按月份": ("by_month", ["月份"]),
    }
    for title, (breakdown, key_headers) in sheets.items():
        ws = wb[title]
        assert ws["A1"].value == "证明事项告知承诺制工作统计（法治政府建设考评）"
        assert ws["A2"].value == query_text
        headers = [c.value for c in ws[3]]
        assert headers == key_headers + [LABELS[f.key] for f in FIGURES]
        rows = data[breakdown]
        keys = {"按部门": ["department"], "按证明事项": ["matter", "matter_name", "department"], "按月份": ["month"]}[title]
        for n, item in enumerate(rows, 4):
            cells = [c.value for c in ws[n]]
            assert cells == [item[k] for k in keys] + [item[f.key] for f in FIGURES], (title, n)
        total = [c.value for c in ws[4 + len(rows)]]
        assert total == [TOTAL_LABEL] + [None] * (len(keys) - 1) + [data["totals"][f.key] for f in FIGURES]
        assert (ws.cell(5 + len(rows), 1).value == OVERLAP_NOTE) == (breakdown != "by_month")
    # the rates are shown as percentages, the figures themselves unchanged
    dept = wb["按部门"]
    rate_column = 1 + [f.key for f in FIGURES].index("commitment_rate") + 1
    assert dept.cell(4, 1).value == D2 and dept.cell(5, rate_column).value == 0.8182
    assert dept.cell(5, rate_column).number_format == "0.00%"

    # the same query as JSON, the department filter in the header row
    r = await http.get("/statistics.xlsx", params={"department": D2}, headers=auth("admin"))
    ws = load_workbook(BytesIO(r.content))["按部门"]
    assert ws["A2"].value == f"统计区间：最早 至 最新（按受理时间，北京时间）；部门：{D2}；证明事项：全部"
    assert [c.value for c in ws[4]][:2] == [D2, 3]


def test_cases_kept_before_the_figure_columns_count_the_same(tmp_path: Path) -> None:
    """Rows written before revision 0014 (no decision time, no withdrawn or ever-overdue matter
    columns) are filled in by it from the rows and timelines, and every figure stays as counted."""
    engine = make_engine(f"sqlite:///{tmp_path}/old.db")
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0013")
        tables = {
            name: sa.Table(name, sa.MetaData(), autoload_with=connection) for name in ("application", "casematter", "caseevent")
        }

        def insert(name: str, rows: list[dict[str, Any]]) -> None:
            connection.execute(tables[name].insert(), [{k: v for k, v in r.items() if k in tables[name].c} for r in rows])

        with Session(bind=connection) as session:
            for m in TEST_MATTERS:
                session.merge(m)
            session.flush()
            for view, entries in views():
                insert("application", [application_row(view).model_dump()])
                insert("casematter", matter_rows(session, view))
                insert("caseevent", [{"application_id": view.application_id, **asdict(e)} for e in entries])
        command.upgrade(config, "head")
    with Session(engine) as session:
        data = counting.report(session, Query(date(2026, 1, 1), date(2026, 3, 31)))
    assert data["totals"] == PERIOD_TOTALS
    assert data["by_department"] == BY_DEPARTMENT and data["by_month"] == BY_MONTH and data["by_matter"] == BY_MATTER
