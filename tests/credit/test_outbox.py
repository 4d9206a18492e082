"""The push to the credit platform through the outbox, against a real HTTP receiver: events are
written with their records or not at all, delivered exactly once through outages, under the same
key on every retry, also when the worker is killed mid-POST; the export when nothing is pushed."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select
from temporalio.testing import ActivityEnvironment
from typer.testing import CliRunner

from activities.credit import CreditActivities
from config import Settings
from credit import outbox
from db.models import CreditOutbox, CreditRecord
from db.session import session_factory
from tests.credit.receiver import Receiver
from tests.support.credit import POST_TIMEOUT, end
from tests.support.factories import CONVERTER, TEST_KEYRING, TEST_PSEUDONYM_KEY
from tests.support.harness import Harness
from tests.support.temporal import dev_env
from worker import build_worker, replayer
from workflows.delivery import DELIVERY_WORKFLOW_ID, CreditDeliveryWorkflow, ensure_running
from workflows.delivery_types import DeliveryInput
from workflows.types import CreditRecordInput, RecordCreditsInput

ROOT = Path(__file__).resolve().parents[2]
PERSON = "110101199003070011"  # a valid resident ID number (check digit 1)
FAST = DeliveryInput(batch_size=2, idle_seconds=0.5, post_timeout_seconds=POST_TIMEOUT, first_retry_seconds=0.2)


def record(n: int, applicant_id: str = PERSON, kind: str = "revoked") -> dict[str, Any]:
    return {
        "business_id": f"case-{n}:{kind}:-",
        "applicant_id": applicant_id,
        "application_id": f"case-{n}",
        "matter_code": None,
        "kind": kind,
        "severity": "serious",
        "note": "测试",
        "at": datetime(2026, 3, 1, tzinfo=timezone.utc) + timedelta(minutes=n),
        "actor_id": "sv-1",
        "basis": "《中华人民共和国行政许可法》第六十九条",
    }


def write(engine: Engine, *ns: int) -> list[str]:
    with Session(engine) as session:
        outbox.insert_records(session, [record(n) for n in ns])
        session.commit()
    return [record(n)["business_id"] for n in ns]


def rows(engine: Engine) -> dict[str, CreditOutbox]:
    with Session(engine) as session:
        return {r.event_id: r for r in session.exec(select(CreditOutbox))}


async def eventually(check: Callable[[], bool], within: float = 30, what: str = "") -> None:
    end_at = time.monotonic() + within
    while not check():
        if time.monotonic() > end_at:
            raise AssertionError(f"never happened: {what}")
        await asyncio.sleep(0.05)


def delivered(engine: Engine, keys: list[str]) -> bool:
    found = rows(engine)
    return all(k in found and found[k].delivered_at is not None for k in keys)


# ---- written with the record, or not at all --------------------------------------------------


def test_an_event_is_written_and_rolled_back_with_its_record(engine: Engine) -> None:
    with Session(engine) as session:
        assert outbox.insert_records(session, [record(1)]) == 1
        session.rollback()  # the transaction fails: neither the record nor its event remains
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(CreditRecord)).one() == 0
        assert session.exec(select(func.count()).select_from(CreditOutbox)).one() == 0
    write(engine, 1)
    write(engine, 1, 2)  # a retry with one record more: only the new record gets an event
    found = rows(engine)
    assert sorted(found) == ["case-1:revoked:-", "case-2:revoked:-"]
    payload = found["case-1:revoked:-"].payload
    assert payload["applicant"] == {"id": PERSON, "kind": "person"}
    assert payload["record"] == {
        "id": "case-1:revoked:-",
        "kind": "revoked",
        "label": "虚假承诺致撤销行政决定",
        "severity": "serious",
        "severity_label": "严重失信",
    }
    assert (payload["source_case"], payload["actor"], payload["basis"]) == (
        "case-1",
        "sv-1",
        "《中华人民共和国行政许可法》第六十九条",
    )
    assert payload["at"].startswith("2026-03-01T00:01")


async def test_the_credit_activities_write_each_new_record_with_its_event_once(engine: Engine) -> None:
    activities = CreditActivities(session_factory(engine))
    fact = CreditRecordInput("case-9:revoked:-", PERSON, "case-9", "revoked", "serious", None, datetime.now(timezone.utc), "撤销")
    run = ActivityEnvironment().run
    for _ in range(2):  # the activity retried after it committed: nothing written twice
        await asyncio.to_thread(run, activities.record_credits, RecordCreditsInput(PERSON, [fact]))
    assert await asyncio.to_thread(run, activities.record_credit, fact) is False
    assert list(rows(engine)) == ["case-9:revoked:-"]
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(CreditRecord)).one() == 1


# ---- delivered exactly once, whatever the platform does ----------------------------------------


@pytest.mark.slow
async def test_receiver_down_then_up_each_event_delivered_once(pushing: Harness, receiver: Receiver) -> None:
    keys = write(pushing.engine, 1, 2, 3, 4, 5)
    receiver.down("503")
    await ensure_running(pushing.env.client, pushing.task_queue, FAST)
    handle = pushing.env.client.get_workflow_handle(DELIVERY_WORKFLOW_ID)
    pushing.handles.append(handle)
    await eventually(lambda: len(receiver.posts) >= 3, what="retries while the platform answers 503")
    receiver.down("refused")  # then nothing listens at all
    await asyncio.sleep(1.5)
    assert not receiver.events and all(r.delivered_at is None for r in rows(pushing.engine).values())
    first = rows(pushing.engine)[keys[0]]
    assert first.attempts >= 3 and first.last_error  # each attempt counted, the last error kept
    receiver.up()
    await eventually(lambda: delivered(pushing.engine, keys), what="every event delivered after the outage")
    assert sorted(receiver.events) == sorted(keys)
    assert Counter(receiver.stored) == Counter(keys)  # each stored exactly once
    assert all(p.key in keys for p in receiver.posts)  # no POST without its event's key
    assert len(receiver.posts_of(keys[0])) >= 4  # the same key on every retry: 503s, then 201
    assert all(r.last_error is None for r in rows(pushing.engine).values())
    assert receiver.events[keys[0]]["record"]["kind"] == "revoked"
    sys.stdout.write(
        f"\n[outbox] receiver down then up: {len(keys)} events, {len(receiver.posts)} POSTs, "
        f"{len(receiver.stored)} stored, {sum(p.status == 503 for p in receiver.posts)} answered 503\n"
    )

    # a new event while the workflow idles: the wake signal delivers it at once
    more = write(pushing.engine, 6)
    await handle.signal(CreditDeliveryWorkflow.wake)
    await eventually(lambda: delivered(pushing.engine, more), within=10, what="the woken delivery")
    assert Counter(receiver.stored) == Counter(keys + more)
    await end(handle)


async def test_a_refused_event_is_held_and_the_others_go_on(pushing: Harness, receiver: Receiver) -> None:
    keys = write(pushing.engine, 1, 2, 3)
    receiver.reject.add(keys[0])  # the platform finds the oldest event malformed (422)
    await ensure_running(pushing.env.client, pushing.task_queue, FAST)
    pushing.handles.append(pushing.env.client.get_workflow_handle(DELIVERY_WORKFLOW_ID))
    await eventually(lambda: delivered(pushing.engine, keys[1:]), what="the events behind the refused one")
    held = rows(pushing.engine)[keys[0]]
    assert held.delivered_at is None and held.attempts == 1 and "HTTP 422" in (held.last_error or "")
    assert held.held_until and held.held_until > datetime.now(timezone.utc) + timedelta(minutes=50)
    assert Counter(receiver.stored) == Counter(keys[1:])

    # fixed at the platform and its hold over: it goes, once
    receiver.reject.clear()
    with Session(pushing.engine) as session:
        row = session.get(CreditOutbox, keys[0])
        assert row is not None
        row.held_until = datetime.now(timezone.utc)
        session.add(row)
        session.commit()
    await pushing.env.client.get_workflow_handle(DELIVERY_WORKFLOW_ID).signal(CreditDeliveryWorkflow.wake)
    await eventually(lambda: delivered(pushing.engine, keys), what="the held event once its hold is over")
    assert Counter(receiver.stored) == Counter(keys)


@pytest.mark.e2e
async def test_the_delivery_continues_as_new_and_keeps_delivering(engine: Engine, receiver: Receiver) -> None:
    """On a dev server of its own: the time-skipping test server, once a workflow has continued as
    new there, no longer skips time for the tests after it."""
    inp = DeliveryInput(
        batch_size=1, idle_seconds=0.2, rounds_per_run=2, post_timeout_seconds=POST_TIMEOUT, first_retry_seconds=0.2
    )
    settings = Settings(credit_platform_url=receiver.url, credit_platform_timeout=POST_TIMEOUT)
    async with await dev_env() as env:
        client = env.client
        async with build_worker(client, engine, "tq-continue", settings):
            first = await ensure_running(client, "tq-continue", inp)
            assert await ensure_running(client, "tq-continue", inp) == first  # already running: the same run
            end_at = time.monotonic() + 30
            while (await client.get_workflow_handle(DELIVERY_WORKFLOW_ID).describe()).run_id == first:
                assert time.monotonic() < end_at, "never continued as new"
                await asyncio.sleep(0.1)
            keys = write(engine, 1, 2, 3)
            await eventually(lambda: delivered(engine, keys), what="delivery in a later run")
            latest = client.get_workflow_handle(DELIVERY_WORKFLOW_ID)
            await end(latest)
        assert Counter(receiver.stored) == Counter(keys)
        for handle in (client.get_workflow_handle(DELIVERY_WORKFLOW_ID, run_id=first), latest):
            result = await replayer(CONVERTER).replay_workflow(await handle.fetch_history(), raise_on_replay_failure=False)
            assert result.replay_failure is None, result.replay_failure


# ---- the worker killed mid-delivery (real processes) --------------------------------------------


def worker_process(tmp: Path, address: str, task_queue: str, receiver: Receiver) -> subprocess.Popen[bytes]:
    """`python worker.py` as `make run` starts it, pushing to the receiver."""
    keys = {kid: base64.b64encode(key).decode() for kid, key in TEST_KEYRING.keys.items()}
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp),
        "DATABASE_URL": f"sqlite:///{tmp}/read.db",
        "TEMPORAL_ADDRESS": address,
        "TASK_QUEUE": task_queue,
        "PAYLOAD_KEYS": json.dumps(keys),
        "PSEUDONYM_KEY": TEST_PSEUDONYM_KEY,
        "CREDIT_PLATFORM_URL": receiver.url,
        "CREDIT_PLATFORM_TIMEOUT": str(POST_TIMEOUT),
        "CREDIT_PLATFORM_BATCH": "10",
    }
    log = (tmp / "worker.log").open("ab")
    return subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)


@pytest.mark.e2e
async def test_worker_killed_mid_delivery_every_event_stored_once(tmp_path: Path, receiver: Receiver) -> None:
    from db.migrate import upgrade
    from db.session import make_engine

    engine = make_engine(f"sqlite:///{tmp_path}/read.db")
    upgrade(engine)
    keys = write(engine, 1, 2, 3, 4)
    receiver.hold = 3.0  # each POST is stored, then its answer held for 3 s
    async with await dev_env() as env:
        address = env.client.service_client.config.target_host
        first = worker_process(tmp_path, address, "tq-kill", receiver)
        second: subprocess.Popen[bytes] | None = None
        try:
            await eventually(receiver.holding.is_set, within=60, what=f"a POST held: {(tmp_path / 'worker.log').read_text()}")
            os.kill(first.pid, signal.SIGKILL)  # the platform has the event; the worker never hears so
            first.wait(10)
            receiver.hold = 0
            assert Counter(receiver.stored) == Counter(keys[:1]) and not delivered(engine, keys[:1])
            second = worker_process(tmp_path, address, "tq-kill", receiver)
            await eventually(
                lambda: delivered(engine, keys),
                within=90,
                what=f"delivery after restart: {(tmp_path / 'worker.log').read_text()[-3000:]}",
            )
        finally:
            for proc in (first, second):
                if proc and proc.poll() is None:
                    proc.send_signal(signal.SIGINT)
                    try:
                        proc.wait(15)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        proc.wait()
        assert Counter(receiver.stored) == Counter(keys)  # each event stored exactly once
        assert [p.status for p in receiver.posts_of(keys[0])] == [201, 409]  # sent again, same key
        sys.stdout.write(
            f"\n[outbox] worker killed mid-POST: {len(keys)} events, {len(receiver.posts)} POSTs, {len(receiver.stored)} stored\n"
        )
        handle = env.client.get_workflow_handle(DELIVERY_WORKFLOW_ID)
        await end(handle)
        history = await handle.fetch_history()
        result = await replayer(CONVERTER).replay_workflow(history, raise_on_replay_failure=False)
        assert result.replay_failure is None, result.replay_failure


# ---- the export, when nothing is pushed ---------------------------------------------------------


def test_export_writes_new_events_as_json_lines_and_marks_them(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import cli
    from config import get_settings

    keys = write(engine, 1, 2)
    monkeypatch.setenv("DATABASE_URL", str(engine.url))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        out = tmp_path / "credit.jsonl"
        first = runner.invoke(cli.app, ["credit", "export", "--out", str(out)])
        assert first.exit_code == 0, first.output
        lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        assert [line["event_id"] for line in lines] == keys
        assert lines[0]["payload"]["record"]["label"] == "虚假承诺致撤销行政决定"
        assert all(r.exported_at for r in rows(engine).values())

        more = write(engine, 3)
        again = runner.invoke(cli.app, ["credit", "export", "--out", str(out)])  # only the new one, appended
        assert again.exit_code == 0, again.output
        assert [json.loads(line)["event_id"] for line in out.read_text(encoding="utf-8").splitlines()] == keys + more
        nothing = runner.invoke(cli.app, ["credit", "export"])
        assert nothing.exit_code == 0 and "0" in nothing.output
        everything = runner.invoke(cli.app, ["credit", "export", "--all"])
        assert [json.loads(line)["event_id"] for line in everything.stdout.splitlines() if line.startswith("{")] == keys + more
    finally:
        get_settings.cache_clear()
    with Session(engine) as session:
        assert (
            session.exec(select(func.count()).select_from(CreditOutbox).where(col(CreditOutbox.delivered_at).is_not(None))).one()
            == 0
        )
