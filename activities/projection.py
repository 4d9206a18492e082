"""The read model: the workflow writes its state here after every change."""

from __future__ import annotations

from datetime import datetime, timezone

from pydantic import TypeAdapter
from temporalio import activity

from db.models import Application, CaseEvent
from db.session import SessionFactory
from workflows.rules import STATUS_LABELS
from workflows.types import MatterCase, ProjectionInput

MATTERS = TypeAdapter(list[MatterCase])


def workflow_id(application_id: str) -> str:
    return f"application-{application_id}"


class ProjectionActivities:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    @activity.defn
    def project_application(self, inp: ProjectionInput) -> None:
        """Upsert the application row and add the new timeline entries (idempotent)."""
        v = inp.view
        with self._sessions() as session:
            row = session.get(Application, v.application_id) or Application(
                application_id=v.application_id,
                workflow_id=workflow_id(v.application_id),
                applicant_id=v.applicant.id,
                applicant_name=v.applicant.name,
                applicant_kind=v.applicant.kind,
                service=v.service,
                status=v.status,
                status_label="",
            )
            row.status = v.status
            row.status_label = STATUS_LABELS[v.status]
            row.credit_grade = v.credit_grade
            row.barred_reason = v.barred_reason
            row.penalized = v.penalized
            row.referred = v.referred
            row.decision_reason = v.decision_reason
            row.matters = MATTERS.dump_python(v.matters, mode="json")
            row.opened_at, row.approved_at = v.opened_at, v.approved_at
            row.window_ends_at, row.closed_at = v.window_ends_at, v.closed_at
            row.updated_at = datetime.now(timezone.utc)
            session.add(row)
            for e in inp.new_events:
                session.merge(CaseEvent(application_id=v.application_id, **e.__dict__))
            session.commit()
