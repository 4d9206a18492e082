"""The read model never goes back to an older state, whatever order retries arrive in."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import Engine
from sqlmodel import Session, select
from temporalio.testing import ActivityEnvironment

from activities.projection import ProjectionActivities
from db.models import Application, CaseEvent, CaseMatter
from db.session import session_factory
from tests.support.factories import AFTER, OTHER, applicant
from tests.support.projections import late_older_lean_projection_ignored, thrown_away_task_overwritten
from workflows.types import (
    AdverseDecision,
    ApplicationStatus as S,
    ApplicationView,
    MatterCase,
    ProjectionInput,
    TimelineEntry,
    VerificationState as V,
)


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


def test_what_a_thrown_away_task_wrote_is_overwritten(engine: Engine) -> None:
    """Two decisions raced: a workflow task accepted the rejection and closed the case, then was
    thrown away; the task that counts accepted the approval. The read model ends as it did."""
    thrown_away_task_overwritten(engine)


def test_a_late_older_lean_projection_leaves_the_timeline_alone(engine: Engine) -> None:
    late_older_lean_projection_ignored(engine)


def test_matter_rows_keep_what_the_figures_count(engine: Engine) -> None:
    """A matter once reported overdue (督办) stays counted overdue after a new due date resets
    its flag; a withdrawn commitment and the rows that count the case once are written; a
    rejection's time is the decision's."""
    activities = ProjectionActivities(session_factory(engine))
    env = ActivityEnvironment()
    now = datetime.now(timezone.utc)

    def matter(code: str, **kw: object) -> MatterCase:
        return MatterCase(code=code, name=f"名称{code}", stage="after", exempt=False, eligible=True, **kw)  # type: ignore[arg-type]

    def view(status: S, matters: list[MatterCase], **kw: object) -> ApplicationView:
        return ApplicationView("p-3", applicant(), "测试事项", status, matters, departments=["甲局", "乙局"], **kw)  # type: ignore[arg-type]

    escalate = TimelineEntry(2, now, "system", "system", "escalate", f"系统：「名称{AFTER}」核查逾期未登记结果，已上报负责人督办")
    env.run(
        activities.project_application,
        ProjectionInput(view(S.verifying, [matter(AFTER, verification=V.due), matter(OTHER)]), [escalate], 1),
    )
    rejected = view(
        S.rejected,
        [matter(AFTER, verification=V.due), matter(OTHER, withdrawn_reason="改交证明")],
        closed_at=now,
        decisions=[AdverseDecision("reject", "不予批准", now - timedelta(hours=1), "sv", "理由", "依据", "")],
    )
    env.run(activities.project_application, ProjectionInput(rejected, [], 2))
    with Session(engine) as s:
        rows = {m.code: m for m in s.exec(select(CaseMatter).where(CaseMatter.application_id == "p-3"))}
        row = s.get(Application, "p-3")
    assert rows[AFTER].overdue and not rows[AFTER].escalated and not rows[OTHER].overdue
    assert rows[OTHER].withdrawn and not rows[AFTER].withdrawn
    assert [c for c, m in sorted(rows.items()) if m.case_first] == [min(rows)]
    assert {(m.department, m.code) for m in rows.values() if m.department_first} == {
        (m.department, m.code) for m in rows.values()
    }
    assert row is not None and row.decided_at == now - timedelta(hours=1)
