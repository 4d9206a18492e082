"""The restore drill (issue 28), on the machine's PostgreSQL in a scratch database of its own:
cases in every state, an encrypted backup, the database dropped and restored, the API serving
every case as before; then a row deleted by hand comes back with `reproject`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, delete, text
from sqlalchemy.engine import make_url
from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment

from audit.reproject import reproject
from db.models import Application, CaseEvent, CaseMatter
from db.session import make_engine
from ops.backup import backup, restore
from tests.support.factories import AFTER, APPLICANT, CASEWORKER, CONVERTER, PUBLIC, VERIFIER, applicant
from tests.support.harness import Harness
from tests.support.http import api_client, auth
from tests.support.postgres import URL, on_postgres
from tests.support.readmodel import seeded_engine
from tests.support.replay import replay_all, stop_all
from worker import build_worker
from workflows.application import ApplicationWorkflow as W
from workflows.types import CancelInput, CommitInput, ComplaintInput, DecisionInput, VerificationInput

pytestmark = [on_postgres, pytest.mark.slow]


@pytest.fixture
def scratch() -> Iterator[str]:
    """A database of its own on the machine's server (never `test` itself), dropped after."""
    name = f"chengnuo_drill_{uuid.uuid4().hex[:8]}"
    admin = make_engine(URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'create database "{name}"'))
    yield make_url(URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'drop database if exists "{name}" with (force)'))
    admin.dispose()


def recreate(url: str) -> None:
    """The database lost: dropped, and an empty one of the same name."""
    name = make_url(url).database
    admin = make_engine(URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'drop database "{name}" with (force)'))
        conn.execute(text(f'create database "{name}"'))
    admin.dispose()


async def served(case: Harness, ids: list[str]) -> dict[str, Any]:
    """Every case as the API answers it, with its timeline."""
    async with api_client(case) as http:
        out = {}
        for i in ids:
            one, timeline = await http.get(f"/applications/{i}", headers=auth("auditor")), None
            if one.status_code == 200:
                timeline = (await http.get(f"/applications/{i}/timeline", headers=auth("auditor"))).json()
            out[i] = (one.status_code, one.json(), timeline)
        return out


async def cases_in_every_state(case: Harness) -> list[str]:
    made = []
    for n, steps in enumerate(
        [
            [],  # notified
            [("commit",)],  # reviewing
            [("commit",), ("approve",)],  # approved, verification scheduled
            [("commit",), ("approve",), ("complain",), ("untrue",)],  # verifying: an untrue finding awaits a measure
            [("commit",), ("reject",)],  # rejected (closed)
            [("cancel",)],  # cancelled by the applicant (closed)
        ]
    ):
        handle, view = await case.open([AFTER], who=applicant(n + 1))
        me = APPLICANT.__class__(view.applicant.id, APPLICANT.role)
        for (step,) in steps:
            if step == "commit":
                await handle.execute_update(W.commit, CommitInput(me, AFTER))
            elif step in ("approve", "reject"):
                await handle.execute_update(W.decide, DecisionInput(CASEWORKER, step == "approve", "审查意见"))
            elif step == "complain":
                await handle.execute_update(W.complain, ComplaintInput(PUBLIC, "举报"))
            elif step == "untrue":
                await handle.execute_update(W.record_verification, VerificationInput(VERIFIER, AFTER, False, "不实"))
            else:
                await handle.execute_update(W.cancel, CancelInput(me, "不再办理"))
        await case.quiet(handle)
        made.append(view.application_id)
    return made


async def test_backup_drop_restore_and_reproject(env: WorkflowEnvironment, scratch: str, tmp_path: Path) -> None:
    engine: Engine = seeded_engine(scratch)
    case = Harness(env, engine, task_queue=f"tq-{uuid.uuid4()}")
    passphrase = tmp_path / "keys" / "backup.pass"  # kept apart from the backups
    passphrase.parent.mkdir()
    passphrase.write_text(uuid.uuid4().hex, encoding="utf-8")
    async with build_worker(env.client, engine, task_queue=case.task_queue):
        ids = await cases_in_every_state(case)
        before = await served(case, ids)
        assert [b[1]["status"] for b in before.values()] == [
            "notified",
            "reviewing",
            "approved",
            "verifying",
            "rejected",
            "cancelled",
        ]

        file = tmp_path / "backups" / "chengnuo.pgdump.gpg"
        file.parent.mkdir()
        took = time.perf_counter()
        size = backup(scratch, file, passphrase)
        backed_up = time.perf_counter() - took
        data = file.read_bytes()
        assert size == len(data) > 0 and b"PGDMP" not in data and "不再办理".encode() not in data  # encrypted

        engine.dispose()
        recreate(scratch)
        took = time.perf_counter()
        restore(scratch, file, passphrase)
        restored_in = time.perf_counter() - took
        restored = make_engine(scratch)
        case.engine = restored
        assert await served(case, ids) == before  # every case as before the loss
        print(f"\nbackup {size:,} bytes in {backed_up:.2f} s; restore of {len(ids)} cases in {restored_in:.2f} s")  # noqa: T201

        lost = ids[3]  # a row, its matters and its timeline deleted by hand
        with Session(restored) as s:
            for model in (CaseEvent, CaseMatter, Application):
                s.execute(delete(model).where(model.application_id == lost))  # type: ignore[attr-defined]
            s.commit()
        assert (await served(case, [lost]))[lost][0] == 404
        assert await reproject(env.client, restored, tmp_path / "archive", lost, CONVERTER) > 0
        assert await served(case, ids) == before
        assert await reproject(env.client, restored, tmp_path / "archive", "never-opened", CONVERTER) == 0

        await stop_all(case)
    await replay_all(case)
    restored.dispose()


def test_the_commands_back_up_and_restore(scratch: str, tmp_path: Path) -> None:
    """`chengnuo backup create` and `chengnuo backup restore`, as an administrator types them."""
    engine = seeded_engine(scratch)
    with engine.connect() as conn:
        matters = conn.execute(text("select count(*) from matter")).scalar_one()
    engine.dispose()
    assert matters > 0
    key, file = tmp_path / "backup.pass", tmp_path / "nightly.pgdump.gpg"
    key.write_text("a passphrase kept apart", encoding="utf-8")
    cli = str(Path(sys.executable).parent / "chengnuo")
    env = {k: v for k, v in os.environ.items() if k != "CHENGNUO_ENV"} | {"DATABASE_URL": scratch}
    made = subprocess.run([cli, "backup", "create", str(file), "--passphrase-file", str(key)], env=env, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert made.returncode == 0 and "bytes" in made.stdout, made.stdout + made.stderr
    recreate(scratch)
    wrong = tmp_path / "wrong.pass"
    wrong.write_text("not the passphrase", encoding="utf-8")
    refused = subprocess.run([cli, "backup", "restore", str(file), "--passphrase-file", str(wrong)], env=env,
                             capture_output=True, text=True, timeout=120)  # fmt: skip
    assert refused.returncode != 0  # a wrong passphrase restores nothing
    restored = subprocess.run([cli, "backup", "restore", str(file), "--passphrase-file", str(key)], env=env,
                              capture_output=True, text=True, timeout=120)  # fmt: skip
    assert restored.returncode == 0 and "restored" in restored.stdout, restored.stdout + restored.stderr
    after = make_engine(scratch)
    with after.connect() as conn:
        assert conn.execute(text("select count(*) from matter")).scalar_one() == matters
    after.dispose()
