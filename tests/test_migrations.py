"""The Alembic revisions build exactly the schema the models describe."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from db.migrate import upgrade
from db.session import make_engine


def test_migrations_match_the_models(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/m.db")
    upgrade(engine)
    upgrade(engine)  # a second start (the API after the worker) finds nothing to do
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)
    assert diff == []


def test_matter_rows_stored_before_0003_read_as_unchecked_and_in_force(tmp_path: Path) -> None:
    """Revision 0003 adds the basis and retirement columns with server defaults, so a catalogue
    loaded before it keeps working; going back down drops them again."""
    from alembic import command
    from sqlalchemy import MetaData, Table, insert, inspect, select

    from db.migrate import alembic_config

    engine = make_engine(f"sqlite:///{tmp_path}/m.db")
    config = alembic_config(engine)

    def to(revision: str, down: bool = False) -> None:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            (command.downgrade if down else command.upgrade)(config, revision)

    to("0002")
    matter = Table("matter", MetaData(), autoload_with=engine)
    row: dict[str, object] = {c.name: "x" for c in matter.columns if str(c.type).startswith("VARCHAR")}
    row.update(
        code="OLD-1",
        services=[],
        commitment_allowed=True,
        verification_exempt=False,
        verification_days=1,
        verification_deadline_days=1,
        supervision_days=1,
        version=1,
        exclusion_reason=None,
    )
    with engine.begin() as connection:
        connection.execute(insert(matter), [row])
    to("0003")
    with engine.connect() as connection:
        new = Table("matter", MetaData(), autoload_with=connection)
        stored = connection.execute(select(new).where(new.c.code == "OLD-1")).mappings().one()
    assert stored["basis_source"] == "" and not stored["basis_verified"] and not stored["retired"]
    assert stored["retired_reason"] is None
    to("0002", down=True)
    assert "retired" not in {c["name"] for c in inspect(engine).get_columns("matter")}
