"""The integrity archive (诚信档案): assess an applicant, write records exactly once."""

from __future__ import annotations

from sqlmodel import Session, select
from temporalio import activity

from db.models import CreditRecord
from db.session import SessionFactory
from db.writes import insert_ignore
from workflows.rules import credit_grade
from workflows.types import AssessCreditInput, CreditAssessment, CreditRecordInput, RecordCreditsInput


def unrepaired_kinds(session: Session, applicant_id: str) -> list[str]:
    rows = session.exec(
        select(CreditRecord.kind).where(CreditRecord.applicant_id == applicant_id, CreditRecord.repaired == False)  # noqa: E712
    )
    return list(rows)


def assessment(session: Session, applicant_id: str) -> CreditAssessment:
    """The applicant's grade as the archive now stands."""
    grade, barred, reason = credit_grade(unrepaired_kinds(session, applicant_id))
    return CreditAssessment(grade=grade, barred=barred, clean=grade == "A", reason=reason)


def record_row(inp: CreditRecordInput) -> CreditRecord:
    return CreditRecord(
        business_id=inp.business_id,
        applicant_id=inp.applicant_id,
        application_id=inp.application_id,
        matter_code=inp.matter_code,
        kind=inp.kind,
        severity=inp.severity,
        note=inp.note,
        at=inp.at,
    )


class CreditActivities:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    @activity.defn
    def assess_credit(self, inp: AssessCreditInput) -> CreditAssessment:
        """Grade the applicant; the grade decides eligibility and verification intensity."""
        with self._sessions() as session:
            return assessment(session, inp.applicant_id)

    @activity.defn
    def record_credits(self, inp: RecordCreditsInput) -> CreditAssessment:
        """Insert the records, each keyed on its business id (a retry writes nothing twice),
        and grade the applicant as the archive now stands, in one transaction."""
        with self._sessions() as session:
            insert_ignore(session, CreditRecord, [record_row(r).model_dump() for r in inp.records])
            grade = assessment(session, inp.applicant_id)
            session.commit()
        return grade

    @activity.defn
    def record_credit(self, inp: CreditRecordInput) -> bool:
        """One record (cases opened before lean-life). True if written now."""
        with self._sessions() as session:
            written = insert_ignore(session, CreditRecord, [record_row(inp).model_dump()]) == 1
            session.commit()
        return written
