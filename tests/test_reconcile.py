"""A case whose workflow is terminated from outside is never shown as open (on the dev server:
the time-skipping server has no visibility queries)."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import Session

from activities.reconcile import reconcile
from db.models import Application
from tests.support.factories import AFTER
from tests.support.harness import Harness

pytestmark = pytest.mark.e2e


async def test_terminated_case_is_shown_aborted(dev_case: Harness) -> None:
    case, env, engine = dev_case, dev_case.env, dev_case.engine
    handle, view = await case.open([AFTER])
    _, other_view = await case.open([AFTER])
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
