"""Bring the read model's schema to the newest Alembic revision and load the starter catalogue.

`python -m db.migrate` is the prestart step (`make run` and docker-compose run it before the
worker and the API); both also call `init_db` at start, which finds nothing left to do.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine
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
    init_db(engine)
