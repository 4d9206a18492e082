"""Choices before the decision, and actions refused without a trace in history."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timezone

from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment

from db.models import CreditRecord
from tests.support.factories import AFTER, APPLICANT, CASEWORKER, DURING, EXCLUDED, PUBLIC, SUPERVISOR, VERIFIER, applicant
from tests.support.harness import Harness
from tests.support.lives import CEASED, read_notices
from tests.support.refusals import refused
from tests.support.replay import replay_all, stop_all
from worker import build_worker
from workflows.application import ApplicationWorkflow as W
from workflows.types import (
    Actor,
    ApplicationStatus as S,
    CancelInput,
    CommitInput,
    ComplaintInput,
    DecisionInput,
    DispositionAction as D,
    DispositionInput,
    MatterMode,
    ProofInput,
    Role,
    VerificationInput,
    VerificationState as V,
    WithdrawInput,
)


async def test_withdrawal_before_decision_then_proof(case: Harness) -> None:
    handle, _ = await case.open([AFTER])
    await handle.execute_update(W.commit, CommitInput(APPLICANT, AFTER))
    view = await handle.execute_update(W.withdraw_commitment, WithdrawInput(APPLICANT, AFTER, "无法确认能否按期符合条件"))
    m = case.matter(view, AFTER)
    assert view.status == S.notified and m.mode == MatterMode.proof and m.withdrawn_reason
    await refused(handle, W.commit, CommitInput(APPLICANT, AFTER))
    view = await handle.execute_update(W.submit_proof, ProofInput(APPLICANT, AFTER, "房产证复印件"))
    assert view.status == S.reviewing
    view = await handle.execute_update(W.decide, DecisionInput(CASEWORKER, True, "证明齐全"))
    assert view.status == S.granted and view.closed_at is None  # no promise made: nothing to supervise
    view = await read_notices(handle)  # 办结 once the decision is served
    assert view.closed_at is not None and view.notices[0].title == "准予行政许可决定书"
    assert await case.outcome(handle) == S.granted


async def test_withdrawal_after_decision_refused(case: Harness) -> None:
    handle, _ = await case.open([AFTER])
    await handle.execute_update(W.commit, CommitInput(APPLICANT, AFTER))
    await handle.execute_update(W.decide, DecisionInput(CASEWORKER, True, "符合条件"))
    await case.until(handle, lambda v: case.matter(v, AFTER).verification == V.scheduled)
    message = await refused(handle, W.withdraw_commitment, WithdrawInput(APPLICANT, AFTER, "想撤回"))
    assert "不能执行此操作" in message
    assert case.matter(await case.state(handle), AFTER).mode == MatterMode.commitment
    await handle.terminate("test over")


async def test_rejection(case: Harness) -> None:
    handle, _ = await case.open([AFTER])
    await handle.execute_update(W.submit_proof, ProofInput(CASEWORKER, AFTER, "窗口收取原件"))
    view = await handle.execute_update(W.decide, DecisionInput(CASEWORKER, False, "不符合法定条件"))
    assert view.status == S.rejected and view.decision_reason == "不符合法定条件"
    assert await case.outcome(handle, skip_days=11) == S.rejected  # deemed served after 10 days, then closed
    view = await case.state(handle)
    served_at = view.notices[0].served_at
    assert view.notices[0].method == "deemed" and served_at and view.closed_at and view.closed_at >= served_at


async def test_cancellation(case: Harness) -> None:
    handle, _ = await case.open([AFTER])
    view = await handle.execute_update(W.cancel, CancelInput(APPLICANT, "不再办理"))
    assert view.status == S.cancelled
    assert await case.outcome(handle) == S.cancelled


async def test_excluded_matter_needs_proof(case: Harness) -> None:
    handle, view = await case.open([EXCLUDED, AFTER])
    m = case.matter(view, EXCLUDED)
    assert not m.eligible and m.mode == MatterMode.proof and "公共安全" in m.ineligible_reason
    assert m.letter_sha256 is None and case.matter(view, AFTER).letter_sha256
    message = await refused(handle, W.commit, CommitInput(APPLICANT, EXCLUDED))
    assert "不能以承诺方式办理" in message
    await handle.execute_update(W.cancel, CancelInput(CASEWORKER, "test over", **CEASED))


async def test_wrong_roles_and_states_leave_no_trace(case: Harness) -> None:
    handle, _ = await case.open([AFTER, DURING])
    await refused(handle, W.commit, CommitInput(CASEWORKER, AFTER), kind="Forbidden")  # no proxy commitment
    await refused(handle, W.decide, DecisionInput(APPLICANT, True, "自批"), kind="Forbidden")
    await refused(handle, W.decide, DecisionInput(CASEWORKER, True, "未选择"))  # still notified
    await refused(handle, W.commit, CommitInput(APPLICANT, "NO-SUCH"))
    await refused(handle, W.commit, CommitInput(APPLICANT, AFTER, letter_sha256="0" * 64))
    await handle.execute_update(W.commit, CommitInput(APPLICANT, AFTER))
    await refused(handle, W.commit, CommitInput(APPLICANT, AFTER))  # applied once only
    await handle.execute_update(W.commit, CommitInput(APPLICANT, DURING))
    message = await refused(handle, W.decide, DecisionInput(CASEWORKER, True, "事中未核"))
    assert "事中核查尚未完成" in message
    await refused(handle, W.record_verification, VerificationInput(VERIFIER, AFTER, True, "早"))
    await refused(handle, W.dispose, DispositionInput(SUPERVISOR, D.revoke, "无"), kind="Conflict")
    await refused(handle, W.record_verification, VerificationInput(Actor("x", Role.auditor), DURING, True, "x"), kind="Forbidden")
    await handle.execute_update(W.cancel, CancelInput(APPLICANT, "test over"))


async def test_disposition_roles(case: Harness) -> None:
    handle, _ = await case.open([AFTER])
    await handle.execute_update(W.commit, CommitInput(APPLICANT, AFTER))
    await handle.execute_update(W.decide, DecisionInput(CASEWORKER, True, "符合条件"))
    await handle.execute_update(W.complain, ComplaintInput(PUBLIC, "举报"))
    await handle.execute_update(W.record_verification, VerificationInput(VERIFIER, AFTER, False, "不实"))
    await refused(handle, W.dispose, DispositionInput(CASEWORKER, D.revoke, "撤销"), kind="Forbidden")
    await refused(handle, W.dispose, DispositionInput(CASEWORKER, D.rectify, "整改", deadline_days=0))
    await refused(handle, W.dispose, DispositionInput(SUPERVISOR, D.rectify, "整改", deadline_days=5, also=[D.revoke]))
    view = await handle.execute_update(W.dispose, DispositionInput(SUPERVISOR, D.revoke, "撤销"))
    assert view.status == S.hearing  # proposed: the organ decides after the statement period
    await handle.terminate("test over")


async def test_complaint_before_decision_requires_verification_first(case: Harness) -> None:
    handle, _ = await case.open([AFTER])
    await handle.execute_update(W.commit, CommitInput(APPLICANT, AFTER))
    view = await handle.execute_update(W.complain, ComplaintInput(PUBLIC, "举报材料虚假"))
    assert case.matter(view, AFTER).verification == V.pending
    await refused(handle, W.decide, DecisionInput(CASEWORKER, True, "准予"))
    await handle.execute_update(W.record_verification, VerificationInput(VERIFIER, AFTER, True, "属实"))
    await handle.execute_update(W.decide, DecisionInput(CASEWORKER, True, "准予"))
    assert await case.outcome(handle, skip_days=100) == S.fulfilled


async def test_start_is_idempotent(case: Harness) -> None:
    first, _ = await case.open([AFTER], application_id="same-id")
    again, view = await case.open([AFTER], application_id="same-id")
    assert again.id == first.id
    desc1, desc2 = await first.describe(), await again.describe()
    assert desc1.run_id == desc2.run_id and view.status == S.notified
    await first.execute_update(W.cancel, CancelInput(APPLICANT, "test over"))


async def test_serious_bad_record_bars_commitment(case: Harness) -> None:
    with Session(case.engine) as session:
        session.add(
            CreditRecord(
                business_id="platform:1",
                applicant_id="app-7",
                kind="serious_dishonesty",
                severity="serious",
                note="信用平台归集：严重失信",
                at=datetime.now(timezone.utc),
            )
        )
        session.commit()
    handle, view = await case.open([AFTER], who=applicant(7))
    assert view.credit_grade == "D" and "严重不良信用记录" in (view.barred_reason or "")
    assert not case.matter(view, AFTER).eligible
    owner = Actor("app-7", Role.applicant)
    message = await refused(handle, W.commit, CommitInput(owner, AFTER))
    assert "信用修复前不适用告知承诺制" in message
    await refused(handle, W.cancel, CancelInput(APPLICANT, "不是本人的申请"), kind="Forbidden")
    await handle.execute_update(W.cancel, CancelInput(owner, "test over"))


async def test_every_step_replays_from_history_without_cache(env: WorkflowEnvironment, engine: Engine) -> None:
    """With no workflow cache, every task replays the whole history so far: nondeterminism shows at once."""
    harness = Harness(env, engine, task_queue=f"tq-{uuid.uuid4()}")
    async with build_worker(env.client, engine, task_queue=harness.task_queue, max_cached_workflows=0):
        handle, _ = await harness.open([AFTER, DURING])
        await handle.execute_update(W.commit, CommitInput(APPLICANT, AFTER))
        await handle.execute_update(W.commit, CommitInput(APPLICANT, DURING))
        await handle.execute_update(W.record_verification, VerificationInput(VERIFIER, DURING, True, "属实"))
        await handle.execute_update(W.decide, DecisionInput(CASEWORKER, True, "准予"))
        await handle.execute_update(W.complain, ComplaintInput(PUBLIC, "举报"))
        await handle.execute_update(W.record_verification, VerificationInput(VERIFIER, AFTER, True, "属实"))
        assert await harness.outcome(handle, skip_days=400) == S.fulfilled
    await replay_all(harness)


async def test_complaint_before_commitment_still_requires_verification_first(case: Harness) -> None:
    handle, _ = await case.open([AFTER])
    await handle.execute_update(W.complain, ComplaintInput(PUBLIC, "举报：该公司从未在此经营"))
    view = await handle.execute_update(W.commit, CommitInput(APPLICANT, AFTER))
    assert case.matter(view, AFTER).verification == V.pending
    await refused(handle, W.decide, DecisionInput(CASEWORKER, True, "准予"))
    await handle.execute_update(W.cancel, CancelInput(APPLICANT, "test over"))


async def test_approval_and_complaint_in_one_task_still_supervise(env: WorkflowEnvironment, engine: Engine) -> None:
    """While no worker runs (a deploy), a decision and a complaint queue up and then arrive in
    one workflow task: the case must still be supervised, not closed on the spot."""
    harness = Harness(env, engine, task_queue=f"tq-{uuid.uuid4()}")
    # no sticky cache: the test server would hold the next task for the stopped worker's sticky queue
    async with build_worker(env.client, engine, task_queue=harness.task_queue, max_cached_workflows=0):
        handle, _ = await harness.open([AFTER])
        await handle.execute_update(W.commit, CommitInput(APPLICANT, AFTER))
        await harness.quiet(handle)
    decision = asyncio.create_task(handle.execute_update(W.decide, DecisionInput(CASEWORKER, True, "准予")))
    await asyncio.sleep(0.5)  # the decision reaches the server first
    complaint = asyncio.create_task(handle.execute_update(W.complain, ComplaintInput(PUBLIC, "举报")))
    await asyncio.sleep(1)  # both wait at the server
    async with build_worker(env.client, engine, task_queue=harness.task_queue):
        try:
            await asyncio.wait_for(decision, 20)
            view = await asyncio.wait_for(complaint, 20)
            assert Harness.matter(view, AFTER).verification == V.due
            await handle.execute_update(W.record_verification, VerificationInput(VERIFIER, AFTER, True, "属实"))
            assert await harness.outcome(handle, skip_days=100) == S.fulfilled
            assert (await harness.state(handle)).closed_at is not None
        finally:
            await stop_all(harness)  # nothing left to hold the shared test server's clock
    await replay_all(harness)
