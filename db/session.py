"""Engine and session factory for the read model (SQLite by default, PostgreSQL by DATABASE_URL)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, create_engine, select

from db.models import Matter

CATALOGUE_FILE = Path(__file__).resolve().parent.parent / "activities" / "data" / "catalogue.json"

SessionFactory = Callable[[], Session]


def make_engine(url: str, **kwargs: object) -> Engine:
    """An engine for url; a SQLite file's folder is created, PostgreSQL uses psycopg 3."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, **kwargs)  # type: ignore[arg-type]


def init_db(engine: Engine) -> None:
    """Create the tables and load the starter catalogue on first start."""
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        if session.exec(select(Matter).limit(1)).first() is not None:
            return
        for entry in json.loads(CATALOGUE_FILE.read_text(encoding="utf-8")):
            session.add(Matter(**entry))
        try:
            session.commit()
        except IntegrityError:  # the API and the worker started together; one of them loaded it
            session.rollback()


def session_factory(engine: Engine) -> SessionFactory:
    return lambda: Session(engine)
