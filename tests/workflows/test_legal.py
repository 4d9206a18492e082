"""The case as the law runs it (issue 15): revocation proposed and decided by the organ after
the statement period, daily supervision, penalty and referral on their own, honest closing,
deadlines before the decision, counter commitments, labels by who acted."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.support.factories import AFTER, AFTER2, APPLICANT, CASEWORKER, DURING, EXEMPT, PUBLIC, SUPERVISOR, VERIFIER
from tests.support.harness import Harness
from tests.support.lives import (
    CEASED,
    actions,
    approved_with_untrue_finding,
    credit_kinds,
    read_notices,
    revoked_after_missed_rectification,
    terminated_on_finding,
)
from tests.support.refusals import refused_saying as refused
from workflows.application import ApplicationWorkflow as W
from workflows.types import (
    ApplicationStatus as S,
    CancelInput,
    CommitInput,
    ComplaintInput,
    DecisionInput,
    DispositionAction as D,
    DispositionInput,
    RectificationInput,
    RevocationDecisionInput,
    ServiceInput,
    StatementInput,
    VerificationInput,
    VerificationState as V,
)

SCAN = "ab" * 32


async def approved(case: Harness, matters: list[str], sampling: float = 1.0) -> Any:
    handle, _ = await case.open(matters, sampling=sampling)
    for code in matters:
        await handle.execute_update(W.commit, CommitInput(APPLICANT, code))
    await handle.execute_update(W.decide, DecisionInput(CASEWORKER, True, "符合条件"))
    return handle


async def test_missed_rectification_proposes_then_statement_then_revocation(case: Harness) -> None:
    await revoked_after_missed_rectification(case)


async def test_statement_period_lapses_not_revoked_then_penalty_alone(case: Harness) -> None:
    handle = await approved_with_untrue_finding(case)
    view = await handle.execute_update(W.dispose, DispositionInput(SUPERVISOR, D.revoke, "虚假承诺"))
    assert view.status == S.hearing and view.hearing and view.hearing.statement_until is None  # proposed, not revoked
    await case.skip(12)  # never opened: deemed served 10 days after issue (procedure.json service_deemed_days)
    view = await case.until(handle, lambda v: bool(v.hearing and v.hearing.statement_until))
    proposal = next(n for n in view.notices if n.kind == "proposal")
    assert proposal.method == "deemed" and proposal.served_at == proposal.deemed_at == proposal.issued_at + timedelta(days=10)
    assert view.hearing and view.hearing.statement_until and view.hearing.statement_until > proposal.served_at
    await case.skip(20)  # then three working days pass, even across a Golden Week
    view = await case.until(handle, lambda v: bool(v.hearing and v.hearing.period_over))
    await refused(handle, W.state_case, StatementInput(APPLICANT, "迟到的申辩"), "期已满")
    view = await handle.execute_update(
        W.decide_revocation, RevocationDecisionInput(SUPERVISOR, False, "情节轻微，不予撤销", finding_stands=True)
    )
    assert view.status == S.verifying and case.matter(view, AFTER).verification == V.untrue
    await refused(handle, W.dispose, DispositionInput(SUPERVISOR, D.penalize, "虚假承诺"), "文号")
    view = await handle.execute_update(
        W.dispose,
        DispositionInput(
            SUPERVISOR,
            D.penalize,
            "虚假承诺，罚款",
            decision_no="湛税罚〔2026〕3号",
            keep_decision="撤销将使已入住的养老床位停止服务",
        ),
    )  # the decision kept on a recorded ground (行政许可法 第六十九条第三款): the finding closes
    assert view.penalized and case.matter(view, AFTER).verification == V.disposed and view.status == S.approved
    assert view.decisions[-1].keeps_decision == "撤销将使已入住的养老床位停止服务"
    assert credit_kinds(case) == ["penalized"]
    assert await case.outcome(handle, skip_days=100) == S.sanctioned


async def test_statement_shows_finding_wrong(case: Harness) -> None:
    handle = await approved_with_untrue_finding(case)
    await handle.execute_update(W.dispose, DispositionInput(SUPERVISOR, D.revoke, "虚假承诺"))
    await handle.execute_update(W.state_case, StatementInput(APPLICANT, "附不动产权证书，场所真实存在"))
    view = await handle.execute_update(
        W.decide_revocation, RevocationDecisionInput(SUPERVISOR, False, "申辩成立", finding_stands=False)
    )
    assert case.matter(view, AFTER).verification == V.true and view.status == S.approved
    assert await case.outcome(handle, skip_days=100) == S.fulfilled
    assert credit_kinds(case) == ["kept_promise"]


async def test_untrue_reverification_proposes_revocation(case: Harness) -> None:
    handle = await approved_with_untrue_finding(case)
    await handle.execute_update(W.dispose, DispositionInput(CASEWORKER, D.rectify, "限期整改", deadline_days=10))
    await handle.execute_update(W.submit_rectification, RectificationInput(APPLICANT, AFTER, "新租赁合同"))
    view = await handle.execute_update(W.record_verification, VerificationInput(VERIFIER, AFTER, False, "复核仍不符"))
    assert view.status == S.hearing and case.matter(view, AFTER).verification == V.proposed
    assert credit_kinds(case) == []
    await case.skip(20)  # three working days, even across a Golden Week
    await case.until(handle, lambda v: bool(v.hearing and v.hearing.period_over))
    view = await handle.execute_update(
        W.decide_revocation, RevocationDecisionInput(SUPERVISOR, True, "整改不到位", "湛撤〔2026〕4号")
    )
    assert view.status == S.revoked
    await case.skip(91)  # the follow-up period ends by itself
    assert await case.outcome(handle) == S.revoked


async def test_routine_verification_of_sampled_out_and_exempt_matters(case: Harness) -> None:
    handle = await approved(case, [AFTER, EXEMPT], sampling=0.0)
    view = await case.state(handle)
    assert case.matter(view, AFTER).verification == V.sampled_out and case.matter(view, EXEMPT).verification == V.exempt
    view = await handle.execute_update(W.record_verification, VerificationInput(VERIFIER, EXEMPT, True, "日常检查一致"))
    assert case.matter(view, EXEMPT).verification == V.true
    view = await handle.execute_update(W.record_verification, VerificationInput(VERIFIER, EXEMPT, True, "再查一次"))
    assert case.matter(view, EXEMPT).verification == V.true  # already true: may be checked again
    view = await handle.execute_update(W.record_verification, VerificationInput(VERIFIER, AFTER, False, "双随机抽查不符"))
    assert view.status == S.verifying and case.matter(view, AFTER).verification == V.untrue
    assert any("日常监管" in r.summary for r in await case.timeline(handle))


async def test_routine_verification_refused_after_the_matters_window(case: Harness) -> None:
    handle = await approved(case, [EXEMPT, "T-AFTER2"], sampling=0.0)  # windows of 90 and 180 days
    await case.skip(100)
    await refused(handle, W.record_verification, VerificationInput(VERIFIER, EXEMPT, True, "过期检查"), "监管期")
    view = await handle.execute_update(W.record_verification, VerificationInput(VERIFIER, "T-AFTER2", True, "检查一致"))
    assert case.matter(view, "T-AFTER2").verification == V.true
    assert await case.outcome(handle, skip_days=100) == S.no_finding  # the exempt one was never verified


async def test_complaint_makes_exempt_matter_due(case: Harness) -> None:
    handle = await approved(case, [EXEMPT])
    view = await handle.execute_update(W.complain, ComplaintInput(PUBLIC, "举报材料造假", contact="13800000000"))
    assert case.matter(view, EXEMPT).verification == V.due and case.matter(view, EXEMPT).deadline_at
    rows = await case.timeline(handle)
    assert "13800000000" not in " ".join(r.summary for r in rows) and "留有联系方式" in rows[-1].summary


async def test_honest_closing(case: Harness) -> None:
    unverified = await approved(case, [AFTER], sampling=0.0)
    assert await case.outcome(unverified, skip_days=100) == S.no_finding
    assert credit_kinds(case) == ["no_finding"]


async def test_referral_after_termination_then_follow_up_ends(case: Harness) -> None:
    handle, view = await terminated_on_finding(case, DURING, "证书系伪造")
    assert credit_kinds(case) == ["terminated"]
    view = await handle.execute_update(
        W.dispose,
        DispositionInput(
            SUPERVISOR, D.refer, "伪造证明", decision_no="湛移〔2026〕5号", receiving_organ="平顶山市公安局湛河分局"
        ),
    )
    assert view.referred and case.matter(view, DURING).verification == V.disposed
    await refused(handle, W.dispose, DispositionInput(SUPERVISOR, D.rectify, "整改", deadline_days=5), "只能作出")
    await case.skip(91)
    assert await case.outcome(handle) == S.terminated


async def test_during_verification_deadline_escalates(case: Harness) -> None:
    handle, _ = await case.open([DURING])
    view = await handle.execute_update(W.commit, CommitInput(APPLICANT, DURING))
    m = case.matter(view, DURING)
    assert m.verification == V.pending and m.deadline_at is not None
    await case.skip(30)  # five working days, even across a Spring Festival
    view = await case.until(handle, lambda v: case.matter(v, DURING).escalated)
    assert case.matter(view, DURING).verification == V.pending  # overdue is never a pass
    assert "escalate" in actions(await case.timeline(handle))


async def test_time_limit_escalates(case: Harness) -> None:
    handle, view = await case.open([AFTER], service="法律援助申请")
    assert view.decision_due_at is not None and not view.decision_overdue
    await case.skip(40)
    view = await case.until(handle, lambda v: v.decision_overdue)
    assert view.status == S.notified and "time_limit_overdue" in actions(await case.timeline(handle))


async def test_paper_commitment_at_the_counter(case: Harness) -> None:
    handle, _ = await case.open([AFTER])
    await refused(handle, W.commit, CommitInput(CASEWORKER, AFTER), "不得代为承诺", "Forbidden")
    await refused(handle, W.commit, CommitInput(APPLICANT, AFTER, signature="paper", scan_sha256=SCAN), "承办人")
    view = await handle.execute_update(W.commit, CommitInput(CASEWORKER, AFTER, signature="paper", scan_sha256=SCAN))
    m = case.matter(view, AFTER)
    assert (m.mode, m.signature, m.scan_sha256, m.recorded_by) == ("commitment", "paper", SCAN, CASEWORKER.id)
    assert view.status == S.reviewing


async def test_labels_by_who_ended_it(case: Harness) -> None:
    withdrawn, _ = await case.open([AFTER])
    view = await withdrawn.execute_update(W.cancel, CancelInput(APPLICANT, "不再需要"))
    assert view.status == S.cancelled and view.closed_at is not None
    ended, _ = await case.open([AFTER])
    view = await ended.execute_update(W.cancel, CancelInput(CASEWORKER, "申请人已死亡", **CEASED))
    assert view.status == S.terminated and view.closed_at is None and view.follow_up_until is None  # until served
    view = await ended.execute_update(W.serve_notice, ServiceInput(CASEWORKER, 1, "post", view.notices[0].issued_at))
    assert view.closed_at is not None and view.notices[0].method == "post"
    assert view.decisions[-1].kind == "terminate"
    assert "终止办理" in (await case.timeline(ended))[-2].summary


async def test_a_penalty_or_referral_alone_leaves_the_finding_open(case: Harness) -> None:
    """measures-keep-rights: a licence got by an untrue promise is not left standing by a penalty
    without a recorded ground, nor by a referral; a fine waits for the judiciary."""
    handle = await approved_with_untrue_finding(case)
    view = await handle.execute_update(
        W.dispose,
        DispositionInput(
            SUPERVISOR, D.refer, "涉嫌伪造", decision_no="湛移〔2026〕8号", receiving_organ="平顶山市公安局湛河分局"
        ),
    )
    assert view.referred and case.matter(view, AFTER).verification == V.untrue and view.status == S.verifying
    await refused(
        handle, W.dispose, DispositionInput(SUPERVISOR, D.penalize, "罚款", decision_no="湛罚1号"), "司法机关作出处理后"
    )
    view = await handle.execute_update(W.dispose, DispositionInput(SUPERVISOR, D.revoke, "虚假承诺"))  # 409 before
    assert view.status == S.hearing and case.matter(view, AFTER).verification == V.proposed
    assert "finding_open" in actions(await case.timeline(handle))


async def test_a_penalty_without_a_ground_to_keep_the_decision_needs_rectification(case: Harness) -> None:
    handle = await approved_with_untrue_finding(case)
    await refused(
        handle,
        W.dispose,
        DispositionInput(SUPERVISOR, D.penalize, "罚款", decision_no="湛罚2号", also=[D.refer], receiving_organ="公安"),
        "司法机关作出处理后",
    )
    view = await handle.execute_update(W.dispose, DispositionInput(SUPERVISOR, D.penalize, "罚款", decision_no="湛罚2号"))
    assert view.penalized and case.matter(view, AFTER).verification == V.untrue  # still open: rectify or revoke
    view = await handle.execute_update(W.dispose, DispositionInput(CASEWORKER, D.rectify, "限期整改", deadline_days=10))
    assert view.status == S.rectifying


async def test_the_right_to_rectify_is_kept(case: Harness) -> None:
    """No proposal while a rectification period runs; a hearing on one matter does not stop the
    other's rectification; a second proposal joins the hearing; "not revoked" keeps a deadline."""
    handle = await approved_with_untrue_finding(case, [AFTER, AFTER2])
    await handle.execute_update(W.dispose, DispositionInput(CASEWORKER, D.rectify, "限期整改", deadline_days=30))
    await read_notices(handle)  # the order served: its 30 days run
    await refused(handle, W.dispose, DispositionInput(SUPERVISOR, D.revoke, "虚假承诺"), "有权在期限内整改")
    await handle.execute_update(W.record_verification, VerificationInput(VERIFIER, AFTER2, False, "场所不符"))
    view = await handle.execute_update(W.dispose, DispositionInput(SUPERVISOR, D.revoke, "第二项虚假承诺"))
    assert view.status == S.hearing and case.matter(view, AFTER).verification == V.rectifying  # only AFTER2 proposed
    assert view.hearing and view.hearing.matters == [AFTER2]
    await read_notices(handle)
    await handle.execute_update(W.state_case, StatementInput(APPLICANT, "第二项正在补办"))
    view = await handle.execute_update(W.submit_rectification, RectificationInput(APPLICANT, AFTER, "新租赁合同"))
    assert case.matter(view, AFTER).verification == V.reverifying and view.status == S.hearing
    view = await handle.execute_update(W.record_verification, VerificationInput(VERIFIER, AFTER, False, "复核仍不符"))
    assert view.hearing and view.hearing.matters == [AFTER2, AFTER] and "；" in view.hearing.grounds  # joined
    assert [s.text for s in view.hearing.statements] == ["第二项正在补办"] and view.hearing.statement is None
    await refused(handle, W.decide_revocation, RevocationDecisionInput(SUPERVISOR, False, "再议"), "期满或申请人陈述申辩后")
    await read_notices(handle)  # the joined grounds' notice: a statement period on them from service
    await handle.execute_update(W.state_case, StatementInput(APPLICANT, "第一项正在整改"))
    view = await handle.execute_update(
        W.decide_revocation, RevocationDecisionInput(SUPERVISOR, False, "给予整改机会", finding_stands=True)
    )
    assert case.matter(view, AFTER).verification == V.rectifying  # its 30 days still run
    assert case.matter(view, AFTER2).verification == V.untrue and view.status == S.rectifying
    rows = await case.timeline(handle)
    assert "第二项正在补办" in rows[-1].summary and "第一项正在整改" in rows[-1].summary  # every statement heard
