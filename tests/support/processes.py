"""Processes the end-to-end tests start: alive or not, every one started for a data dir, and
waiting for a condition with a bound."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path


def alive(pid: int) -> bool:
    """Running (a zombie waiting for a reaper holds no port and runs no code)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")


def ours(data: Path) -> list[int]:
    """Every live process started for this data dir: the stack runs with HOME=<data> and the
    Temporal server names it on its command line, so this finds grandchildren too."""
    needle = str(data).encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle in (entry / "cmdline").read_bytes() or needle in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return [pid for pid in found if alive(pid)]


def eventually(check: Callable[[], bool], within: float, step: float = 0.1) -> bool:
    end = time.monotonic() + within
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(step)
    return check()
