"""The credit office's API: the rules and their versions, re-grading on a rule change, the log of
grade changes, matter risk levels, an applicant's archive; and applicant ids checked at opening."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
from sqlmodel import Session

from db.models import CreditRecord
from tests.support.factories import AFTER, credit_code, resident_id
from tests.support.harness import Harness

Client = httpx.AsyncClient
PERSON, COMPANY = resident_id(21), credit_code(21)


def auth(role: str, applicant: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer dev-{role}:{applicant}" if applicant else f"Bearer dev-{role}"}


OFFICER = auth("credit_officer")


def add_records(case: Harness, *records: tuple[str, str, datetime]) -> None:
    with Session(case.engine) as s:
        for n, (applicant, kind, at) in enumerate(records):
            s.add(
                CreditRecord(business_id=f"r{n}-{applicant}", applicant_id=applicant, kind=kind, severity="", note="测试", at=at)
            )
        s.commit()


async def rules_body(http: Client) -> dict[str, Any]:
    rules = (await http.get("/credit/rules", headers=OFFICER)).json()
    keep = {"source", "kinds", "grades"}
    body = {k: v for k, v in rules.items() if k in keep}
    for kind in body["kinds"].values():
        kind.pop("label"), kind.pop("severity_label")
    for grade in body["grades"]:
        grade.pop("method_label")
    return body


async def test_rules_are_readable_and_versioned(http: Client) -> None:
    rules = (await http.get("/credit/rules", headers=auth("caseworker"))).json()
    assert rules["version"] == 1 and rules["created_by"] == "system"
    assert [(g["code"], g["label"]) for g in rules["grades"]] == [
        ("D", "严重失信"),
        ("C", "较重失信"),
        ("B", "一般失信"),
        ("A", "守信"),
    ]
    assert (
        rules["kinds"]["revoked"].items() >= {"severity": "serious", "publication_months": 36, "repair_after_months": 12}.items()
    )
    assert rules["kinds"]["revoked"]["label"] == "虚假承诺致撤销行政决定"
    assert rules["grades"][-1]["method_label"] == "数据核查"
    assert (await http.get("/credit/rules")).status_code == 401
    versions = (await http.get("/credit/rules/versions", headers=auth("public"))).json()
    assert [v["version"] for v in versions] == [1]


async def test_a_rule_change_regrades_and_is_logged(http: Client, case: Harness) -> None:
    now = datetime.now(timezone.utc)
    add_records(case, (PERSON, "untrue_rectified", now - timedelta(days=2)), (COMPANY, "kept_promise", now))
    before = (await http.get(f"/applicants/{PERSON}/credit", headers=OFFICER)).json()
    assert (before["grade"], before["grade_label"], before["barred"]) == ("B", "一般失信", False)

    body = await rules_body(http)
    body["kinds"]["untrue_rectified"]["severity"] = "general"
    denied = await http.put("/credit/rules", json=body, headers=auth("admin"))
    assert denied.status_code == 403 and "信用管理部门" in denied.json()["detail"]
    made = await http.put("/credit/rules", json=body | {"note": "整改到位亦按一般失信", "base_version": 1}, headers=OFFICER)
    assert made.status_code == 201, made.text
    assert made.json() == {"version": 2, "created": True, "regraded": 1}

    after = (await http.get(f"/applicants/{PERSON}/credit", headers=auth("applicant", PERSON))).json()
    assert (after["grade"], after["grade_label"], after["barred"], after["rule_version"]) == ("C", "较重失信", True, 2)
    assert after["measures"]["sampling"] == {"low": 1.0, "medium": 1.0, "high": 1.0}
    log = (await http.get("/credit/grade-changes", headers=auth("auditor"))).json()
    assert [(c["applicant_id"], c["old_grade"], c["new_grade"], c["rule_version"], c["cause"]) for c in log] == [
        (PERSON, None, "C", 2, "规则第2版")  # first stored grade: the archive had not been graded before
    ]

    # the same rules again: no new version, nothing re-graded, nothing logged twice
    again = await http.put("/credit/rules", json=body, headers=OFFICER)
    assert again.status_code == 200 and again.json() == {"version": 2, "created": False, "regraded": 0}
    stale = await http.put("/credit/rules", json=(await rules_body(http)) | {"source": "改", "base_version": 1}, headers=OFFICER)
    assert stale.status_code == 409 and "第2版" in stale.json()["detail"]
    versions = (await http.get("/credit/rules/versions", headers=OFFICER)).json()
    assert [(v["version"], v["created_by"], v["note"]) for v in versions] == [
        (2, "dev-credit_officer", "整改到位亦按一般失信"),
        (1, "system", "系统初始规则"),
    ]
    assert len((await http.get("/credit/grade-changes", headers=OFFICER)).json()) == 1


async def test_malformed_rules_are_422(http: Client) -> None:
    body = await rules_body(http)
    for broken in (
        body | {"grades": body["grades"][:1]},
        body | {"kinds": {k: v for k, v in body["kinds"].items() if k != "revoked"}},
        body | {"grades": [g | {"sampling": g["sampling"] | {"high": 2}} for g in body["grades"]]},
        body | {"grades": [*body["grades"][:-1], body["grades"][-1] | {"barred": True, "reason": "无"}]},
        body | {"colour": "red"},
        {"note": "空"},
    ):
        answer = await http.put("/credit/rules", json=broken, headers=OFFICER)
        assert answer.status_code == 422, broken
    missing = await http.put(
        "/credit/rules", json=body | {"kinds": {k: v for k, v in body["kinds"].items() if k != "revoked"}}, headers=OFFICER
    )
    assert "缺少 ['revoked']" in missing.text
    assert [v["version"] for v in (await http.get("/credit/rules/versions", headers=OFFICER)).json()] == [1]


async def test_grade_changes_are_for_the_credit_office_supervisors_and_auditors(http: Client) -> None:
    for role in ("credit_officer", "supervisor", "auditor"):
        assert (await http.get("/credit/grade-changes", headers=auth(role))).status_code == 200, role
    for role in ("caseworker", "verifier", "public"):
        denied = await http.get("/credit/grade-changes", headers=auth(role))
        assert denied.status_code == 403 and "无权查看" in denied.json()["detail"], role
    assert (await http.get("/credit/grade-changes", headers=auth("applicant", PERSON))).status_code == 403
    assert (await http.get("/credit/grade-changes?limit=0", headers=OFFICER)).status_code == 422


async def test_matter_risk_level(http: Client) -> None:
    assert (await http.get(f"/matters/{AFTER}")).json()["risk_level"] == "medium"
    denied = await http.put(f"/matters/{AFTER}/risk-level", json={"risk_level": "high"}, headers=auth("caseworker"))
    assert denied.status_code == 403 and "风险等级" in denied.json()["detail"]
    assert (await http.put(f"/matters/{AFTER}/risk-level", json={"risk_level": "extreme"}, headers=OFFICER)).status_code == 422
    assert (await http.put("/matters/NOPE/risk-level", json={"risk_level": "low"}, headers=OFFICER)).status_code == 404
    done = await http.put(f"/matters/{AFTER}/risk-level", json={"risk_level": "high"}, headers=auth("admin"))
    assert done.json() == {"code": AFTER, "risk_level": "high", "risk_level_label": "高风险"}
    assert (await http.put(f"/matters/{AFTER}/risk-level", json={"risk_level": "low"}, headers=OFFICER)).status_code == 200
    assert (await http.get(f"/matters/{AFTER}")).json()["risk_level"] == "low"


async def test_an_applicants_archive_with_periods_and_repairs(http: Client, case: Harness) -> None:
    now = datetime.now(timezone.utc)
    add_records(
        case,
        (COMPANY, "revoked", now - timedelta(days=40)),
        (COMPANY, "untrue_rectified", now - timedelta(days=200)),  # its 3 months are over
        (COMPANY, "kept_promise", now - timedelta(days=1)),
    )
    with Session(case.engine) as s:
        revoked = s.get(CreditRecord, f"r0-{COMPANY}")
        assert revoked is not None
        revoked.publication_until = revoked.at + timedelta(days=1000)
        s.add(revoked)
        s.commit()
    own = (await http.get(f"/applicants/{COMPANY}/credit", headers=auth("applicant", COMPANY))).json()
    assert (own["grade"], own["grade_label"], own["barred"], own["rule_version"]) == ("D", "严重失信", True, 1)
    assert own["barred_reason"] == "有严重不良信用记录（虚假承诺致撤销行政决定）"
    assert own["measures"]["method_label"] == "现场核查" and own["measures"]["sampling_labels"]["高风险"] == 1.0
    by_kind = {r["kind"]: r for r in own["records"]}
    assert [r["kind"] for r in own["records"]] == ["kept_promise", "revoked", "untrue_rectified"]  # newest first
    assert by_kind["revoked"]["counted"] and by_kind["revoked"]["published"] and not by_kind["revoked"]["repaired"]
    assert by_kind["revoked"]["publication_until"].startswith(str((now - timedelta(days=40) + timedelta(days=1000)).date()))
    assert not by_kind["untrue_rectified"]["counted"] and not by_kind["untrue_rectified"]["published"]
    assert by_kind["kept_promise"]["repairable_from"] is None and by_kind["revoked"]["repairable_from"]
    assert by_kind["revoked"]["kind_label"] == "虚假承诺致撤销行政决定" and by_kind["revoked"]["severity_label"] == "严重失信"

    with Session(case.engine) as s:
        revoked = s.get(CreditRecord, f"r0-{COMPANY}")
        assert revoked is not None
        revoked.repaired, revoked.repaired_at = True, now
        s.add(revoked)
        s.commit()
    repaired = (await http.get(f"/applicants/{COMPANY}/credit", headers=auth("caseworker"))).json()
    assert (repaired["grade"], repaired["barred"], repaired["barred_reason"]) == ("A", False, None)
    assert next(r for r in repaired["records"] if r["kind"] == "revoked")["repaired"] is True

    other = await http.get(f"/applicants/{PERSON}/credit", headers=auth("applicant", COMPANY))
    assert other.status_code == 403 and "本人" in other.json()["detail"]


def opening(applicant_id: str, kind: str) -> dict[str, Any]:
    return {
        "application_id": f"cr-{kind}",
        "applicant": {"id": applicant_id, "name": "测试申请人", "kind": kind},
        "service": "食品经营许可",
        "matters": [AFTER],
    }


async def test_applicant_ids_are_checked_at_opening(http: Client) -> None:
    wrong_check = PERSON[:-1] + ("0" if PERSON[-1] != "0" else "1")
    for applicant_id, kind, words in (
        (COMPANY, "person", "收到的是统一社会信用代码"),
        (PERSON, "company", "收到的是居民身份证号码"),
        (wrong_check, "person", "校验码错误"),
        ("410411198002300010", "person", "不存在"),
        ("91410411MA000001", "company", "应为18位"),
    ):
        answer = await http.post("/applications", json=opening(applicant_id, kind), headers=auth("caseworker"))
        assert answer.status_code == 422 and words in answer.text, (applicant_id, answer.text)


async def test_what_get_answers_may_be_put_back_edited(http: Client) -> None:
    """The credit office edits the answer of GET and PUTs it: the labels shown beside the rules
    are dropped, an unknown key still refused."""
    shown = (await http.get("/credit/rules", headers=OFFICER)).json()
    edited = shown | {"source": shown["source"] + "（修订）", "base_version": shown["version"]}
    made = await http.put("/credit/rules", json=edited, headers=OFFICER)
    assert made.status_code in (200, 201), made.text
    assert made.json()["version"] == shown["version"] + 1
    typo = await http.put("/credit/rules", json=edited | {"grads": []}, headers=OFFICER)
    assert typo.status_code == 422
