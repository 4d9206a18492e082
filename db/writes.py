"""Writes that a retried activity may repeat safely, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, SQLModel

INSERTS = {"postgresql": pg_insert, "sqlite": sqlite_insert}


def insert_ignore(session: Session, model: type[SQLModel], rows: list[dict[str, Any]]) -> int:
    """INSERT … ON CONFLICT DO NOTHING: a row already there stays as it is. Returns the rows inserted."""
    if not rows:
        return 0
    insert = INSERTS[session.get_bind().dialect.name]
    return session.execute(insert(model).values(rows).on_conflict_do_nothing()).rowcount  # type: ignore[arg-type,attr-defined]


def upsert(session: Session, model: type[SQLModel], rows: list[dict[str, Any]]) -> None:
    """INSERT … ON CONFLICT (primary key) DO UPDATE: the rows given replace those of the same key."""
    if not rows:
        return
    table = inspect(model).local_table  # type: ignore[union-attr]
    keys = [c.name for c in table.primary_key.columns]
    stmt: Any = INSERTS[session.get_bind().dialect.name](model).values(rows)  # type: ignore[arg-type]
    session.execute(stmt.on_conflict_do_update(index_elements=keys, set_={c: stmt.excluded[c] for c in rows[0] if c not in keys}))
