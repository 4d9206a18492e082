"""Lean projections (the entries after the first `before`) arriving out of order, and what the
read model must hold after them: on SQLite (tests/activities) and on PostgreSQL (tests/test_postgres.py)."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Engine
from sqlmodel import Session, select
from temporalio.testing import ActivityEnvironment

from activities.projection import ProjectionActivities
from db.models import Application, CaseEvent
from db.session import session_factory
from tests.support.factories import applicant
from workflows.types import ApplicationStatus as S, ApplicationView, ProjectionInput, TimelineEntry


def lean(status: S, seq: int, before: int, actions: list[str], **view: object) -> ProjectionInput:
    """A lean case's projection: the entries after the first `before`, numbered on from there."""
    now = datetime.now(timezone.utc)
    events = [TimelineEntry(before + n, now, "x", "caseworker", a, a) for n, a in enumerate(actions, 1)]
    return ProjectionInput(ApplicationView("p-2", applicant(), "测试事项", status, [], **view), events, seq, before)  # type: ignore[arg-type]


def thrown_away_task_overwritten(engine: Engine) -> None:
    """A rejection written by a workflow task that was thrown away, then the approval of the
    task that counts: the read model ends as the approval left it."""
    activities = ProjectionActivities(session_factory(engine))
    env = ActivityEnvironment()
    env.run(activities.project_application, lean(S.reviewing, 1, 0, ["open", "notify", "commit"]))
    closed = datetime.now(timezone.utc)
    env.run(activities.project_application, lean(S.rejected, 2, 3, ["reject", "close", "x", "y"], closed_at=closed))
    env.run(activities.project_application, lean(S.approved, 3, 3, ["approve", "sampling", "schedule"]))
    with Session(engine) as s:
        row = s.get(Application, "p-2")
        assert row is not None and row.status == S.approved and row.closed_at is None
        timeline = s.exec(select(CaseEvent.action).where(CaseEvent.application_id == "p-2").order_by(CaseEvent.seq)).all()  # type: ignore[arg-type]
    assert timeline == ["open", "notify", "commit", "approve", "sampling", "schedule"]


def late_older_lean_projection_ignored(engine: Engine) -> None:
    """A late attempt of an older lean projection leaves the status and the timeline alone."""
    activities = ProjectionActivities(session_factory(engine))
    env = ActivityEnvironment()
    env.run(activities.project_application, lean(S.reviewing, 1, 0, ["open", "notify", "commit"]))
    env.run(activities.project_application, lean(S.approved, 3, 3, ["approve", "sampling"]))
    env.run(activities.project_application, lean(S.reviewing, 2, 2, ["commit"]))  # a late attempt of an older one
    with Session(engine) as s:
        row = s.get(Application, "p-2")
        assert row is not None and row.status == S.approved
        timeline = s.exec(select(CaseEvent.action).where(CaseEvent.application_id == "p-2").order_by(CaseEvent.seq)).all()  # type: ignore[arg-type]
    assert timeline == ["open", "notify", "commit", "approve", "sampling"]
