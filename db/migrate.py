"""Bring the read model's schema to the newest Alembic revision and load the starter catalogue.

`python -m db.migrate` is the prestart step (`make run` and compose's one-shot `migrate` job run
it before the worker and the API), under a PostgreSQL advisory lock so two never migrate at
once. In production the API and the workers do not migrate: they refuse to start on a schema
behind the code (`prepare`); in development they migrate themselves, under the same lock.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from catalogue.versions import record_starter_version
from credit.store import load_default_rules
from db.models import Matter

MIGRATIONS = Path(__file__).parent / "migrations"
CATALOGUE_FILE = Path(__file__).resolve().parent.parent / "activities" / "data" / "catalogue.json"
OFFICE_SET = frozenset({"risk_level"})  # set through the API (PUT /matters/{code}/risk-level), not by the file


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("file_template", "%%(year)d-%%(month).2d-%%(day).2d_%%(rev)s_%%(slug)s")
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")


def load_catalogue(engine: Engine) -> None:
    """The starter catalogue: entries the table lacks are inserted, and a stored entry whose
    version in the file is higher is updated in place (so fixes reach existing databases).

    Retired entries stay in the file, and in the table, marked `retired`: cases that used them
    still resolve them, new cases are refused them. A stored entry at the same or a newer version
    is left as it is, and so is a row the file does not name.
    """
    entries: list[dict[str, Any]] = json.loads(CATALOGUE_FILE.read_text(encoding="utf-8"))
    for attempt in range(2):
        with Session(engine) as session:
            stored = {m.code: m for m in session.exec(select(Matter))}
            changed = False
            for entry in entries:
                row = stored.get(entry["code"])
                if row is None:
                    session.add(Matter(**entry))
                    changed = True
                elif entry.get("version", 1) > row.version:
                    fresh = Matter(**entry)  # defaults for fields the file leaves out
                    for field in Matter.model_fields:
                        if field not in OFFICE_SET or field in entry:  # a risk level the credit office set stays
                            setattr(row, field, getattr(fresh, field))
                    session.add(row)
                    changed = True
            if not changed:
                return
            try:
                session.commit()
                return
            except IntegrityError:  # another process loaded the same entries at the same moment
                session.rollback()
                if attempt:
                    raise


MIGRATION_LOCK = 0x4368656E676E756F  # "Chengnuo": the advisory lock every migration takes


class SchemaBehind(Exception):
    """The database is not at the code's newest revision: run the migrate job first."""


@contextmanager
def migration_lock(engine: Engine) -> Iterator[None]:
    """One migration at a time across processes and machines (PostgreSQL); SQLite is one file
    of one machine, and its writes are serialized anyway."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:  # no transaction held while waiting
        conn.execute(text("select pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
        try:
            yield
        finally:
            conn.execute(text("select pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})


def migrate(engine: Engine) -> None:
    """The migrate job: the schema, the catalogue, the rules, under the lock."""
    with migration_lock(engine):
        init_db(engine)


def current_revisions(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def prepare(engine: Engine, production: bool) -> None:
    """At the start of the API or a worker: in production, only check that the migrate job ran
    (a replica never migrates); in development, migrate (under the lock)."""
    if not production:
        migrate(engine)
        return
    heads = set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())
    found = current_revisions(engine)
    if found != heads:
        raise SchemaBehind(
            f"the database is at revision {', '.join(sorted(found)) or 'none'}, the code needs {', '.join(sorted(heads))}: "
            "run the migrate job first (`python -m db.migrate`; compose's `migrate` service)"
        )


def init_db(engine: Engine) -> None:
    upgrade(engine)
    load_catalogue(engine)
    record_starter_version(engine)  # catalogue version 1, once (catalogue/versions.py)
    with Session(engine) as session:  # the credit grading rules, version 1 (credit/data/rules.json)
        load_default_rules(session)
        session.commit()


if __name__ == "__main__":
    import sys

    from config import get_settings
    from db.session import SQLiteInProduction, settings_engine

    try:
        engine = settings_engine(get_settings())
    except SQLiteInProduction as refused:
        sys.exit(str(refused))
    migrate(engine)
