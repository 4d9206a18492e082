"""A case whose workflow is terminated from outside is never shown as open (on the dev server:
the time-skipping server has no visibility queries)."""

from __future__ import annotations

import asyncio
import sys
import uuid
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment

from activities.reconcile import reconcile
from db.models import Application
from tests.factories import AFTER, CONVERTER
from tests.harness import Harness
from worker import build_worker
from workflows import search

BIN = Path(sys.executable).parent


async def test_terminated_case_is_shown_aborted(engine: Engine) -> None:
    async with await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(BIN / "temporal"), data_converter=CONVERTER
    ) as env:
        await search.register(env.client, env.client.namespace)
        case = Harness(env, engine, task_queue=f"tq-{uuid.uuid4()}")
        async with build_worker(env.client, engine, task_queue=case.task_queue):
            handle, view = await case.open([AFTER])
            survivor, other_view = await case.open([AFTER])
            await handle.terminate("operator mistake")
            for _ in range(50):  # visibility is eventually consistent
                marked = await reconcile(env.client, engine)
                if marked:
                    break
                await asyncio.sleep(0.2)
            assert marked == [view.application_id]
            with Session(engine) as s:
                row = s.get(Application, view.application_id)
                assert row is not None and row.status == "aborted" and row.closed_at is not None
                other = s.get(Application, other_view.application_id)
                assert other is not None and other.status == "notified" and other.closed_at is None
            assert case.timeline_rows(view.application_id)[-1].action == "aborted"
            assert await reconcile(env.client, engine) == []  # once
            await survivor.terminate("test over")
