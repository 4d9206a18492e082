"""A credit record as the workflow decides it and the archive keeps it: by ID number, the note's
texts in place, the actor, the legal basis, the publication period from the rules in force, its
outbox event, and the applicant re-graded in the same transaction."""

from __future__ import annotations

from sqlmodel import Session, select

from credit.rules import publication_until
from credit.store import current_rules
from db.models import ApplicantGrade, CreditGradeChange, CreditOutbox, CreditRecord
from tests.support.factories import APPLICANT, CASEWORKER, DURING
from tests.support.harness import Harness
from tests.support.lives import terminated_on_finding


async def test_termination_record_carries_basis_period_actor_and_event(case: Harness) -> None:
    await terminated_on_finding(case, DURING)
    with Session(case.engine) as s:
        record = s.exec(select(CreditRecord).where(CreditRecord.applicant_id == APPLICANT.id)).one()
        assert record.kind == "terminated" and record.severity == "general"
        assert record.actor_id == CASEWORKER.id and "协查回函：不符" in record.note and "湛终〔2026〕1号" in record.note
        assert "终止办理" in record.basis and "纳入信用记录" in record.basis
        assert record.publication_until == publication_until(current_rules(s), "terminated", record.at)
        event = s.get(CreditOutbox, record.business_id)
        assert event is not None and event.payload["record"]["kind"] == "terminated"
        assert event.payload["basis"] == record.basis
        grade = s.get(ApplicantGrade, APPLICANT.id)
        assert grade is not None and grade.grade == "C"
        assert [c.new_grade for c in s.exec(select(CreditGradeChange).where(CreditGradeChange.applicant_id == APPLICANT.id))] == [
            "C"
        ]
