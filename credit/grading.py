"""Grades kept current: an applicant is re-graded when a record is written or repaired and when
the rules change, and every change of grade is logged (`CreditGradeChange`)."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlmodel import Session, col, select

from credit.rules import Grade, RuleSet, grade
from credit.store import current_rules
from db.models import ApplicantGrade, CreditGradeChange, CreditRecord
from db.writes import insert_ignore
from workflows.types import CreditAssessment


def records_of(session: Session, applicant_id: str) -> list[CreditRecord]:
    """The applicant's archive, newest first."""
    return list(
        session.exec(select(CreditRecord).where(CreditRecord.applicant_id == applicant_id).order_by(col(CreditRecord.at).desc()))
    )


def assess(session: Session, applicant_id: str, rules: RuleSet | None = None, now: datetime | None = None) -> Grade:
    """The applicant's grade as the archive and the rules in force now stand (reads only)."""
    return grade(records_of(session, applicant_id), rules or current_rules(session), now or datetime.now(timezone.utc))


def regrade(session: Session, applicant_id: str, cause: str, rules: RuleSet | None = None, now: datetime | None = None) -> Grade:
    """Grade the applicant and keep `ApplicantGrade` current, logging a change of grade with its
    cause; in the caller's transaction (the caller commits). Repeating it changes nothing.

    The applicant's row is locked first (PostgreSQL: FOR UPDATE; SQLite serialises writers), so
    two concurrent re-gradings log one change, not two.
    """
    return _regrade(session, applicant_id, cause, rules, now)[0]


def _regrade(session: Session, applicant_id: str, cause: str, rules: RuleSet | None, now: datetime | None) -> tuple[Grade, bool]:
    now = now or datetime.now(timezone.utc)
    rules = rules or current_rules(session)
    fresh = assess(session, applicant_id, rules, now)
    created = insert_ignore(
        session,
        ApplicantGrade,
        [{"applicant_id": applicant_id, "grade": fresh.grade, "rule_version": rules.version, "updated_at": now}],
    )
    row = session.exec(
        select(ApplicantGrade)
        .where(ApplicantGrade.applicant_id == applicant_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    old = None if created else row.grade
    changed = (not fresh.clean) if created else old != fresh.grade
    if changed:
        session.add(
            CreditGradeChange(
                applicant_id=applicant_id, old_grade=old, new_grade=fresh.grade, rule_version=rules.version, at=now, cause=cause
            )
        )
    if not created and (row.grade, row.rule_version) != (fresh.grade, rules.version):
        row.grade, row.rule_version, row.updated_at = fresh.grade, rules.version, now
        session.add(row)
    session.flush()
    return fresh, changed


def regrade_all(session: Session, cause: str, rules: RuleSet | None = None, now: datetime | None = None) -> int:
    """Re-grade every applicant with a record (after a rule change); returns how many changed grade."""
    rules = rules or current_rules(session)
    applicants = session.exec(select(CreditRecord.applicant_id).distinct()).all()
    return sum(_regrade(session, applicant_id, cause, rules, now)[1] for applicant_id in applicants)


def as_assessment(g: Grade) -> CreditAssessment:
    """The grade as the workflow keeps it (a payload: measures included, nothing to look up on replay)."""
    return CreditAssessment(
        grade=g.grade,
        barred=g.barred,
        clean=g.clean,
        reason=g.reason,
        label=g.label,
        rule_version=g.rule_version,
        sampling=dict(g.sampling),
        method=g.method,
    )
