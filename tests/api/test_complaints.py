"""A flood of complaints leaves a case working: the texts stay on file, the history small."""

from __future__ import annotations

import asyncio

import pytest

from tests.support.factories import AFTER
from tests.support.http import Client, auth, body

FLOOD = 2000


@pytest.mark.slow
async def test_two_thousand_complaints_leave_the_case_working(http: Client) -> None:  # noqa: F811
    url = "/applications/flood-1"
    await http.post("/applications", json=body("flood-1"), headers=auth("caseworker"))
    await http.post(f"{url}/commit", json={"matter": AFTER}, headers=auth("applicant"))
    await http.post(f"{url}/decision", json={"approve": True, "reason": "符合条件"}, headers=auth("caseworker"))
    text = "举报：承诺内容与事实不符，联系电话13900000000。" + "详" * 1970
    gate = asyncio.Semaphore(16)

    async def complain(n: int) -> int:
        async with gate:  # staff are not rate-limited: the flood reaches the registry whole
            r = await http.post(f"{url}/complaints", json={"text": f"{n}{text}"[:2000]}, headers=auth("caseworker"))
            return r.status_code

    codes = await asyncio.gather(*(complain(n) for n in range(FLOOD)))
    assert set(codes) == {200}, set(codes)
    on_file = (await http.get(f"{url}/complaints", headers=auth("supervisor"))).json()
    assert len(on_file) == FLOOD and sum(c["forwarded"] for c in on_file) >= 1
    timeline = (await http.get(f"{url}/timeline", headers=auth("auditor"))).json()
    complaints = [e for e in timeline if e["action"] == "complaint"]
    assert len(complaints) == 1  # the first of the day: of the racing firsts exactly one
    assert "13900000000" not in complaints[0]["summary"] and "登记号" in complaints[0]["summary"]
    history = await http.get(f"{url}/history", headers=auth("auditor"))
    assert len(history.content) < 5_000_000, len(history.content)
    # and the case still works
    r = await http.post(
        f"{url}/verification", json={"matter": AFTER, "truthful": True, "findings": "核查属实"}, headers=auth("verifier")
    )
    assert r.status_code == 200 and r.json()["status"] == "approved"
