"""Credit repair (信用修复) through the API, against the time-skipping server and a real worker:
approval repairs the records, pushes the repair and lifts the bar (the applicant commits again);
rejection with a reason; too early refused with the date; wrong roles refused with the history
untouched; the deadline passing marks the repair overdue and keeps it in the queue. Every
history made here replays (the `case` fixture)."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import datetime
from typing import Any

import httpx
from sqlmodel import Session, col, select
from temporalio.api.enums.v1 import EventType

from credit.rules import add_months
from db.models import CreditOutbox, CreditRecord, CreditRepair
from tests.support.credit import PERSON, seed
from tests.support.factories import AFTER
from tests.support.harness import Harness
from workflows.case import china_date

Client = httpx.AsyncClient
OTHER = "11010119900307003X"


def auth(role: str, who: str = PERSON) -> dict[str, str]:
    return {"Authorization": f"Bearer dev-{role}:{who}" if role == "applicant" else f"Bearer dev-{role}"}


async def apply(http: Client, case: Harness, records: list[str], key: str | None = None, who: str = PERSON) -> httpx.Response:
    headers = auth("applicant", who) | ({"Idempotency-Key": key} if key else {})
    r = await http.post(
        f"/applicants/{who}/credit/repairs",
        json={"record_ids": records, "evidence": "已履行全部义务，附整改报告及信用承诺书"},
        headers=headers,
    )
    if r.status_code == 201:
        case.handles.append(case.env.client.get_workflow_handle(r.json()["workflow_id"]))
    return r


async def open_case(http: Client, app_id: str) -> dict[str, Any]:
    r = await http.post(
        "/applications",
        headers=auth("caseworker"),
        json={
            "application_id": app_id,
            "applicant": {"id": PERSON, "name": "张三", "kind": "person"},
            "service": "测试行政事项",
            "matters": [AFTER],
        },
    )
    assert r.status_code == 201, r.text
    return r.json()


def record(case: Harness, business_id: str) -> CreditRecord:
    with Session(case.engine) as session:
        row = session.get(CreditRecord, business_id)
        assert row is not None
        return row


def events(case: Harness) -> dict[str, CreditOutbox]:
    with Session(case.engine) as session:
        return {e.event_id: e for e in session.exec(select(CreditOutbox))}


async def decision(
    http: Client, repair_id: str, approve: bool, reason: str, role: str = "credit_officer", who: str = PERSON
) -> httpx.Response:
    return await http.post(
        f"/credit/repairs/{repair_id}/decision", json={"approve": approve, "reason": reason}, headers=auth(role, who)
    )


async def result(case: Harness, workflow_id: str) -> str:
    handle = case.env.client.get_workflow_handle(workflow_id)
    with case.env.auto_time_skipping_disabled():
        return await asyncio.wait_for(handle.result(), timeout=20)


async def test_approval_repairs_the_records_pushes_the_repair_and_lifts_the_bar(http: Client, case: Harness) -> None:
    revoked = seed(case, "revoked", months_ago=13)  # serious: repairable after 12 months
    barred = await open_case(http, "rp-barred")
    assert barred["matters"][0]["eligible"] is False and "信用修复" in barred["matters"][0]["ineligible_reason"]

    key = f"k-{uuid.uuid4().hex[:8]}"  # Temporal outlives each test's database: a key of this test's own
    applied = await apply(http, case, [revoked], key=key)
    assert applied.status_code == 201, applied.text
    repair = applied.json()
    assert repair["status"] == "pending" and repair["status_label"] == "待审核" and repair["due_at"] and not repair["overdue"]
    assert repair["applicant_id"] == PERSON and repair["evidence"].startswith("已履行")
    again = await apply(http, case, [revoked], key=key)  # the same request again: the same repair
    assert again.status_code == 200 and again.json()["id"] == repair["id"]
    taken = await apply(http, case, [revoked], key=f"{key}-2")  # the record is in a pending repair already
    assert taken.status_code == 409 and repair["id"] in taken.json()["detail"]

    queue = (await http.get("/credit/repairs?status=pending", headers=auth("credit_officer"))).json()
    assert [r["id"] for r in queue] == [repair["id"]]
    assert (await http.get("/credit/repairs", headers=auth("caseworker"))).status_code == 403
    own = (await http.get(f"/credit/repairs/{repair['id']}", headers=auth("applicant"))).json()
    assert own["evidence"] == repair["evidence"]
    assert (await http.get(f"/credit/repairs/{repair['id']}", headers=auth("applicant", OTHER))).status_code == 403

    approved = await decision(http, repair["id"], True, "已纠正失信行为、履行法定义务并作出信用承诺")
    assert approved.status_code == 200, approved.text
    out = approved.json()
    assert out["status"] == "approved" and out["decided_by"] == "dev-credit_officer" and out["reason"].startswith("已纠正")
    assert await result(case, repair["workflow_id"]) == "approved"
    row = record(case, revoked)
    assert row.repaired and row.repaired_at is not None
    pushed = events(case)[f"repair:{repair['id']}"]
    assert pushed.kind == "repaired" and pushed.delivered_at is None
    assert pushed.payload["records"][0]["id"] == revoked and pushed.payload["applicant"] == {"id": PERSON, "kind": "person"}
    assert pushed.payload["reason"].startswith("已纠正") and "信用修复管理办法" in pushed.payload["basis"]

    credit = (await http.get(f"/applicants/{PERSON}/credit", headers=auth("applicant"))).json()
    assert credit["barred"] is False
    eligible = await open_case(http, "rp-after")  # the bar is lifted: the applicant commits again
    assert eligible["matters"][0]["eligible"] is True
    committed = await http.post("/applications/rp-after/commit", json={"matter": AFTER}, headers=auth("applicant"))
    assert committed.status_code == 200, committed.text
    assert committed.json()["matters"][0]["mode"] == "commitment"


async def test_rejection_needs_a_reason_and_repairs_nothing(http: Client, case: Harness) -> None:
    revoked = seed(case, "revoked", months_ago=20)
    repair = (await apply(http, case, [revoked])).json()
    history = await case.env.client.get_workflow_handle(repair["workflow_id"]).fetch_history()
    blank = await decision(http, repair["id"], False, "   ")
    assert blank.status_code == 422 and "理由" in blank.text
    assert (await decision(http, repair["id"], False, "")).status_code == 422  # refused by the API itself
    rejected = await decision(http, repair["id"], False, "整改报告未附佐证材料，信用承诺书未签章")
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "rejected" and rejected.json()["reason"].startswith("整改报告")
    assert await result(case, repair["workflow_id"]) == "rejected"
    assert not record(case, revoked).repaired and f"repair:{repair['id']}" not in events(case)
    again = await apply(http, case, [revoked])  # rejected: the record may be applied for again
    assert again.status_code == 201, again.text
    late = await decision(http, repair["id"], True, "改为准予")
    assert late.status_code == 409 and "不予修复" in late.json()["detail"]
    after = await case.env.client.get_workflow_handle(repair["workflow_id"]).fetch_history()
    assert len(history.events) < len(after.events)  # (the rejection itself is in it)


async def test_an_application_before_the_minimum_period_is_refused_with_the_date(http: Client, case: Harness) -> None:
    penalized = seed(case, "penalized", months_ago=1)  # general: 3 months before repair
    refused = await apply(http, case, [penalized])
    assert refused.status_code == 409
    opens = china_date(add_months(record(case, penalized).at, 3)).isoformat()
    assert opens in refused.json()["detail"] and "最短公示期为3个月" in refused.json()["detail"]
    kept = seed(case, "kept_promise", months_ago=1, n=2)
    assert (await apply(http, case, [kept])).status_code == 422  # nothing adverse to repair
    assert (await apply(http, case, ["no-such-record"])).status_code == 422
    with Session(case.engine) as session:
        assert not list(session.exec(select(CreditRepair)))


async def test_wrong_roles_are_refused_and_the_history_stays_untouched(http: Client, case: Harness) -> None:
    revoked = seed(case, "revoked", months_ago=13)
    seed(case, "revoked", months_ago=13, n=2, who=OTHER)
    on_behalf = await http.post(
        f"/applicants/{PERSON}/credit/repairs", json={"record_ids": [revoked], "evidence": "代为申请"}, headers=auth("caseworker")
    )
    assert on_behalf.status_code == 403 and "本人" in on_behalf.json()["detail"]
    assert (await apply(http, case, [revoked], who=OTHER)).status_code == 422  # not the other applicant's record
    repair = (await apply(http, case, [revoked])).json()
    handle = case.env.client.get_workflow_handle(repair["workflow_id"])
    await case.quiet(handle)

    def kept(history: Any) -> list[int]:  # what a refused Update may not add: anything but an empty workflow task
        return [e.event_type for e in history.events if e.event_type not in TASK_EVENTS]

    before = kept(await handle.fetch_history())
    for role, who in (("caseworker", PERSON), ("supervisor", PERSON), ("applicant", PERSON)):
        refused = await decision(http, repair["id"], True, "同意", role, who)
        assert refused.status_code == 403 and "信用管理部门" in refused.json()["detail"], refused.text
    for role, who in (("caseworker", PERSON), ("applicant", OTHER)):
        refused = await http.post(f"/credit/repairs/{repair['id']}/withdraw", json={}, headers=auth(role, who))
        assert refused.status_code == 403 and "本人" in refused.json()["detail"]
    assert kept(await handle.fetch_history()) == before

    withdrawn = await http.post(
        f"/credit/repairs/{repair['id']}/withdraw", json={"reason": "材料准备不全，撤回后重新申请"}, headers=auth("applicant")
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["status"] == "withdrawn" and withdrawn.json()["decided_by"] == PERSON  # the pseudonym resolved
    assert await result(case, repair["workflow_id"]) == "withdrawn"
    assert (await decision(http, repair["id"], True, "同意")).status_code == 409
    assert not record(case, revoked).repaired
    reapplied = await apply(http, case, [revoked])  # withdrawn: the record may be applied for again
    assert reapplied.status_code == 201, reapplied.text


TASK_EVENTS = {
    EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
}


async def test_the_deadline_passing_marks_the_repair_overdue_and_keeps_it_queued(http: Client, case: Harness) -> None:
    revoked = seed(case, "revoked", months_ago=13)
    repair = (await apply(http, case, [revoked])).json()
    due = datetime.fromisoformat(repair["due_at"])
    await case.skip(30)  # 15 working days are at most 3 weeks and a holiday away; a month is past them
    end = time.monotonic() + 20
    while not (row := (await http.get(f"/credit/repairs/{repair['id']}", headers=auth("credit_officer"))).json())["overdue"]:
        assert time.monotonic() < end, row
        await asyncio.sleep(0.05)
    assert row["status"] == "pending" and datetime.fromisoformat(row["due_at"]) == due
    overdue = (await http.get("/credit/repairs?overdue=true&status=pending", headers=auth("credit_officer"))).json()
    assert [r["id"] for r in overdue] == [repair["id"]]
    history = await case.env.client.get_workflow_handle(repair["workflow_id"]).fetch_history()
    assert any(e.event_type == EventType.EVENT_TYPE_TIMER_FIRED for e in history.events)
    approved = await decision(http, repair["id"], True, "逾期审核：材料齐全，准予修复")
    assert approved.status_code == 200 and approved.json()["status"] == "approved" and approved.json()["overdue"] is True
    assert record(case, revoked).repaired
    with Session(case.engine) as session:
        assert (
            session.exec(select(CreditOutbox).where(col(CreditOutbox.kind) == "repaired")).one().event_id
            == f"repair:{repair['id']}"
        )


async def test_simultaneous_applications_for_one_record_make_one_repair(http: Client, case: Harness) -> None:
    """Eight applications for the same record at the same moment, none with an Idempotency-Key:
    one repair is opened, the others are refused 409 (the record is held by the first)."""
    revoked = seed(case, "revoked", months_ago=20)
    answers = await asyncio.gather(*(apply(http, case, [revoked]) for _ in range(8)))
    assert sorted(a.status_code for a in answers) == [201] + [409] * 7, [a.text for a in answers]
    with Session(case.engine) as session:
        assert len(list(session.exec(select(CreditRepair)))) == 1
