"""A district's backlog against a running stack (`make run`), as the verifier meets it: many
approved cases, then complaints that make the oldest ones due for verification at once. Prints
what the verifier's workbench and GET /applications show of them.

    python -m bench.backlog                       # 700 approved cases, complaints on the oldest 30
    python -m bench.backlog --cases 2000 --due 30 --api http://127.0.0.1:8000

Run it against `SAMPLING_PROBABILITY=0 make run` (no case drawn: only the complaints make matters
due); each case is opened, committed and approved over HTTP by 32 clients at once.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PERSON = "410411199001010015"


def after_matter() -> str:
    catalogue = json.loads((ROOT / "activities" / "data" / "catalogue.json").read_text(encoding="utf-8"))
    return next(
        m["code"]
        for m in catalogue
        if m["commitment_allowed"] and not m["verification_exempt"] and m["verification_stage"] == "after"
    )


async def approve(http: httpx.AsyncClient, prefix: str, n: int, matter: str) -> None:
    app_id = f"{prefix}-{n:05d}"
    staff = {"Authorization": "Bearer dev-caseworker"}
    opened = await http.post(
        "/applications",
        headers=staff,
        json={
            "application_id": app_id,
            "applicant": {"id": PERSON, "name": "张三", "kind": "person"},
            "service": "积压测试事项",
            "matters": [matter],
        },
    )
    assert opened.status_code in (200, 201), opened.text
    me = {"Authorization": f"Bearer dev-applicant:{PERSON}"}
    committed = await http.post(f"/applications/{app_id}/commit", headers=me, json={"matter": matter})
    assert committed.status_code in (200, 409), committed.text
    decided = await http.post(f"/applications/{app_id}/decision", headers=staff, json={"approve": True, "reason": "符合法定条件"})
    assert decided.status_code in (200, 409), decided.text


async def main(api: str, cases: int, due: int, clients: int, prefix: str | None) -> None:
    matter = after_matter()
    async with httpx.AsyncClient(base_url=api, timeout=60) as http:
        if prefix is None:  # a new backlog; --prefix reuses one already opened
            prefix, started, line = f"bl{int(time.time()) % 100000}", time.monotonic(), asyncio.Semaphore(clients)

            async def one(n: int) -> None:
                async with line:
                    await approve(http, prefix or "", n, matter)

            for first in range(0, cases, 100):  # opened in order: the first are the oldest
                await asyncio.gather(*(one(n) for n in range(first, min(first + 100, cases))))
            print(f"{cases} cases ({prefix}-…) opened, committed and approved in {time.monotonic() - started:.0f} s")
        oldest = [f"{prefix}-{n:05d}" for n in range(due)]
        for app_id in oldest:  # complaints as the office registers them (staff are not rate-limited)
            r = await http.post(
                f"/applications/{app_id}/complaints",
                json={"text": "举报：承诺内容与事实不符"},
                headers={"Authorization": "Bearer dev-caseworker"},
            )
            assert r.status_code == 200, r.text
        await asyncio.sleep(3)  # the projection writes the read model after each change
        verifier = {"Authorization": "Bearer dev-verifier"}
        listed = await http.get("/applications?status=verifying&sort=deadline&limit=500", headers=verifier)
        shown = {row["id"] for row in listed.json()}
        print(
            f"GET /applications?status=verifying: X-Total-Count {listed.headers.get('X-Total-Count')}, "
            f"{len(shown & set(oldest))} of the {due} complained-of cases"
        )
        async with httpx.AsyncClient(base_url=api, timeout=60, follow_redirects=False) as browser:
            login = await browser.get("/login")
            token = re.search(r'name="csrf" value="([^"]+)"', login.text)
            assert token
            await browser.post("/login", data={"csrf": token.group(1), "role": "verifier"})
            page = (await browser.get("/")).text
        section = page.split('id="verifications"', 1)[1].split("</section>", 1)[0]
        total = re.search(r"（(\d+)）", section)
        listed_ids = re.findall(rf"({prefix}-\d+)</a>", section)
        print(
            f"the verifier's workbench: total {total.group(1) if total else '?'}, "
            f"{len(set(listed_ids) & set(oldest))} of the {due} on its first page, in this order: {listed_ids[:5]} …"
        )


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--api", default="http://127.0.0.1:8000")
    p.add_argument("--cases", type=int, default=700)
    p.add_argument("--due", type=int, default=30)
    p.add_argument("--clients", type=int, default=32)
    p.add_argument("--prefix", help="the backlog's case prefix, to complain on one opened before")
    args = p.parse_args()
    asyncio.run(main(args.api, args.cases, args.due, args.clients, args.prefix))
