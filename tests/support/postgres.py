"""The machine's PostgreSQL for the tests that run on it: where it is, whether it answers, and
the mark that skips them when it does not (the `pg` fixture is in tests/conftest.py)."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from db.session import make_engine

URL = os.environ.get("DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test"


def reachable(url: str) -> bool:
    try:
        with make_engine(url).connect() as conn:
            conn.execute(text("select 1"))
        return True
    except Exception:
        return False


on_postgres = pytest.mark.skipif(
    not URL.startswith("postgresql") or (not os.environ.get("DATABASE_URL") and not reachable(URL)),
    reason="no PostgreSQL: DATABASE_URL unset and none on 127.0.0.1:5432",
)
