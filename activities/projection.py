"""The read model: the workflow writes its state here after every change."""

from __future__ import annotations

from dataclasses import asdict
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
        """Add the new timeline entries and upsert the application row (idempotent, ordered)."""
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
            for e in inp.new_events:  # keyed by (case, seq): a repeat writes nothing new
                session.merge(CaseEvent(application_id=v.application_id, **asdict(e)))
            if row.projection_seq <= inp.seq:  # a late attempt of an older projection changes nothing
                row.projection_seq = inp.seq
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
            session.commit()
