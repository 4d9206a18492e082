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
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "ratio chengnuo/bare: lives/s" in run.stdout


def test_bench_scale_runs_small() -> None:
    """The read model part on a few thousand cases, and a few running workflows on a real stack."""
    run = subprocess.run(
        [sys.executable, "-m", "bench.scale", "--cases", "3000", "--repeat", "2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "一年统计 GET /statistics" in run.stdout and "SQLite: 3,000 cases written" in run.stdout
    run = subprocess.run(
        [sys.executable, "-m", "bench.running", "--cases", "8", "--clients", "4"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "8 open cases in" in run.stdout and "worker at 10,000 open cases: about" in run.stdout
