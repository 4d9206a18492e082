"""Whole lives over HTTP, as a busy office's clients drive them: the load of `make bench` and of
the fault tests.

A life is nine interactions to a closed case: open, commit, approve, a public complaint, an
untrue verification, revocation proposed, the applicant's statement, the supervisor's revocation,
the close of the follow-up period. A client retries as a careful one would: a 503 after its Retry-After,
a 504 or a dropped connection with the same Idempotency-Key (the same application_id for the
opening), so nothing is applied twice. Every answer is counted by status code.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

import httpx
from stdnum.cn import ric

MATTER = "ZHQ-SJ-001"  # after-decision verification, from the starter catalogue
RETRY_FOR_S = 120.0  # how long a client keeps retrying one request through faults


@dataclass
class Tally:
    """What the clients saw."""

    codes: Counter[int] = field(default_factory=Counter)
    transport_errors: int = 0
    lives: list[str] = field(default_factory=list)  # application ids driven to a final state
    failed: dict[str, str] = field(default_factory=dict)  # application id -> why it did not end
    seconds: list[float] = field(default_factory=list)  # per life

    @property
    def server_errors(self) -> int:
        return sum(n for code, n in self.codes.items() if code >= 500)


def headers(role: str, applicant: str | None = None, key: str | None = None) -> dict[str, str]:
    token = f"dev-applicant:{applicant}" if role == "applicant" else f"dev-{role}"
    return {"Authorization": f"Bearer {token}"} | ({"Idempotency-Key": key} if key else {})


async def send(http: httpx.AsyncClient, tally: Tally, path: str, body: dict[str, Any], hdrs: dict[str, str]) -> httpx.Response:
    """POST until answered with something other than 503/504 (or RETRY_FOR_S passes)."""
    end = time.monotonic() + RETRY_FOR_S
    while True:
        try:
            r = await http.post(path, json=body, headers=hdrs)
            tally.codes[r.status_code] += 1
            if r.status_code not in (503, 504):
                return r
            wait = float(r.headers.get("Retry-After", "0.5"))
        except httpx.TransportError:  # the API restarting, say
            tally.transport_errors += 1
            wait = 0.5
        if time.monotonic() > end:
            raise TimeoutError(f"{path}: no answer within {RETRY_FOR_S:.0f} s")
        await asyncio.sleep(wait)


def life_steps(app_id: str, applicant: str) -> list[tuple[str, str, dict[str, Any], str | None]]:
    """(path, role, body, expected status after it) for one life."""
    url = f"/applications/{app_id}"
    return [
        (
            "/applications",
            "caseworker",
            {
                "application_id": app_id,
                "applicant": {"id": applicant, "name": "压测申请人", "kind": "person"},
                "service": "压测事项",
                "matters": [MATTER],
            },
            "notified",
        ),
        (f"{url}/commit", "applicant", {"matter": MATTER}, "reviewing"),
        (f"{url}/decision", "caseworker", {"approve": True, "reason": "符合法定条件"}, "approved"),
        (
            f"{url}/service",
            "caseworker",
            {"notice": 1, "method": "in_person", "served_at": None},
            "approved",
        ),  # 送达 at the window
        (f"{url}/complaints", "public", {"text": "举报：承诺内容与事实不符"}, None),
        (f"{url}/verification", "verifier", {"matter": MATTER, "truthful": False, "findings": "实地核查不符"}, "verifying"),
        (f"{url}/disposition", "supervisor", {"action": "revoke", "reason": "虚假承诺，拟撤销准予决定"}, "hearing"),
        (f"{url}/service", "caseworker", {"notice": 2, "method": "in_person", "served_at": None}, "hearing"),
        (f"{url}/statement", "applicant", {"text": "场所正在装修，并非虚假"}, "hearing"),
        (
            f"{url}/revocation",
            "supervisor",
            {"revoke": True, "reason": "申辩理由不成立", "decision_no": "压测撤字1号"},
            "revoked",
        ),
        (f"{url}/service", "caseworker", {"notice": 3, "method": "in_person", "served_at": None}, "revoked"),
        (f"{url}/close", "supervisor", {"reason": "无后续处理"}, "revoked"),
    ]


LIFE_LENGTH = len(life_steps("-", "-"))  # interactions per life; the bare twin takes as many


def resident_id_of(app_id: str) -> str:
    """A valid resident ID number (GB 11643 check digit) of each life's own applicant: the API
    refuses made-up ones."""
    n = int(hashlib.sha256(app_id.encode()).hexdigest(), 16)
    body = f"410411{date(1950, 1, 1) + timedelta(days=n % 20000):%Y%m%d}{n // 20000 % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


async def life(http: httpx.AsyncClient, tally: Tally, app_id: str) -> None:
    """One whole life; records it as ended, or why not."""
    applicant = resident_id_of(app_id)
    start = time.perf_counter()
    try:
        for n, (path, role, body, expected) in enumerate(life_steps(app_id, applicant)):
            if "served_at" in body:  # a notice served in person: now, by the receipt
                body = {**body, "served_at": datetime.now(timezone.utc).isoformat()}
            r = await send(http, tally, path, body, headers(role, applicant, key=f"{app_id}-{n}"))
            ok = r.status_code in (200, 201)
            if not ok or (expected and r.json()["status"] != expected):
                tally.failed[app_id] = f"{path}: {r.status_code} {r.text[:200]}"
                return
        final = r.json()
        if final["closed_at"] is None:
            tally.failed[app_id] = "closed, but not in the answer"
            return
        tally.lives.append(app_id)
        tally.seconds.append(time.perf_counter() - start)
    except (TimeoutError, httpx.HTTPError) as err:
        tally.failed[app_id] = repr(err)


async def drive(
    api: str, lives: int, concurrency: int, prefix: str | None = None, on_progress: Callable[[int], None] | None = None
) -> Tally:
    """`lives` whole lives, `concurrency` clients at once, against the API at `api`."""
    prefix = prefix or f"load-{uuid.uuid4().hex[:8]}"
    tally = Tally()
    ids = iter(f"{prefix}-{n}" for n in range(lives))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=api, timeout=60, limits=limits) as http:

        async def client() -> None:
            for app_id in ids:
                await life(http, tally, app_id)
                if on_progress:
                    on_progress(len(tally.lives) + len(tally.failed))

        await asyncio.gather(*(client() for _ in range(concurrency)))
    return tally
