"""Issue 17: export → verify → replay → timeline of real cases, and what each must catch."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from temporalio.client import Client, WorkflowHistory
from typer.testing import CliRunner

import audit.cli
from audit.export import export
from audit.fastjson import history_from_json
from audit.history import ALL_QUERY, MANIFEST, Selection, history_files, manifest_ids, parse_history, workflow_id_of_file
from audit.replay import Source, replay
from audit.timeline import FROM_HISTORY, FROM_REPLAY, timeline
from audit.verify import verify
from cli import app
from tests.audit.changed import CloseAfterHandlersUnguarded, EscalationFollowsUnguarded, NeverYields, UnguardedChange
from tests.support.factories import AFTER, APPLICANT, CONVERTER, TEST_KEYRING, applicant
from tests.support.harness import Harness
from tests.support.lives import revoked_after_missed_rectification
from tests.support.temporal import BIN, dev_env
from worker import build_worker
from workflows import search
from workflows.application import ApplicationWorkflow as W
from workflows.types import Actor, CancelInput, Role

RECORDED = Path(__file__).parents[1] / "workflows" / "histories"
runner = CliRunner()


@pytest.fixture(autouse=True)
def test_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """The commands read the keys from the settings; here, the tests' key."""
    monkeypatch.setattr(audit.cli, "_keyring", lambda: TEST_KEYRING)


def sources(directory: Path) -> list[Source]:
    ids = manifest_ids(directory)
    return [Source(f.name, ids.get(f.name) or workflow_id_of_file(f), path=str(f)) for f in history_files(directory)]


def readable(doc: Any) -> Iterator[str]:
    """Every string in a JSON document, and what each reads as if it is base64 (payload data)."""
    if isinstance(doc, dict):
        doc = list(doc.values())
    if isinstance(doc, list):
        for item in doc:
            yield from readable(item)
    elif isinstance(doc, str):
        yield doc
        with contextlib.suppress(ValueError):
            yield base64.b64decode(doc, validate=True).decode("utf-8", errors="replace")


def cli(*args: str) -> Any:
    return runner.invoke(app, ["audit", *args], catch_exceptions=False)


async def test_export_verify_replay_and_timeline_of_real_cases(case: Harness, tmp_path: Path) -> None:
    await revoked_after_missed_rectification(case)  # revoked, then the follow-up closed: completed
    withdrawn, _ = await case.open([AFTER], who=applicant(2))  # another applicant: completed, withdrawn
    await withdrawn.execute_update(W.cancel, CancelInput(Actor("app-2", Role.applicant), "不再办理"))
    assert await case.outcome(withdrawn) == "cancelled"
    await case.open([AFTER], who=applicant(3))  # notified, still running
    out = tmp_path / "export"
    ids = tuple(h.id for h in case.handles)
    manifest = await export(case.env.client, out, Selection(workflow_ids=ids), converter=CONVERTER)

    # one file per case, as stored: encrypted (no applicant's name in clear), hashed in the manifest
    assert sorted(f.name for f in history_files(out)) == sorted(f"{i}.json" for i in ids)
    recorded = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert recorded["query"] == " OR ".join(f"WorkflowId='{i}'" for i in ids) and recorded["exported_at"]
    assert recorded["code_version"].get("git_commit") or recorded["code_version"].get("package")
    assert sorted(e["status"] for e in recorded["files"].values()) == ["cancelled", "revoked", "running"]
    for f in history_files(out):
        assert not [t for t in readable(json.loads(f.read_bytes())) if "测试申请人" in t], f.name
        started = parse_history(f.stem, f.read_bytes()).events[0].workflow_execution_started_event_attributes
        assert started.input.payloads[0].metadata["encoding"] == b"binary/encrypted"
        assert recorded["files"][f.name]["workflow_id"] == f.stem
    assert verify(out).ok and manifest.sha256 == verify(out).manifest_sha256
    assert cli("verify", str(out)).exit_code == 0

    # replay in two processes, offline: each ok, the status the history reached beside the replay's
    results = {r.workflow_id: r for r in await replay(sources(out), TEST_KEYRING, processes=2)}
    assert all(r.ok for r in results.values()), results
    revoked, cancelled, running = (results[h.id] for h in case.handles)
    assert (revoked.recorded, revoked.replayed) == ("revoked", "revoked")
    assert (cancelled.recorded, cancelled.replayed) == ("cancelled", "cancelled")
    assert (running.recorded, running.replayed) == ("running", "notified")

    # the timeline from the history alone is the one the read model got, entry for entry
    for handle in case.handles:
        t = await timeline(parse_history(handle.id, (out / f"{handle.id}.json").read_bytes()), CONVERTER)
        assert t.source == FROM_REPLAY  # cases since lean-life project through local activities
        rows = case.timeline_rows(handle.id.removeprefix("application-"))
        assert [(e.seq, e.summary) for e in t.entries] == [(r.seq, r.summary) for r in rows]
        assert [e.seq for e in t.entries] == list(range(1, len(rows) + 1))
    shown = await asyncio.to_thread(cli, "timeline", str(out / f"{case.handles[0].id}.json"))  # the CLI runs its own loop
    assert shown.exit_code == 0, shown.output
    lines = [ln for ln in shown.output.splitlines() if ln[:4].strip().isdigit()]
    assert [int(ln.split()[0]) for ln in lines] == list(range(1, len(lines) + 1))
    assert "受理申请" in lines[0] and "撤销" in shown.output and "状态 status: revoked" in shown.output

    # a changed byte, a missing file and an added one: each named, the exit code says so
    tampered = tmp_path / "tampered"
    shutil.copytree(out, tampered)
    first, second, _ = history_files(tampered)
    data = bytearray(first.read_bytes())
    data[len(data) // 2] ^= 1
    first.write_bytes(bytes(data))
    second.unlink()
    (tampered / "extra.json").write_text("{}", encoding="utf-8")
    found = verify(tampered)
    assert (found.changed, found.missing, found.added) == ([first.name], [second.name], ["extra.json"])
    said = cli("verify", str(tampered))
    assert said.exit_code == 1
    assert all(name in said.output for name in (first.name, second.name, "extra.json"))


def test_fast_reader_reads_what_temporalio_reads() -> None:
    """Every recorded history, and the PascalCase enums of older UIs (handed to temporalio)."""
    for path in sorted(RECORDED.glob("*.json")):
        text = path.read_text(encoding="utf-8")
        assert list(history_from_json(text).events) == list(WorkflowHistory.from_json("x", text).events), path.name
    doc = json.loads((RECORDED / "revoke_and_refer.json").read_text(encoding="utf-8"))
    for event in doc["events"]:  # EVENT_TYPE_WORKFLOW_EXECUTION_STARTED → WorkflowExecutionStarted
        event["eventType"] = event["eventType"].removeprefix("EVENT_TYPE_").title().replace("_", "")
    old_form = json.dumps(doc)
    assert list(history_from_json(old_form).events) == list(WorkflowHistory.from_json("x", old_form).events)
    assert history_from_json(old_form).events[0].event_type == 1


async def test_recorded_histories_replay_in_processes() -> None:
    results = await replay(sources(RECORDED), TEST_KEYRING, processes=2)
    assert len(results) == len(history_files(RECORDED)) and all(r.ok for r in results), [r for r in results if not r.ok]
    completed = [r for r in results if r.recorded not in ("running", "execution-terminated", "continued-as-new")]
    assert completed and all(r.replayed == r.recorded for r in completed)
    handed_over = [r for r in results if r.recorded == "continued-as-new"]  # a run that went on in a new one
    assert handed_over and all(r.replayed in ("approved", "verifying") for r in handed_over)


async def test_an_unguarded_change_is_caught_and_named() -> None:
    """The workflow changed without workflow.patched (a timer before opening): replaying the
    cases recorded before it fails, and the report says which case, where and why."""
    names = ["revoke_and_refer", "time_limit_escalates-v4-legal"]
    found = {
        r.name: r
        for r in await replay(
            [Source(n, n, path=str(RECORDED / f"{n}.json")) for n in names],
            TEST_KEYRING,
            processes=1,
            workflows=[UnguardedChange],
        )
    }
    old, lean = found["revoke_and_refer"], found["time_limit_escalates-v4-legal"]
    assert not old.ok and old.problem == "non-deterministic"
    assert old.where == "event 5" and "ActivityTaskScheduled" in old.reason  # the core names the event
    assert not lean.ok and lean.problem == "non-deterministic"
    assert lean.where == "after event 3" and "lean-life" in lean.reason  # the first workflow task replayed
    assert old.recorded == "revoked" and lean.recorded == "execution-terminated"


async def test_a_replay_that_never_yields_fails_instead_of_hanging() -> None:
    [stuck] = await replay(
        [Source("r", "r", path=str(RECORDED / "revoke_and_refer.json"))],
        TEST_KEYRING,
        processes=1,
        workflows=[NeverYields],
        deadlock_seconds=0.5,
    )
    assert not stuck.ok and stuck.problem == "replay error" and "ReplayStuck" in stuck.reason


def test_replay_command_names_a_tampered_history(tmp_path: Path) -> None:
    """The activity the case opened with, renamed in a copy of its history (as if the code had
    renamed it): `audit replay` exits 1 and names the file, the event and the reason."""
    shutil.copy(RECORDED / "withdrawal_before_decision_then_proof.json", tmp_path / "intact.json")
    doc = json.loads((RECORDED / "revoke_and_refer.json").read_text(encoding="utf-8"))
    scheduled = next(e for e in doc["events"] if e["eventType"] == "EVENT_TYPE_ACTIVITY_TASK_SCHEDULED")
    scheduled["activityTaskScheduledEventAttributes"]["activityType"]["name"] = "load_catalogue"
    (tmp_path / "renamed.json").write_text(json.dumps(doc), encoding="utf-8")
    said = cli("replay", str(tmp_path), "--processes", "1")
    assert said.exit_code == 1, said.output
    failed = next(ln for ln in said.output.splitlines() if "renamed.json" in ln and "✗" in ln)
    assert "NON-DETERMINISTIC" in failed and "load_catalogue" in failed and "load_matters" in failed
    assert any("intact.json" in ln and "ok" in ln for ln in said.output.splitlines())


@pytest.mark.e2e  # a dev server and the temporal CLI
async def test_history_saved_by_temporal_cli_replays(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A history as `temporal workflow show --output json` writes it (the real CLI, against a
    dev server) replays and reads; an --all export from the same server has the case; the
    commands read it from the server too."""
    async with await dev_env() as env:
        await search.register(env.client, env.client.namespace)
        harness = Harness(env, engine, task_queue=f"tq-{uuid.uuid4()}")
        async with build_worker(env.client, engine, task_queue=harness.task_queue):
            handle, _ = await harness.open([AFTER])
            await handle.execute_update(W.cancel, CancelInput(APPLICANT, "不再办理"))
            assert await handle.result() == "cancelled"
        address = env.client.service_client.config.target_host
        shown = subprocess.run(
            [
                str(BIN / "temporal"),
                "workflow",
                "show",
                "--workflow-id",
                handle.id,
                "--output",
                "json",
                "--address",
                address,
                "--namespace",
                env.client.namespace,
            ],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        saved = tmp_path / "saved" / "from-cli.json"
        saved.parent.mkdir()
        saved.write_text(shown.stdout, encoding="utf-8")
        for _ in range(50):  # visibility is eventually consistent
            if [w async for w in env.client.list_workflows(ALL_QUERY)]:
                break
            await asyncio.sleep(0.2)
        manifest = await export(env.client, tmp_path / "all", Selection.of(all_cases=True), converter=CONVERTER)

        async def client() -> Client:  # the commands connect as the settings say; here, to this server
            return await Client.connect(address, namespace=env.client.namespace, data_converter=CONVERTER)

        monkeypatch.setattr(audit.cli, "_client", client)
        exported_by_cli = await asyncio.to_thread(cli, "export", "--out", str(tmp_path / "cli"), "--all")
        assert exported_by_cli.exit_code == 0 and (tmp_path / "cli" / f"{handle.id}.json").is_file(), exported_by_cli.output
        assert (await asyncio.to_thread(cli, "verify", str(tmp_path / "cli"))).exit_code == 0
        replayed = await asyncio.to_thread(cli, "replay", "--server", "--case", handle.id.removeprefix("application-"))
        assert replayed.exit_code == 0 and "recorded cancelled · replayed cancelled" in replayed.output, replayed.output
        read = await asyncio.to_thread(cli, "timeline", "--server", handle.id)
        assert read.exit_code == 0 and "撤回申请" in read.output, read.output
    assert [f.workflow_id for f in manifest.files] == [handle.id]
    exported = (tmp_path / "all" / manifest.files[0].file).read_bytes()
    assert list(parse_history("x", shown.stdout).events) == list(parse_history("x", exported).events)  # one JSON form
    assert list(WorkflowHistory.from_json(handle.id, shown.stdout).events) == list(parse_history("x", shown.stdout).events)
    assert list(WorkflowHistory.from_json(handle.id, exported.decode()).events) == list(parse_history("x", exported).events)
    [result] = await replay([Source(saved.name, handle.id, path=str(saved))], TEST_KEYRING, processes=1)
    assert result.ok and (result.recorded, result.replayed) == ("cancelled", "cancelled")
    said = await asyncio.to_thread(cli, "timeline", str(saved))
    assert said.exit_code == 0 and "撤回申请" in said.output


async def test_timeline_of_a_case_before_lean_life_reads_the_history_itself() -> None:
    history = parse_history("r", (RECORDED / "revoke_and_refer.json").read_bytes())
    t = await timeline(history, CONVERTER)
    assert t.source == FROM_HISTORY and t.status == "revoked" and t.outcome.status == "revoked"
    assert [e.seq for e in t.entries] == list(range(1, len(t.entries) + 1))
    assert "受理申请" in t.entries[0].summary and "移送" in t.entries[-1].summary


async def test_the_patches_versioning_md_explains_are_needed() -> None:
    """docs/VERSIONING.md: without its guard, each patch breaks the history recorded before it."""
    cases = [
        ("revoke_and_refer", CloseAfterHandlersUnguarded, "No command scheduled for event"),
        ("escalated_then_recomputed", EscalationFollowsUnguarded, "WorkflowExecutionUpdateAccepted"),
    ]
    for name, changed, says in cases:
        [guarded] = await replay([Source(name, name, path=str(RECORDED / f"{name}.json"))], TEST_KEYRING, processes=1)
        [broken] = await replay(
            [Source(name, name, path=str(RECORDED / f"{name}.json"))], TEST_KEYRING, processes=1, workflows=[changed]
        )
        assert guarded.ok and not broken.ok and broken.problem == "non-deterministic" and says in broken.reason, broken
