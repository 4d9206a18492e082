"""The new pages' pure parts: the SVG charts (escaped, zero shown), the dashboard's tiles and
charts from a report, the public complaint form's signed token, which records an applicant may
pick for repair, the bureau's steps per status, and the navigation's links per role."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from api.catalogue_schemas import RevisionOut
from console.archive import repairable
from console.charts import Bar, Part, bars, columns, percent, stacked
from console.complaints import FORM_TTL_S, form_token, token_ok
from console.dashboard import charts, tiles
from console.nav import BUREAU_STATUSES, DASHBOARD_ROLES
from console.revisions import steps_allowed
from figures import counting
from figures.definitions import KEY_LABELS, LABELS, Query
from workflows.catalogue_types import RevisionStatus
from workflows.types import Actor, Role

NOW = datetime(2026, 6, 10, 2, 0, tzinfo=timezone.utc)
KEY = b"k" * 16


def test_bars_escape_and_show_zero() -> None:
    svg = str(bars("标题<script>", [Bar("<b>部门</b>", 0), Bar("乙", 4, "red", "4（50%）")]))
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "&lt;b&gt;部门&lt;/b&gt;" in svg
    assert svg.startswith("<svg") and 'role="img"' in svg and "4（50%）" in svg
    assert 'width="1.5"' in svg  # a zero is a hairline, still a row


def test_stacked_and_columns() -> None:
    parts = (Part("告知承诺", "blue"), Part("提交证明", "grey"))
    svg = str(stacked("方式", parts, [("甲局", (3, 1), "承诺率 75.0%"), ("乙局", (0, 0), "—")]))
    assert "甲局 · 告知承诺：3" in svg and "承诺率 75.0%" in svg and "乙局 · 告知承诺" not in svg
    svg = str(columns("按月", parts, [("2026-05", (2, 1)), ("2026-06", (0, 5))]))
    assert svg.count("<rect") == 2 + 4 and "2026-06 · 提交证明：5" in svg  # legend, then one per value
    assert percent(None) == "—" and percent(0.125) == "12.5%"


def test_dashboard_of_an_empty_report(engine: Engine) -> None:
    with Session(engine) as session:
        report = counting.report(session, Query())
    shown = {t.label: t.value for t in tiles(report["totals"])}
    assert shown["受理申请"] == "0 件" and shown["承诺率"] == "—" and shown["承诺不实率"] == "—"
    assert [c.key for c in charts(report)] == ["outcomes", "verification"]  # no department, no month yet


def test_dashboard_by_department_and_month() -> None:
    row = dict.fromkeys(LABELS, 0) | {"commitment_rate": None, "untrue_rate": None, "median_days_to_decision": None}
    report: dict[str, Any] = {
        "totals": row | {"applications": 2, "untrue": 1, "verifications_done": 2, "untrue_rate": 0.5},
        "by_department": [
            row
            | {
                "department": "甲局",
                "committed": 2,
                "proven": 1,
                "untrue": 1,
                "verifications_done": 2,
                "untrue_rate": 0.5,
                "commitment_rate": 0.6667,
            }
        ],
        "by_matter": [],
        "by_month": [row | {"month": "2026-06", "applications": 2, "committed": 2, "untrue": 1}],
        "labels": {**KEY_LABELS, **LABELS},
    }
    got = {c.key: str(c.svg) for c in charts(report)}
    assert list(got) == ["outcomes", "verification", "modes", "untrue", "months"]
    assert "承诺率 66.7%" in got["modes"] and "50.0%（1/2）" in got["untrue"] and "2026-06" in got["months"]
    assert next(t for t in tiles(report["totals"]) if t.label == "承诺不实率").bad


def test_complaint_form_token() -> None:
    token = form_token(KEY, NOW.timestamp())
    assert token_ok(KEY, token, NOW.timestamp() + 60)
    assert not token_ok(KEY, token, NOW.timestamp() + FORM_TTL_S + 1)  # too old
    assert not token_ok(b"x" * 16, token, NOW.timestamp())  # not ours
    issued, _, mac = token.partition(".")
    assert not token_ok(KEY, f"{int(issued) + 1}.{mac}", NOW.timestamp())  # the time altered
    for bad in (None, "", "abc", "1.2.3", "9" * 20 + ".x"):
        assert not token_ok(KEY, bad, NOW.timestamp())


def test_which_records_may_be_picked_for_repair() -> None:
    assert repairable({"repairable_from": NOW - timedelta(days=1), "repaired": False}, NOW) == "now"
    assert repairable({"repairable_from": (NOW + timedelta(days=1)).isoformat(), "repaired": False}, NOW) == "later"
    assert repairable({"repairable_from": NOW - timedelta(days=1), "repaired": True}, NOW) == ""
    assert repairable({"repairable_from": None, "repaired": False}, NOW) == ""  # not adverse


def revision(status: RevisionStatus) -> RevisionOut:
    return RevisionOut(
        id="r-1",
        department="湛河区测试局",
        status=status,
        status_label="",
        created_by="d",
        created_at=NOW,
        updated_at=None,
        source="manual",
        changes=[],
        comments=[],
        steps=[],
        published_version=None,
    )


def test_the_bureau_is_offered_the_step_the_status_allows() -> None:
    bureau = Actor("dev-bureau", Role.bureau)
    assert steps_allowed(bureau, revision(RevisionStatus.submitted)) == ["review"]
    assert steps_allowed(bureau, revision(RevisionStatus.approved)) == ["file"]
    assert steps_allowed(bureau, revision(RevisionStatus.filed)) == ["publish"]
    assert steps_allowed(bureau, revision(RevisionStatus.draft)) == []
    assert steps_allowed(Actor("d", Role.department, "湛河区测试局"), revision(RevisionStatus.submitted)) == []
    assert BUREAU_STATUSES == {RevisionStatus.submitted, RevisionStatus.approved, RevisionStatus.filed}


def test_dashboard_roles() -> None:
    assert DASHBOARD_ROLES == {Role.supervisor, Role.auditor, Role.admin, Role.credit_officer}
