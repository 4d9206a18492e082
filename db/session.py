"""Engine and session factory for the read model (SQLite by default, PostgreSQL by DATABASE_URL)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, create_engine

SessionFactory = Callable[[], Session]


def make_engine(url: str, **kwargs: object) -> Engine:
    """An engine for url; a SQLite file's folder is created, PostgreSQL uses psycopg 3."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, **kwargs)  # type: ignore[arg-type]


def session_factory(engine: Engine) -> SessionFactory:
    return lambda: Session(engine)
