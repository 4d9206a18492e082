"""`make bench` must keep working: run it small (its figures are read by people, not asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[1]


def test_bench_runs_and_reports_ratios() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "bench.lifecycle", "--lives", "4", "--concurrency", "2", "--rounds", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "ratio chengnuo/bare: lives/s" in run.stdout
