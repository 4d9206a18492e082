"""The read model never goes back to an older state, whatever order retries arrive in."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.testing import ActivityEnvironment

from activities.projection import ProjectionActivities
from db.models import Application, CaseEvent
from db.session import session_factory
from tests.factories import applicant
from workflows.types import ApplicationStatus as S, ApplicationView, ProjectionInput, TimelineEntry


def projection(status: S, seq: int) -> ProjectionInput:
    view = ApplicationView("p-1", applicant(), "测试事项", status, [])
    event = TimelineEntry(seq, datetime.now(timezone.utc), "x", "caseworker", "a", f"第{seq}步")
    return ProjectionInput(view, [event], seq)


def test_a_late_older_projection_does_not_overwrite(engine: Engine) -> None:
    activities = ProjectionActivities(session_factory(engine))
    env = ActivityEnvironment()
    env.run(activities.project_application, projection(S.reviewing, 2))
    env.run(activities.project_application, projection(S.notified, 1))  # a retry that came late
    env.run(activities.project_application, projection(S.reviewing, 2))  # an exact retry
    with Session(engine) as s:
        row = s.get(Application, "p-1")
        assert row is not None and row.status == S.reviewing and row.projection_seq == 2
        assert s.get(CaseEvent, ("p-1", 2)) is not None
