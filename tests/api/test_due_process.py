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
    [finding] = seen["notices"]
    assert finding["title"] == "事中核查结果告知书" and finding["served_at"] is None and "text" not in finding

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
    terminate = {"reason": "事中核查承诺不实", "ground": "untrue_commitment", "decision_no": "湛终〔2026〕7号"}
    untold = await http.post("/applications/dp-1/cancel", json=terminate, headers=auth("caseworker"))
    assert untold.status_code == 409 and "尚未送达" in untold.json()["detail"]  # the applicant is told first
    staff_read = (await http.get("/applications/dp-1/notices/1", headers=auth("caseworker"))).json()
    assert staff_read["served_at"] is None and "协查回函：不符" in staff_read["text"]  # staff reading serves nothing
    opened = (await http.get("/applications/dp-1/notices/1", headers=auth("applicant"))).json()
    assert opened["method"] == "electronic" and opened["served_at"] == opened["read_at"] and "协查回函：不符" in opened["text"]
    again = (await http.get("/applications/dp-1/notices/1", headers=auth("applicant"))).json()
    assert again["read_at"] == opened["read_at"]  # counted once, the first time
    assert (await http.get("/applications/dp-1/notices/9", headers=auth("applicant"))).status_code == 404
    ended = await http.post("/applications/dp-1/cancel", json=terminate, headers=auth("caseworker"))
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
    assert case["closed_at"] is None and case["window_ends_at"] is None  # closed once the decision is served
    [approval] = case["notices"]
    wrong = {"notice": 1, "method": "fax", "served_at": approval["issued_at"]}
    assert (await http.post("/applications/dp-2/service", json=wrong, headers=auth("caseworker"))).status_code == 422
    naive = {"notice": 1, "method": "post", "served_at": "2026-01-01T10:00:00"}
    assert (await http.post("/applications/dp-2/service", json=naive, headers=auth("caseworker"))).status_code == 422
    early = {"notice": 1, "method": "post", "served_at": "2020-01-01T10:00:00+08:00"}
    too_early = await http.post("/applications/dp-2/service", json=early, headers=auth("caseworker"))
    assert too_early.status_code == 409 and "文书发出" in too_early.json()["detail"]
    by_post = {"notice": 1, "method": "post", "served_at": approval["issued_at"]}
    assert (await http.post("/applications/dp-2/service", json=by_post, headers=auth("applicant"))).status_code == 403
    served = (await http.post("/applications/dp-2/service", json=by_post, headers=auth("caseworker"))).json()
    assert served["closed_at"] is not None and served["notices"][0]["method"] == "post"


async def found_untrue_after_approval(http: Client, app_id: str) -> None:
    await http.post("/applications", json=body(app_id, [AFTER]), headers=auth("applicant"))
    await http.post(f"/applications/{app_id}/commit", json={"matter": AFTER}, headers=auth("applicant"))
    await http.post(f"/applications/{app_id}/decision", json={"approve": True, "reason": "准予"}, headers=auth("caseworker"))
    await http.post(f"/applications/{app_id}/complaints", json={"text": "举报：场所不存在"})
    found = await http.post(
        f"/applications/{app_id}/verification",
        json={"matter": AFTER, "truthful": False, "findings": "场所不存在"},
        headers=auth("verifier"),
    )
    assert found.json()["status"] == "verifying", found.text


async def test_a_referral_leaves_the_organs_own_measures_open(http: Client) -> None:
    await found_untrue_after_approval(http, "dp-3")
    refer = {"action": "refer", "reason": "涉嫌伪造", "decision_no": "湛移〔2026〕9号", "receiving_organ": "公安分局"}
    referred = (await http.post("/applications/dp-3/disposition", json=refer, headers=auth("supervisor"))).json()
    assert referred["referred"] and referred["matters"][0]["verification"] == "untrue"
    fine = {"action": "penalize", "reason": "罚款", "decision_no": "湛罚〔2026〕9号"}
    waits = await http.post("/applications/dp-3/disposition", json=fine, headers=auth("supervisor"))
    assert waits.status_code == 409 and "司法机关" in waits.json()["detail"]
    misplaced = {"action": "rectify", "deadline_days": 10, "reason": "整改", "keep_decision": "公共利益"}
    assert (await http.post("/applications/dp-3/disposition", json=misplaced, headers=auth("supervisor"))).status_code == 422
    proposed = await http.post(
        "/applications/dp-3/disposition", json={"action": "revoke", "reason": "虚假承诺"}, headers=auth("supervisor")
    )
    assert proposed.status_code == 200 and proposed.json()["status"] == "hearing"


async def test_no_revocation_while_the_rectification_period_runs(http: Client) -> None:
    await found_untrue_after_approval(http, "dp-4")
    order = {"action": "rectify", "deadline_days": 15, "reason": "限期整改"}
    assert (await http.post("/applications/dp-4/disposition", json=order, headers=auth("caseworker"))).status_code == 200
    early = await http.post(
        "/applications/dp-4/disposition", json={"action": "revoke", "reason": "虚假承诺"}, headers=auth("supervisor")
    )
    assert early.status_code == 409 and "有权在期限内整改" in early.json()["detail"]
    kept = {"action": "penalize", "reason": "罚款", "decision_no": "湛罚〔2026〕5号", "keep_decision": "撤销将损害公共利益"}
    penalized = (await http.post("/applications/dp-4/disposition", json=kept, headers=auth("supervisor"))).json()
    assert penalized["decisions"][-1]["keeps_decision"] == "撤销将损害公共利益"
