"""Faults, with real processes (`make run`'s stack: Temporal dev server, worker, API), never a mocked
Temporal. Each is reported as "<fault>: N tried, 0 lost":

1. kill -9 of the worker with ≥ 50 cases mid-life: every case completes, no credit record, letter
   or timeline entry doubled;
2. the API killed between starting a workflow and answering: the retried request finds the same case;
3. 50 identical and 50 conflicting concurrent actions on one case: exactly one applied, the others
   refused (or, with one Idempotency-Key, given the applied one's answer again);
4. 64 concurrent clients for CHAOS_SECONDS (default 45; `make chaos` runs longer): every request
   answered, no 5xx, /health fast throughout.

One stack serves the whole module (conftest.py); the faults run from the cheapest to the longest,
each first waiting for the stack to be serving again.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import os
import re
import signal
import threading
import time
from collections import Counter
from typing import Any

import httpx
import pytest

from activities.projection import workflow_id
from bench.load import Tally, drive, headers, life, life_steps, resident_id_of, send
from tests.chaos.support import (
    HealthPoller,
    cases,
    client,
    count,
    health_ok,
    not_once,
    query,
    report,
    resume,
    run,
    run_id,
)
from tests.support.processes import alive, eventually
from tests.support.stack import Watched, opening

pytestmark = pytest.mark.chaos

CHAOS_SECONDS = float(os.environ.get("CHAOS_SECONDS", "45"))
UPDATE_ACCEPTED = "EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED"
UPDATE_COMPLETED = "EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED"
DECISIONS = {
    "approve": {"approve": True, "reason": "符合法定条件，准予许可"},
    "reject": {"approve": False, "reason": "申请材料不符合法定条件，不予批准"},
}
Plan = list[tuple[str, str | None]]  # (decision, Idempotency-Key) per request
# the read model of a case decided once: its timeline, and whether its row is closed
DECIDED = {
    "approve": (["open", "notify", "credit", "commit", "approve", "credit", "sampling", "schedule"], False),
    "reject": (["open", "notify", "credit", "commit", "reject"], False),  # 办结 once the rejection is served
}


# ---- 3. concurrent identical and conflicting actions on one case ------------------------------


def reviewing_case(stack: Watched, app_id: str) -> None:
    """Open a case and commit to its matter: it awaits the caseworker's decision."""

    async def go() -> None:
        applicant, tally = resident_id_of(app_id), Tally()
        async with httpx.AsyncClient(base_url=stack.api, timeout=60) as http:
            for n, (path, role, body, expected) in enumerate(life_steps(app_id, applicant)[:2]):
                r = await send(http, tally, path, body, headers(role, applicant, key=f"{app_id}-{n}"))
                assert r.status_code in (200, 201) and r.json()["status"] == expected, (path, r.status_code, r.text)

    run(go)


def history_counts(stack: Watched, app_id: str) -> Counter[str]:
    r = httpx.get(f"{stack.api}/applications/{app_id}/history", headers=headers("auditor"), timeout=60)
    assert r.status_code == 200, r.text
    return Counter(e["eventType"] for e in r.json()["events"])


def decide_at_once(stack: Watched, app_id: str, plan: Plan, tally: Tally) -> list[tuple[str, int, Any]]:
    """Send every (decision, Idempotency-Key) of `plan` at the same moment, each on a connection of
    its own, each client as careful as bench.load's (a 503 retried after its Retry-After, a 504 or
    a dropped connection retried as it was): [(decision, final status, answer)], status 0 for a
    request never answered. Every answer, the retried ones too, is counted in `tally`."""

    async def go() -> list[tuple[str, int, Any]]:
        limits = httpx.Limits(max_connections=len(plan), max_keepalive_connections=len(plan))
        async with httpx.AsyncClient(base_url=stack.api, timeout=90, limits=limits) as http:

            async def one(decision: str, key: str | None) -> tuple[str, int, Any]:
                try:
                    r = await send(
                        http, tally, f"/applications/{app_id}/decision", DECISIONS[decision], headers("caseworker", key=key)
                    )
                except (TimeoutError, httpx.HTTPError) as err:
                    return decision, 0, repr(err)
                return decision, r.status_code, r.json()

            return await asyncio.gather(*(one(d, k) for d, k in plan))

    return run(go)


ROUNDS: list[tuple[str, Plan]] = [  # (label, 50 requests): two caseworkers' clients, interleaved
    ("50 identical approvals, no Idempotency-Key", [("approve", None)] * 50),
    ("50 identical approvals, one Idempotency-Key", [("approve", "same-approval")] * 50),
    ("50 conflicting decisions (25 approve, 25 reject), no Idempotency-Key", [("approve", None), ("reject", None)] * 25),
    ("50 conflicting decisions (25 approve, 25 reject), a key each", [("approve", "key-approve"), ("reject", "key-reject")] * 25),
]


@pytest.mark.parametrize("n", range(len(ROUNDS)), ids=["identical", "identical-keyed", "conflicting", "conflicting-keyed"])
def test_concurrent_actions_on_one_case_apply_exactly_once(serving: Watched, n: int) -> None:
    stack, (label, plan) = serving, ROUNDS[n]
    app_id = f"chaos-decide-{n}-{int(time.time())}"
    reviewing_case(stack, app_id)
    before = history_counts(stack, app_id)

    tally = Tally()
    answers = decide_at_once(stack, app_id, plan, tally)
    after = history_counts(stack, app_id)

    applied = [(d, body) for d, status, body in answers if status == 200]
    refused = [d for d, status, _ in answers if status == 409]
    other = [(d, status, body) for d, status, body in answers if status not in (200, 409)]
    winners = sorted({d for d, _ in applied})
    # with a key, every request of the applied action is given its answer; without, one is answered
    keyed = all(k is not None for _, k in plan)
    expected = sum(1 for d, _ in plan if d in winners) if keyed else 1
    gained = {k: after[k] - before[k] for k in (UPDATE_ACCEPTED, UPDATE_COMPLETED)}
    timeline = [a for (a,) in query(stack, "SELECT action FROM caseevent WHERE application_id = ? ORDER BY seq", [app_id])]
    row = query(stack, "SELECT status, closed_at FROM application WHERE application_id = ?", [app_id])
    line = (
        f"{label}: {len(plan)} tried, {len(other)} lost "
        f"({gained[UPDATE_ACCEPTED]} applied: {'/'.join(winners) or 'none'}; {max(len(applied) - 1, 0)} given its answer "
        f"again; {len(refused)} refused 409; {tally.server_errors} answers 503/504 retried)"
    )
    assert not other, f"{line}\nnever answered: {other[:5]}"
    assert len(winners) == 1 and len(applied) == expected and len(refused) == len(plan) - expected, (
        f"{line}\nstatuses by decision: {Counter((d, s) for d, s, _ in answers)}"
    )
    assert len({repr(body) for _, body in applied}) == 1, f"{label}: the applied action answered differently: {applied[:3]}"
    assert applied[0][1]["status"] == {"approve": "approved", "reject": "rejected"}[winners[0]], applied[0][1]
    # history gained exactly one accepted (and completed) Update: the refused ones never got there
    assert gained == {UPDATE_ACCEPTED: 1, UPDATE_COMPLETED: 1}, f"{line}\nhistory gained {gained}"
    assert after["EVENT_TYPE_WORKFLOW_TASK_FAILED"] == 0, after
    # and the read model holds the applied action, only it: its timeline, its status, closed or not
    decided, closed = DECIDED[winners[0]]
    assert timeline == decided and [(r[0], r[1] is not None) for r in row] == [(applied[0][1]["status"], closed)], (
        f"{line}\nthe read model disagrees with the history and the answers: timeline {timeline}, row {row}"
    )
    report(line)


# ---- 2. the API killed between starting a workflow and answering ------------------------------

API_KILLS, CASES_PER_KILL = 2, 3


def open_once(stack: Watched, app_id: str, outcome: dict[str, str]) -> None:
    """One opening POST, no retry: what became of it."""
    try:
        r = httpx.post(f"{stack.api}/applications", json=opening(app_id), headers=headers("caseworker"), timeout=90)
        outcome[app_id] = f"answered {r.status_code}"
    except httpx.TransportError as err:
        outcome[app_id] = f"no answer ({type(err).__name__})"


def open_until_answered(stack: Watched, app_id: str, within: float = 120) -> httpx.Response | None:
    """The same opening POST again, as a client does after losing its answer (past 503/504 and a
    restarting API)."""
    end = time.monotonic() + within
    while time.monotonic() < end:
        try:
            r = httpx.post(f"{stack.api}/applications", json=opening(app_id), headers=headers("caseworker"), timeout=60)
            if r.status_code not in (503, 504):
                return r
        except httpx.TransportError:
            pass
        time.sleep(1)
    return None


def kill_api_mid_opening(stack: Watched, ids: list[str]) -> tuple[dict[str, str | None], dict[str, str], float]:
    """Open `ids` while the worker is frozen (their first Update cannot be answered); once Temporal
    has every workflow, kill -9 the API and wait for the supervisor to bring it back. Returns each
    workflow's run id, what became of each first request, and how long the API was gone."""
    worker, api, apis = stack.pids("worker")[-1], stack.pids("api")[-1], len(stack.pids("api"))
    first: dict[str, str] = {}
    posts = [threading.Thread(target=open_once, args=(stack, app_id, first), daemon=True) for app_id in ids]
    os.kill(worker, signal.SIGSTOP)
    try:
        for t in posts:
            t.start()
        assert eventually(lambda: all(run_id(stack, workflow_id(a)) for a in ids), 60, 0.5), (
            f"the workflows were not started: {[a for a in ids if not run_id(stack, workflow_id(a))]}"
        )
        runs = {a: run_id(stack, workflow_id(a)) for a in ids}
        assert all(t.is_alive() for t in posts), f"answered before the kill: {first}"
        killed = time.monotonic()
        os.kill(api, signal.SIGKILL)
        assert eventually(lambda: len(stack.pids("api")) > apis and health_ok(stack), 60, 0.3), stack.out[-2000:]
        took = time.monotonic() - killed
    finally:
        resume(worker)
    for t in posts:
        t.join(30)
    assert not alive(api)
    return runs, first, took


@pytest.mark.timeout(300)
def test_the_api_killed_between_starting_a_workflow_and_answering(serving: Watched) -> None:
    stack, tried, lost, took = serving, 0, {}, []
    for kill in range(API_KILLS):
        ids = [f"chaos-apikill-{kill}-{i}-{int(time.time())}" for i in range(CASES_PER_KILL)]
        runs, first, gone = kill_api_mid_opening(stack, ids)
        took.append(gone)
        assert all(first.get(a, "").startswith("no answer") for a in ids), f"the first requests were answered: {first}"

        for app_id in ids:
            tried += 1
            wf = workflow_id(app_id)
            r = open_until_answered(stack, app_id)
            problems = []
            if r is None or r.status_code not in (200, 201) or r.json()["workflow_id"] != wf or r.json()["status"] != "notified":
                problems.append(f"retry answered {r.status_code if r else 'nothing'}: {r.text[:300] if r else ''}")
            executions = count(stack, f'WorkflowId = "{wf}"')
            if executions != 1 or run_id(stack, wf) != runs[app_id]:
                problems.append(f"{executions} workflows by id {wf}, run {run_id(stack, wf)} (was {runs[app_id]})")
            timeline = [
                a for (a,) in query(stack, "SELECT action FROM caseevent WHERE application_id = ? ORDER BY seq", [app_id])
            ]
            letters = query(stack, "SELECT count(*) FROM letter WHERE application_id = ?", [app_id])[0][0]
            if timeline != ["open", "notify", "credit"] or letters != 1:
                problems.append(f"timeline {timeline}, {letters} letters")
            if problems:
                lost[app_id] = "; ".join(problems)
    back_off = re.findall(r"api 意外退出 / exited \(code -9\)[^\n]*restarting in (\S+) s", stack.out)[-API_KILLS:]
    line = (
        f"API killed between starting a workflow and answering: {tried} tried, {len(lost)} lost "
        f"({API_KILLS} kill -9 × {CASES_PER_KILL} cases in flight; API serving again after "
        f"{', '.join(f'{s:.1f}' for s in took)} s, back-off {', '.join(back_off)} s)"
    )
    assert not lost, f"{line}: {lost}"
    report(line)


# ---- 1. kill -9 of the worker with ≥ 50 cases mid-life ----------------------------------------

# ≥ 50 mid-life at once needs ≥ 50 clients (a client drives one life at a time), and more lives than
# clients keeps them all busy until the kill, however long the first lives take
LIVES, CLIENTS, MID_LIFE, SPREAD = 96, 64, 50, 16


@pytest.mark.timeout(420)
def test_kill_9_of_the_worker_with_50_cases_mid_life(serving: Watched) -> None:
    """Mid-life: the case's workflow is running (started, not closed), whether its opening is still
    being answered or it is further on. The kill waits until ≥ 50 are, and ≥ 16 of them are past
    their opening (so the worker dies with cases at every step, not only openings)."""
    stack, prefix = serving, f"chaos-kill9-{int(time.time())}"
    worker, workers = stack.pids("worker")[-1], len(stack.pids("worker"))
    ours = f'WorkflowId STARTS_WITH "{workflow_id(prefix)}-"'
    running = f'{ours} AND ExecutionStatus = "Running"'
    at_kill: Counter[str] = Counter()  # the cases mid-life at the kill, by status in the read model
    running_at_kill = [0]  # Temporal's count of them

    async def scenario() -> Tally:
        temporal = await client(stack)
        load = asyncio.create_task(drive(stack.api, LIVES, CLIENTS, prefix=prefix))
        give_up = time.monotonic() + 120
        while not load.done() and time.monotonic() < give_up:
            running_at_kill[0] = mid = (await temporal.count_workflows(running)).count
            rows = await asyncio.to_thread(cases, stack, f"{prefix}-")
            at_kill.clear()
            at_kill.update(status for _, status, closed in rows if closed is None)
            at_kill["opening"] = max(mid - sum(at_kill.values()), 0)  # started, first answer not yet projected
            if mid >= MID_LIFE and sum(n for status, n in at_kill.items() if status not in ("opening", "notified")) >= SPREAD:
                break
            await asyncio.sleep(0.2)
        os.kill(worker, signal.SIGKILL)
        return await load

    started = time.monotonic()
    tally = run(scenario)
    took = time.monotonic() - started
    mid_life = running_at_kill[0]
    assert mid_life >= MID_LIFE, (
        f"only {dict(at_kill)} mid-life when the worker was killed ({took:.0f} s; lives ended {len(tally.lives)}, "
        f"answers {dict(tally.codes)}, failed {dict(itertools.islice(tally.failed.items(), 3))})"
    )
    assert not alive(worker) and alive(stack.pid("worker", workers + 1, within=30)), stack.out[-2000:]

    ids = [f"{prefix}-{n}" for n in range(LIVES)]
    lost = {a: tally.failed.get(a, "not driven to its end") for a in ids if a not in tally.lives}
    doubled = not_once(stack, ids)
    line = (
        f"kill -9 of the worker with {mid_life} cases mid-life ({dict(at_kill.most_common())}): "
        f"{LIVES} tried, {len(lost)} lost, {len(doubled)} with a record not exactly once "
        f"({took:.0f} s at {CLIENTS} clients; answers {dict(sorted(tally.codes.items()))})"
    )
    assert not lost, f"{line}\n{dict(itertools.islice(lost.items(), 5))}"
    assert not doubled, f"{line}\n{dict(itertools.islice(doubled.items(), 5))}"

    # Temporal: one execution per case, each completed, none left running
    assert eventually(lambda: count(stack, running) == 0, 60, 1), f"{count(stack, running)} workflows still running"
    assert count(stack, ours) == LIVES and count(stack, f'{ours} AND ExecutionStatus = "Completed"') == LIVES
    report(line)


# ---- 4. 64 concurrent clients for a while ----------------------------------------------------

SOAK_CLIENTS, HEALTH_BOUND = 64, 2.0


@pytest.mark.timeout(int(CHAOS_SECONDS) + 240)
def test_64_concurrent_clients_for_a_while(serving: Watched) -> None:
    stack, prefix, tally, started = serving, f"chaos-soak-{int(time.time())}", Tally(), []

    async def load() -> None:
        end, ids = time.monotonic() + CHAOS_SECONDS, (f"{prefix}-{n}" for n in itertools.count())
        limits = httpx.Limits(max_connections=SOAK_CLIENTS, max_keepalive_connections=SOAK_CLIENTS)
        async with httpx.AsyncClient(base_url=stack.api, timeout=60, limits=limits) as http:

            async def client() -> None:
                while time.monotonic() < end:  # a life begun is driven to its end
                    app_id = next(ids)
                    started.append(app_id)
                    await life(http, tally, app_id)

            await asyncio.gather(*(client() for _ in range(SOAK_CLIENTS)))

    begun = time.monotonic()
    # the suite's heap so far left out of the load's garbage collections: a full collection over
    # it would pause this process (the poller's thread too) for seconds, a pause of the test's own
    gc.collect()
    gc.freeze()
    try:
        with HealthPoller(stack.api) as health:
            run(load)
    finally:
        gc.unfreeze()
    took = time.monotonic() - begun

    lost = {a: tally.failed.get(a, "not driven to its end") for a in started if a not in tally.lives}
    requests = sum(tally.codes.values()) + tally.transport_errors
    unanswered = {code: n for code, n in tally.codes.items() if code not in (200, 201)}
    line = (
        f"{SOAK_CLIENTS} concurrent clients for {CHAOS_SECONDS:.0f} s: {len(started)} lives tried, {len(lost)} lost; "
        f"{requests} requests, {tally.server_errors} 5xx, {tally.transport_errors} transport errors; "
        f"/health max {health.slowest:.2f} s over {len(health.samples)} polls ({took:.0f} s in all)"
    )
    assert not lost, f"{line}\n{dict(itertools.islice(lost.items(), 5))}"
    assert tally.server_errors == 0 and tally.transport_errors == 0 and not unanswered, f"{line}\n{unanswered}"
    assert health.failed == 0 and health.slowest < HEALTH_BOUND, line
    assert len(health.samples) >= CHAOS_SECONDS and health.longest_gap < HEALTH_BOUND + 1, (
        f"{line}: /health was not polled throughout (longest gap {health.longest_gap:.1f} s)"
    )
    doubled = not_once(stack, started)
    assert not doubled, f"{line}\n{dict(itertools.islice(doubled.items(), 5))}"
    report(line)
