"""`chengnuo audit …`: export, verify, replay and read the cases' histories (issue 17).

    chengnuo audit export --out DIR --all                 # or --case ID (repeatable) or --query '<visibility query>'
    chengnuo audit verify DIR                             # exit 1 when a file changed, went missing or was added
    chengnuo audit replay DIR [--processes N]             # exit 1 when any history fails on today's code
    chengnuo audit replay --server --all                  # the same, straight from Temporal
    chengnuo audit timeline DIR/application-2026-0001.json
    chengnuo audit timeline --server 2026-0001

Temporal and the payload keys come from the worker's settings (TEMPORAL_ADDRESS,
TEMPORAL_NAMESPACE, PAYLOAD_KEYS / PAYLOAD_KEY_FILE; see config.py).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from temporalio.client import Client, WorkflowHistory

from audit.history import (
    Selection,
    case_workflow_id,
    executions,
    fetch,
    fetch_all,
    history_bytes,
    history_files,
    manifest_ids,
    parse_history,
    workflow_id_of_file,
)

if TYPE_CHECKING:
    from audit.replay import Source
    from audit.timeline import Timeline
    from security.codec import Keyring

audit_app = typer.Typer(help="审计 audit: export, verify, replay and read the cases' Temporal histories", no_args_is_help=True)
console = Console()

CaseOpt = Annotated[list[str] | None, typer.Option("--case", help="an application id or its workflow id (repeatable)")]
QueryOpt = Annotated[str | None, typer.Option("--query", help="a Temporal visibility query")]
AllOpt = Annotated[bool, typer.Option("--all", help="every ApplicationWorkflow (WorkflowType='ApplicationWorkflow')")]


def _selection(cases: list[str] | None, query: str | None, all_cases: bool) -> Selection:
    try:
        return Selection.of(cases or (), query, all_cases)
    except ValueError as err:
        raise typer.BadParameter(str(err)) from None


async def _client() -> Client:
    from config import get_settings
    from security.codec import data_converter
    from security.keys import keyring

    settings = get_settings()
    return await Client.connect(
        settings.temporal_address, namespace=settings.temporal_namespace, data_converter=data_converter(keyring(settings))
    )


def _keyring() -> Keyring:
    from config import get_settings
    from security.keys import keyring

    return keyring(get_settings())


def _progress() -> Progress:
    # no refresh thread: `audit replay` forks its processes from a process with one thread
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        auto_refresh=False,
        transient=True,
    )


# ---- export ---------------------------------------------------------------------------------


@audit_app.command("export")
def export_cmd(
    out: Annotated[Path, typer.Option("--out", help="a new (or empty) directory")],
    case: CaseOpt = None,
    query: QueryOpt = None,
    all_cases: AllOpt = False,
    concurrency: Annotated[int, typer.Option(min=1, max=64, help="histories fetched at once")] = 8,
) -> None:
    """One JSON file per case (as `temporal workflow show --output json` writes it, payloads as
    stored: encrypted) and manifest.json with each file's SHA-256."""
    from audit.export import export
    from security.codec import data_converter

    selection = _selection(case, query, all_cases)

    async def run() -> None:
        client = await _client()
        with _progress() as progress:
            task = progress.add_task("导出 export", total=None)
            manifest = await export(
                client,
                out,
                selection,
                concurrency=concurrency,
                on_total=lambda n: progress.update(task, total=n, refresh=True),
                on_file=lambda f: progress.update(task, advance=1, description=f"导出 {f.file}", refresh=True),
                converter=data_converter(_keyring()),
            )
        console.print(f"已导出 / exported {len(manifest.files)} 件 to {out}  (query: {selection.describe()})")
        console.print(f"manifest.json SHA-256 {manifest.sha256} — keep it apart from the export")

    try:
        asyncio.run(run())
    except FileExistsError as err:
        console.print(f"[red]{err}[/red]")
        raise typer.Exit(2) from None


# ---- verify ---------------------------------------------------------------------------------


@audit_app.command("verify")
def verify_cmd(directory: Annotated[Path, typer.Argument(help="an export directory")]) -> None:
    """Check every file against the manifest; name each changed, missing or added file."""
    from audit.verify import BadManifest, verify

    try:
        result = verify(directory)
    except BadManifest as err:
        console.print(f"[red]没有可读的清单 / no readable manifest: {err}[/red]")
        raise typer.Exit(2) from None
    for label, names in (("已改动 changed", result.changed), ("缺失 missing", result.missing), ("多出 added", result.added)):
        for name in names:
            console.print(f"[red]✗ {label}[/red]  {name}", highlight=False, soft_wrap=True)
    console.print(f"manifest.json SHA-256 {result.manifest_sha256}")
    if not result.ok:
        console.print(
            f"[red]不一致 / NOT intact[/red]: {len(result.changed)} changed, {len(result.missing)} missing, "
            f"{len(result.added)} added; {len(result.intact)} intact"
        )
        raise typer.Exit(1)
    console.print(f"[green]一致 / intact[/green]: {len(result.intact)} files match the manifest")


# ---- replay ---------------------------------------------------------------------------------


def _file_sources(paths: list[Path]) -> list[Source]:
    from audit.replay import Source

    sources = []
    for path in paths:
        if path.is_dir():
            ids = manifest_ids(path)
            sources += [Source(f.name, ids.get(f.name) or workflow_id_of_file(f), path=str(f)) for f in history_files(path)]
        elif path.is_file():
            ids = manifest_ids(path.parent)
            sources.append(Source(path.name, ids.get(path.name) or workflow_id_of_file(path), path=str(path)))
        else:
            raise typer.BadParameter(f"{path}: no such file or directory")
    return sources


async def _server_sources(selection: Selection) -> list[Source]:
    from audit.replay import Source

    client = await _client()
    runs = await executions(client, selection)
    with _progress() as progress:
        task = progress.add_task("读取 fetch", total=len(runs))
        found = []
        async for run, history in fetch_all(client, runs):
            found.append(Source(run.file, run.workflow_id, data=history_bytes(history)))
            progress.update(task, advance=1, refresh=True)
    return sorted(found, key=lambda s: s.name)


@audit_app.command("replay")
def replay_cmd(
    paths: Annotated[list[Path] | None, typer.Argument(help="export directories or history files")] = None,
    server: Annotated[
        bool, typer.Option("--server", help="fetch the histories from Temporal (with --case/--query/--all)")
    ] = False,
    case: CaseOpt = None,
    query: QueryOpt = None,
    all_cases: AllOpt = False,
    processes: Annotated[int | None, typer.Option(min=1, help="replaying processes (default: the CPU count)")] = None,
) -> None:
    """Replay every history against the current workflow code: per case ok or non-deterministic
    (where and why), the status the history recorded beside the one the replay reaches."""
    from audit.replay import CaseReplay, cpu_count, replay

    if server == bool(paths):
        raise typer.BadParameter("give export directories / history files, or --server with --case/--query/--all")
    keys = _keyring()
    started = time.perf_counter()
    sources = asyncio.run(_server_sources(_selection(case, query, all_cases))) if server else _file_sources(paths or [])
    if not sources:
        console.print("没有历史可重放 / no histories to replay")
        raise typer.Exit(1)

    def line(r: CaseReplay) -> None:
        seen = f"recorded {r.recorded or '?'} · replayed {r.replayed or '?'}"
        if r.ok:
            console.print(f"[green]✓[/green] {r.name}  ok  ({seen})", highlight=False, soft_wrap=True)
        else:
            where = f" at {r.where}" if r.where else ""
            console.print(
                f"[red]✗ {r.name}  {r.problem.upper()}{where}[/red]: {r.reason}  ({seen})", highlight=False, soft_wrap=True
            )

    async def run() -> list[CaseReplay]:
        with _progress() as progress:
            task = progress.add_task("重放 replay", total=len(sources))

            def shown(r: CaseReplay) -> None:
                line(r)  # printed above the bar
                progress.update(task, advance=1, refresh=True)

            return await replay(sources, keys, processes, on_result=shown)

    began = time.perf_counter()
    results = sorted(asyncio.run(run()), key=lambda r: r.name)
    took = time.perf_counter() - began
    failed = [r for r in results if not r.ok]

    table = Table(
        "结果 outcome",
        "记录的状态 recorded",
        "重放的状态 replayed",
        "件数 cases",
        title="重放结果 / replay summary",
        title_justify="left",
    )
    counts = Counter((r.problem or "ok", r.recorded or "?", r.replayed or "?") for r in results)
    for (problem, recorded, replayed), n in sorted(counts.items(), key=lambda kv: (kv[0][0] != "ok", kv[0])):
        shown_problem = f"[green]{problem}[/green]" if problem == "ok" else f"[red]{problem}[/red]"
        table.add_row(shown_problem, recorded, replayed, str(n))
    table.add_section()
    table.add_row("[bold]all[/bold]", "", "", f"[bold]{len(results)}[/bold] ({len(failed)} failed)")
    console.print(table)
    if failed:
        bad = Table("file", "problem", "where", "reason", "recorded", "replayed", title="未通过 / failed", title_justify="left")
        for r in failed:
            bad.add_row(r.name, r.problem, r.where, r.reason, r.recorded, r.replayed or "")
        console.print(bad)
    rate = len(results) / took if took else 0.0
    console.print(
        f"{len(results)} histories replayed in {took:.1f} s ({rate:.1f}/s, {processes or cpu_count()} processes; "
        f"{time.perf_counter() - started:.1f} s in all)"
    )
    if failed:
        raise typer.Exit(1)


# ---- timeline -------------------------------------------------------------------------------


@audit_app.command("timeline")
def timeline_cmd(
    id_or_file: Annotated[str, typer.Argument(help="a history file, or with --server an application id / workflow id")],
    server: Annotated[bool, typer.Option("--server", help="read the history from Temporal")] = False,
) -> None:
    """The case's timeline in plain Chinese (seq, China time UTC+8, who and what), from the history."""
    from audit.timeline import FROM_HISTORY, china, timeline
    from security.codec import data_converter
    from workflows.rules import STATUS_LABELS
    from workflows.types import ApplicationStatus

    async def load() -> WorkflowHistory:
        if server:
            from audit.history import Execution, file_name

            wid = case_workflow_id(id_or_file)
            return await fetch(await _client(), Execution(wid, None, file_name(wid)))
        path = Path(id_or_file)
        if not path.is_file():
            raise typer.BadParameter(f"{path}: no such file (a workflow id needs --server)")
        wid = manifest_ids(path.parent).get(path.name) or workflow_id_of_file(path)
        return parse_history(wid, path.read_bytes())

    async def run() -> Timeline:
        return await timeline(await load(), data_converter(_keyring()))

    t = asyncio.run(run())
    source = (
        "历史中投影活动的输入 / the projection activities' inputs in the history"
        if t.source == FROM_HISTORY
        else "重放历史 / replaying the history (local activities keep no input in the history)"
    )
    console.print(
        f"{t.workflow_id}（run {t.run_id}）：{len(t.entries)} 条 · 来源 {source}", markup=False, highlight=False, soft_wrap=True
    )
    for e in t.entries:
        console.print(f"{e.seq:>4}  {china(e.at)}  {e.summary}", markup=False, highlight=False, soft_wrap=True)
    label = STATUS_LABELS.get(ApplicationStatus(t.status), "") if t.status in set(ApplicationStatus) else ""
    console.print(
        f"状态 status: {t.status or '?'} {label}；历史结局 history ends: {t.outcome.status}"
        f"{'（' + t.outcome.note + '）' if t.outcome.note else ''}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    if t.replay and not t.replay.ok:
        where = f" at {t.replay.where}" if t.replay.where else ""
        console.print(
            f"[red]重放未通过 / replay {t.replay.problem}{where}: {t.replay.reason} — the timeline stops there[/red]",
            highlight=False,
        )
        raise typer.Exit(1)
