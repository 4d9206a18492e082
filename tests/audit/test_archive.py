"""The archive (issue 28): the Schedule exports a closed case's history with its manifest, the
folder is sealed read-only; once Temporal has deleted the case, the API still serves its
history from the archive, and `chengnuo audit verify` and `replay` read it."""

from __future__ import annotations

import asyncio
import stat
import subprocess
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from temporalio.service import RPCError, RPCStatusCode
from typer.testing import CliRunner

from audit import archive
from audit.cli import audit_app
from audit.history import MANIFEST
from audit.verify import verify
from config import Settings
from ops.schedules import keep_archiving
from tests.support.factories import AFTER, APPLICANT, TEST_KEYRING
from tests.support.harness import Harness
from tests.support.http import api_client, auth
from tests.support.temporal import BIN, dev_env
from worker import build_worker
from workflows import search
from workflows.application import ApplicationWorkflow as W
from workflows.archiver import ARCHIVE_SCHEDULE_ID
from workflows.types import CancelInput

pytestmark = pytest.mark.e2e  # a dev server (visibility, Schedules) and the temporal CLI


async def eventually(check: object, seconds: float = 30, nudge: object = None) -> None:
    for _ in range(int(seconds * 5)):
        if await check():  # type: ignore[operator]
            return
        if nudge is not None:
            await nudge()  # type: ignore[operator]
        await asyncio.sleep(0.2)
    raise AssertionError("not within the time")


async def test_a_closed_case_is_archived_then_served_after_temporal_deletes_it(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "archive"
    async with await dev_env() as env:
        await search.register(env.client, env.client.namespace)
        case = Harness(env, engine, task_queue=f"tq-{uuid.uuid4()}")
        settings = Settings(task_queue=case.task_queue, archive_dir=str(root))
        async with build_worker(env.client, engine, case.task_queue, settings):
            handle, view = await case.open([AFTER])
            await handle.execute_update(W.cancel, CancelInput(APPLICANT, "不再办理"))
            assert await handle.result() == "cancelled"
            recorded = [e async for e in handle.fetch_history_events()]

            # the Schedule's pass archives it (visibility lists a closed case a moment later: nudge)
            await keep_archiving(env.client, case.task_queue, timedelta(hours=1))
            schedule = env.client.get_schedule_handle(ARCHIVE_SCHEDULE_ID)
            assert (await schedule.describe()).schedule.spec.intervals[0].every == timedelta(hours=1)

            async def done() -> bool:
                return archive.archived(root, handle.id)

            async def trigger() -> None:
                await schedule.trigger()
                await asyncio.sleep(1)

            await eventually(done, nudge=trigger)
            again = await archive.archive_closed(env.client, root, env.client.data_converter)
            assert again.exported == [] and again.already >= 1  # a pass finds it there, writes nothing

        folder = archive.folder_of(root, handle.id)
        assert verify(folder).ok and {p.name for p in folder.iterdir()} == {MANIFEST, f"{handle.id}.json"}
        assert all(not p.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) for p in [folder, *folder.iterdir()])

        # Temporal deletes it (as retention would): the API serves the archived history
        address = env.client.service_client.config.target_host
        deleted = subprocess.run(
            [
                str(BIN / "temporal"),
                "workflow",
                "delete",
                "--workflow-id",
                handle.id,
                "--address",
                address,
                "--namespace",
                env.client.namespace,
                "--yes",
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert deleted.returncode == 0, deleted.stdout + deleted.stderr

        async def gone() -> bool:
            try:
                await handle.describe()
            except RPCError as err:
                return err.status == RPCStatusCode.NOT_FOUND
            return False

        await eventually(gone, seconds=120)  # the dev server deletes in the background, in about 35 s
        async with api_client(case, archive_dir=str(root)) as http:
            served = await http.get(f"/applications/{view.application_id}/history", headers=auth("auditor"))
            assert served.status_code == 200, served.text
            body = served.json()
            assert body["archived"] is True and len(body["events"]) == len(recorded)
            assert body["events"][0]["eventType"] == "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED"
            timeline = await http.get(f"/applications/{view.application_id}/timeline", headers=auth("auditor"))
            assert "撤回申请" in " ".join(e["summary"] for e in timeline.json())

    # the archive is an export like any other: verified and replayed without Temporal
    runner = CliRunner()
    verified = await asyncio.to_thread(runner.invoke, audit_app, ["verify", str(folder)])
    assert verified.exit_code == 0, verified.output
    monkeypatch.setattr("audit.cli._keyring", lambda: TEST_KEYRING)
    replayed = await asyncio.to_thread(runner.invoke, audit_app, ["replay", str(folder)])
    assert replayed.exit_code == 0 and "recorded cancelled · replayed cancelled" in replayed.output, replayed.output


def test_an_archived_file_changed_is_not_served(tmp_path: Path) -> None:
    """A folder whose files no longer match its manifest is not served as the case's record."""
    folder = archive.folder_of(tmp_path, "application-x")
    folder.mkdir(parents=True)
    (folder / "application-x.json").write_text('{"events": []}', encoding="utf-8")
    (folder / MANIFEST).write_text(
        '{"files": {"application-x.json": {"sha256": "0", "workflow_id": "application-x"}}}', encoding="utf-8"
    )
    assert archive.archived(tmp_path, "application-x") and archive.archived_history(tmp_path, "application-x") is None
