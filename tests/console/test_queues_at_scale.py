"""Queues at a district's scale: an old, urgent item is never lost behind newer cases, the
totals are true, the pages hold together, and a department sees its own matters."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, insert
from sqlmodel import Session

from console.queues import Ask, queues_for
from db.models import Application, CaseMatter
from tests.support.readmodel import seeded_engine
from tests.support.rows import NOW, case
from workflows.types import Actor, Role

pytestmark = pytest.mark.slow  # ten thousand cases written once for the module

VERIFIER = Actor("dev-verifier", Role.verifier)
CASEWORKER = Actor("dev-caseworker", Role.caseworker)
NEWER = 10_000
DUE = 30


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """30 old cases whose verification fell due (complaints made them due at once), then 10,000
    newer approved cases waiting for theirs, across two departments; and newer applications."""
    start = NOW - timedelta(days=300)
    made = [
        case(
            n,
            start + timedelta(minutes=n),
            "verifying",
            "due",
            start + timedelta(days=10 + n % 3),
            "湛河区市场监督管理局" if n % 2 else "湛河区卫生健康委员会",
        )
        for n in range(DUE)
    ]
    made += [
        case(
            DUE + n,
            start + timedelta(days=60, seconds=n * 60),
            "approved",
            "scheduled",
            NOW + timedelta(days=30),
            "湛河区市场监督管理局",
        )
        for n in range(NEWER)
    ]
    made += [
        case(DUE + NEWER + n, NOW - timedelta(hours=n), "reviewing", "none", None, "湛河区市场监督管理局") for n in range(120)
    ]
    engine = seeded_engine(f"sqlite:///{tmp_path_factory.mktemp('district')}/read.db")
    with Session(engine) as session:
        session.execute(insert(Application), [r for r, _ in made])
        session.execute(insert(CaseMatter), [m for _, m in made])
        session.commit()
    return engine


def test_the_verifier_sees_every_old_due_item_behind_ten_thousand_newer_cases(district: Engine) -> None:
    with Session(district) as session:
        [queue] = queues_for(session, VERIFIER, NOW)
    assert queue.key == "verifications" and queue.total == DUE and len(queue.items) == DUE
    assert {i.case.application_id for i in queue.items} == {f"s-{n:06d}" for n in range(DUE)}
    assert all(i.overdue for i in queue.items)  # every deadline has passed
    deadlines = [(i.due, i.case.opened_at) for i in queue.items]
    assert deadlines == sorted(deadlines)  # the nearest (longest overdue) deadline first, then the oldest case


def test_pages_hold_the_whole_queue_in_order(district: Engine) -> None:
    with Session(district) as session:
        pages = [queues_for(session, VERIFIER, NOW, Ask({"verifications": p}, per_page=7))[0] for p in range(1, 6)]
        counts = queues_for(session, VERIFIER, NOW, Ask(per_page=0))[0]
    assert [len(p.items) for p in pages] == [7, 7, 7, 7, 2] and {p.pages for p in pages} == {5}
    assert counts.total == DUE and not counts.items  # the navigation's count alone
    ids = [i.case.application_id for p in pages for i in p.items]
    with Session(district) as session:
        whole = queues_for(session, VERIFIER, NOW)[0]
    assert ids == [i.case.application_id for i in whole.items] and len(set(ids)) == DUE


def test_a_department_sees_its_own_matters_and_the_caseworker_the_oldest_decisions(district: Engine) -> None:
    health = Actor("v-7", Role.verifier, "湛河区卫生健康委员会")
    with Session(district) as session:
        [theirs] = queues_for(session, health, NOW)
        decisions = queues_for(session, CASEWORKER, NOW)[0]
    assert theirs.total == DUE // 2 and all(int(i.case.application_id[2:]) % 2 == 0 for i in theirs.items)
    assert decisions.key == "decisions" and decisions.total == 120 and len(decisions.items) == 50
    due = [i.due for i in decisions.items]
    assert (
        due == sorted(due) and decisions.items[0].case.application_id == f"s-{DUE + NEWER + 119:06d}"
    )  # opened first, due first
