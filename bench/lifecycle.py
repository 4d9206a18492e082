"""`make bench`: whole lives over HTTP on Chengnuo against the same lives on the bare engine.

Both run in one run against one Temporal dev server: Chengnuo as `make run` starts it (the
Temporal dev server, the worker and the API, each a process of its own) driven over HTTP by
`bench.load`; the twin is a bare workflow (`bench.bare`, its worker a process of its own) taking
as many Updates straight from a Temporal client, with the same number of clients. The
figures are ratios within the run, never promises in seconds. The phases alternate (bare,
Chengnuo, bare, Chengnuo …) so a machine that slows down mid-run weighs on both alike.

    make bench                                   # 128 lives each, 32 clients, 2 rounds
    make bench ARGS="--lives 256 --concurrency 64 --rounds 3"
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from temporalio.client import Client, WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy

from bench.bare import STEPS, BareWorkflow
from bench.load import LIFE_LENGTH, drive
from bench.ports import free_port
from workflows import DATA_CONVERTER

ROOT = Path(__file__).resolve().parent.parent
assert STEPS == LIFE_LENGTH, "the bare twin takes as many Updates as a life has interactions"
GOAL_RATE, GOAL_EVENTS = 0.8, 2.0  # issue 14: lives/s ≥ 0.8× the twin's, events ≤ 2× the twin's


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> dict[str, int]:
    """The processes `pid` started, by a short name from their command line."""
    found = {}
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                cmd = (entry / "cmdline").read_bytes().decode(errors="replace")
                name = (
                    "temporal" if "start-dev" in cmd else "worker" if "worker.py" in cmd else "api" if "uvicorn" in cmd else None
                )
                if name:
                    found[name] = int(entry.name)
        except (OSError, IndexError):
            continue
    return found


@dataclass
class Phase:
    lives: int = 0
    seconds: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)  # process -> CPU seconds spent in this phase
    ids: list[str] = field(default_factory=list)
    events: list[int] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.lives / self.seconds if self.seconds else 0.0


class Stack:
    """`scripts/run_dev.py` (what `make run` starts) in a temporary data dir, on free ports."""

    def __init__(self, data: Path) -> None:
        self.api_port, self.temporal_port = free_port(), free_port()
        self.api = f"http://127.0.0.1:{self.api_port}"
        self.address = f"127.0.0.1:{self.temporal_port}"
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "scripts/run_dev.py",
                "--headless",
                "--data-dir",
                str(data),
                "--api-port",
                str(self.api_port),
                "--temporal-port",
                str(self.temporal_port),
            ],
            # the clients share one address, standing for many sources: no per-source complaint limit
            cwd=ROOT,
            env=os.environ | {"CHENGNUO_ENV": "development", "COMPLAINT_RATE_PER_SOURCE": "0/60"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        end = time.monotonic() + 120
        while time.monotonic() < end:
            try:
                if httpx.get(f"{self.api}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("the stack did not come up")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class Meter:
    """CPU seconds each process of the run spends while a phase runs."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids

    def read(self) -> dict[str, float]:
        return {name: cpu_seconds(pid) for name, pid in self.pids.items()} | {"bench client": time.process_time()}

    def add(self, phase: Phase, before: dict[str, float]) -> None:
        for name, value in self.read().items():
            phase.cpu[name] = phase.cpu.get(name, 0.0) + value - before[name]


async def bare_lives(client: Client, queue: str, lives: int, concurrency: int, phase: Phase) -> None:
    ids = iter(f"bare-{uuid.uuid4().hex[:12]}" for _ in range(lives))

    async def one_client() -> None:
        for wf_id in ids:
            start = WithStartWorkflowOperation(
                BareWorkflow.run, id=wf_id, task_queue=queue, id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING
            )
            await client.execute_update_with_start_workflow(BareWorkflow.step, 0, start_workflow_operation=start)
            handle = await start.workflow_handle()
            for n in range(1, STEPS):
                await handle.execute_update(BareWorkflow.step, n)
            await handle.result()
            phase.ids.append(wf_id)

    t = time.perf_counter()
    await asyncio.gather(*(one_client() for _ in range(concurrency)))
    phase.seconds += time.perf_counter() - t
    phase.lives += lives


async def chengnuo_lives(api: str, lives: int, concurrency: int, phase: Phase) -> None:
    t = time.perf_counter()
    tally = await drive(api, lives, concurrency)
    phase.seconds += time.perf_counter() - t
    if tally.failed or tally.server_errors:
        raise RuntimeError(f"lives failed: {list(tally.failed.items())[:3]}, answers {dict(tally.codes)}")
    phase.lives += len(tally.lives)
    phase.ids += [f"application-{i}" for i in tally.lives]


async def histories(client: Client, phase: Phase, sample: int = 20) -> None:
    for wf_id in phase.ids[:sample]:
        history = await client.get_workflow_handle(wf_id).fetch_history()
        phase.events.append(len(history.events))
        phase.sizes.append(len(history.to_json()))


def report(bare: Phase, ours: Phase, concurrency: int) -> str:
    def row(name: str, p: Phase) -> str:
        return (
            f"{name:<10} {p.lives:6d} {p.seconds:8.1f} {p.rate:8.2f} {statistics.mean(p.events):8.1f} "
            f"{statistics.mean(p.sizes) / 1024:9.1f}"
        )

    def cpu(p: Phase) -> str:
        return ", ".join(
            f"{name} {seconds * 1000 / p.lives:.0f}" for name, seconds in sorted(p.cpu.items()) if seconds > 0.005 * p.lives
        )

    rate = ours.rate / bare.rate
    events = statistics.mean(ours.events) / statistics.mean(bare.events)
    size = statistics.mean(ours.sizes) / statistics.mean(bare.sizes)
    return "\n".join(
        [
            f"\nwhole lives, {concurrency} clients at once, {STEPS} interactions per life, one dev server",
            "chengnuo: over HTTP (API → Temporal → worker, read model on SQLite); bare: Temporal client → bare workflow\n",
            f"{'':<10} {'lives':>6} {'seconds':>8} {'lives/s':>8} {'events':>8} {'hist KiB':>9}",
            row("bare", bare),
            row("chengnuo", ours),
            f"\nratio chengnuo/bare: lives/s {rate:.2f}x (goal ≥ {GOAL_RATE}x), history events {events:.2f}x "
            f"(goal ≤ {GOAL_EVENTS}x), history bytes {size:.2f}x",
            "\nCPU ms per life, by process (2 cores shared by all of them):",
            f"  bare:     {cpu(bare)}",
            f"  chengnuo: {cpu(ours)}",
        ]
    )


async def main(lives: int, concurrency: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack(Path(tmp) / "data")
        queue = f"bench-bare-{uuid.uuid4().hex[:8]}"
        bare_worker = subprocess.Popen([sys.executable, "-m", "bench.bare", stack.address, queue], cwd=ROOT)
        try:
            client = await Client.connect(stack.address, data_converter=DATA_CONVERTER)
            warm_bare, warm_ours = Phase(), Phase()
            await bare_lives(client, queue, concurrency, concurrency, warm_bare)
            await chengnuo_lives(stack.api, concurrency, concurrency, warm_ours)
            bare, ours = Phase(), Phase()
            meter = Meter(children(stack.proc.pid) | {"bare worker": bare_worker.pid})
            for _ in range(rounds):
                before = meter.read()
                await bare_lives(client, queue, lives, concurrency, bare)
                meter.add(bare, before)
                before = meter.read()
                await chengnuo_lives(stack.api, lives, concurrency, ours)
                meter.add(ours, before)
            await histories(client, bare)
            await histories(client, ours)
        finally:
            bare_worker.terminate()
            bare_worker.wait(10)
            stack.stop()
    print(report(bare, ours, concurrency))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lives", type=int, default=128, help="lives per phase and round, for each side")
    parser.add_argument("--concurrency", type=int, default=32, help="clients at once")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    asyncio.run(main(args.lives, args.concurrency, args.rounds))
