"""Bring the read model's schema to the newest Alembic revision and load the starter catalogue.

`python -m db.migrate` is the prestart step (`make run` and docker-compose run it before the
worker and the API); both also call `init_db` at start, which finds nothing left to do.
"""

from __future__ import annotations

import json
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from db.models import Matter

MIGRATIONS = Path(__file__).parent / "migrations"
CATALOGUE_FILE = Path(__file__).resolve().parent.parent / "activities" / "data" / "catalogue.json"


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
        command.upgrade(config, "head")


def load_catalogue(engine: Engine) -> None:
    """The starter catalogue, on first start only."""
    with Session(engine) as session:
        if session.exec(select(Matter).limit(1)).first() is not None:
            return
        for entry in json.loads(CATALOGUE_FILE.read_text(encoding="utf-8")):
            session.add(Matter(**entry))
        try:
            session.commit()
        except IntegrityError:  # another process loaded it at the same moment
            session.rollback()


def init_db(engine: Engine) -> None:
    upgrade(engine)
    load_catalogue(engine)


if __name__ == "__main__":
    from config import get_settings
    from db.session import make_engine

    init_db(make_engine(get_settings().database_url))
