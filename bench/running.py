"""Running workflows at scale: as many open cases as the machine makes in the time, each opened,
committed and approved over HTTP (so it waits on its verification and supervision timers), on
the stack `make run` starts. Reports the rate and each process's memory as the open cases grow,
and extrapolates the worker's memory to 10,000 open cases.

    python -m bench.running                    # 2,000 cases, 32 clients
    python -m bench.running --cases 500 --clients 16
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import httpx

from bench.backlog import after_matter, approve
from bench.lifecycle import Stack, children
from config import get_settings

GOAL_WORKER_MB = 500  # at 10,000 open cases (issue 26)


def rss_mb(pid: int) -> float:
    """Resident memory of one process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def open_cases(
    api: str, cases: int, clients: int, pids: dict[str, int], steps: int = 4
) -> list[tuple[int, float, dict[str, float]]]:
    """Open the cases in `steps` equal parts; after each, the count, the seconds so far and each
    process's memory."""
    matter, line, prefix = after_matter(), asyncio.Semaphore(clients), f"run{int(time.time()) % 100000}"
    readings, started, done = [], time.monotonic(), 0
    async with httpx.AsyncClient(base_url=api, timeout=120) as http:

        async def one(n: int) -> None:
            async with line:
                await approve(http, prefix, n, matter)

        for step in range(1, steps + 1):
            upto = cases * step // steps
            await asyncio.gather(*(one(n) for n in range(done, upto)))
            done = upto
            readings.append((done, time.monotonic() - started, {name: rss_mb(pid) for name, pid in pids.items()}))
    return readings


def worker_at(
    readings: list[tuple[int, float, dict[str, float]]], idle: float, cache: int, cases: int = 10_000
) -> tuple[float, str]:
    """The worker's memory at `cases` open cases, extrapolated along its growth past the workflow
    cache (it holds at most `cache` cases; past it, only what every case leaves behind grows);
    with too few readings past the cache, along the whole growth, an upper bound."""
    past = [(n, mb["worker"]) for n, _, mb in readings if n >= cache]
    if len(past) >= 2:
        (n0, mb0), (n1, mb1) = past[0], past[-1]
        return mb1 + (mb1 - mb0) / (n1 - n0) * (cases - n1), f"along the growth past its {cache:,}-case workflow cache"
    n1, mb1 = readings[-1][0], readings[-1][2]["worker"]
    return mb1 + (mb1 - idle) / n1 * (cases - n1), "along the whole growth (an upper bound: not enough cases past the cache)"


def report(readings: list[tuple[int, float, dict[str, float]]], idle: dict[str, float], cache: int) -> str:
    cases, seconds, _ = readings[-1]
    names = list(idle)
    lines = [
        f"{cases:,} open cases in {seconds:.0f} s: {cases / seconds:.1f} cases/s (open, commit, approve over HTTP); "
        f"10,000 would take about {10_000 / (cases / seconds) / 60:.0f} min",
        f"{'open cases':>12}" + "".join(f"{n + ' MB':>14}" for n in names),
        f"{0:>12}" + "".join(f"{idle[n]:>14.0f}" for n in names),
    ]
    lines += [f"{n:>12,}" + "".join(f"{mb[name]:>14.0f}" for name in names) for n, _, mb in readings]
    at, how = worker_at(readings, idle["worker"], cache)
    lines.append(f"worker at 10,000 open cases: about {at:.0f} MB, extrapolated {how} (goal under {GOAL_WORKER_MB} MB)")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", type=int, default=2000)
    p.add_argument("--clients", type=int, default=32)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as data:
        stack = Stack(Path(data))
        try:
            pids = children(stack.proc.pid)
            idle = {name: rss_mb(pid) for name, pid in pids.items()}
            readings = asyncio.run(open_cases(stack.api, args.cases, args.clients, pids))
            print(report(readings, idle, get_settings().workflow_cache_size))
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
