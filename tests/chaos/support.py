"""What the fault tests share: the figures they report, the read model and Temporal as the
stack under test holds them, and the check that a whole life left each record exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import httpx
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from tests.support.processes import alive, eventually
from tests.support.stack import Watched
from workflows import DATA_CONVERTER

T = TypeVar("T")

FIGURES: list[str] = []  # "<fault>: N tried, 0 lost" lines, shown in pytest's summary (conftest.py)

# A life as bench.load drives it (open → commit → approve → complaint → untrue → revoke, each
# notice served at the window), in
# the timeline's words; "schedule" appears when the approval computed a due date; "credit" is
# the grade at opening and at approval.
LIFE_ACTIONS = [
    "open",
    "notify",
    "credit",
    "commit",
    "approve",
    "credit",
    "sampling",
    "schedule",
    "served",  # the approval, at the window
    "complaint",
    "verify",
    "propose_revoke",
    "served",  # the proposal: the statement period from service
    "statement_period",
    "statement",
    "revoke",
    "served",  # the revocation
    "close_follow_up",
    "close",
]
OPTIONAL_ACTIONS = {"schedule"}
LIFE_CREDITS = ["revoked"]


def report(line: str) -> str:
    """Keep a figure for the summary and print it now (seen with `pytest -s` / `make chaos`)."""
    FIGURES.append(line)
    sys.stdout.write(f"\n[chaos] {line}\n")
    sys.stdout.flush()
    return line


def run(make: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine on an event loop of its own, in a thread of its own: the test's thread
    keeps whatever event loop pytest-asyncio set for it."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()  # type: ignore[arg-type]


# ---- Temporal -------------------------------------------------------------------------------


async def client(stack: Watched) -> Client:
    return await Client.connect(f"127.0.0.1:{stack.ports[0]}", data_converter=DATA_CONVERTER)


def count(stack: Watched, query: str) -> int:
    async def go() -> int:
        return (await (await client(stack)).count_workflows(query)).count

    return run(go)


def run_id(stack: Watched, workflow_id: str) -> str | None:
    """The run id of the workflow, or None if Temporal has none by that id."""

    async def go() -> str | None:
        try:
            return (await (await client(stack)).get_workflow_handle(workflow_id).describe()).run_id
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:
                return None
            raise

    return run(go)


# ---- the read model -------------------------------------------------------------------------


def query(stack: Watched, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
    """Read the stack's SQLite read model (WAL: this never makes a writer wait)."""
    db = sqlite3.connect(f"file:{stack.data / 'chengnuo.db'}?mode=ro", uri=True, timeout=30)
    try:
        return db.execute(sql, tuple(params)).fetchall()
    finally:
        db.close()


def cases(stack: Watched, prefix: str) -> list[tuple[str, str, str | None]]:
    """(application_id, status, closed_at) of every case whose id starts with `prefix`."""
    rows = query(stack, "SELECT application_id, status, closed_at FROM application")
    return [r for r in rows if r[0].startswith(prefix)]


def not_once(stack: Watched, ids: list[str]) -> dict[str, str]:
    """Each case's records that are not there exactly once, by case: the letter, the credit
    record, the timeline's actions in order with no gap in its numbering; the case revoked and
    closed. Empty when every life left each record exactly once."""
    wanted = set(ids)
    letters = Counter(r[0] for r in query(stack, "SELECT application_id FROM letter") if r[0] in wanted)
    credits: dict[str, list[str]] = defaultdict(list)
    for app, kind in query(stack, "SELECT application_id, kind FROM creditrecord"):
        if app in wanted:
            credits[app].append(kind)
    timeline: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for app, seq, action in query(stack, "SELECT application_id, seq, action FROM caseevent ORDER BY application_id, seq"):
        if app in wanted:
            timeline[app].append((seq, action))
    rows = {r[0]: r for r in cases(stack, "") if r[0] in wanted}

    problems: dict[str, str] = {}
    for app in ids:
        found = []
        if letters[app] != 1:
            found.append(f"{letters[app]} letters")
        if sorted(credits[app]) != LIFE_CREDITS:
            found.append(f"credit records {sorted(credits[app])}")
        seqs = [s for s, _ in timeline[app]]
        actions = [a for _, a in timeline[app]]
        expected = [a for a in LIFE_ACTIONS if a not in OPTIONAL_ACTIONS or a in actions]
        if actions != expected or seqs != list(range(1, len(seqs) + 1)):
            found.append(f"timeline {list(zip(seqs, actions, strict=True))}")
        row = rows.get(app)
        if row is None or row[1] != "revoked" or row[2] is None:
            found.append(f"row {row}")
        if found:
            problems[app] = "; ".join(found)
    return problems


# ---- the stack ------------------------------------------------------------------------------


def health_ok(stack: Watched) -> bool:
    try:
        return httpx.get(f"{stack.api}/health", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def ready(stack: Watched, within: float = 60) -> None:
    """The API answers and the newest worker runs (not stopped, not dead)."""
    worker = stack.pids("worker")[-1]
    resume(worker)
    assert eventually(lambda: health_ok(stack) and alive(stack.pids("worker")[-1]), within, 0.3), (
        f"the stack is not serving:\n{stack.out[-3000:]}"
    )


def resume(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGCONT)
    except ProcessLookupError:
        pass


class HealthPoller:
    """GET /health every `every` seconds from a thread of its own (its own connection, its own
    clock: the load's event loop cannot delay it), recording (when, seconds, status) per poll."""

    def __init__(self, api: str, every: float = 0.5) -> None:
        self.api, self.every = api, every
        self.samples: list[tuple[float, float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self) -> HealthPoller:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(30)

    def _poll(self) -> None:
        with httpx.Client(base_url=self.api, timeout=10) as http:
            while not self._stop.is_set():
                start = time.monotonic()
                try:
                    status = http.get("/health").status_code
                except httpx.HTTPError:
                    status = 0
                self.samples.append((start, time.monotonic() - start, status))
                self._stop.wait(self.every)

    @property
    def slowest(self) -> float:
        return max((s for _, s, _ in self.samples), default=0.0)

    @property
    def failed(self) -> int:
        return sum(1 for _, _, status in self.samples if status != 200)

    @property
    def longest_gap(self) -> float:
        """The longest time between two polls' starts: the poller kept polling throughout."""
        times = [at for at, _, _ in self.samples]
        return max((b - a for a, b in zip(times, times[1:], strict=False)), default=float("inf"))
