"""Production keeps the read model on PostgreSQL: SQLite is refused at start, clearly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from api.main import create_app
from config import Settings
from db.session import SQLiteInProduction, settings_engine

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.e2e  # the prestart step as a process of its own
def test_the_prestart_step_refuses_sqlite_in_production(tmp_path: Path) -> None:
    db = tmp_path / "read.db"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CHENGNUO_ENV")}
    ran = subprocess.run(
        [sys.executable, "-m", "db.migrate"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env=env | {"CHENGNUO_ENV": "production", "DATABASE_URL": f"sqlite:///{db}"},
    )
    assert ran.returncode != 0 and "production refuses SQLite" in ran.stderr and "DATABASE_URL=postgresql" in ran.stderr
    assert not db.exists()  # nothing was created


async def test_the_api_refuses_to_start_on_sqlite_in_production(tmp_path: Path) -> None:
    app = create_app(Settings(chengnuo_env="production", database_url=f"sqlite:///{tmp_path}/read.db"))
    with pytest.raises(SQLiteInProduction, match="生产环境不能使用 SQLite"):
        async with app.router.lifespan_context(app):
            pass


def test_development_and_production_on_postgresql_are_accepted(tmp_path: Path) -> None:
    assert (
        settings_engine(Settings(chengnuo_env="development", database_url=f"sqlite:///{tmp_path}/dev.db")).dialect.name
        == "sqlite"
    )
    engine = settings_engine(Settings(chengnuo_env="production", database_url="postgresql://nobody@127.0.0.1:1/none"))
    assert engine.dialect.name == "postgresql"  # made, not connected
