"""Engine and session factory for the read model (SQLite by default, PostgreSQL by DATABASE_URL)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, event
from sqlmodel import Session, create_engine

if TYPE_CHECKING:
    from config import Settings

SessionFactory = Callable[[], Session]


def make_engine(url: str, *, pool_size: int = 10, max_overflow: int = 10, pool_timeout: float = 5, **kwargs: Any) -> Engine:
    """An engine for url; a SQLite file's folder is created, PostgreSQL uses psycopg 3.

    The pool is bounded: a caller that finds no free connection within pool_timeout gets
    SQLAlchemy's TimeoutError (the API answers 503) rather than waiting for ever.
    """
    sqlite = url.startswith("sqlite:///")
    if sqlite:
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(  # a file needs no ping; a server's connection may have gone
        url, pool_pre_ping=not sqlite, pool_size=pool_size, max_overflow=max_overflow, pool_timeout=pool_timeout, **kwargs
    )
    if sqlite:
        event.listen(engine, "connect", _sqlite_wal)
    return engine


def _sqlite_wal(dbapi_connection: Any, _record: Any) -> None:
    """Write-ahead logging: the API reads while the worker writes, neither waits for the other."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def session_factory(engine: Engine) -> SessionFactory:
    return lambda: Session(engine)


class SQLiteInProduction(RuntimeError):
    """Production keeps the read model (ID numbers, texts, the credit archive) on PostgreSQL."""


def settings_engine(settings: Settings) -> Engine:
    """The read model's engine as the settings size it (API, worker, migrations and commands
    alike). Production refuses SQLite: one file, one writer at a time, no replica, no backup
    while it is written."""
    if settings.chengnuo_env == "production" and settings.database_url.startswith("sqlite"):
        raise SQLiteInProduction(
            "生产环境不能使用 SQLite 作为读模型 / production refuses SQLite for the read model: "
            "set DATABASE_URL=postgresql://… (CHENGNUO_ENV=production)"
        )
    return make_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
    )
