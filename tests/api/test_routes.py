"""The HTTP contract, in process, against the time-skipping server and a real worker."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
from sqlmodel import Session

from activities.calendar import CHINA
from activities.projection import workflow_id
from api.main import create_app
from config import Settings
from db.models import Application
from db.session import make_engine
from security import tokens
from tests.support.factories import AFTER, DURING, EXCLUDED
from tests.support.harness import Harness
from tests.support.http import COMPANY, Client, auth, body
from workflows.types import Role


async def test_health_and_catalogue(http: Client) -> None:
    assert (await http.get("/health")).json() == {"status": "ok"}
    assert (await http.get("/matters")).status_code == 200  # the catalogue is public
    matters = (await http.get("/matters", headers=auth("public"))).json()
    assert {m["code"] for m in matters} >= {AFTER, DURING, EXCLUDED}
    for m in matters:
        assert {
            "code",
            "name",
            "commitment_allowed",
            "verification_exempt",
            "verification_stage",
            "verification_days",
        } <= m.keys()
    assert (await http.get(f"/matters/{EXCLUDED}", headers=auth("public"))).json()["commitment_allowed"] is False
    assert (await http.get("/matters/NOPE", headers=auth("public"))).status_code == 404


async def test_open_is_idempotent_and_validated(http: Client) -> None:
    first = await http.post("/applications", json=body("api-1"), headers=auth("caseworker"))
    assert first.status_code == 201, first.text
    case = first.json()
    assert case["status"] == "notified" and case["status_label"] == "已告知"
    assert case["matters"][0]["letter_sha256"]
    again = await http.post("/applications", json=body("api-1"), headers=auth("caseworker"))
    assert again.status_code == 200 and again.json()["workflow_id"] == case["workflow_id"]
    assert len((await http.get("/applications", headers=auth("auditor"))).json()) == 1
    other_case = body("api-1", [DURING])
    clash = await http.post("/applications", json=other_case, headers=auth("caseworker"))
    assert clash.status_code == 409 and "已用于另一申请" in clash.json()["detail"]

    assert (await http.post("/applications", json={"application_id": "x"}, headers=auth("caseworker"))).status_code == 422
    bad_kind = body("api-2") | {"applicant": {"id": "1", "name": "n", "kind": "robot"}}
    assert (await http.post("/applications", json=bad_kind, headers=auth("caseworker"))).status_code == 422
    unknown = await http.post("/applications", json=body("api-3", ["NO-SUCH"]), headers=auth("caseworker"))
    assert unknown.status_code == 422 and "NO-SUCH" in unknown.json()["detail"][0]["msg"]
    assert (await http.post("/applications", json=body("api-4"), headers=auth("public"))).status_code == 403
    assert (await http.get("/applications/none", headers=auth("auditor"))).status_code == 404
    assert (await http.get("/applications", headers=auth("public"))).status_code == 403


async def test_actions_refused_with_reasons(http: Client) -> None:
    await http.post("/applications", json=body("api-5", [AFTER, EXCLUDED]), headers=auth("caseworker"))
    url = "/applications/api-5"
    proxy = await http.post(f"{url}/commit", json={"matter": AFTER}, headers=auth("caseworker"))
    assert proxy.status_code == 403
    early = await http.post(f"{url}/decision", json={"approve": True, "reason": "x"}, headers=auth("caseworker"))
    assert early.status_code == 409 and "已告知" in early.json()["detail"]
    excluded = await http.post(f"{url}/commit", json={"matter": EXCLUDED}, headers=auth("applicant"))
    assert excluded.status_code == 409 and "公共安全" in excluded.json()["detail"]
    assert (await http.post(f"{url}/commit", json={}, headers=auth("applicant"))).status_code == 422
    assert (
        await http.post(f"{url}/disposition", json={"action": "rectify", "reason": "x"}, headers=auth("supervisor"))
    ).status_code == 422
    assert (await http.post("/applications/none/commit", json={"matter": AFTER}, headers=auth("applicant"))).status_code == 404

    key = {"Idempotency-Key": "commit-once"} | auth("applicant")
    first = await http.post(f"{url}/commit", json={"matter": AFTER}, headers=key)
    second = await http.post(f"{url}/commit", json={"matter": AFTER}, headers=key)
    assert first.status_code == second.status_code == 200
    plain_again = await http.post(f"{url}/commit", json={"matter": AFTER}, headers=auth("applicant"))
    assert plain_again.status_code == 409
    timeline = (await http.get(f"{url}/timeline", headers=auth("auditor"))).json()
    assert [e["action"] for e in timeline].count("commit") == 1


async def test_whole_life_over_http(http: Client) -> None:
    """Includes a complaint right after approval, while due dates are still being computed."""
    url = "/applications/api-6"
    opened = (await http.post("/applications", json=body("api-6", [AFTER, DURING]), headers=auth("applicant"))).json()
    letter = (await http.get(f"{url}/letters/{AFTER}", headers=auth("applicant"))).json()
    assert "证明事项告知承诺书" in letter["text"] and letter["sha256"] == opened["matters"][0]["letter_sha256"]
    steps = [
        ("applicant", "commit", {"matter": AFTER, "letter_sha256": letter["sha256"]}, "notified"),
        ("applicant", "commit", {"matter": DURING}, "reviewing"),
        ("verifier", "verification", {"matter": DURING, "truthful": True, "findings": "网络核验一致"}, "reviewing"),
        ("caseworker", "decision", {"approve": True, "reason": "符合法定条件"}, "approved"),
        (None, "complaints", {"text": "举报经营场所虚假", "contact": "13800000000"}, "verifying"),  # anonymous, no token
        ("verifier", "verification", {"matter": AFTER, "truthful": False, "findings": "实地核查无此场所"}, "verifying"),
        (
            "supervisor",
            "disposition",
            {
                "action": "revoke",
                "reason": "虚假承诺",
                "also": ["penalize"],  # a fine never rides with a referral: it waits for the judiciary
                "decision_no": "湛市监罚〔2026〕7号",
            },
            "hearing",
        ),
        ("applicant", "statement", {"text": "场所正在装修，并非虚假"}, "hearing"),
        (
            "supervisor",
            "revocation",
            {"revoke": True, "reason": "申辩理由不成立", "decision_no": "湛市监撤〔2026〕8号"},
            "revoked",
        ),
        (
            "supervisor",
            "disposition",
            {
                "action": "refer",
                "reason": "涉嫌伪造证明",
                "decision_no": "湛市监移〔2026〕9号",
                "receiving_organ": "平顶山市公安局湛河分局",
            },
            "revoked",
        ),
        ("supervisor", "close", {"reason": "已移送公安机关，后续处理完毕"}, "revoked"),
    ]
    for role, action, payload, status in steps:
        r = await http.post(f"{url}/{action}", json=payload, headers=auth(role) if role else {})
        assert r.status_code == 200, (action, r.text)
        if role is None:  # the public learns only that the complaint was received
            assert r.json()["received"] is True
            r = await http.get(url, headers=auth("caseworker"))
        assert r.json()["status"] == status, (action, r.json()["status"])
    listed = (await http.get(f"{url}/notices", headers=auth("applicant"))).json()
    assert [n["no"] for n in listed] == sorted((n["no"] for n in listed), reverse=True)  # none served yet: the newest first
    for n in listed:  # the applicant reads them: each served electronically, the case then closes
        assert (await http.get(f"{url}/notices/{n['no']}", headers=auth("applicant"))).json()["read_at"]
    final = (await http.get(url, headers=auth("caseworker"))).json()
    assert final["penalized"] and final["referred"] and final["closed_at"]
    assert {n["kind"] for n in final["notices"]} == {"approval", "proposal", "penalize", "revoke", "refer"}
    assert sorted(d["kind"] for d in final["decisions"]) == ["penalize", "refer", "revoke"]
    assert all("行政复议" in d["remedies"] for d in final["decisions"] if d["kind"] != "refer")
    credit = (await http.get(f"/applicants/{COMPANY}/credit", headers=auth("caseworker"))).json()
    assert credit["barred"] and credit["grade"] == "D"
    assert {r["kind"] for r in credit["records"]} == {"revoked", "referred_pending", "penalized"}
    timeline = (await http.get(f"{url}/timeline", headers=auth("auditor"))).json()
    said = [e["action"] for e in timeline]
    assert said.index("propose_revoke") < said.index("statement") < said.index("revoke")
    assert "13800000000" not in " ".join(e["summary"] for e in timeline)
    history = (await http.get(f"{url}/history", headers=auth("auditor"))).json()
    assert history["events"][0]["eventType"] == "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED"
    assert (await http.get(f"{url}/history", headers=auth("applicant"))).status_code == 403


def test_default_engine_loads_the_starter_catalogue(tmp_path: Any) -> None:
    from sqlmodel import Session, select

    from db.migrate import init_db
    from db.models import Matter

    engine = make_engine(f"sqlite:///{tmp_path}/fresh.db")
    init_db(engine)
    init_db(engine)  # a second start loads nothing twice
    with Session(engine) as s:
        rows = list(s.exec(select(Matter)))
    assert len(rows) >= 15
    assert any(not m.commitment_allowed for m in rows)
    assert any(m.verification_exempt and m.commitment_allowed for m in rows)
    assert any(m.verification_stage == "during" and m.commitment_allowed for m in rows)
    assert any(m.verification_stage == "after" and m.commitment_allowed and not m.verification_exempt for m in rows)


async def test_production_turns_dev_tokens_off(case: Harness) -> None:
    settings = Settings(chengnuo_env="production")
    with Session(case.engine) as session:
        token, _ = tokens.issue(session, Role.caseworker, "wang.li")
    app = create_app(settings, case.env.client, case.engine)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            assert (await client.get("/applications", headers=auth("caseworker"))).status_code == 401
            ok = await client.get("/applications", headers={"Authorization": f"Bearer {token}"})
            assert ok.status_code == 200


async def test_closed_case_refuses_actions_and_reopening(http: Client, case: Harness) -> None:
    await http.post("/applications", json=body("api-9"), headers=auth("applicant"))
    cancelled = await http.post("/applications/api-9/cancel", json={"reason": "不再办理"}, headers=auth("applicant"))
    assert cancelled.json()["status"] == "cancelled"
    await case.quiet(case.env.client.get_workflow_handle(cancelled.json()["workflow_id"]))
    late = await http.post("/applications/api-9/commit", json={"matter": AFTER}, headers=auth("applicant"))
    assert late.status_code == 409, late.text
    again = await http.post("/applications", json=body("api-9"), headers=auth("applicant"))
    assert again.status_code == 200 and again.json()["status"] == "cancelled"
    with Session(case.engine) as s:  # even with the read model lost, the closed run stays unique
        s.delete(s.get(Application, "api-9"))
        s.commit()
    reopened = await http.post("/applications", json=body("api-9"), headers=auth("applicant"))
    assert reopened.status_code == 409 and "已办结" in reopened.json()["detail"]


async def test_entered_notice_recomputes_provisional_deadlines(http: Client, case: Harness) -> None:
    now = await case.env.get_current_time()
    if now.year < 2027:  # chinese-calendar ends with 2026: move into a year it does not know
        await case.env.sleep(datetime(2027, 3, 1, tzinfo=timezone.utc) - now)
    await http.post("/applications", json=body("api-10"), headers=auth("caseworker"))
    await http.post("/applications/api-10/commit", json={"matter": AFTER}, headers=auth("applicant"))
    await http.post("/applications/api-10/decision", json={"approve": True, "reason": "准予"}, headers=auth("caseworker"))
    handle = case.env.client.get_workflow_handle(workflow_id("api-10"))
    await case.quiet(handle)
    before = (await http.get("/applications/api-10", headers=auth("caseworker"))).json()["matters"][0]
    assert before["provisional_deadline"] and "尚未录入" in before["calendar_note"], before

    today = (await case.env.get_current_time()).astimezone(CHINA).date()
    notice = {
        "source": "国务院办公厅关于某年部分节假日安排的通知（测试）",
        "days": [{"day": str(today + timedelta(days=n)), "is_workday": n > 20} for n in range(1, 61)],
    }
    assert (await http.post("/calendar/days", json=notice, headers=auth("caseworker"))).status_code == 403
    entered = (await http.post("/calendar/days", json=notice, headers=auth("admin"))).json()
    assert entered["entered"] == 60 and entered["recomputed"] == ["api-10"] and entered["failed"] == {}
    after = (await http.get("/applications/api-10", headers=auth("caseworker"))).json()["matters"][0]
    assert not after["provisional_deadline"]
    due = datetime.fromisoformat(after["due_at"]).astimezone(CHINA).date()
    assert due == today + timedelta(days=30)  # 20 holidays entered, then the 10th working day
    days = (await http.get(f"/calendar/days?year={today.year}", headers=auth("public"))).json()
    assert len(days) >= 1 and all(d["source"].startswith("国务院办公厅") for d in days)


async def test_applicants_act_and_read_only_on_their_own_cases(http: Client) -> None:
    await http.post("/applications", json=body("api-11"), headers=auth("caseworker"))
    other = {"Authorization": "Bearer dev-applicant:91410411MA999999"}
    url = "/applications/api-11"
    assert (await http.post(f"{url}/commit", json={"matter": AFTER}, headers=other)).status_code == 403
    assert (await http.get(url, headers=other)).status_code == 403
    assert (await http.get(f"{url}/letters/{AFTER}", headers=other)).status_code == 403
    assert (await http.get(f"/applicants/{COMPANY}/credit", headers=other)).status_code == 403
    assert (await http.get("/applications", headers=other)).json() == []
    assert (await http.post("/applications", json=body("api-12"), headers=other)).status_code == 403
    mine = (await http.get("/applications", headers=auth("applicant"))).json()
    assert [c["id"] for c in mine] == ["api-11"]
    assert (await http.post(f"{url}/commit", json={"matter": AFTER}, headers=auth("applicant"))).status_code == 200


async def test_idempotency_key_names_one_request(http: Client) -> None:
    await http.post("/applications", json=body("api-13", [AFTER, DURING]), headers=auth("caseworker"))
    url = "/applications/api-13"
    key = {"Idempotency-Key": "k-1"} | auth("applicant")
    await http.post(f"{url}/commit", json={"matter": AFTER}, headers=key)
    other = await http.post(f"{url}/commit", json={"matter": DURING}, headers=key)  # same key, other body
    assert other.status_code == 200
    modes = {m["code"]: m["mode"] for m in other.json()["matters"]}
    assert modes == {AFTER: "commitment", DURING: "commitment"}


async def test_public_complaint_is_received_without_revealing_the_case(http: Client) -> None:
    await http.post("/applications", json=body("api-14"), headers=auth("caseworker"))
    r = await http.post("/applications/api-14/complaints", json={"text": "举报"}, headers=auth("public"))
    assert r.status_code == 200 and r.json() == {"id": "api-14", "received": True, "message": "已收到，将依法处理"}
    stranger = {"Authorization": "Bearer dev-applicant:91410411MA999999"}
    r = await http.post("/applications/api-14/complaints", json={"text": "举报"}, headers=stranger)
    assert "applicant" not in r.json()
    key = {"Idempotency-Key": "k-9"}
    await http.post("/applications/api-14/commit", json={"matter": AFTER}, headers=key | auth("applicant"))
    replayed = await http.post("/applications/api-14/commit", json={"matter": AFTER}, headers=key | stranger)
    assert replayed.status_code == 403  # another actor's key is another request: refused on its own merits


async def test_paper_commitment_recorded_at_the_counter(http: Client) -> None:
    await http.post("/applications", json=body("api-15"), headers=auth("caseworker"))
    url, scan = "/applications/api-15/commit", "cd" * 32
    no_scan = await http.post(url, json={"matter": AFTER, "signature": "paper"}, headers=auth("caseworker"))
    assert no_scan.status_code == 422  # a paper letter is recorded with its scan's hash
    own_paper = await http.post(url, json={"matter": AFTER, "signature": "paper", "scan_sha256": scan}, headers=auth("applicant"))
    assert own_paper.status_code == 409 and "承办人" in own_paper.json()["detail"]
    r = await http.post(url, json={"matter": AFTER, "signature": "paper", "scan_sha256": scan}, headers=auth("caseworker"))
    assert r.status_code == 200, r.text
    m = r.json()["matters"][0]
    assert (m["signature"], m["scan_sha256"], m["recorded_by"]) == ("paper", scan, "dev-caseworker")
    assert r.json()["status"] == "reviewing"


async def test_a_retired_matter_is_refused_to_a_new_case(http: Client, case: Harness) -> None:
    from db.models import Matter

    with Session(case.engine) as s:
        row = s.get(Matter, AFTER)
        assert row is not None
        row.retired, row.retired_reason = True, "测试：已废止"
        s.add(row)
        s.commit()
    refused = await http.post("/applications", json=body("api-retired"), headers=auth("caseworker"))
    assert refused.status_code == 422 and AFTER in refused.text and "已废止" in refused.text
    assert (await http.get("/applications/api-retired", headers=auth("caseworker"))).status_code == 404


def listed(answer: dict[str, Any]) -> set[tuple[str, str | None]]:
    return {(a["action"], a["matter"] or a["measure"]) for a in answer["actions"]}


async def test_the_answer_lists_what_the_workflow_accepts(http: Client) -> None:
    """`actions` (workflows/guards.py on the read model's row) lists exactly what the workflow's
    validators (the same guards, on the workflow's state) accept: an action left out is refused,
    one listed goes through."""
    url = "/applications/api-20"
    opened = (await http.post("/applications", json=body("api-20", [AFTER, DURING]), headers=auth("applicant"))).json()
    assert listed(opened) == {
        ("commit", AFTER),
        ("proof", AFTER),
        ("commit", DURING),
        ("proof", DURING),
        ("complaints", None),
        ("cancel", None),
    }
    staff = (await http.get(url, headers=auth("caseworker"))).json()
    assert ("decision", None) not in listed(staff) and ("commit", AFTER) in listed(staff)  # paper, at the counter
    refused = await http.post(f"{url}/decision", json={"approve": True, "reason": "x"}, headers=auth("caseworker"))
    assert refused.status_code == 409
    assert (await http.get("/applications", headers=auth("auditor"))).json()[0]["actions"] is None  # lists: ask the case

    committed = (await http.post(f"{url}/commit", json={"matter": AFTER}, headers=auth("applicant"))).json()
    assert {("withdraw-commitment", AFTER), ("commit", DURING)} <= listed(committed) and ("commit", AFTER) not in listed(
        committed
    )
    await http.post(f"{url}/commit", json={"matter": DURING}, headers=auth("applicant"))
    verifier = (await http.get(url, headers=auth("verifier"))).json()
    assert listed(verifier) == {("verification", DURING)}  # 事中 first; the other matter waits for approval
    caseworker = (await http.get(url, headers=auth("caseworker"))).json()
    assert ("decision", None) in listed(caseworker)
    early = await http.post(f"{url}/decision", json={"approve": True, "reason": "x"}, headers=auth("caseworker"))
    assert early.status_code == 409 and "事中核查尚未完成" in early.json()["detail"]  # listed: it may decide, not yet approve

    await http.post(
        f"{url}/verification", json={"matter": DURING, "truthful": True, "findings": "一致"}, headers=auth("verifier")
    )
    await http.post(f"{url}/decision", json={"approve": True, "reason": "符合"}, headers=auth("caseworker"))
    await http.post(f"{url}/complaints", json={"text": "举报"}, headers=auth("caseworker"))
    found = await http.post(
        f"{url}/verification", json={"matter": AFTER, "truthful": False, "findings": "不符"}, headers=auth("verifier")
    )
    assert found.json()["status"] == "verifying"
    supervisor = listed((await http.get(url, headers=auth("supervisor"))).json())
    measures = {("disposition", m) for m in ("rectify", "revoke", "penalize", "refer")}
    assert measures <= supervisor
    assert listed((await http.get(url, headers=auth("caseworker"))).json()) & measures == {("disposition", "rectify")}
    assert (
        await http.post(
            f"{url}/disposition", json={"action": "penalize", "reason": "x", "decision_no": "罚1"}, headers=auth("caseworker")
        )
    ).status_code == 403  # not listed for the caseworker
    proposed = await http.post(f"{url}/disposition", json={"action": "revoke", "reason": "虚假"}, headers=auth("supervisor"))
    assert proposed.status_code == 200 and ("disposition", "revoke") not in listed(proposed.json())  # the hearing is open
    again = await http.post(f"{url}/disposition", json={"action": "revoke", "reason": "虚假"}, headers=auth("supervisor"))
    assert again.status_code == 409
    assert ("statement", None) in listed((await http.get(url, headers=auth("applicant"))).json())
    assert ("revocation", None) not in listed(proposed.json())  # the statement period runs
    stated = await http.post(f"{url}/statement", json={"text": "并非虚假"}, headers=auth("applicant"))
    assert ("statement", None) not in listed(stated.json())
    assert ("revocation", None) in listed((await http.get(url, headers=auth("supervisor"))).json())
