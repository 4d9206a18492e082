"""`make bench` (second part): how fast today's code replays recorded histories.

The set is the suite's recorded histories (tests/workflows/histories, encrypted with the tests'
key or plain), each copied `--copies` times into a temporary directory. Three figures, each in
histories per second, reading the JSON files included:

- temporalio's plain Replayer in one process, as tests/workflows/test_replay_recorded.py does it:
  `WorkflowHistory.from_json` then `worker.replayer(converter).replay_workflow` per history
  (on the first `--plain-copies` copies of the set: the same mix, fewer of them);
- `chengnuo audit replay DIR --processes 1` and `--processes N` (default: the CPU count), run as
  the command an auditor runs; the rate is the one it prints (first replay process started to
  last result), and beside it the whole command's, interpreter start and imports included.

    python -m bench.replay                           # 12 copies, the CPU count of processes
    python -m bench.replay --copies 20 --processes 4
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from temporalio.client import WorkflowHistory

from tests.support.factories import CONVERTER, TEST_KEYRING
from worker import replayer

ROOT = Path(__file__).resolve().parent.parent
RECORDED = ROOT / "tests" / "workflows" / "histories"
GOAL = 33.0  # histories/s on 2 cores (issue 17)


def copy_set(target: Path, copies: int) -> list[Path]:
    files = []
    for n in range(copies):
        for src in sorted(RECORDED.glob("*.json")):
            dst = target / f"{src.stem}--{n:03d}.json"
            shutil.copyfile(src, dst)
            files.append(dst)
    return files


async def plain(files: list[Path]) -> float:
    """histories/s of the plain Replayer: from_json + replay_workflow, one process."""
    replay = replayer(CONVERTER)
    await replay.replay_workflow(WorkflowHistory.from_json("warm-up", files[0].read_text(encoding="utf-8")))
    started = time.perf_counter()
    for f in files:
        history = WorkflowHistory.from_json(f.stem, f.read_text(encoding="utf-8"))
        result = await replay.replay_workflow(history, raise_on_replay_failure=False)
        assert result.replay_failure is None, (f.name, result.replay_failure)
    return len(files) / (time.perf_counter() - started)


def command(directory: Path, processes: int, count: int) -> tuple[float, float]:
    """(the rate `chengnuo audit replay` prints, the rate of the whole command)."""
    env = os.environ | {
        "PAYLOAD_KEYS": json.dumps({k: base64.b64encode(v).decode() for k, v in TEST_KEYRING.keys.items()}),
        "COLUMNS": "200",
    }
    started = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "cli", "audit", "replay", str(directory), "--processes", str(processes)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    took = time.perf_counter() - started
    if run.returncode != 0:
        raise SystemExit(f"audit replay failed ({run.returncode}):\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}")
    said = re.search(r"(\d+) histories replayed in [\d.]+ s \(([\d.]+)/s", run.stdout)
    assert said and int(said.group(1)) == count, run.stdout[-2000:]
    return float(said.group(2)), count / took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=12, help="copies of the recorded set (default 12)")
    parser.add_argument("--plain-copies", type=int, default=3, help="copies the plain Replayer replays (default 3)")
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1, help="audit replay processes (default: CPU count)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="chengnuo-replay-bench-") as tmp:
        files = copy_set(Path(tmp), args.copies)
        originals = len(files) // args.copies
        print(
            f"replay bench: {len(files)} histories ({originals} recorded × {args.copies}), {os.cpu_count()} CPUs, "
            f"load average {os.getloadavg()[0]:.1f}"
        )
        base = asyncio.run(plain(files[: originals * min(args.plain_copies, args.copies)]))
        print(f"  temporalio Replayer, 1 process (from_json + replay_workflow): {base:6.1f} histories/s")
        one, one_all = command(Path(tmp), 1, len(files))
        print(f"  chengnuo audit replay, 1 process:  {one:6.1f} histories/s  (whole command {one_all:.1f}/s)")
        many, many_all = command(Path(tmp), args.processes, len(files))
        print(f"  chengnuo audit replay, {args.processes} processes: {many:6.1f} histories/s  (whole command {many_all:.1f}/s)")
        print(
            f"ratio audit replay ({args.processes} processes) / plain Replayer: {many / base:.1f}×; per process {one / base:.1f}×"
        )
        if args.processes == 2:
            print(f"goal ≥ {GOAL:.0f}/s on 2 cores: {'met' if many >= GOAL else 'NOT met'} ({many:.1f}/s)")


if __name__ == "__main__":
    main()
