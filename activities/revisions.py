"""Activities of a catalogue revision: check its changes against the catalogue, project its
state into the read model, publish it (the Matter table and a numbered version, in one
transaction, once per revision)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy.exc import IntegrityError
from temporalio import activity
from temporalio.exceptions import ApplicationError

from catalogue.checks import change_problems
from catalogue.versions import PublicationConflict, publish, stored
from db.models import CatalogueRevision
from db.session import SessionFactory
from db.writes import upsert
from workflows.catalogue_types import (
    ChangeProblem,
    CheckChangesInput,
    EntryChange,
    EntryComment,
    PublishInput,
    RevisionStep,
    RevisionView,
)

JSON_COLUMNS: dict[str, TypeAdapter[Any]] = {
    "changes": TypeAdapter(list[EntryChange]),
    "comments": TypeAdapter(list[EntryComment]),
    "steps": TypeAdapter(list[RevisionStep]),
}


def revision_workflow_id(revision_id: str) -> str:
    return f"catalogue-revision-{revision_id}"


def revision_row(view: RevisionView) -> CatalogueRevision:
    """The read model's row for a revision's state (also the API's answer to a step)."""
    return CatalogueRevision(
        id=view.revision_id,
        department=view.department,
        status=view.status.value,
        created_by=view.created_by,
        created_at=view.created_at,
        updated_at=view.steps[-1].at if view.steps else view.created_at,
        source=view.source,
        published_version=view.published_version,
        **{name: adapter.dump_python(getattr(view, name), mode="json") for name, adapter in JSON_COLUMNS.items()},
    )


class RevisionActivities:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    def all(self) -> list[Callable[..., Any]]:
        """The activities, bound, for the worker."""
        return [self.check_changes, self.project_revision, self.publish_revision]

    @activity.defn
    def check_changes(self, inp: CheckChangesInput) -> list[ChangeProblem]:
        """Every problem of the changes against the catalogue as it stands; [] if none."""
        with self._sessions() as session:
            return change_problems(inp.changes, inp.department, stored(session))

    @activity.defn
    def project_revision(self, view: RevisionView) -> None:
        """Write the revision's row as the workflow holds it (the whole row: a repeat is harmless)."""
        row = revision_row(view).model_dump()
        with self._sessions() as session:
            upsert(session, CatalogueRevision, [row])
            session.commit()

    @activity.defn
    def publish_revision(self, inp: PublishInput) -> int:
        """Publish in one transaction; the version's number. Keyed on the revision: a retry, or
        a second attempt after the first committed, answers with the same number."""
        for attempt in range(3):
            with self._sessions() as session:
                try:
                    return publish(session, inp)
                except PublicationConflict as err:
                    raise ApplicationError(str(err), type="Conflict", non_retryable=True) from None
                except IntegrityError:  # another publication took the number (or version 1) first
                    session.rollback()
                    if attempt == 2:
                        raise
        raise AssertionError("unreachable")
