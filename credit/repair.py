"""Credit repair (信用修复) in the archive: which records an applicant may apply to repair and
when, and what an approval does — the records repaired, the applicant re-graded and the repair
pushed to the credit platform, in one transaction and only once.

The minimum period before repair may be applied for is the rules' (`credit.rules.repairable_from`,
per record kind: 最短公示期); the basis is the NDRC's 《信用修复管理办法》.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from credit import outbox
from credit.grading import regrade
from credit.rules import repair_after, repairable_from
from credit.store import current_rules
from db.models import CreditRecord, CreditRepair, RepairClaim
from security.texts import disclose
from workflows.case import china_date
from workflows.repair_types import ApplyRepairInput, RepairStatus, repair_workflow_id
from workflows.rules import CREDIT_KINDS

REPAIR_BASIS = "《信用修复管理办法》（国家发展改革委令第36号）"


class Refused(Exception):
    """An application the archive does not allow: the HTTP status and the reason in Chinese."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def label(record: CreditRecord) -> str:
    return f"「{CREDIT_KINDS[record.kind][1] if record.kind in CREDIT_KINDS else record.kind}」（{record.business_id}）"


def repair_id(applicant_id: str, key: str) -> str:
    """The repair an applicant's request with this Idempotency-Key makes (a retry: the same one)."""
    return hashlib.sha256(f"{applicant_id}\x1f{key}".encode()).hexdigest()[:16]


def check(session: Session, applicant_id: str, record_ids: list[str], now: datetime) -> list[CreditRecord]:
    """The records if the applicant may apply to repair them now; Refused (422, 409) otherwise:
    not theirs, not adverse, repaired already, in a repair still pending, or too early (with the
    date it becomes possible)."""
    rules = current_rules(session)
    rows = {r.business_id: r for r in session.exec(select(CreditRecord).where(col(CreditRecord.business_id).in_(record_ids)))}
    missing = [i for i in record_ids if i not in rows or rows[i].applicant_id != applicant_id]
    if missing:
        raise Refused(422, f"以下记录不在申请人的诚信档案中：{'、'.join(missing)}")
    records = [rows[i] for i in dict.fromkeys(record_ids)]
    for r in records:
        if r.kind not in rules.kinds or repair_after(rules, r.kind) is None:
            raise Refused(422, f"{label(r)}不是失信记录，无需信用修复")
        if r.repaired or r.repaired_at:
            raise Refused(409, f"{label(r)}已于信用修复后不再作为失信记录")
    pending = session.exec(
        select(CreditRepair).where(CreditRepair.applicant_id == applicant_id, CreditRepair.status == RepairStatus.pending)
    )
    for repair in pending:
        taken = set(repair.record_ids) & set(record_ids)
        if taken:
            raise Refused(409, f"记录 {'、'.join(sorted(taken))} 已在信用修复申请 {repair.id} 中，待审核")
    for r in records:
        start = repairable_from(rules, r.kind, r.at)
        if start is not None and now < start:
            months = repair_after(rules, r.kind)
            raise Refused(
                409,
                f"{label(r)}的最短公示期为{months}个月，自{china_date(start).isoformat()}起方可申请信用修复"
                f"（{REPAIR_BASIS}；信用分级规则第{rules.version}版）",
            )
    return records


def claim(session: Session, repair_id: str, record_ids: list[str]) -> None:
    """Hold the records for this application, first in the caller's transaction: Refused (409)
    when another application holds one, even one that arrived at the same moment (the key decides)."""
    session.add_all(RepairClaim(record_id=r, repair_id=repair_id) for r in dict.fromkeys(record_ids))
    try:
        session.flush()
    except IntegrityError:
        session.rollback()  # nothing else was written yet
        raise Refused(409, f"记录 {'、'.join(record_ids)} 中有已在另一信用修复申请中待审核的记录") from None


def release(session: Session, repair_id: str) -> None:
    """The application was rejected or withdrawn: its records may be applied for again."""
    session.execute(delete(RepairClaim).where(col(RepairClaim.repair_id) == repair_id))


def repaired_event(session: Session, repair: CreditRepair, inp: ApplyRepairInput) -> dict[str, Any]:
    """The repair as pushed to the credit platform."""
    records = session.exec(select(CreditRecord).where(col(CreditRecord.business_id).in_(repair.record_ids)))
    return {
        "event": "credit_repaired",
        "event_id": f"repair:{repair.id}",
        "applicant": outbox.applicant(session, repair.applicant_id),
        "repair_id": repair.id,
        "records": [
            {
                "id": r.business_id,
                "kind": r.kind,
                "label": CREDIT_KINDS[r.kind][1] if r.kind in CREDIT_KINDS else r.kind,
                "severity": r.severity,
                "source_case": r.application_id,
            }
            for r in records
        ],
        "at": inp.decided_at.isoformat(),
        "actor": inp.decided_by,
        "basis": REPAIR_BASIS,
        "reason": disclose(session, repair_workflow_id(repair.id), inp.reason),
    }


def apply(session: Session, inp: ApplyRepairInput) -> bool:
    """Approval's effect, in the caller's transaction: the `repaired` event claims its key first,
    so a repeated call (a retried activity) finds it there and changes nothing. True if applied now."""
    repair = session.get(CreditRepair, inp.repair_id)
    if repair is None:
        raise LookupError(f"no credit repair {inp.repair_id}")
    if not outbox.enqueue(session, [(f"repair:{repair.id}", outbox.REPAIRED, repaired_event(session, repair, inp))]):
        return False
    for record in session.exec(select(CreditRecord).where(col(CreditRecord.business_id).in_(repair.record_ids))):
        record.repaired, record.repaired_at = True, inp.decided_at
        session.add(record)
    session.flush()
    regrade(session, repair.applicant_id, f"信用修复（申请 {repair.id}）")
    repair.status, repair.decided_at, repair.decided_by = RepairStatus.approved, inp.decided_at, inp.decided_by
    repair.reason = disclose(session, repair_workflow_id(repair.id), inp.reason)
    session.add(repair)
    return True
