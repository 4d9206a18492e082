"""Every Update answers with the full effect of its action, and a life stays lean in history."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlmodel import Session
from temporalio.api.enums.v1 import EventType

from db.models import Application
from tests.support.factories import AFTER, APPLICANT, CASEWORKER, PUBLIC, SUPERVISOR, VERIFIER
from tests.support.harness import Harness
from tests.support.lives import read_notices
from workflows.application import ApplicationWorkflow as W
from workflows.types import (
    ApplicationStatus as S,
    CloseInput,
    CommitInput,
    ComplaintInput,
    DecisionInput,
    DispositionAction as D,
    DispositionInput,
    RevocationDecisionInput,
    StatementInput,
    VerificationInput,
    VerificationState as V,
)


async def test_each_answer_carries_its_full_effect(case: Harness) -> None:
    handle, view = await case.open([AFTER])
    assert view.credit_grade == "A"
    await handle.execute_update(W.commit, CommitInput(APPLICANT, AFTER))

    decided = await handle.execute_update(W.decide, DecisionInput(CASEWORKER, True, "符合条件"))
    drawn = case.matter(decided, AFTER)
    assert drawn.verification == V.scheduled
    assert drawn.due_at is not None and drawn.due_at - decided.approved_at >= timedelta(days=10)
    assert drawn.deadline_at is not None and drawn.deadline_at > drawn.due_at

    complained = await handle.execute_update(W.complain, ComplaintInput(PUBLIC, "举报"))
    due = case.matter(complained, AFTER)
    assert due.verification == V.due and due.deadline_at is not None and due.deadline_at > due.due_at

    untrue = await handle.execute_update(W.record_verification, VerificationInput(VERIFIER, AFTER, False, "不实"))
    assert untrue.credit_grade == "A" and untrue.barred_reason is None  # no record before the finding is final

    proposed = await handle.execute_update(W.dispose, DispositionInput(SUPERVISOR, D.revoke, "撤销"))
    assert proposed.status == S.hearing and proposed.hearing and proposed.hearing.statement_until is None  # from service
    served = await read_notices(handle)
    assert served.hearing and served.hearing.statement_until  # the period computed from the opening
    await handle.execute_update(W.state_case, StatementInput(APPLICANT, "申辩"))
    decided = await handle.execute_update(
        W.decide_revocation, RevocationDecisionInput(SUPERVISOR, True, "撤销", "湛撤〔2026〕9号")
    )
    assert decided.status == S.revoked and decided.credit_grade == "D"  # as the archive now stands
    assert decided.closed_at is None and decided.follow_up_until is not None
    ended = await handle.execute_update(W.close_case, CloseInput(SUPERVISOR, "无后续处理"))
    assert ended.closed_at is None and ended.notices[-1].served_at is None  # the revocation is not served yet
    revoked = await read_notices(handle)
    assert revoked.closed_at is not None and revoked.follow_up_until is None
    assert await case.outcome(handle) == S.revoked

    # the read model says what the answer said, and the close is written once
    with Session(case.engine) as s:
        row = s.get(Application, revoked.application_id)
        assert row is not None and row.closed_at == revoked.closed_at and row.credit_grade == "D"
    actions = [e.action for e in case.timeline_rows(revoked.application_id)]
    assert actions.count("close") == 1 and actions[-1] == "close"


async def test_a_life_reads_and_projects_inside_workflow_tasks(case: Harness) -> None:
    """Only credit records take an activity task (one final finding, one task); everything else
    runs inside the workflow tasks; and one timer per deadline that does not move."""
    handle, _ = await case.open([AFTER])
    await handle.execute_update(W.commit, CommitInput(APPLICANT, AFTER))
    await handle.execute_update(W.decide, DecisionInput(CASEWORKER, True, "符合条件"))
    await read_notices(handle)
    await handle.execute_update(W.complain, ComplaintInput(PUBLIC, "举报一"))
    await handle.execute_update(W.complain, ComplaintInput(PUBLIC, "举报二"))
    await handle.execute_update(W.record_verification, VerificationInput(VERIFIER, AFTER, False, "不实"))
    await handle.execute_update(W.dispose, DispositionInput(SUPERVISOR, D.revoke, "撤销"))
    await read_notices(handle)
    await handle.execute_update(W.state_case, StatementInput(APPLICANT, "申辩"))
    await handle.execute_update(W.decide_revocation, RevocationDecisionInput(SUPERVISOR, True, "撤销", "湛撤〔2026〕9号"))
    await read_notices(handle)
    await handle.execute_update(W.close_case, CloseInput(SUPERVISOR, "无后续处理"))
    assert await case.outcome(handle) == S.revoked

    events = (await handle.fetch_history()).events
    kinds = Counter(EventType.Name(e.event_type).removeprefix("EVENT_TYPE_") for e in events)
    scheduled = [
        e.activity_task_scheduled_event_attributes.activity_type.name
        for e in events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    ]
    assert scheduled == ["record_credits"], kinds
    assert kinds["MARKER_RECORDED"] >= 8, kinds  # opening, projections, calendar, the patch
    # one timer per deadline the case waited for: the due date, the verifier's deadline after
    # the first complaint, the window's end after the finding, the statement period, the
    # follow-up period after the revocation; and (notices-served) the deemed service of the
    # approval, the proposal and the revocation, each until the applicant opens it. The second
    # complaint and the statement move no deadline, so no timer is started for them.
    assert kinds["TIMER_STARTED"] == 8, kinds
