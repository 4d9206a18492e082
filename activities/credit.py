"""The integrity archive (诚信档案): assess an applicant, write records exactly once."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from temporalio import activity

from activities.procedure import procedure_data
from credit import outbox
from credit.grading import as_assessment, assess, regrade
from credit.rules import RuleSet, publication_until
from credit.store import current_rules
from db.models import CreditRecord
from db.session import SessionFactory
from security.pseudonyms import real_id
from security.texts import disclose
from workflows.types import AssessCreditInput, CreditAssessment, CreditRecordInput, RecordCreditsInput


def assessment(session: Session, applicant_id: str) -> CreditAssessment:
    """The applicant's grade and its measures under the rules in force, as the archive now stands
    (reads only; `credit.grading.regrade` also keeps the stored grade and its log current)."""
    return as_assessment(assess(session, applicant_id))


# The decision a record follows, by kind: its legal basis in the procedure rules.
DECISION_BASIS = {
    "revoked": "revoke_basis",
    "penalized": "penalty_basis",
    "referred": "referral_basis",
    "referred_pending": "referral_basis",
    "terminated": "termination_basis",
}


def record_row(session: Session, inp: CreditRecordInput, applicant_id: str, rules: RuleSet) -> dict[str, Any]:
    """The archive's row for a record the workflow decided: by ID number, the note's texts and
    the actor resolved, severity and publication period from the rules in force, its basis."""
    data = procedure_data()
    basis = "；".join(filter(None, (data.get(DECISION_BASIS.get(inp.kind, ""), ""), data["credit_basis"])))
    kind = rules.kinds.get(inp.kind)
    return CreditRecord(
        business_id=inp.business_id,
        applicant_id=applicant_id,
        application_id=inp.application_id,
        matter_code=inp.matter_code,
        kind=inp.kind,
        severity=kind.severity if kind else inp.severity,
        note=disclose(session, inp.application_id, inp.note),
        at=inp.at,
        actor_id=disclose(session, inp.application_id, inp.actor_id),
        basis=basis,
        publication_until=publication_until(rules, inp.kind, inp.at) if kind else None,
    ).model_dump()


def write_records(session: Session, applicant_id: str, records: list[CreditRecordInput]) -> int:
    """The records and their outbox events, once each, and the applicant re-graded, in the
    caller's transaction; returns how many were written now."""
    applicant_id = real_id(session, applicant_id)  # the archive is kept by ID number
    rules = current_rules(session)
    written = outbox.insert_records(session, [record_row(session, r, applicant_id, rules) for r in records])
    if written:
        regrade(session, applicant_id, "新增信用记录")
    return written


class CreditActivities:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    @activity.defn
    def assess_credit(self, inp: AssessCreditInput) -> CreditAssessment:
        """Grade the applicant; the grade decides eligibility and verification intensity."""
        with self._sessions() as session:
            return assessment(session, real_id(session, inp.applicant_id))

    @activity.defn
    def record_credits(self, inp: RecordCreditsInput) -> CreditAssessment:
        """Insert the records, each keyed on its business id (a retry writes nothing twice), with
        their outbox events, and grade the applicant as the archive now stands, in one transaction."""
        with self._sessions() as session:
            write_records(session, inp.applicant_id, inp.records)
            grade = assessment(session, real_id(session, inp.applicant_id))
            session.commit()
        return grade

    @activity.defn
    def record_credit(self, inp: CreditRecordInput) -> bool:
        """One record (cases opened before lean-life). True if written now."""
        with self._sessions() as session:
            written = write_records(session, inp.applicant_id, [inp]) == 1
            session.commit()
        return written
