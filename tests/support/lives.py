"""Cases driven to a point of their life for the workflow tests: approved with a matter found
untrue, or revoked after a missed rectification; and what the read model then holds."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import Session, select

from db.models import CreditRecord
from tests.support.factories import AFTER, APPLICANT, CASEWORKER, PUBLIC, SUPERVISOR, VERIFIER
from tests.support.harness import Harness
from tests.support.refusals import refused_saying
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
    NoticeOpened,
    RevocationDecisionInput,
    ServiceInput,
    StatementInput,
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


async def read_notices(handle: Any, actor: Any = APPLICANT) -> Any:
    """The applicant opens every notice not opened yet (the first opening serves it: notices-served)."""
    view = await handle.query(W.state)
    for n in view.notices:
        if n.read_at is None:
            view = await handle.execute_update(W.open_notice, NoticeOpened(actor, n.no))
    return view


CEASED = {"ground": "applicant_ceased", "decision_no": "湛终〔2026〕9号"}
"""The office's 终止办理 on a ground that needs no finding (CancelInput keywords)."""


async def terminated_on_finding(case: Harness, code: str, findings: str = "协查回函：不符") -> Any:
    """A 事中 check finds the promise untrue; it awaits the organ, which decides 终止办理 with a
    number and the ground's basis (organ-terminates). Returns the handle and the case then."""
    handle, _ = await case.open([code])
    await handle.execute_update(W.commit, CommitInput(APPLICANT, code))
    view = await handle.execute_update(W.record_verification, VerificationInput(VERIFIER, code, False, findings))
    assert view.status == S.reviewing and case.matter(view, code).verification == V.untrue and not view.decisions
    assert credit_kinds(case) == []  # the verifier's finding is not the organ's decision
    await refused_saying(  # the applicant is told first
        handle, W.cancel, CancelInput(CASEWORKER, "事中核查承诺不实", "untrue_commitment", "湛终〔2026〕1号"), "尚未送达"
    )
    view = await read_notices(handle)
    assert view.notices[-1].kind == "finding" and view.notices[-1].method == "electronic"
    view = await handle.execute_update(
        W.cancel, CancelInput(CASEWORKER, "事中核查承诺不实", "untrue_commitment", "湛终〔2026〕1号")
    )
    assert view.status == S.terminated and view.closed_at is None  # follow-up measures may come
    [decision] = view.decisions
    assert (decision.kind, decision.ground, decision.decision_no, decision.actor_id) == (
        "terminate",
        "untrue_commitment",
        "湛终〔2026〕1号",
        CASEWORKER.id,
    )
    assert "国办发〔2020〕42号" in decision.basis and decision.remedies
    return handle, view


def actions(rows: list[Any]) -> list[str]:
    return [r.action for r in rows]


async def revoked_after_missed_rectification(case: Harness) -> None:
    """A case whose rectification deadline passes: revocation proposed, the applicant heard,
    revoked, referred, the follow-up closed; every step checked (test_legal runs it as a test,
    tests/audit exports and replays the history it leaves)."""
    handle = await approved_with_untrue_finding(case)
    assert credit_kinds(case) == []  # no record on the verifier's click: the finding is not final
    view = await handle.execute_update(W.dispose, DispositionInput(CASEWORKER, D.rectify, "限期整改", deadline_days=5))
    order = view.notices[-1]
    assert order.kind == "order" and case.matter(view, AFTER).rectify_by is None  # 自收到通知书之日起
    served_at = await case.env.get_current_time()
    await refused_saying(handle, W.serve_notice, ServiceInput(CASEWORKER, order.no, "fax", served_at), "送达方式")
    view = await handle.execute_update(W.serve_notice, ServiceInput(CASEWORKER, order.no, "in_person", served_at))
    assert view.notices[-1].method == "in_person" and case.matter(view, AFTER).rectify_by == served_at + timedelta(days=5)
    await refused_saying(handle, W.serve_notice, ServiceInput(CASEWORKER, order.no, "post", served_at), "已于")
    await case.skip(6)
    view = await case.until(handle, lambda v: v.status == S.hearing)
    assert view.hearing and view.hearing.statement_until is None  # the statement period runs from service
    view = await read_notices(handle)
    assert view.hearing and view.hearing.statement_until and view.notices[-1].method == "electronic"
    assert case.matter(view, AFTER).verification == V.proposed
    assert view.closed_at is None and credit_kinds(case) == []  # nothing revoked by the timer
    await refused_saying(
        handle, W.decide_revocation, RevocationDecisionInput(SUPERVISOR, True, "逾期未整改", "湛司撤字〔2026〕1号"), "陈述申辩期"
    )
    view = await handle.execute_update(W.state_case, StatementInput(APPLICANT, "因疫情未能按期整改，请求宽限"))
    assert view.hearing and view.hearing.statement
    await refused_saying(handle, W.decide_revocation, RevocationDecisionInput(SUPERVISOR, True, "逾期未整改"), "文号")
    await refused_saying(
        handle, W.decide_revocation, RevocationDecisionInput(CASEWORKER, True, "逾期未整改", "x"), "负责人", "Forbidden"
    )
    view = await handle.execute_update(
        W.decide_revocation, RevocationDecisionInput(SUPERVISOR, True, "申辩理由不成立", "湛司撤字〔2026〕1号")
    )
    assert view.status == S.revoked and view.hearing is None
    assert view.closed_at is None and view.follow_up_until  # follow-up measures may still come
    revoke = view.decisions[-1]
    assert revoke.kind == "revoke" and revoke.decision_no == "湛司撤字〔2026〕1号"
    assert "行政复议" in revoke.remedies and "行政诉讼" in revoke.remedies and "第六十九条" in revoke.basis
    assert credit_kinds(case) == ["revoked"]
    # a referral after the revocation, then the supervisor closes the follow-up
    view = await handle.execute_update(
        W.dispose,
        DispositionInput(
            SUPERVISOR, D.refer, "涉嫌伪造", decision_no="湛司移字〔2026〕2号", receiving_organ="平顶山市公安局湛河分局"
        ),
    )
    assert view.referred and view.decisions[-1].receiving_organ == "平顶山市公安局湛河分局"
    assert credit_kinds(case) == ["referred_pending", "revoked"]
    await refused_saying(
        handle, W.dispose, DispositionInput(SUPERVISOR, D.refer, "再次", decision_no="x", receiving_organ="y"), "已移送"
    )
    view = await handle.execute_update(W.close_case, CloseInput(SUPERVISOR, "后续处理完毕"))
    assert view.closed_at is None and [n.kind for n in view.notices if n.served_at is None] == ["revoke", "refer"]
    view = await read_notices(handle)  # 办结 once the decisions are served
    assert view.closed_at is not None
    assert await case.outcome(handle) == S.revoked
    rows = await case.timeline(handle)
    assert actions(rows).index("propose_revoke") < actions(rows).index("statement") < actions(rows).index("revoke")
