"""`chengnuo`: the command line of the office's administrators, with the worker's settings.

chengnuo tokens create --role caseworker --actor wang.li --department 湛河区市场监督管理局
chengnuo tokens list
chengnuo tokens revoke <id>
chengnuo keys rotate [FILE]
chengnuo reconcile
chengnuo credit export [--out FILE] [--all]
chengnuo namespace setup
chengnuo reproject CASE… | --all
chengnuo backup create FILE --passphrase-file KEY;  chengnuo backup restore FILE --passphrase-file KEY
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlmodel import Session, select

from audit.cli import audit_app
from config import get_settings
from db.migrate import prepare
from db.session import settings_engine
from security import keys as payload_keys, tokens as api_tokens
from workflows.types import Role

app = typer.Typer(help="承诺 Chengnuo administration", no_args_is_help=True)
tokens = typer.Typer(help="API tokens: stored as hashes, with expiry and revocation", no_args_is_help=True)
keys = typer.Typer(help="payload encryption keys", no_args_is_help=True)
app.add_typer(tokens, name="tokens")
app.add_typer(keys, name="keys")
app.add_typer(audit_app, name="audit")
credit_app = typer.Typer(help="credit events for the credit platform (信用信息推送)", no_args_is_help=True)
app.add_typer(credit_app, name="credit")
namespace_app = typer.Typer(help="the Temporal namespace: search attributes and retention", no_args_is_help=True)
app.add_typer(namespace_app, name="namespace")
backup_app = typer.Typer(
    help="encrypted backups of the application database (pg_dump, gpg) and their restore", no_args_is_help=True
)
app.add_typer(backup_app, name="backup")
PassphraseFile = Annotated[Path, typer.Option("--passphrase-file", help="the backup passphrase, kept apart from the backups")]
console = Console()


def _session() -> Session:
    engine = settings_engine(get_settings())
    prepare(engine, get_settings().production)
    return Session(engine)


@tokens.command("create")
def create(
    role: Annotated[Role, typer.Option(help="the holder's role")],
    actor: Annotated[str, typer.Option(help="the holder's id (an applicant's is their applicant id)")],
    department: Annotated[str | None, typer.Option(help="caseworkers and verifiers: their department")] = None,
    days: Annotated[int, typer.Option(min=1, max=api_tokens.MAX_DAYS, help="lifetime")] = 90,
    note: Annotated[str, typer.Option(help="who it is for, why")] = "",
) -> None:
    """Issue a token. It is printed once; only its hash is kept."""
    with _session() as session:
        token, row = api_tokens.issue(session, role, actor, department, days, note)
    console.print(f"令牌 / token [bold]{row.id}[/bold]（{row.role} {row.actor_id}，至 {row.expires_at:%Y-%m-%d}）:")
    typer.echo(token)


@tokens.command("list")
def list_() -> None:
    """Every token (never the secret)."""
    table = Table("id", "role", "actor", "department", "expires", "revoked", "note")
    with _session() as session:
        for r in api_tokens.listed(session):
            table.add_row(
                r.id,
                r.role,
                r.actor_id,
                r.department or "—",
                f"{r.expires_at:%Y-%m-%d}",
                f"{r.revoked_at:%Y-%m-%d %H:%M}" if r.revoked_at else "",
                r.note,
            )
    console.print(table)


@tokens.command("revoke")
def revoke(token_id: str) -> None:
    """Revoke a token at once (API processes stop accepting it within 30 s)."""
    with _session() as session:
        row = api_tokens.revoke(session, token_id)
    if row is None:
        console.print(f"[red]没有令牌 {token_id} / no such token[/red]")
        raise typer.Exit(1)
    console.print(f"已吊销 / revoked {row.id} ({row.role} {row.actor_id})")


@credit_app.command("export")
def credit_export(
    out: Annotated[
        Path | None,
        typer.Option("--out", help="the JSON-lines file, appended to (with --all: replaced); default standard output"),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="every event, also those exported before")] = False,
) -> None:
    """Write the credit events not yet exported as JSON lines (one event a line, its key
    `event_id`) and mark them exported: the file for the platform when no CREDIT_PLATFORM_URL is set."""
    import sys
    from datetime import datetime, timezone

    from credit import outbox

    with _session() as session:
        if out is None:
            written = outbox.export(session, sys.stdout, all_, datetime.now(timezone.utc))
        else:
            with out.open("a" if out.exists() and not all_ else "w", encoding="utf-8") as file:
                written = outbox.export(session, file, all_, datetime.now(timezone.utc))
    typer.echo(f"已导出 / exported {written} 条信用事件 / credit events{f' → {out}' if out else ''}", err=True)


@app.command("reconcile")
def reconcile_now() -> None:
    """Mark cases whose workflows ended abnormally as aborted in the read model (the worker also
    does it once a minute)."""
    import asyncio

    from temporalio.client import Client

    from activities.reconcile import reconcile
    from security.codec import data_converter
    from security.keys import keyring

    settings = get_settings()

    async def run() -> list[str]:
        client = await Client.connect(
            settings.temporal_address, namespace=settings.temporal_namespace, data_converter=data_converter(keyring(settings))
        )
        engine = settings_engine(settings)
        prepare(engine, get_settings().production)
        return await reconcile(client, engine)

    marked = asyncio.run(run())
    console.print(f"{len(marked)} 件标记为异常终止 / marked aborted: {', '.join(marked) or '—'}")


@app.command("reproject")
def reproject_cmd(
    cases: Annotated[list[str] | None, typer.Argument(help="application ids")] = None,
    all_cases: Annotated[bool, typer.Option("--all", help="every case the read model or Temporal knows")] = False,
) -> None:
    """Rebuild cases' read-model rows from their histories (Temporal, or the archive): a row lost
    or changed by hand, a restore that lost the last hours."""
    import asyncio

    from temporalio.client import Client

    from audit.reproject import reproject
    from db.models import Application
    from security.codec import data_converter
    from security.keys import keyring

    settings = get_settings()
    engine = settings_engine(settings)
    prepare(engine, get_settings().production)

    async def run() -> dict[str, int]:
        converter = data_converter(keyring(settings))
        client = await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace, data_converter=converter)
        wanted = list(cases or [])
        if all_cases:
            with Session(engine) as s:
                wanted += [a for a in s.exec(select(Application.application_id)) if a not in wanted]
            wanted += [
                w.id.removeprefix("application-") async for w in client.list_workflows("WorkflowType = 'ApplicationWorkflow'")
            ]
        root = Path(settings.archive_dir)
        return {c: await reproject(client, engine, root, c, converter) for c in dict.fromkeys(wanted)}

    done = asyncio.run(run())
    missing = [c for c, n in done.items() if not n]
    console.print(
        f"{len(done) - len(missing)} 件已重建 / rebuilt" + (f"; 无历史 / no history: {', '.join(missing)}" if missing else "")
    )
    if missing:
        raise typer.Exit(1)


@backup_app.command("create")
def backup_create(out: Annotated[Path, typer.Argument(help="the backup file to write")], passphrase_file: PassphraseFile) -> None:
    """pg_dump of DATABASE_URL, encrypted with gpg (AES-256) as it streams."""
    from ops.backup import backup

    size = backup(get_settings().database_url, out, passphrase_file)
    console.print(f"{out}: {size:,} bytes")


@backup_app.command("restore")
def backup_restore(
    backup_file: Annotated[Path, typer.Argument(help="a file `backup create` wrote")], passphrase_file: PassphraseFile
) -> None:
    """Restore a backup into DATABASE_URL (its tables replaced); then `chengnuo reproject --all`
    brings back what happened after the backup was taken."""
    from ops.backup import restore

    restore(get_settings().database_url, backup_file, passphrase_file)
    console.print(f"{backup_file}: restored")


@namespace_app.command("setup")
def namespace_setup() -> None:
    """Register the search attributes, keep closed cases TEMPORAL_RETENTION_DAYS and archive them
    every ARCHIVE_EVERY_MINUTES (the prestart step of `make run` and compose, after Temporal serves
    and before the worker starts)."""
    import asyncio
    from datetime import timedelta

    from temporalio.client import Client

    from ops.namespace import keep_closed_cases
    from ops.schedules import keep_archiving
    from workflows import search

    settings = get_settings()

    async def run() -> tuple[timedelta, timedelta]:
        client = await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace)
        await search.register(client, settings.temporal_namespace)
        await keep_archiving(client, settings.task_queue, timedelta(minutes=settings.archive_every_minutes))
        return await keep_closed_cases(client, settings.temporal_namespace, settings.temporal_retention_days)

    before, after = asyncio.run(run())
    console.print(
        f"namespace {settings.temporal_namespace}: 已结案件历史保留 / closed cases kept {after.days} 天 / days"
        f"{'' if before == after else f' (was {before / timedelta(days=1):g})'}; "
        f"归档 / archived to {settings.archive_dir} every {settings.archive_every_minutes} min"
    )


@keys.command("rotate")
def rotate(file: Annotated[Path | None, typer.Argument(help="the key file (default PAYLOAD_KEY_FILE)")] = None) -> None:
    """Add a new payload key; restart the worker and the API to encrypt with it."""
    target = file or Path(get_settings().payload_key_file)
    console.print(f"{target}: new key {payload_keys.rotate(target)}")


if __name__ == "__main__":
    app()
