"""Identity and scoping: tokens from the table (hashed, expiring, revocable), departments."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlmodel import Session, select

from api import deps
from db.models import ApiToken
from security import tokens
from tests.support.factories import AFTER, OTHER, OTHER_DEPARTMENT
from tests.support.harness import Harness
from tests.support.http import COMPANY, Client, auth, body
from workflows.types import Role

OWN = "湛河区测试局"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def issue(case: Harness, role: Role, actor: str, department: str | None = None, days: int = 30) -> str:
    with Session(case.engine) as session:
        return tokens.issue(session, role, actor, department, days)[0]


async def test_a_department_sees_and_acts_on_its_own_cases_only(http: Client, case: Harness) -> None:  # noqa: F811
    cw, vf = issue(case, Role.caseworker, "cw-own", OWN), issue(case, Role.verifier, "vf-own", OWN)
    assert (await http.post("/applications", json=body("scope-own"), headers=bearer(cw))).status_code == 201
    refused = await http.post("/applications", json=body("scope-other", [OTHER]), headers=bearer(cw))
    assert refused.status_code == 403 and OWN in refused.json()["detail"]
    assert (await http.post("/applications", json=body("scope-other", [OTHER]), headers=auth("caseworker"))).status_code == 201
    other = "/applications/scope-other"
    assert (await http.get(other, headers=bearer(cw))).status_code == 403
    assert (await http.get("/applications/scope-own", headers=bearer(cw))).status_code == 200
    listed = {r["id"] for r in (await http.get("/applications", headers=bearer(cw))).json()}
    assert "scope-own" in listed and "scope-other" not in listed
    everything = {r["id"] for r in (await http.get("/applications", headers=auth("auditor"))).json()}
    assert {"scope-own", "scope-other"} <= everything
    # every action on the other department's case is refused by the case itself (403, nothing recorded)
    await http.post(f"{other}/commit", json={"matter": OTHER}, headers=auth("applicant"))
    before = len((await http.get(f"{other}/history", headers=auth("auditor"))).json()["events"])
    await case.quiet(case.env.client.get_workflow_handle("application-scope-other"))
    for path, payload, token in [
        ("decision", {"approve": True, "reason": "x"}, cw),
        ("complaints", {"text": "x"}, cw),
        ("proof", {"matter": OTHER, "document": "x"}, cw),
        ("cancel", {"reason": "x"}, cw),
        ("verification", {"matter": OTHER, "truthful": True, "findings": "x"}, vf),
    ]:
        r = await http.post(f"{other}/{path}", json=payload, headers=bearer(token))
        assert r.status_code == 403, (path, r.status_code, r.text)
    added = (await http.get(f"{other}/history", headers=auth("auditor"))).json()["events"][before:]
    assert {e["eventType"] for e in added} <= {  # the refused Updates' empty workflow tasks only (test server)
        "EVENT_TYPE_WORKFLOW_TASK_SCHEDULED",
        "EVENT_TYPE_WORKFLOW_TASK_STARTED",
        "EVENT_TYPE_WORKFLOW_TASK_COMPLETED",
    }
    own = await http.post("/applications/scope-own/proof", json={"matter": AFTER, "document": "原件"}, headers=bearer(cw))
    assert own.status_code == 200


async def test_tokens_expire_and_are_revoked(http: Client, case: Harness) -> None:  # noqa: F811
    live = issue(case, Role.supervisor, "sv-9")
    assert (await http.get("/applications", headers=bearer(live))).status_code == 200
    with Session(case.engine) as session:
        stored = session.exec(select(ApiToken).where(ApiToken.actor_id == "sv-9")).one()
        assert stored.token_sha256 == tokens.digest(live) and live not in stored.model_dump_json()
        stored.expires_at = datetime.now(timezone.utc) - timedelta(seconds=1)
        session.add(stored)
        session.commit()
    deps._holders.clear()  # what TOKEN_CACHE_SECONDS would do
    assert (await http.get("/applications", headers=bearer(live))).status_code == 401
    made = await http.post(
        "/admin/tokens", json={"role": "verifier", "actor_id": "vf-9", "department": OWN}, headers=auth("admin")
    )
    assert made.status_code == 201 and made.json()["token"].startswith("cn_")
    assert (
        await http.post("/admin/tokens", json={"role": "admin", "actor_id": "x"}, headers=auth("caseworker"))
    ).status_code == 403
    listed = (await http.get("/admin/tokens", headers=auth("admin"))).json()
    assert all("token" not in t and "token_sha256" not in t for t in listed)
    token, token_id = made.json()["token"], made.json()["id"]
    assert (await http.get("/applications", headers=bearer(token))).status_code == 200
    assert (await http.delete(f"/admin/tokens/{token_id}", headers=auth("admin"))).json()["revoked_at"]
    deps._holders.clear()
    assert (await http.get("/applications", headers=bearer(token))).status_code == 401


async def test_other_department_matters_bear_their_department(case: Harness) -> None:
    _, view = await case.open([OTHER])
    assert view.departments == [OTHER_DEPARTMENT]
    assert COMPANY  # the same applicant as the HTTP tests


async def test_list_filters_by_department_overdue_and_deadline(http: Client) -> None:  # noqa: F811
    await http.post("/applications", json=body("filter-own"), headers=auth("caseworker"))
    await http.post("/applications", json=body("filter-other", [OTHER]), headers=auth("caseworker"))
    await http.post("/applications/filter-own/commit", json={"matter": AFTER}, headers=auth("applicant"))
    approved = await http.post(
        "/applications/filter-own/decision", json={"approve": True, "reason": "x"}, headers=auth("caseworker")
    )
    deadline = approved.json()["next_deadline"]
    assert deadline is not None and approved.json()["escalated"] is False

    async def ids(**params: str) -> set[str]:
        return {r["id"] for r in (await http.get("/applications", params=params, headers=auth("auditor"))).json()}

    assert await ids(department=OTHER_DEPARTMENT) == {"filter-other"}
    assert "filter-own" in await ids(department=OWN) and "filter-other" not in await ids(department=OWN)
    assert "filter-own" in await ids(overdue="false") and not await ids(overdue="true") & {"filter-own", "filter-other"}
    assert "filter-own" in await ids(deadline_from=deadline, deadline_to=deadline)
    assert "filter-own" not in await ids(deadline_to="2000-01-01T00:00:00Z")


async def test_refused_requests_are_logged_with_actor_and_reason(http: Client, caplog: object) -> None:  # noqa: F811
    import logging

    caplog.set_level(logging.INFO, logger="chengnuo.refused")  # type: ignore[attr-defined]
    await http.post("/applications", json=body("log-1"), headers=auth("caseworker"))
    r = await http.post("/applications/log-1/decision", json={"approve": True, "reason": "x"}, headers=auth("caseworker"))
    assert r.status_code == 409
    line = next(rec.getMessage() for rec in caplog.records if rec.name == "chengnuo.refused")  # type: ignore[attr-defined]
    assert "409 POST /applications/log-1/decision" in line and "caseworker:dev-caseworker" in line and "已告知" in line


async def test_markup_in_a_name_stays_text(http: Client) -> None:  # noqa: F811
    evil = "<script>alert(1)</script>公司"
    opened = await http.post(
        "/applications",
        json=body("xss-1") | {"applicant": {"id": COMPANY, "name": evil, "kind": "company"}},
        headers=auth("caseworker"),
    )
    assert opened.status_code == 201 and opened.json()["applicant"]["name"] == evil  # kept as given, as data
    letter = await http.get(f"/applications/xss-1/letters/{AFTER}", headers=auth("caseworker"))
    assert evil in letter.json()["text"]  # a plain-text letter: the name as written
    for r in (opened, letter, await http.get(f"/matters/{AFTER}/letter")):
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["content-type"].split(";")[0] in ("application/json", "text/plain")
