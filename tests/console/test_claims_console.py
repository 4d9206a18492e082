"""Claiming in the console: 认领 on the case page, the holder shown in the other caseworker's
queue, an act on a taken case asks to confirm the holder, and goes through once confirmed."""

from __future__ import annotations

from sqlmodel import Session

from security import tokens
from tests.support.console import browser, csrf
from tests.support.factories import AFTER
from tests.support.harness import Harness
from tests.support.http import auth, body
from workflows.types import Role


async def sign_in_as(client: object, case: Harness, who: str) -> None:
    with Session(case.engine) as session:
        token, _ = tokens.issue(session, Role.caseworker, who)
    page = await client.get("/login")  # type: ignore[attr-defined]
    signed = await client.post("/login", data={"csrf": csrf(page.text), "token": token})  # type: ignore[attr-defined]
    assert signed.status_code == 303, signed.text


async def test_claim_on_the_page_shown_in_the_queue_and_confirmed_before_acting(app_of: object, case: Harness) -> None:
    async with browser(app_of) as api, browser(app_of) as wang, browser(app_of) as li:
        assert (await api.post("/applications", json=body("cc-1"), headers=auth("caseworker"))).status_code == 201
        case.handles.append(case.env.client.get_workflow_handle("application-cc-1"))
        assert (await api.post("/applications/cc-1/commit", json={"matter": AFTER}, headers=auth("applicant"))).status_code == 200
        await sign_in_as(wang, case, "wang.li")
        await sign_in_as(li, case, "li.na")

        page = await wang.get("/cases/cc-1")
        assert 'id="claim-case"' in page.text and "未认领" in page.text
        taken = await wang.post("/cases/cc-1/claim", data={"csrf": csrf(page.text), "matter": ""})
        assert taken.status_code == 303
        assert "承办人 wang.li" in (await wang.get("/cases/cc-1")).text

        queue = await li.get("/")
        row = next(r for r in queue.text.split("<tr") if "cc-1" in r)
        assert "已认领" in row and "承办人 wang.li" in row

        page = await li.get("/cases/cc-1")
        decide = {"csrf": csrf(page.text), "approve": "true", "reason": "符合法定条件", "form": "decision"}
        refused = await li.post("/cases/cc-1/actions/decision", data=decide)
        assert refused.status_code == 409 and "已由承办人 wang.li 认领办理" in refused.text
        assert 'name="claim_confirmed" value="wang.li"' in refused.text  # the form asks to confirm
        done = await li.post("/cases/cc-1/actions/decision", data={**decide, "claim_confirmed": "wang.li"})
        assert done.status_code == 303, done.text
        assert (await api.get("/applications/cc-1", headers=auth("caseworker"))).json()["status"] == "approved"
