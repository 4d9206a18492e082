"""Production keeps the read model on PostgreSQL: SQLite is refused at start, clearly."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import text

from api.main import create_app
from config import Settings
from db.migrate import SchemaBehind, current_revisions, migrate, prepare
from db.session import SQLiteInProduction, make_engine, settings_engine
from tests.support.postgres import URL, on_postgres

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def pg_url_schema() -> Iterator[tuple[str, str]]:
    """An empty schema of its own on the machine's PostgreSQL, dropped after."""
    schema = f"chengnuo_prod_{uuid.uuid4().hex[:8]}"
    with make_engine(URL).begin() as conn:
        conn.execute(text(f'create schema "{schema}"'))
    yield URL, schema
    with make_engine(URL).begin() as conn:
        conn.execute(text(f'drop schema "{schema}" cascade'))


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


@on_postgres
async def test_a_replica_does_not_migrate_in_production_it_waits_for_the_migrate_job(pg_url_schema: str) -> None:
    """The API in production on an empty database refuses to start, naming the migrate job; after
    the job, it starts (and migrates nothing itself)."""
    url, schema = pg_url_schema
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    app = create_app(Settings(chengnuo_env="production", database_url=url), engine=engine)
    with pytest.raises(SchemaBehind, match="run the migrate job first"):
        async with app.router.lifespan_context(app):
            pass
    assert current_revisions(engine) == set()  # nothing was migrated by the replica
    migrate(engine)
    prepare(engine, production=True)  # now at the newest revision: a replica starts


@on_postgres
def test_migrations_run_one_at_a_time_under_the_advisory_lock(pg_url_schema: str) -> None:
    """Four migrate jobs at once on a fresh schema: each waits for the lock, all succeed, the
    schema is built once."""
    url, schema = pg_url_schema
    engines = [make_engine(url, connect_args={"options": f"-csearch_path={schema}"}) for _ in range(4)]
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(migrate, engines))
    assert len(current_revisions(engines[0])) == 1
    with engines[0].connect() as conn:
        assert conn.execute(text("select count(*) from matter")).scalar_one() > 0
        held = conn.execute(text("select count(*) from pg_locks where locktype = 'advisory'")).scalar_one()
    assert held == 0  # released by every job


def test_settings_read_secrets_from_files(tmp_path: Path) -> None:
    """Compose's `secrets:` are files named after the settings; the environment still wins."""
    (tmp_path / "database_url").write_text("postgresql+psycopg://chengnuo:s3cret@postgresql:5432/chengnuo\n", encoding="utf-8")
    (tmp_path / "payload_keys").write_text('{"k1": "' + "A" * 43 + '="}', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PAYLOAD_KEYS")}
    ran = subprocess.run(
        [sys.executable, "-c", "from config import Settings; s = Settings(); print(s.database_url, list(s.payload_keys))"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, env=env | {"CHENGNUO_SECRETS_DIR": str(tmp_path)},
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split() == ["postgresql+psycopg://chengnuo:s3cret@postgresql:5432/chengnuo", "['k1']"]
