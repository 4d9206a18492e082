"""Writes that a retried activity may repeat safely, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect, or_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, SQLModel

INSERTS = {"postgresql": pg_insert, "sqlite": sqlite_insert}


def _key(model: type[SQLModel]) -> list[Any]:
    return list(inspect(model).local_table.primary_key.columns)  # type: ignore[union-attr]


def insert_ignore(session: Session, model: type[SQLModel], rows: list[dict[str, Any]]) -> int:
    """INSERT … ON CONFLICT DO NOTHING: a row already there stays as it is. Returns the rows
    inserted, counted by RETURNING (psycopg reports no rowcount for a multi-row insert)."""
    if not rows:
        return 0
    stmt: Any = INSERTS[session.get_bind().dialect.name](model).values(rows)  # type: ignore[arg-type]
    return len(session.execute(stmt.on_conflict_do_nothing().returning(*_key(model))).all())


def upsert(session: Session, model: type[SQLModel], rows: list[dict[str, Any]], sticky: tuple[str, ...] = ()) -> None:
    """INSERT … ON CONFLICT (primary key) DO UPDATE: the rows given replace those of the same key,
    but a `sticky` flag once true stays true."""
    if not rows:
        return
    keys = [c.name for c in _key(model)]
    table = inspect(model).local_table  # type: ignore[union-attr]
    stmt: Any = INSERTS[session.get_bind().dialect.name](model).values(rows)  # type: ignore[arg-type]
    values = {c: or_(table.c[c], stmt.excluded[c]) if c in sticky else stmt.excluded[c] for c in rows[0] if c not in keys}
    session.execute(stmt.on_conflict_do_update(index_elements=keys, set_=values))
