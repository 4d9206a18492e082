"""Every queue and list query on PostgreSQL uses an index, checked by EXPLAIN on a read model
large enough that the planner would rather scan a table it could."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, insert, text
from sqlmodel import Session

from console.queues import queues_for
from db.models import Application, CaseMatter
from tests.support.postgres import on_postgres
from tests.support.rows import NOW, case
from workflows.types import Actor, Role

pytestmark = [on_postgres, pytest.mark.slow]
DEPARTMENTS = [f"湛河区第{n}局" for n in range(10)]


@contextmanager
def statements(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", keep)


def test_every_queue_and_list_query_uses_an_index(pg: Engine) -> None:
    start = NOW - timedelta(days=400)
    statuses = [("approved", "scheduled")] * 16 + [
        ("verifying", "due"),
        ("rectifying", "rectifying"),
        ("hearing", "untrue"),
        ("reviewing", "none"),
        ("fulfilled", "true"),
        ("verifying", "untrue"),
    ]
    made = [
        case(
            n,
            start + timedelta(minutes=n),
            *statuses[n % len(statuses)][:1],
            statuses[n % len(statuses)][1],
            NOW + timedelta(days=n % 90 - 30),
            DEPARTMENTS[n % 10],
        )
        for n in range(20_000)
    ]
    with Session(pg) as session:
        session.execute(insert(Application), [r for r, _ in made])
        session.execute(insert(CaseMatter), [m for _, m in made])
        session.commit()
        session.execute(text("ANALYZE application; ANALYZE casematter"))
        session.commit()

    people = [
        Actor("cw", Role.caseworker),
        Actor("v", Role.verifier),
        Actor("sv", Role.supervisor),
        Actor("v-3", Role.verifier, DEPARTMENTS[3]),
        Actor("cw-3", Role.caseworker, DEPARTMENTS[3]),
        Actor("ap-7", Role.applicant),
    ]
    with statements(pg) as seen, Session(pg) as session:
        for person in people:
            queues_for(session, person, NOW)
    asked = [(s, p) for s, p in seen if any(f"FROM {t}" in s for t in ("application", "casematter", "complaint"))]
    assert len(asked) >= 2 * 15  # fifteen queues: each its page and its count (a queue of matters: and its cases)
    with pg.connect() as conn:
        for statement, parameters in asked:
            plan = "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {statement}", parameters))
            assert "Seq Scan on application" not in plan and "Seq Scan on casematter" not in plan, f"{statement}\n{plan}"
