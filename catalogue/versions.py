"""The catalogue's published versions in the database: version 1 from the starter catalogue,
and publication of a revision — its changes applied to the Matter table and a numbered,
immutable snapshot written — in one transaction, once per revision."""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Engine, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from catalogue.checks import Stored, change_problems, describe
from db.models import CatalogueVersion, Matter
from workflows.catalogue_types import CatalogueEntry, ChangeAction, PublishInput

ENTRY_FIELDS = [f.name for f in fields(CatalogueEntry)]
STARTER_PUBLISHER = "system"


class PublicationConflict(Exception):
    """The revision no longer fits the catalogue (say another revision took its code first)."""


def entry_of(row: Matter | dict[str, Any]) -> CatalogueEntry:
    """The entry a Matter row or a snapshot's item states (version and retirement left aside)."""
    data = row.model_dump() if isinstance(row, Matter) else row
    return CatalogueEntry(**{f: data[f] for f in ENTRY_FIELDS if f in data})


def snapshot(rows: list[Matter]) -> list[dict[str, Any]]:
    """Every row, in code order, as a version keeps it."""
    return [row.model_dump(mode="json") for row in sorted(rows, key=lambda m: m.code)]


def stored(session: Session) -> dict[str, Stored]:
    """What the change rules need of the catalogue as it stands."""
    return {m.code: Stored(m.department, m.retired) for m in session.exec(select(Matter))}


def ensure_first_version(session: Session, at: datetime) -> bool:
    """Version 1 is the catalogue as first loaded; written once, if no version exists yet.
    Flushes but does not commit (the caller's transaction decides). True if written."""
    if session.exec(select(func.count()).select_from(CatalogueVersion)).one():
        return False
    rows = list(session.exec(select(Matter)))
    session.add(
        CatalogueVersion(number=1, published_at=at, published_by=STARTER_PUBLISHER, revision_id=None, entries=snapshot(rows))
    )
    session.flush()
    return True


def published_number(session: Session, revision_id: str) -> int | None:
    done = session.exec(select(CatalogueVersion.number).where(CatalogueVersion.revision_id == revision_id)).first()
    return done


def publish(session: Session, inp: PublishInput) -> int:
    """Apply the revision and write its version; the number it got. A revision already
    published answers with its number and changes nothing. Commits."""
    done = published_number(session, inp.revision_id)
    if done is not None:
        return done
    ensure_first_version(session, inp.published_at)  # before the changes: version 1 is the old catalogue
    rows = {m.code: m for m in session.exec(select(Matter))}
    problems = change_problems(inp.changes, inp.department, {c: Stored(m.department, m.retired) for c, m in rows.items()})
    if problems:
        session.rollback()
        raise PublicationConflict(f"清单已发生变化，本次调整不能公布：{describe(problems)}")
    for change in inp.changes:
        row = rows.get(change.code)
        if change.action == ChangeAction.add and change.entry is not None:
            rows[change.code] = row = Matter(**asdict(change.entry), version=1)
        elif change.action == ChangeAction.change and change.entry is not None and row is not None:
            for name, value in asdict(change.entry).items():
                setattr(row, name, value)
            row.version += 1
        elif row is not None:  # retire: the row stays, cases that used it still resolve it
            row.retired, row.retired_reason = True, change.reason
        session.add(row)
    session.flush()
    number = (session.exec(select(func.max(CatalogueVersion.number))).one() or 0) + 1
    session.add(
        CatalogueVersion(
            number=number,
            published_at=inp.published_at,
            published_by=inp.published_by,
            revision_id=inp.revision_id,
            entries=snapshot(list(rows.values())),
        )
    )
    session.commit()
    return number


def record_starter_version(engine: Engine) -> None:
    """At start: version 1 from the catalogue as loaded, if there is no version yet."""
    with Session(engine) as session:
        if ensure_first_version(session, datetime.now(timezone.utc)):
            try:
                session.commit()
            except IntegrityError:  # another process wrote it at the same moment
                session.rollback()
