"""A case whose history grows long continues as new with its whole state (issue 16): the same
case, its deadlines and timeline carried on, every run replayable."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from temporalio.client import WorkflowExecutionStatus

from activities.projection import workflow_id
from tests.support.factories import AFTER, APPLICANT, CASEWORKER, PUBLIC, VERIFIER
from tests.support.harness import Harness
from tests.support.refusals import refused
from tests.support.replay import runs
from workflows.application import ApplicationWorkflow as W
from workflows.types import (
    ApplicationStatus as S,
    CommitInput,
    ComplaintInput,
    DecisionInput,
    DispositionAction as D,
    DispositionInput,
    OpenApplicationInput,
    ProofInput,
    RectificationInput,
    VerificationInput,
    VerificationState as V,
)


async def run_count(case: Harness, handle: Any) -> int:
    return len([h async for h in runs(case, handle)])


async def test_long_history_continues_as_new_and_the_case_goes_on(case: Harness) -> None:
    handle, _ = await case.open([AFTER], continue_after_events=60)
    await handle.execute_update(W.commit, CommitInput(APPLICANT, AFTER))
    await handle.execute_update(W.decide, DecisionInput(CASEWORKER, True, "符合条件"))
    for n in range(6):  # complaints and their checks: a long history
        await handle.execute_update(W.complain, ComplaintInput(PUBLIC, f"举报{n}"))
        await handle.execute_update(W.record_verification, VerificationInput(VERIFIER, AFTER, True, f"核查{n}属实"))
    await case.until(handle, lambda v: True)
    assert await run_count(case, handle) >= 2
    latest = case.env.client.get_workflow_handle(handle.id)
    assert (await latest.describe()).status == WorkflowExecutionStatus.RUNNING

    # the new run holds the case: an untrue finding, rectification and re-verification go on
    await latest.execute_update(W.complain, ComplaintInput(PUBLIC, "再次举报"))
    view = await latest.execute_update(W.record_verification, VerificationInput(VERIFIER, AFTER, False, "场所不符"))
    assert case.matter(view, AFTER).verification == V.untrue
    await latest.execute_update(W.dispose, DispositionInput(CASEWORKER, D.rectify, "限期整改", deadline_days=5))
    await latest.execute_update(W.submit_rectification, RectificationInput(APPLICANT, AFTER, "已整改"))
    view = await latest.execute_update(W.record_verification, VerificationInput(VERIFIER, AFTER, True, "复核属实"))
    assert case.matter(view, AFTER).verification == V.rectified
    assert await case.outcome(latest, skip_days=400) == S.rectified

    # one timeline across the runs: numbered without gaps or repeats, the hand-over on record
    rows = case.timeline_rows(view.application_id)
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    assert sum(r.action == "continue" for r in rows) == await run_count(case, handle) - 1
    assert rows[-1].action == "close"


async def test_refused_update_in_a_continued_run_leaves_it_untouched(case: Harness) -> None:
    handle, _ = await case.open([AFTER], continue_after_events=40)
    await handle.execute_update(W.commit, CommitInput(APPLICANT, AFTER))
    await handle.execute_update(W.decide, DecisionInput(CASEWORKER, True, "符合条件"))
    for n in range(4):
        await handle.execute_update(W.complain, ComplaintInput(PUBLIC, f"举报{n}"))
        await handle.execute_update(W.record_verification, VerificationInput(VERIFIER, AFTER, True, f"核查{n}属实"))
    assert await run_count(case, handle) >= 2
    latest = case.env.client.get_workflow_handle(handle.id)
    says = await refused(latest, W.decide, DecisionInput(CASEWORKER, True, "再批一次"))
    assert "不能执行此操作" in says


async def test_a_continued_run_keeps_the_case_wide_patches_of_its_first_run(case: Harness) -> None:
    """A new run's history has no patch markers, so `patched` says True there: a case opened
    before a case-wide patch would take it up when it continues as new. The state carries what
    the first run answered; a run resumed without graded-measures draws the old way."""
    handle, _ = await case.open([AFTER], continue_after_events=30, sampling=None)
    for n in range(8):  # before the decision: complaints that touch nothing make a long history
        await handle.execute_update(W.complain, ComplaintInput(PUBLIC, f"举报{n}"))
        if await run_count(case, handle) >= 2:
            break
    histories = [h async for h in runs(case, handle)]
    assert len(histories) >= 2
    started = histories[1].events[0].workflow_execution_started_event_attributes
    [carried] = await case.env.client.data_converter.decode(started.input.payloads, [OpenApplicationInput])
    assert carried.resume.patches == [
        "organ-decisions",
        "search-attributes",
        "continue-as-new",
        "graded-measures",
        "organ-terminates",
        "measures-keep-rights",
        "notices-served",
    ]

    async def decided(patches: list[str], suffix: str) -> str:
        """The sampling entry of the same case resumed (as a run after a deploy) with these patches."""
        resume = replace(carried.resume, patches=patches, complained=False)  # no 事中 check first: the draw comes at once
        inp = replace(carried, application_id=f"{carried.application_id}-{suffix}", resume=resume)
        again = await case.env.client.start_workflow(W.run, inp, id=workflow_id(inp.application_id), task_queue=case.task_queue)
        case.handles.append(again)
        await again.execute_update(W.commit, CommitInput(APPLICANT, AFTER))
        await again.execute_update(W.decide, DecisionInput(CASEWORKER, True, "符合条件"))
        return next(r.summary for r in case.timeline_rows(inp.application_id) if r.action == "sampling")

    graded = await decided(carried.resume.patches, "graded")
    assert "抽查概率" in graded and "信用规则第" in graded  # by the grade's chance for the risk level
    before = await decided(["organ-decisions", "search-attributes", "continue-as-new"], "before")
    assert "抽查概率" not in before and ("抽中概率" in before or "全部核查" in before)  # the one chance of before

    async def proven(patches: list[str] | None, suffix: str) -> S:
        """The status of the same case resumed with these patches, approved with its matter proven."""
        resume = replace(carried.resume, patches=patches, complained=False)
        inp = replace(carried, application_id=f"{carried.application_id}-{suffix}", resume=resume)
        again = await case.env.client.start_workflow(W.run, inp, id=workflow_id(inp.application_id), task_queue=case.task_queue)
        case.handles.append(again)
        await again.execute_update(W.submit_proof, ProofInput(APPLICANT, AFTER, "房产证"))
        return (await again.execute_update(W.decide, DecisionInput(CASEWORKER, True, "证明齐全"))).status

    assert await proven(carried.resume.patches, "terminates") == S.granted  # closed at the decision
    # carried before `patches` existed: opened before organ-terminates, it stays supervised
    assert await proven(None, "unlisted") == S.approved
