"""Histories as the audit reads them: which cases, from a server or from files, and how each ended.

A history file is the JSON `temporal workflow show --output json` writes (`{"events": […]}`),
which is also what `WorkflowHistory.to_json()` writes: either reads back with
`WorkflowHistory.from_json` (both enum spellings, old and new). The workflow id is not inside a
history; it comes from the export's manifest or else from the file's name.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote

from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import History
from temporalio.client import Client, WorkflowHistory
from temporalio.converter import DataConverter

from audit.fastjson import history_from_json

WORKFLOW_TYPE = "ApplicationWorkflow"
ALL_QUERY = f"WorkflowType='{WORKFLOW_TYPE}'"
MANIFEST = "manifest.json"


def case_workflow_id(case: str) -> str:
    """`--case 2026-0001` and `--case application-2026-0001` name the same workflow."""
    return case if case.startswith("application-") else f"application-{case}"


def file_name(workflow_id: str, run_id: str | None = None) -> str:
    """`<workflow id>.json` (percent-encoded where the id holds a character a file name cannot)."""
    stem = quote(workflow_id, safe="-_.~@+=,")
    return f"{stem}@{run_id}.json" if run_id else f"{stem}.json"


def workflow_id_of_file(path: Path) -> str:
    """The workflow id a file's name gives (`application-2026-0001@<run>.json` too)."""
    return unquote(path.stem.split("@", 1)[0])


def history_files(directory: Path) -> list[Path]:
    """The histories of an export directory: every JSON file but the manifest, by name."""
    return sorted(p for p in directory.glob("*.json") if p.name != MANIFEST)


def manifest_ids(directory: Path) -> dict[str, str]:
    """File name → workflow id, from the directory's manifest when it has a readable one."""
    try:
        files = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))["files"]
        return {name: entry["workflow_id"] for name, entry in files.items()}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def parse_history(workflow_id: str, text: str | bytes) -> WorkflowHistory:
    """A history from its JSON (the fast reader, or temporalio's for what it does not know)."""
    return WorkflowHistory(workflow_id, history_from_json(text).events)


def history_bytes(history: WorkflowHistory) -> bytes:
    """The history as protobuf bytes: how it travels to a replay process."""
    return History(events=history.events).SerializeToString()


def history_from_bytes(workflow_id: str, data: bytes) -> WorkflowHistory:
    return WorkflowHistory(workflow_id, History.FromString(data).events)


@dataclass(frozen=True)
class Outcome:
    """How a history ends."""

    status: str
    """The workflow's result (an application status) when it completed; otherwise `running`
    or how Temporal ended the execution: `execution-terminated`, `execution-failed`,
    `execution-canceled`, `execution-timed-out`, `continued-as-new` (spelled apart from the
    application's own `terminated`, 终止办理, which a completed case may return)."""
    completed: bool = False
    note: str = ""
    """Why, where the history says (a termination reason, a failure message)."""


async def recorded_outcome(history: WorkflowHistory, converter: DataConverter) -> Outcome:
    """How the history itself ends: the completed result decoded, or the kind of its last event."""
    if not history.events:
        return Outcome("empty")
    last = history.events[-1]
    kind = last.event_type
    if kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
        values = await converter.decode_wrapper(last.workflow_execution_completed_event_attributes.result)
        return Outcome(str(values[0]) if values else "", completed=True)
    if kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED:
        return Outcome("execution-terminated", note=last.workflow_execution_terminated_event_attributes.reason)
    if kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
        failure = last.workflow_execution_failed_event_attributes.failure
        try:
            note = str(await converter.decode_failure(failure))
        except Exception:  # a key we do not hold: still say how it ended
            note = failure.message
        return Outcome("execution-failed", note=note)
    if kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED:
        return Outcome("execution-canceled")
    if kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT:
        return Outcome("execution-timed-out")
    if kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
        return Outcome("continued-as-new")
    return Outcome("running")


@dataclass(frozen=True)
class Selection:
    """Which cases: named ones (`--case`, by workflow id, no visibility needed) or a visibility
    query (`--query`, `--all`)."""

    workflow_ids: tuple[str, ...] = ()
    query: str | None = None

    @staticmethod
    def of(cases: Sequence[str] = (), query: str | None = None, all_cases: bool = False) -> Selection:
        chosen = sum((bool(cases), query is not None, all_cases))
        if chosen != 1:
            raise ValueError("choose exactly one of --case, --query, --all")
        if all_cases:
            query = ALL_QUERY
        return Selection(tuple(case_workflow_id(c) for c in cases), query)

    def describe(self) -> str:
        """As the manifest records it: the query, or the one a --case selection amounts to."""
        if self.query is not None:
            return self.query
        return " OR ".join(f"WorkflowId='{w}'" for w in self.workflow_ids)


@dataclass(frozen=True)
class Execution:
    workflow_id: str
    run_id: str | None  # None: the latest run
    file: str


async def executions(client: Client, selection: Selection) -> list[Execution]:
    """The runs a selection names, each with its file name in an export. A workflow id with
    more than one run (a reset, a reused id) gets one file per run: `<id>@<run id>.json`."""
    if selection.query is None:
        return [Execution(w, None, file_name(w)) for w in dict.fromkeys(selection.workflow_ids)]
    runs = [(w.id, w.run_id) async for w in client.list_workflows(selection.query)]
    ids = [w for w, _ in runs]
    return [Execution(w, r, file_name(w, r if ids.count(w) > 1 else None)) for w, r in runs]


async def fetch(client: Client, execution: Execution) -> WorkflowHistory:
    """The history as Temporal stores it: payloads still encrypted."""
    handle = client.get_workflow_handle(execution.workflow_id, run_id=execution.run_id)
    return await handle.fetch_history()


async def fetch_all(
    client: Client, runs: Sequence[Execution], concurrency: int = 8
) -> AsyncIterator[tuple[Execution, WorkflowHistory]]:
    """Fetch a few histories at a time; yields them as they arrive."""
    gate = asyncio.Semaphore(concurrency)

    async def one(run: Execution) -> tuple[Execution, WorkflowHistory]:
        async with gate:
            return run, await fetch(client, run)

    pending = {asyncio.ensure_future(one(r)) for r in runs}
    try:
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                yield task.result()
    finally:
        for task in pending:
            task.cancel()
