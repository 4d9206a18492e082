"""Measures by grade (issue 18): the credit office's rules set the chance of after-approval
verification per grade and per matter risk level; the grade at opening and at approval, the
chance, the draw and the rule version are on record, and replay draws the same."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlmodel import Session

from db.models import CreditRecord, Matter
from tests.support.factories import AFTER, APPLICANT, CASEWORKER, applicant
from tests.support.harness import Harness
from workflows.application import ApplicationWorkflow as W
from workflows.types import CommitInput, CreditAssessment, DecisionInput, VerificationState as V


def set_risk(case: Harness, code: str, level: str) -> None:
    with Session(case.engine) as s:
        row = s.get(Matter, code)
        assert row is not None
        row.risk_level = level
        s.add(row)
        s.commit()


def minor_record(case: Harness, applicant_id: str) -> None:
    with Session(case.engine) as s:
        s.add(
            CreditRecord(
                business_id=f"old:{applicant_id}",
                applicant_id=applicant_id,
                kind="untrue_rectified",
                severity="minor",
                note="承诺不实，已按期整改到位",
                at=datetime.now(timezone.utc),
            )
        )
        s.commit()


async def approved(case: Harness, who_n: int = 1, credit: CreditAssessment | None = None) -> tuple:  # type: ignore[type-arg]
    handle, opened = await case.open([AFTER], who=applicant(who_n), sampling=None)
    actor = APPLICANT if who_n == 1 else APPLICANT.__class__(f"app-{who_n}", APPLICANT.role)
    await handle.execute_update(W.commit, CommitInput(actor, AFTER))
    view = await handle.execute_update(W.decide, DecisionInput(CASEWORKER, True, "符合条件", credit))
    return handle, opened, view


async def test_clean_applicant_drawn_by_risk_level(case: Harness) -> None:
    set_risk(case, AFTER, "high")
    handle, opened, view = await approved(case)
    assert opened.credit_grade == "A"
    m = case.matter(view, AFTER)
    assert m.sampling_probability == 0.5 and m.risk_level == "high" and m.verification_method == "data"
    assert m.draw is not None and m.sampled == (m.draw < 0.5)
    assert m.verification == (V.scheduled if m.sampled else V.sampled_out)
    words = " ".join(r.summary for r in await case.timeline(handle))
    assert "受理时信用等级：守信（A级，信用规则第1版）" in words
    assert f"高风险事项，抽查概率50%（信用规则第1版），抽签值{m.draw:.3f}" in words


async def test_minor_record_raises_the_chance_and_verifies_on_site(case: Harness) -> None:
    minor_record(case, "app-2")
    handle, opened, view = await approved(case, who_n=2)
    assert opened.credit_grade == "B" and opened.barred_reason is None  # 一般失信: may still commit
    m = case.matter(view, AFTER)
    assert m.sampling_probability == 0.7 and m.verification_method == "on_site"


async def test_the_grade_at_approval_decides_the_draw(case: Harness) -> None:
    worse = CreditAssessment(
        grade="D",
        barred=True,
        clean=False,
        reason="有严重不良信用记录",
        label="严重失信",
        rule_version=2,
        sampling={"low": 1.0, "medium": 1.0, "high": 1.0},
        method="on_site",
    )
    handle, opened, view = await approved(case, who_n=3, credit=worse)
    assert opened.credit_grade == "A"
    m = case.matter(view, AFTER)
    assert m.sampled and m.sampling_probability == 1.0 and m.verification == V.scheduled
    words = " ".join(r.summary for r in await case.timeline(handle))
    assert "作出决定时信用等级：严重失信（D级，信用规则第2版）" in words
