"""The happy lives of an application, with their timers skipped."""

from __future__ import annotations

from datetime import timedelta

from tests.factories import AFTER, APPLICANT, CASEWORKER, EXEMPT, VERIFIER
from tests.harness import Harness
from workflows.application import ApplicationWorkflow as W
from workflows.types import (
    ApplicationStatus as S,
    CommitInput,
    DecisionInput,
    MatterMode,
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

    assert await handle.result() == S.fulfilled
    view = await case.state(handle)
    assert view.closed_at - view.approved_at >= timedelta(days=90)
