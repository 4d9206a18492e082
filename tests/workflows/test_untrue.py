"""Untrue promises: termination before the decision, disposition after it, credit records."""

from __future__ import annotations

import asyncio
from typing import Any

from temporalio.client import WorkflowUpdateFailedError

from tests.support.factories import AFTER, AFTER2, APPLICANT, CASEWORKER, DURING, PUBLIC, SUPERVISOR, VERIFIER
from tests.support.harness import Harness
from tests.support.lives import CEASED, approved_with_untrue_finding, credit_kinds, read_notices, terminated_on_finding
from tests.support.refusals import refused as refused_update, refused_saying
from workflows.application import ApplicationWorkflow as W
from workflows.types import (
    ApplicationStatus as S,
    CancelInput,
    CloseInput,
    CommitInput,
    ComplaintInput,
    DecisionInput,
    DispositionAction as D,
    DispositionInput,
    ProofInput,
    RectificationInput,
    RevocationDecisionInput,
    ServiceInput,
    StatementInput,
    VerificationInput,
    VerificationState as V,
    WithdrawInput,
)


async def revoked_after_hearing(handle: Any, number: str = "湛撤〔2026〕1号") -> Any:
    """Revocation proposed, the applicant heard, the supervisor revokes and closes the follow-up."""
    await handle.execute_update(W.dispose, DispositionInput(SUPERVISOR, D.revoke, "虚假承诺"))
    await read_notices(handle)
    await handle.execute_update(W.state_case, StatementInput(APPLICANT, "无异议"))
    view = await handle.execute_update(W.decide_revocation, RevocationDecisionInput(SUPERVISOR, True, "虚假承诺", number))
    assert view.status == S.revoked
    await handle.execute_update(W.close_case, CloseInput(SUPERVISOR, "无后续处理"))
    return await read_notices(handle)


async def test_untrue_during_processing_terminates(case: Harness) -> None:
    """The verifier finds; the organ decides 终止办理 (organ-terminates), and the record comes
    with its decision, in the decider's name."""
    handle, view = await terminated_on_finding(case, DURING)
    assert credit_kinds(case) == ["terminated"]
    view = await handle.execute_update(W.close_case, CloseInput(SUPERVISOR, "无需后续处理"))
    assert view.closed_at is None  # the decision is not served yet
    view = await read_notices(handle)
    assert view.closed_at is not None
    assert await case.outcome(handle) == S.terminated


async def test_a_finding_before_the_decision_awaits_the_organ(case: Harness) -> None:
    handle, _ = await case.open([DURING, AFTER])
    await handle.execute_update(W.commit, CommitInput(APPLICANT, DURING))
    await handle.execute_update(W.commit, CommitInput(APPLICANT, AFTER))
    await handle.execute_update(W.record_verification, VerificationInput(VERIFIER, DURING, False, "证书系伪造"))
    await refused_saying(handle, W.decide, DecisionInput(CASEWORKER, True, "准予"), "应作出终止办理决定")
    await refused_saying(handle, W.withdraw_commitment, WithdrawInput(APPLICANT, DURING, "撤回"), "不能撤回承诺")
    await refused_saying(handle, W.cancel, CancelInput(APPLICANT, "不办了"), "不能撤回申请")
    await refused_saying(handle, W.cancel, CancelInput(CASEWORKER, "不实"), "须选择终止事由")
    await refused_saying(handle, W.cancel, CancelInput(CASEWORKER, "不实", "untrue_commitment"), "文号")
    await refused_saying(handle, W.cancel, CancelInput(VERIFIER, "不实", "untrue_commitment", "湛终1号"), "无权", "Forbidden")
    assert credit_kinds(case) == [] and (await case.state(handle)).status == S.reviewing
    await refused_saying(
        handle, W.cancel, CancelInput(SUPERVISOR, "伪造证书", "untrue_commitment", "湛终〔2026〕2号"), "尚未送达"
    )
    await read_notices(handle)
    view = await handle.execute_update(W.cancel, CancelInput(SUPERVISOR, "伪造证书", "untrue_commitment", "湛终〔2026〕2号"))
    assert view.status == S.terminated and view.decisions[-1].actor_id == SUPERVISOR.id
    assert credit_kinds(case) == ["terminated"]


async def test_a_ground_needing_a_finding_is_refused_without_one(case: Harness) -> None:
    handle, _ = await case.open([AFTER])
    await refused_saying(handle, W.cancel, CancelInput(CASEWORKER, "不实", "untrue_commitment", "湛终1号"), "须有事中核查")
    view = await handle.execute_update(W.cancel, CancelInput(CASEWORKER, "申请人已注销", **CEASED))
    assert view.status == S.terminated and view.closed_at is None and view.follow_up_until is None
    view = await handle.execute_update(W.serve_notice, ServiceInput(CASEWORKER, 1, "in_person", view.notices[0].issued_at))
    assert view.closed_at is not None  # 办结 once the decision is served
    assert "参照《中华人民共和国行政许可法》第七十条" in view.decisions[-1].basis and credit_kinds(case) == []


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
    assert credit_kinds(case) == ["untrue_rectified"]  # worded by what happened, written when final
    assert await case.outcome(handle, skip_days=100) == S.rectified


async def test_revoke_and_refer(case: Harness) -> None:
    handle = await approved_with_untrue_finding(case)
    view = await handle.execute_update(
        W.dispose,
        DispositionInput(
            SUPERVISOR,
            D.revoke,
            "伪造经营场所，涉嫌犯罪",
            also=[D.refer],
            decision_no="湛移〔2026〕1号",
            receiving_organ="平顶山市公安局湛河分局",
        ),
    )
    assert view.status == S.hearing and view.referred and not view.penalized  # the referral is made, the revocation proposed
    assert credit_kinds(case) == ["referred_pending"]  # not serious before any judicial finding
    await read_notices(handle)  # the statement period runs from the opening
    await case.skip(20)  # three working days, even across a Golden Week
    await case.until(handle, lambda v: bool(v.hearing and v.hearing.period_over))
    await handle.execute_update(W.decide_revocation, RevocationDecisionInput(SUPERVISOR, True, "申请人未申辩", "湛撤〔2026〕2号"))
    await handle.execute_update(W.close_case, CloseInput(SUPERVISOR, "已移送，办结"))
    await read_notices(handle)
    assert await case.outcome(handle) == S.revoked
    assert credit_kinds(case) == ["referred_pending", "revoked"]


async def test_penalize_with_rectification(case: Harness) -> None:
    handle = await approved_with_untrue_finding(case, [AFTER, AFTER2])
    view = await handle.execute_update(
        W.dispose,
        DispositionInput(
            SUPERVISOR, D.rectify, "限期整改并处罚款", deadline_days=20, also=[D.penalize], decision_no="湛罚〔2026〕1号"
        ),
    )
    assert view.penalized and view.status == S.rectifying
    await refused_update(
        handle, W.dispose, DispositionInput(SUPERVISOR, D.penalize, "再罚", decision_no="湛罚〔2026〕2号")
    )  # only once
    await handle.execute_update(W.submit_rectification, RectificationInput(APPLICANT, AFTER, "整改材料"))
    await handle.execute_update(W.record_verification, VerificationInput(VERIFIER, AFTER, True, "复核到位"))
    await handle.execute_update(W.record_verification, VerificationInput(VERIFIER, AFTER2, True, "属实"))
    assert await case.outcome(handle, skip_days=190) == S.rectified
    assert credit_kinds(case) == ["penalized", "untrue_rectified"]


async def test_penalty_follows_while_rectification_runs(case: Harness) -> None:
    handle = await approved_with_untrue_finding(case)
    await handle.execute_update(W.dispose, DispositionInput(CASEWORKER, D.rectify, "限期整改", deadline_days=10))
    await read_notices(handle)  # the order served: its ten days run
    view = await handle.execute_update(
        W.dispose, DispositionInput(SUPERVISOR, D.penalize, "整改期间另处罚款", decision_no="湛罚〔2026〕3号")
    )
    assert view.penalized and view.status == S.rectifying
    await case.skip(11)  # the deadline passes without evidence: revocation proposed, not made
    view = await case.until(handle, lambda v: v.status == S.hearing)
    assert case.matter(view, AFTER).verification == V.proposed
    assert credit_kinds(case) == ["penalized"]


async def test_revoke_racing_the_untrue_finding_is_refused_cleanly(case: Harness) -> None:
    """A disposition sent while the finding is being recorded sees a consistent case: the
    status was derived before the handler's first await."""
    handle, _ = await case.open([AFTER])
    await handle.execute_update(W.commit, CommitInput(APPLICANT, AFTER))
    await handle.execute_update(W.decide, DecisionInput(CASEWORKER, True, "符合条件"))
    await handle.execute_update(W.complain, ComplaintInput(PUBLIC, "举报"))
    finding = asyncio.create_task(handle.execute_update(W.record_verification, VerificationInput(VERIFIER, AFTER, False, "不实")))
    revoke = asyncio.create_task(handle.execute_update(W.dispose, DispositionInput(SUPERVISOR, D.revoke, "撤销")))
    await finding
    try:
        await revoke
    except WorkflowUpdateFailedError:  # sent before the finding: refused, nothing changed
        await handle.execute_update(W.dispose, DispositionInput(SUPERVISOR, D.revoke, "撤销"))
    view = await case.state(handle)
    assert view.status == S.hearing and case.matter(view, AFTER).verification == V.proposed
    assert sum(r.action == "propose_revoke" for r in await case.timeline(handle)) == 1


async def test_false_commitment_bars_next_application(case: Harness) -> None:
    first = await approved_with_untrue_finding(case)
    await revoked_after_hearing(first)
    await case.outcome(first)
    handle, view = await case.open([AFTER, DURING])
    assert view.barred_reason and all(not m.eligible for m in view.matters)
    assert all(m.letter_sha256 is None for m in view.matters)
    for code in (AFTER, DURING):
        view = await handle.execute_update(W.submit_proof, ProofInput(APPLICANT, code, "营业执照及租赁合同"))
    assert view.status == S.reviewing
    view = await handle.execute_update(W.decide, DecisionInput(CASEWORKER, True, "证明材料齐全"))
    assert view.status == S.granted and view.approved_at  # nothing promised: closed once the decision is served
    view = await read_notices(handle)
    assert view.closed_at is not None
    assert await case.outcome(handle) == S.granted
