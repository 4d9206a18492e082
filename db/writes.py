"""Writes that a retried activity may repeat safely, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, SQLModel

INSERTS = {"postgresql": pg_insert, "sqlite": sqlite_insert}


def insert_ignore(session: Session, model: type[SQLModel], rows: list[dict[str, Any]]) -> None:
    """INSERT … ON CONFLICT DO NOTHING: a row already there (an earlier attempt) stays as it is."""
    if rows:
        insert = INSERTS[session.get_bind().dialect.name]
        session.execute(insert(model).values(rows).on_conflict_do_nothing())  # type: ignore[arg-type,attr-defined]
