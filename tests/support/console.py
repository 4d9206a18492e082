"""The console in process for the tests: a browser on its app, the form's CSRF token, signing in,
and a case opened through it handed to the harness."""

from __future__ import annotations

import re

import httpx

from tests.support.harness import Harness
from tests.support.http import Client


def browser(app: object) -> Client:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")  # type: ignore[arg-type]


def csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


async def sign_in(client: Client, role: str, applicant_id: str = "") -> httpx.Response:
    page = await client.get("/login")
    assert page.status_code == 200
    return await client.post("/login", data={"csrf": csrf(page.text), "role": role, "applicant_id": applicant_id})


async def track(case: Harness, application_id: str) -> None:
    case.handles.append(case.env.client.get_workflow_handle(f"application-{application_id}"))
