"""An applicant's integrity archive (诚信档案), as the API and the console read it."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from fastapi import HTTPException
from sqlmodel import Session

from credit.grading import records_of
from credit.rules import RISK_LEVELS, SEVERITY_LABELS, counts, grade, publication_until, repairable_from
from credit.store import current_rules
from workflows.rules import CREDIT_KINDS, READS, ROLE_LABELS, may_see
from workflows.types import Actor


def archive_of(session: Session, applicant_id: str, actor: Actor) -> dict[str, Any]:
    """Grade, its measures under the rules in force, and every record, newest first, with its
    publication period and whether it is repaired (an applicant: only their own)."""
    if actor.role not in READS["credit"]:
        raise HTTPException(403, f"{ROLE_LABELS[actor.role]}无权查看诚信档案")
    if not may_see(actor, applicant_id):
        raise HTTPException(403, "申请人只能查看本人的诚信档案")
    rules, now = current_rules(session), datetime.now(timezone.utc)
    rows = records_of(session, applicant_id)
    g = grade(rows, rules, now)
    records = []
    for r in rows:
        until = r.publication_until or publication_until(rules, r.kind, r.at)
        records.append(
            r.model_dump()
            | {
                "kind_label": CREDIT_KINDS[r.kind][1],
                "severity": rules.kinds[r.kind].severity,  # as the rules in force weigh it
                "severity_label": SEVERITY_LABELS[rules.kinds[r.kind].severity],
                "publication_until": until,
                "published": r.at <= now < until,
                "repaired": r.repaired or r.repaired_at is not None,
                "repairable_from": repairable_from(rules, r.kind, r.at),
                "counted": counts(r, rules, now),
            }
        )
    return {
        "applicant_id": applicant_id,
        "grade": g.grade,
        "grade_label": g.label,
        "barred": g.barred,
        "barred_reason": g.reason if g.barred else None,
        "reason": g.reason,
        "measures": {
            "barred": g.barred,
            "sampling": g.sampling,
            "sampling_labels": {RISK_LEVELS[level]: p for level, p in g.sampling.items()},
            "method": g.method,
            "method_label": g.method_label,
        },
        "rule_version": g.rule_version,
        "records": records,
    }
