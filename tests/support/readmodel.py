"""The read model as the tests start it: migrated, and the test catalogue in it."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session

from db.migrate import upgrade
from db.session import make_engine
from tests.support.factories import TEST_MATTERS


def seeded_engine(url: str, **kwargs: object) -> Engine:
    engine = make_engine(url, **kwargs)
    upgrade(engine)
    with Session(engine) as session:
        for m in TEST_MATTERS:
            session.merge(m)
        session.commit()
    return engine
