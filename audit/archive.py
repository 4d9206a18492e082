"""The archive: each closed case's history, exported with its manifest, kept read-only after
Temporal's retention has long passed.

    ARCHIVE_DIR/<workflow id>/<workflow id>.json   each run's history (`@<run id>` when several)
    ARCHIVE_DIR/<workflow id>/manifest.json        as `chengnuo audit export` writes it

Each case folder is an export of its own: `chengnuo audit verify` and `replay` read it as they
read any export. A folder is written under a temporary name and renamed when complete, then its
files and itself are made read-only; a folder without its manifest is an interrupted attempt,
written again. docs/OPERATIONS.md says how to put the folder on write-once storage.
"""

from __future__ import annotations

import asyncio
import shutil
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHistory
from temporalio.converter import DataConverter
from temporalio.service import RPCError, RPCStatusCode

from audit.export import export
from audit.history import MANIFEST, Selection, file_name, parse_history
from audit.verify import verify
from workflows import DATA_CONVERTER

LAST_PASS = ".last-pass"  # when the last pass ended, what it exported, what it found archived
CLOSED_CASES = "WorkflowType = 'ApplicationWorkflow' AND ExecutionStatus != 'Running'"
READ_ONLY_FILE = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
READ_ONLY_DIR = READ_ONLY_FILE | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH


def folder_of(root: Path, workflow_id: str) -> Path:
    return root / file_name(workflow_id).removesuffix(".json")


def archived(root: Path, workflow_id: str) -> bool:
    """The case's folder is complete: its manifest written (the last step)."""
    return (folder_of(root, workflow_id) / MANIFEST).is_file()


def _writable(path: Path) -> None:
    """An interrupted attempt is removed whole (it was never complete, so never read-only by us)."""
    for p in [path, *path.rglob("*")]:
        p.chmod(p.stat().st_mode | stat.S_IWUSR)
    shutil.rmtree(path)


def _seal(folder: Path) -> None:
    for p in folder.iterdir():
        p.chmod(READ_ONLY_FILE)
    folder.chmod(READ_ONLY_DIR)


async def archive_case(client: Client, root: Path, workflow_id: str, converter: DataConverter = DATA_CONVERTER) -> bool:
    """Export one closed case (every run) into its folder and seal it; False if it was there."""
    final = folder_of(root, workflow_id)
    if archived(root, workflow_id):
        return False
    if final.exists():
        _writable(final)
    staging = root / f".writing-{final.name}"
    if staging.exists():
        _writable(staging)
    await export(client, staging, Selection(query=f"WorkflowId = '{workflow_id}'"), converter=converter)
    staging.rename(final)
    _seal(final)
    return True


async def closed(client: Client, workflow_id: str) -> bool:
    """The case's latest run has ended (a run continued as new is not the end of the case)."""
    described = await client.get_workflow_handle(workflow_id).describe()
    return described.status not in (WorkflowExecutionStatus.RUNNING, WorkflowExecutionStatus.CONTINUED_AS_NEW)


@dataclass
class Pass:
    """One pass of the archiver: what it exported, and what it found already archived."""

    exported: list[str]
    already: int


async def archive_closed(
    client: Client,
    root: Path,
    converter: DataConverter = DATA_CONVERTER,
    limit: int = 500,
    on_case: Callable[[str], None] | None = None,
    concurrency: int = 8,
) -> Pass:
    """Every closed case not yet in the archive (up to `limit` in one pass, `concurrency` at a
    time); `on_case` hears of each case looked at (the activity's heartbeat)."""
    root.mkdir(parents=True, exist_ok=True)
    done, wanted, seen = Pass([], 0), list[str](), set[str]()
    async for w in client.list_workflows(CLOSED_CASES):
        if w.id in seen:
            continue
        seen.add(w.id)
        if archived(root, w.id):
            done.already += 1
        elif len(wanted) < limit:
            wanted.append(w.id)
    slots = asyncio.Semaphore(concurrency)

    async def one(workflow_id: str) -> None:
        async with slots:
            if on_case:
                on_case(workflow_id)
            if await closed(client, workflow_id):
                await archive_case(client, root, workflow_id, converter)
                done.exported.append(workflow_id)

    await asyncio.gather(*(one(w) for w in wanted))
    stamp = root / LAST_PASS  # for the archive-lag alert (api/observability.py)
    stamp.write_text(f"{time.time():.0f} {len(done.exported)} {done.already}\n", encoding="utf-8")
    return done


def archived_runs(root: Path, workflow_id: str) -> list[WorkflowHistory]:
    """Every run of the case as archived, the first first, if its folder is complete and intact
    (none otherwise: files that no longer match their manifest are not the case's record)."""
    folder = folder_of(root, workflow_id)
    if not archived(root, workflow_id) or not verify(folder).ok:
        return []
    runs = [parse_history(workflow_id, p.read_bytes()) for p in folder.glob("*.json") if p.name != MANIFEST]
    return sorted(runs, key=lambda h: h.events[0].event_time.ToDatetime())


def archived_history(root: Path, workflow_id: str) -> WorkflowHistory | None:
    """The case's last run as archived (None: not archived, or not intact)."""
    runs = archived_runs(root, workflow_id)
    return runs[-1] if runs else None


async def history_or_archived(client: Client, root: Path, workflow_id: str) -> WorkflowHistory | None:
    """From Temporal while it keeps the case, else from the archive (None: neither has it)."""
    try:
        return await client.get_workflow_handle(workflow_id).fetch_history()
    except RPCError as err:
        if err.status != RPCStatusCode.NOT_FOUND:
            raise
    return archived_history(root, workflow_id)
