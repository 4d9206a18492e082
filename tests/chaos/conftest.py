"""One `make run` stack per module (starting one costs ~10 s), checked to be serving before each
test; every fault's "N tried, 0 lost" figure is repeated in pytest's summary, with or without -s."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest

from tests.chaos.support import FIGURES, ready, resume
from tests.support.processes import ours
from tests.support.stack import Watched


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Watched]:
    data = tmp_path_factory.mktemp("chaos") / "data"
    try:
        with Watched(data) as running:
            yield running
    finally:
        for pid in ours(data):  # whatever a failing test left behind
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


@pytest.fixture
def serving(stack: Watched) -> Iterator[Watched]:
    """The stack, serving; after the test no worker is left frozen by a SIGSTOP."""
    ready(stack)
    yield stack
    for pid in stack.pids("worker"):
        resume(pid)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if FIGURES:
        terminalreporter.section("chaos: faults tried")
        for line in FIGURES:
            terminalreporter.write_line(line)
