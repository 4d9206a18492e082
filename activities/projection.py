"""The read model: the workflow writes its state here after every change."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timezone
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import update
from temporalio import activity

from activities.credit import assessment, record_row
from db.models import Application, CaseEvent, CreditRecord
from db.session import SessionFactory
from db.writes import insert_ignore
from workflows.rules import STATUS_LABELS
from workflows.types import ApplicationView, CreditAssessment, MatterCase, ProjectionInput

MATTERS = TypeAdapter(list[MatterCase])
IDENTITY = ("application_id", "applicant", "service")  # fixed for a case's life


def workflow_id(application_id: str) -> str:
    return f"application-{application_id}"


def columns(v: ApplicationView, fields: list[str] | None = None) -> dict[str, Any]:
    """The row's columns for the view's fields (all but the case's identity when None)."""
    fields = [f for f in (fields if fields is not None else asdict(v)) if f not in IDENTITY]
    out: dict[str, Any] = {}
    for f in fields:
        if f == "status":
            out["status"], out["status_label"] = v.status, STATUS_LABELS[v.status]
        elif f == "matters":
            out["matters"] = MATTERS.dump_python(v.matters, mode="json")
        else:
            out[f] = getattr(v, f)
    return out


def application_row(v: ApplicationView) -> Application:
    """The whole row a view makes (the first projection; the API's answer to an action)."""
    return Application(
        application_id=v.application_id,
        workflow_id=workflow_id(v.application_id),
        applicant_id=v.applicant.id,
        applicant_name=v.applicant.name,
        applicant_kind=v.applicant.kind,
        service=v.service,
        **columns(v),
    )


class ProjectionActivities:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    @activity.defn
    def project_application(self, inp: ProjectionInput) -> CreditAssessment | None:
        """Write what the case did since its last projection, in one transaction: the new
        timeline entries, its credit records, the changed columns of its row.

        Safe to repeat and ordered: entries and records are keyed (case and seq, business id),
        and the row is written only by a projection at least as new as the last one written.
        Returns the applicant's grade when credit records were written, else None.
        """
        v = inp.view
        now = datetime.now(timezone.utc)
        with self._sessions() as session:
            insert_ignore(session, CaseEvent, [{"application_id": v.application_id, **asdict(e)} for e in inp.new_events])
            values = columns(v, inp.changed) | {"projection_seq": inp.seq, "updated_at": now}
            graded = None
            if inp.credits:
                insert_ignore(session, CreditRecord, [record_row(r).model_dump() for r in inp.credits])
                graded = assessment(session, v.applicant.id)
                values |= {"credit_grade": graded.grade, "barred_reason": graded.reason if graded.barred else None}
            written = session.execute(
                update(Application)
                .where(Application.application_id == v.application_id, Application.projection_seq <= inp.seq)  # type: ignore[arg-type]
                .values(**values)
            ).rowcount  # type: ignore[attr-defined]
            if not written:  # the first projection, or one older than the row (then nothing is inserted)
                insert_ignore(session, Application, [application_row(v).model_dump() | values])
            session.commit()
        return graded
