"""Claiming work (办理人): who holds an item shows in the queues; another's act on it is refused
with the holder's name unless confirmed (then logged); a supervisor reassigns."""

from __future__ import annotations

from datetime import datetime, timezone

import httpx
from sqlmodel import Session, select

from console.queues import queues_for
from db.models import ClaimLog
from security import tokens
from tests.support.factories import AFTER, DURING
from tests.support.harness import Harness
from tests.support.http import auth, body
from workflows.types import Actor, Role


def token(case: Harness, role: Role, who: str) -> dict[str, str]:
    with Session(case.engine) as session:
        issued, _ = tokens.issue(session, role, who)
    return {"Authorization": f"Bearer {issued}"}


def logged(case: Harness) -> list[tuple[str, str, str, str | None]]:
    with Session(case.engine) as session:
        return [(r.kind, r.item, r.actor_id, r.holder_id) for r in session.exec(select(ClaimLog).order_by(ClaimLog.id))]


async def test_a_claimed_case_is_taken_for_others_until_confirmed(http: httpx.AsyncClient, case: Harness) -> None:
    wang, li = token(case, Role.caseworker, "wang.li"), token(case, Role.caseworker, "li.na")
    assert (await http.post("/applications", json=body("cl-1"), headers=auth("caseworker"))).status_code == 201
    await http.post(
        "/applications/cl-1/commit", json={"matter": AFTER}, headers=auth("applicant")
    )  # the applicant is never held back

    first = await http.post("/applications/cl-1/claims", json={}, headers=wang)
    assert first.status_code == 201 and first.json()["holder_id"] == "wang.li" and first.json()["matter"] is None
    assert (await http.post("/applications/cl-1/claims", json={}, headers=wang)).status_code == 200  # already theirs
    taken = await http.post("/applications/cl-1/claims", json={}, headers=li)
    assert taken.status_code == 409 and "承办人 wang.li" in taken.json()["detail"]

    decision = {"approve": True, "reason": "符合法定条件"}
    refused = await http.post("/applications/cl-1/decision", json=decision, headers=li)
    assert (
        refused.status_code == 409 and "wang.li" in refused.json()["detail"] and "X-Claim-Confirmed" in refused.json()["detail"]
    )
    assert (await http.get("/applications/cl-1", headers=li)).json()["status"] == "reviewing"  # nothing happened
    wrong = await http.post("/applications/cl-1/decision", json=decision, headers={**li, "X-Claim-Confirmed": "someone.else"})
    assert wrong.status_code == 409
    done = await http.post("/applications/cl-1/decision", json=decision, headers={**li, "X-Claim-Confirmed": "wang.li"})
    assert done.status_code == 200 and done.json()["status"] == "approved"
    assert logged(case) == [("claim", "", "wang.li", "wang.li"), ("override", "", "li.na", "wang.li")]

    assert (await http.delete("/applications/cl-1/claims", headers=li)).status_code == 403  # not theirs to give back
    assert (await http.delete("/applications/cl-1/claims", headers=wang)).status_code == 204
    assert (await http.get("/applications/cl-1/claims", headers=li)).json() == []


async def test_a_supervisor_reassigns_a_matter_and_the_queue_shows_its_holder(http: httpx.AsyncClient, case: Harness) -> None:
    zhao, qian = token(case, Role.verifier, "zhao.yi"), token(case, Role.verifier, "qian.er")
    assert (await http.post("/applications", json=body("cl-2", [DURING, AFTER]), headers=auth("caseworker"))).status_code == 201
    for matter in (DURING, AFTER):
        await http.post("/applications/cl-2/commit", json={"matter": matter}, headers=auth("applicant"))
    assert (await http.post("/applications/cl-2/claims", json={"matter": DURING}, headers=zhao)).status_code == 201
    assert (await http.post("/applications/cl-2/claims", json={"matter": "NO-SUCH"}, headers=zhao)).status_code == 404
    assert (
        await http.post("/applications/cl-2/claims", json={}, headers=auth("supervisor"))
    ).status_code == 403  # supervisors assign

    with Session(case.engine) as session:
        [queue] = queues_for(session, Actor("qian.er", Role.verifier), datetime.now(timezone.utc))
    [item] = [i for i in queue.items if i.case.application_id == "cl-2"]
    assert item.matter == DURING and item.holder == "核查人员 zhao.yi"

    verify = {"matter": DURING, "truthful": True, "findings": "部门协查回函一致"}
    assert (await http.post("/applications/cl-2/verification", json=verify, headers=qian)).status_code == 409
    moved = await http.put(
        "/applications/cl-2/claims",
        json={"matter": DURING, "holder_id": "qian.er", "holder_role": "verifier", "reason": "原核查人员外出"},
        headers=auth("supervisor"),
    )
    assert moved.status_code == 200 and moved.json()["holder_id"] == "qian.er" and moved.json()["assigned_by"] == "dev-supervisor"
    assert (await http.post("/applications/cl-2/verification", json=verify, headers=zhao)).status_code == 409  # no longer theirs
    assert (await http.post("/applications/cl-2/verification", json=verify, headers=qian)).status_code == 200
    kinds = [k for k, *_ in logged(case)]
    assert kinds == ["claim", "reassign"]
