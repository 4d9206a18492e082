"""Due process in the case (issue 29), through the API: the organ decides what a verifier finds,
a case ends honestly."""

from __future__ import annotations

from sqlmodel import Session, select

from db.models import CreditRecord
from tests.support.factories import AFTER, DURING
from tests.support.harness import Harness
from tests.support.http import COMPANY, Client, auth, body


async def test_a_verifiers_finding_awaits_the_organs_termination(http: Client, case: Harness) -> None:
    grounds = (await http.get("/termination-grounds")).json()
    assert {"untrue_commitment", "applicant_ceased"} <= {g["id"] for g in grounds}
    assert all(g["basis"] for g in grounds)
    await http.post("/applications", json=body("dp-1", [DURING]), headers=auth("applicant"))
    await http.post("/applications/dp-1/commit", json={"matter": DURING}, headers=auth("applicant"))
    found = await http.post(
        "/applications/dp-1/verification",
        json={"matter": DURING, "truthful": False, "findings": "协查回函：不符"},
        headers=auth("verifier"),
    )
    assert found.status_code == 200, found.text
    assert found.json()["status"] == "reviewing" and found.json()["decisions"] == []
    with Session(case.engine) as s:
        assert s.exec(select(CreditRecord).where(CreditRecord.applicant_id == COMPANY)).all() == []
    seen = (await http.get("/applications/dp-1", headers=auth("caseworker"))).json()
    assert {"action": "cancel", "matter": None, "measure": None} in seen["actions"]
    assert not any(a["action"] == "decision" for a in seen["actions"])

    unknown = await http.post(
        "/applications/dp-1/cancel", json={"reason": "不实", "ground": "dislike", "decision_no": "1"}, headers=auth("caseworker")
    )
    assert unknown.status_code == 422 and "untrue_commitment" in unknown.text
    unnumbered = await http.post(
        "/applications/dp-1/cancel", json={"reason": "不实", "ground": "untrue_commitment"}, headers=auth("caseworker")
    )
    assert unnumbered.status_code == 409 and "文号" in unnumbered.json()["detail"]
    approve = await http.post("/applications/dp-1/decision", json={"approve": True, "reason": "准予"}, headers=auth("caseworker"))
    assert approve.status_code == 409 and "终止办理" in approve.json()["detail"]
    ended = await http.post(
        "/applications/dp-1/cancel",
        json={"reason": "事中核查承诺不实", "ground": "untrue_commitment", "decision_no": "湛终〔2026〕7号"},
        headers=auth("caseworker"),
    )
    assert ended.status_code == 200, ended.text
    [decision] = ended.json()["decisions"]
    assert ended.json()["status"] == "terminated" and decision["decision_no"] == "湛终〔2026〕7号"
    assert decision["ground"] == "untrue_commitment" and "国办发〔2020〕42号" in decision["basis"]
    with Session(case.engine) as s:
        [record] = s.exec(select(CreditRecord).where(CreditRecord.applicant_id == COMPANY)).all()
        assert record.kind == "terminated" and record.actor_id != "verifier" and "湛终〔2026〕7号" in record.note


async def test_a_case_with_nothing_promised_closes_at_its_decision(http: Client) -> None:
    await http.post("/applications", json=body("dp-2", [AFTER]), headers=auth("applicant"))
    proven = await http.post("/applications/dp-2/proof", json={"matter": AFTER, "document": "房产证"}, headers=auth("applicant"))
    assert proven.json()["status"] == "reviewing"
    granted = await http.post(
        "/applications/dp-2/decision", json={"approve": True, "reason": "证明齐全"}, headers=auth("caseworker")
    )
    case = granted.json()
    assert case["status"] == "granted" and case["status_label"] == "已批准办结（未适用承诺）"
    assert case["closed_at"] is not None and case["window_ends_at"] is None
