"""`make bench`: one application's life on Chengnuo against the same interactions on the bare engine.

Both run in one process against one real Temporal dev server (in memory), so the figures are
ratios within a run, not absolute promises. The life: open, commit, decide, complaint, untrue
verification, revocation — six Updates to a final state. The baseline is a workflow that takes
the same six Updates and does nothing else (no activities, no read model).

    make bench               # 40 lives each, 8 at a time
    make bench ARGS="--lives 200 --concurrency 20"
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.projection import workflow_id
from bench.bare import STEPS, BareWorkflow
from db.migrate import init_db
from db.session import make_engine
from worker import build_worker
from workflows.application import ApplicationWorkflow as W
from workflows.types import (
    Actor,
    Applicant,
    CommitInput,
    ComplaintInput,
    DecisionInput,
    DispositionAction,
    DispositionInput,
    OpenApplicationInput,
    Role,
    VerificationInput,
)

MATTER = "ZHQ-SJ-001"  # after-decision verification, from the starter catalogue


@dataclass
class Figures:
    name: str
    seconds: list[float]
    events: list[int]
    history_bytes: list[int]

    def row(self) -> str:
        med = statistics.median(self.seconds) * 1000
        p95 = sorted(self.seconds)[int(len(self.seconds) * 0.95) - 1] * 1000
        return (f"{self.name:<10} {med:8.1f} {p95:8.1f} {statistics.mean(self.events):8.0f} "
                f"{statistics.mean(self.history_bytes) / 1024:9.1f}")


async def bare_life(client: Client, queue: str) -> str:
    handle = await client.start_workflow(BareWorkflow.run, id=f"bare-{uuid.uuid4()}", task_queue=queue)
    for n in range(STEPS - 1):  # the start itself is the first interaction
        await handle.execute_update(BareWorkflow.step, n)
    await handle.result()
    return handle.id


async def chengnuo_life(client: Client, queue: str) -> str:
    app_id = f"bench-{uuid.uuid4().hex[:12]}"
    who = Actor("bench-cw", Role.caseworker)
    handle = await client.start_workflow(
        W.run,
        OpenApplicationInput(app_id, Applicant(f"p-{app_id}", "压测申请人", "person"), "压测事项", [MATTER], who, 1.0),
        id=workflow_id(app_id),
        task_queue=queue,
    )
    await handle.execute_update(W.opened)
    await handle.execute_update(W.commit, CommitInput(Actor(f"p-{app_id}", Role.applicant), MATTER))
    await handle.execute_update(W.decide, DecisionInput(who, True, "准予"))
    await handle.execute_update(W.complain, ComplaintInput(Actor("bench-pub", Role.public), "举报"))
    await handle.execute_update(W.record_verification, VerificationInput(Actor("bench-vf", Role.verifier), MATTER, False, "不实"))
    await handle.execute_update(W.dispose, DispositionInput(Actor("bench-sv", Role.supervisor), DispositionAction.revoke, "撤销"))
    await handle.result()
    return handle.id


async def measure(name: str, client: Client, life: Callable[[Client, str], Awaitable[str]], queue: str,
                  lives: int, concurrency: int) -> Figures:
    gate = asyncio.Semaphore(concurrency)
    seconds: list[float] = []
    ids: list[str] = []

    async def one() -> None:
        async with gate:
            start = time.perf_counter()
            ids.append(await life(client, queue))
            seconds.append(time.perf_counter() - start)

    await asyncio.gather(*(one() for _ in range(lives)))
    events, sizes = [], []
    for wf_id in ids[:20]:
        history = await client.get_workflow_handle(wf_id).fetch_history()
        events.append(len(history.events))
        sizes.append(len(history.to_json()))
    return Figures(name, seconds, events, sizes)


async def main(lives: int, concurrency: int) -> None:
    temporal = Path(sys.executable).parent / "temporal"
    async with await WorkflowEnvironment.start_local(dev_server_existing_path=str(temporal)) as env:
        with tempfile.TemporaryDirectory() as tmp:
            engine = make_engine(f"sqlite:///{tmp}/bench.db")
            init_db(engine)
            queue = f"bench-{uuid.uuid4()}"
            async with build_worker(env.client, engine, queue), Worker(env.client, task_queue=f"{queue}-bare", workflows=[BareWorkflow]):
                await bare_life(env.client, f"{queue}-bare")  # warm up both
                await chengnuo_life(env.client, queue)
                t0 = time.perf_counter()
                bare = await measure("bare", env.client, bare_life, f"{queue}-bare", lives, concurrency)
                t1 = time.perf_counter()
                ours = await measure("chengnuo", env.client, chengnuo_life, queue, lives, concurrency)
                t2 = time.perf_counter()
    print(f"\n{lives} lives each, {concurrency} at a time, {STEPS} interactions per life, one dev server\n")
    print(f"{'':<10} {'med ms':>8} {'p95 ms':>8} {'events':>8} {'hist KiB':>9}")
    print(bare.row())
    print(ours.row())
    ratio = statistics.median(ours.seconds) / statistics.median(bare.seconds)
    throughput = (t2 - t1) / (t1 - t0)
    print(f"\nratio chengnuo/bare: latency per life {ratio:.2f}x, wall time for all lives {throughput:.2f}x, "
          f"history events {statistics.mean(ours.events) / statistics.mean(bare.events):.1f}x")
    print(f"worst history here: {max(ours.events)} events ({max(ours.history_bytes) / 1024:.0f} KiB); "
          f"Temporal warns at 10,240 events / 10 MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lives", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    asyncio.run(main(args.lives, args.concurrency))
