"""The happy lives of an application, with their timers skipped."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from activities.calendar import CHINA
from db.models import CalendarDay
from tests.support.factories import AFTER, APPLICANT, CASEWORKER, EXEMPT, PUBLIC, VERIFIER
from tests.support.harness import Harness
from workflows.application import ApplicationWorkflow as W
from workflows.types import (
    Actor,
    ApplicationStatus as S,
    CommitInput,
    ComplaintInput,
    DecisionInput,
    MatterMode,
    RecomputeInput,
    Role,
    VerificationInput,
    VerificationState as V,
)


async def test_fulfilled_after_window(case: Harness) -> None:
    handle, view = await case.open([AFTER, EXEMPT])
    assert view.status == S.notified
    letter = case.matter(view, AFTER).letter_sha256
    assert letter and len(letter) == 64

    await handle.execute_update(W.commit, CommitInput(APPLICANT, AFTER, letter_sha256=letter))
    view = await handle.execute_update(W.commit, CommitInput(APPLICANT, EXEMPT))
    assert view.status == S.reviewing
    assert case.matter(view, AFTER).mode == MatterMode.commitment
    view = await handle.execute_update(W.decide, DecisionInput(CASEWORKER, True, "材料齐全，符合条件"))
    assert view.status == S.approved

    view = await case.until(handle, lambda v: case.matter(v, AFTER).verification == V.scheduled)
    m = case.matter(view, AFTER)
    assert case.matter(view, EXEMPT).verification == V.exempt
    assert m.due_at - view.approved_at >= timedelta(days=10)  # 10 working days

    await case.skip(20)
    view = await case.until(handle, lambda v: v.status == S.verifying)
    assert case.matter(view, AFTER).verification == V.due
    await handle.execute_update(W.record_verification, VerificationInput(VERIFIER, AFTER, True, "数据共享比对一致"))
    # the exempt promise too, in daily supervision: only then has every promise been found true
    await handle.execute_update(W.record_verification, VerificationInput(VERIFIER, EXEMPT, True, "日常检查一致"))

    assert await case.outcome(handle, skip_days=100) == S.fulfilled
    view = await case.state(handle)
    assert view.closed_at - view.approved_at >= timedelta(days=90)


async def test_sampled_out_closes_without_verification(case: Harness) -> None:
    handle, _ = await case.open([AFTER], sampling=0.0)
    await handle.execute_update(W.commit, CommitInput(APPLICANT, AFTER))
    await handle.execute_update(W.decide, DecisionInput(CASEWORKER, True, "符合条件"))
    view = await case.until(handle, lambda v: case.matter(v, AFTER).verification == V.sampled_out)
    assert case.matter(view, AFTER).sampled is False
    assert await case.outcome(handle, skip_days=100) == S.no_finding  # never verified: no claim it was kept
    history = await handle.fetch_history()
    timers = [e for e in history.events if e.HasField("timer_started_event_attributes")]
    assert len(timers) == 2  # the supervision window, the approval's deemed service; no verification timer


async def test_exempt_matters_are_not_verified(case: Harness) -> None:
    handle, _ = await case.open([EXEMPT])
    await handle.execute_update(W.commit, CommitInput(APPLICANT, EXEMPT))
    await handle.execute_update(W.decide, DecisionInput(CASEWORKER, True, "符合条件"))
    assert await case.outcome(handle, skip_days=100) == S.no_finding
    view = await case.state(handle)
    assert case.matter(view, EXEMPT).verification == V.exempt
    assert case.matter(view, EXEMPT).due_at is None


async def test_complaint_makes_sampled_out_matter_due_at_once(case: Harness) -> None:
    handle, _ = await case.open([AFTER], sampling=0.0)
    await handle.execute_update(W.commit, CommitInput(APPLICANT, AFTER))
    await handle.execute_update(W.decide, DecisionInput(CASEWORKER, True, "符合条件"))
    await case.until(handle, lambda v: case.matter(v, AFTER).verification == V.sampled_out)
    await case.skip(3)
    view = await handle.execute_update(W.complain, ComplaintInput(PUBLIC, "举报其承诺内容不实"))
    m = case.matter(view, AFTER)
    assert view.status == S.verifying and m.verification == V.due
    assert m.due_at <= await case.env.get_current_time()
    assert m.deadline_at > m.due_at
    await handle.execute_update(W.record_verification, VerificationInput(VERIFIER, AFTER, True, "实地核查属实"))
    assert await case.outcome(handle, skip_days=100) == S.fulfilled


async def test_overdue_verification_escalates_and_never_passes(case: Harness) -> None:
    handle, _ = await case.open([AFTER])
    await handle.execute_update(W.commit, CommitInput(APPLICANT, AFTER))
    await handle.execute_update(W.decide, DecisionInput(CASEWORKER, True, "符合条件"))
    await case.until(handle, lambda v: case.matter(v, AFTER).verification == V.scheduled)
    await case.skip(200)  # far past due, deadline and the 90-day window
    view = await case.until(handle, lambda v: case.matter(v, AFTER).escalated)
    assert view.status == S.verifying  # still open: an unverified promise is not a kept one
    assert case.matter(view, AFTER).verification == V.due
    await handle.execute_update(W.record_verification, VerificationInput(VERIFIER, AFTER, True, "补核属实"))
    assert await case.outcome(handle) == S.fulfilled
    events = [e.action for e in (await case.timeline(handle))]
    assert events.index("due") < events.index("escalate") < events.index("verify") < events.index("close")


async def test_working_day_deadline_across_a_holiday(case: Harness) -> None:
    """A 30-day holiday entered from the notice pushes the 10-working-day due date past it."""
    now = (await case.env.get_current_time()).astimezone(CHINA).date()
    with Session(case.engine) as session:
        for n in range(31):
            session.add(CalendarDay(day=now + timedelta(days=n), is_workday=False, source="测试：放假通知"))
        session.commit()
    handle, _ = await case.open([AFTER])
    await handle.execute_update(W.commit, CommitInput(APPLICANT, AFTER))
    await handle.execute_update(W.decide, DecisionInput(CASEWORKER, True, "符合条件"))
    view = await case.until(handle, lambda v: case.matter(v, AFTER).due_at is not None)
    due = case.matter(view, AFTER).due_at
    assert due.astimezone(CHINA).date() > now + timedelta(days=30 + 10)  # 10 working days after the holiday
    await case.skip(30)
    assert case.matter(await case.state(handle), AFTER).verification == V.scheduled
    await case.skip((due - await case.env.get_current_time()).days + 1)
    view = await case.until(handle, lambda v: case.matter(v, AFTER).verification == V.due)
    await handle.execute_update(W.record_verification, VerificationInput(VERIFIER, AFTER, True, "属实"))
    assert await case.outcome(handle, skip_days=100) == S.fulfilled


async def test_verifier_may_verify_before_the_due_date(case: Harness) -> None:
    handle, _ = await case.open([AFTER])
    await handle.execute_update(W.commit, CommitInput(APPLICANT, AFTER))
    await handle.execute_update(W.decide, DecisionInput(CASEWORKER, True, "符合条件"))
    await case.until(handle, lambda v: case.matter(v, AFTER).due_at is not None)
    view = await handle.execute_update(W.record_verification, VerificationInput(VERIFIER, AFTER, True, "提前核查属实"))
    assert case.matter(view, AFTER).verification == V.true and view.status == S.approved
    assert await case.outcome(handle, skip_days=100) == S.fulfilled
    assert "due" not in [e.action for e in await case.timeline(handle)]  # its timer no longer matters


async def test_recompute_keeps_an_escalation_whose_deadline_did_not_move(case: Harness) -> None:
    handle, _ = await case.open([AFTER])
    await handle.execute_update(W.commit, CommitInput(APPLICANT, AFTER))
    await handle.execute_update(W.decide, DecisionInput(CASEWORKER, True, "符合条件"))
    await handle.execute_update(W.complain, ComplaintInput(PUBLIC, "举报"))
    await case.skip(30)
    await case.until(handle, lambda v: case.matter(v, AFTER).escalated)
    view = await handle.execute_update(W.recompute_deadlines, RecomputeInput(Actor("adm", Role.admin), "测试通知"))
    assert case.matter(view, AFTER).escalated  # same calendar, same past deadline: still overdue
    assert [e.action for e in await case.timeline(handle)].count("escalate") == 1
    await handle.execute_update(W.record_verification, VerificationInput(VERIFIER, AFTER, True, "属实"))
    assert await case.outcome(handle, skip_days=100) == S.fulfilled
