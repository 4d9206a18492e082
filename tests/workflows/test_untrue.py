"""Untrue promises: termination before the decision, disposition after it, credit records."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlmodel import Session, select
from temporalio.client import WorkflowUpdateFailedError

from db.models import CreditRecord
from tests.factories import AFTER, AFTER2, APPLICANT, CASEWORKER, DURING, PUBLIC, SUPERVISOR, VERIFIER
from tests.harness import Harness
from tests.workflows.test_refusals import refused as refused_update
from workflows.application import ApplicationWorkflow as W
from workflows.types import (
    ApplicationStatus as S,
    CommitInput,
    ComplaintInput,
    DecisionInput,
    DispositionAction as D,
    DispositionInput,
    ProofInput,
    RectificationInput,
    VerificationInput,
    VerificationState as V,
)


def credit_kinds(case: Harness, applicant_id: str = "app-1") -> list[str]:
    with Session(case.engine) as s:
        return sorted(s.exec(select(CreditRecord.kind).where(CreditRecord.applicant_id == applicant_id)))


async def approved_with_untrue_finding(case: Harness, matters: list[str] | None = None) -> Any:
    """An approved case whose first after-decision matter was found untrue."""
    matters = matters or [AFTER]
    handle, _ = await case.open(matters)
    for code in matters:
        await handle.execute_update(W.commit, CommitInput(APPLICANT, code))
    await handle.execute_update(W.decide, DecisionInput(CASEWORKER, True, "符合条件"))
    await case.until(handle, lambda v: case.matter(v, matters[0]).verification == V.scheduled)
    await handle.execute_update(W.complain, ComplaintInput(PUBLIC, "举报：经营场所并不存在"))
    view = await handle.execute_update(
        W.record_verification, VerificationInput(VERIFIER, matters[0], False, "实地核查：场所不存在")
    )
    assert view.status == S.verifying and case.matter(view, matters[0]).verification == V.untrue
    return handle


async def test_untrue_during_processing_terminates(case: Harness) -> None:
    handle, _ = await case.open([DURING, AFTER])
    view = await handle.execute_update(W.commit, CommitInput(APPLICANT, DURING))
    assert case.matter(view, DURING).verification == V.pending
    view = await handle.execute_update(W.record_verification, VerificationInput(VERIFIER, DURING, False, "协查回函：不符"))
    assert view.status == S.terminated
    assert await case.outcome(handle) == S.terminated
    assert credit_kinds(case) == ["false_commitment"]


async def test_during_verification_true_allows_approval(case: Harness) -> None:
    handle, _ = await case.open([DURING])
    await handle.execute_update(W.commit, CommitInput(APPLICANT, DURING))
    await handle.execute_update(W.record_verification, VerificationInput(VERIFIER, DURING, True, "网络核验一致"))
    view = await handle.execute_update(W.decide, DecisionInput(CASEWORKER, True, "核查属实，准予"))
    assert view.status == S.approved
    assert await case.outcome(handle, skip_days=100) == S.fulfilled
    assert credit_kinds(case) == ["kept_promise"]


async def test_untrue_after_rectified(case: Harness) -> None:
    handle = await approved_with_untrue_finding(case)
    view = await handle.execute_update(W.dispose, DispositionInput(CASEWORKER, D.rectify, "可以整改", deadline_days=15))
    assert view.status == S.rectifying
    view = await handle.execute_update(W.submit_rectification, RectificationInput(APPLICANT, AFTER, "新租赁合同及现场照片"))
    assert view.status == S.verifying and case.matter(view, AFTER).verification == V.reverifying
    view = await handle.execute_update(W.record_verification, VerificationInput(VERIFIER, AFTER, True, "复核到位"))
    assert case.matter(view, AFTER).verification == V.rectified
    assert await case.outcome(handle, skip_days=100) == S.rectified
    assert credit_kinds(case) == ["false_commitment"]


async def test_rectification_deadline_missed_revokes(case: Harness) -> None:
    handle = await approved_with_untrue_finding(case)
    await handle.execute_update(W.dispose, DispositionInput(CASEWORKER, D.rectify, "限期整改", deadline_days=10))
    await case.skip(11)
    assert await case.outcome(handle) == S.revoked
    view = await case.state(handle)
    assert case.matter(view, AFTER).verification == V.revoked
    assert credit_kinds(case) == ["false_commitment", "revoked"]


async def test_reverification_untrue_revokes(case: Harness) -> None:
    handle = await approved_with_untrue_finding(case)
    await handle.execute_update(W.dispose, DispositionInput(SUPERVISOR, D.rectify, "限期整改", deadline_days=10))
    await handle.execute_update(W.submit_rectification, RectificationInput(APPLICANT, AFTER, "说明材料"))
    view = await handle.execute_update(W.record_verification, VerificationInput(VERIFIER, AFTER, False, "仍不符合"))
    assert view.status == S.revoked
    assert await case.outcome(handle) == S.revoked


async def test_revoke_and_refer(case: Harness) -> None:
    handle = await approved_with_untrue_finding(case)
    view = await handle.execute_update(
        W.dispose, DispositionInput(SUPERVISOR, D.revoke, "伪造经营场所，涉嫌犯罪", also=[D.refer])
    )
    assert view.status == S.revoked and view.referred and not view.penalized
    assert await case.outcome(handle) == S.revoked
    assert credit_kinds(case) == ["false_commitment", "referred", "revoked"]


async def test_penalize_with_rectification(case: Harness) -> None:
    handle = await approved_with_untrue_finding(case, [AFTER, AFTER2])
    view = await handle.execute_update(
        W.dispose, DispositionInput(SUPERVISOR, D.rectify, "限期整改并处罚款", deadline_days=20, also=[D.penalize])
    )
    assert view.penalized and view.status == S.rectifying
    await refused_update(handle, W.dispose, DispositionInput(SUPERVISOR, D.penalize, "再罚"))  # only once
    await handle.execute_update(W.submit_rectification, RectificationInput(APPLICANT, AFTER, "整改材料"))
    await handle.execute_update(W.record_verification, VerificationInput(VERIFIER, AFTER, True, "复核到位"))
    await handle.execute_update(W.record_verification, VerificationInput(VERIFIER, AFTER2, True, "属实"))
    assert await case.outcome(handle, skip_days=190) == S.rectified


async def test_penalty_needs_a_main_measure_then_may_follow(case: Harness) -> None:
    """A penalty alone would leave the finding undisposed for ever: it goes with rectify or
    revoke, or follows while rectification runs."""
    handle = await approved_with_untrue_finding(case)
    message = await refused_update(handle, W.dispose, DispositionInput(SUPERVISOR, D.penalize, "罚款"))
    assert "一并作出" in message
    await handle.execute_update(W.dispose, DispositionInput(CASEWORKER, D.rectify, "限期整改", deadline_days=10))
    view = await handle.execute_update(W.dispose, DispositionInput(SUPERVISOR, D.penalize, "整改期间另处罚款"))
    assert view.penalized and view.status == S.rectifying
    assert await case.outcome(handle, skip_days=11) == S.revoked  # the deadline passed without evidence
    assert credit_kinds(case) == ["false_commitment", "penalized", "revoked"]


async def test_revoke_racing_the_untrue_finding_is_refused_cleanly(case: Harness) -> None:
    """A disposition sent while the finding's credit record is still being written sees a
    consistent case: the status was derived before the handler's first await."""
    handle, _ = await case.open([AFTER])
    await handle.execute_update(W.commit, CommitInput(APPLICANT, AFTER))
    await handle.execute_update(W.decide, DecisionInput(CASEWORKER, True, "符合条件"))
    await handle.execute_update(W.complain, ComplaintInput(PUBLIC, "举报"))
    finding = asyncio.create_task(
        handle.execute_update(W.record_verification, VerificationInput(VERIFIER, AFTER, False, "不实"))
    )
    revoke = asyncio.create_task(handle.execute_update(W.dispose, DispositionInput(SUPERVISOR, D.revoke, "撤销")))
    await finding
    try:
        await revoke
    except WorkflowUpdateFailedError:  # sent before the finding: refused, nothing changed
        await handle.execute_update(W.dispose, DispositionInput(SUPERVISOR, D.revoke, "撤销"))
    assert await case.outcome(handle) == S.revoked
    view = await case.state(handle)
    assert case.matter(view, AFTER).verification == V.revoked
    assert credit_kinds(case) == ["false_commitment", "revoked"]


async def test_false_commitment_bars_next_application(case: Harness) -> None:
    first = await approved_with_untrue_finding(case)
    await first.execute_update(W.dispose, DispositionInput(SUPERVISOR, D.revoke, "撤销"))
    await case.outcome(first)
    handle, view = await case.open([AFTER, DURING])
    assert view.barred_reason and all(not m.eligible for m in view.matters)
    assert all(m.letter_sha256 is None for m in view.matters)
    for code in (AFTER, DURING):
        view = await handle.execute_update(W.submit_proof, ProofInput(APPLICANT, code, "营业执照及租赁合同"))
    assert view.status == S.reviewing
    await handle.execute_update(W.decide, DecisionInput(CASEWORKER, True, "证明材料齐全"))
    assert await case.outcome(handle, skip_days=100) == S.fulfilled
