"""The outbox of credit events (信用信息推送): every credit event is written here in the same
transaction as the fact it reports, under a key of its own, and leaves by HTTP
(activities/delivery.py) or as a file (`chengnuo credit export`).

An event's key is the credit record's business id, or `repair:<id>` for an approved repair: the
platform receives it as `Idempotency-Key`, the same on every retry, so a POST repeated after a
crash or a lost answer is recognised there, and the outbox's primary key makes a retried
activity write nothing twice here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import Any, TextIO

from sqlalchemy import or_
from sqlmodel import Session, col, select

from credit.identity import kind_of
from credit.rules import SEVERITY_LABELS
from db.models import ApplicantIdentity, CreditOutbox, CreditRecord
from db.writes import insert_ignore
from workflows.rules import CREDIT_KINDS

RECORD = "record"
REPAIRED = "repaired"
HOLD_FIRST = timedelta(hours=1)
HOLD_MAX = timedelta(days=1)


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def applicant(session: Session, applicant_id: str) -> dict[str, Any]:
    """The applicant as the platform knows them: the real id and its kind (person | company)."""
    identity = session.exec(select(ApplicantIdentity).where(ApplicantIdentity.id_number == applicant_id)).first()
    return {"id": applicant_id, "kind": identity.kind if identity else kind_of(applicant_id)}


def record_payload(session: Session, row: CreditRecord) -> dict[str, Any]:
    """A credit record as pushed: who, what (kind, label, severity), from which case and matter,
    when, by whom, on what legal basis, published until when."""
    return {
        "event": "credit_record",
        "event_id": row.business_id,
        "applicant": applicant(session, row.applicant_id),
        "record": {
            "id": row.business_id,
            "kind": row.kind,
            "label": CREDIT_KINDS[row.kind][1] if row.kind in CREDIT_KINDS else row.kind,
            "severity": row.severity,
            "severity_label": SEVERITY_LABELS.get(row.severity, row.severity),
        },
        "source_case": row.application_id,
        "matter": row.matter_code,
        "at": _iso(row.at),
        "actor": row.actor_id or None,
        "basis": row.basis or None,
        "publication_until": _iso(row.publication_until),
    }


def insert_records(session: Session, rows: list[dict[str, Any]]) -> int:
    """Insert credit records (a row already there stays as it is) and, in the same transaction,
    an outbox event for each record inserted now. Returns how many were inserted now."""
    ids = [r["business_id"] for r in rows]
    if not ids:
        return 0
    there = set(session.exec(select(CreditRecord.business_id).where(col(CreditRecord.business_id).in_(ids))))
    written = insert_ignore(session, CreditRecord, [r for r in rows if r["business_id"] not in there])
    fresh = [i for i in ids if i not in there]
    if fresh:
        records = session.exec(select(CreditRecord).where(col(CreditRecord.business_id).in_(fresh)))
        enqueue(session, [(r.business_id, RECORD, record_payload(session, r)) for r in records])
    return written


def enqueue(session: Session, events: Iterable[tuple[str, str, dict[str, Any]]], now: datetime | None = None) -> int:
    """Outbox rows (event id, kind, payload) in the caller's transaction; an event id already
    there is left alone. Returns how many were written now."""
    at = now or datetime.now(timezone.utc)
    return insert_ignore(
        session, CreditOutbox, [{"event_id": e, "kind": k, "payload": p, "created_at": at, "attempts": 0} for e, k, p in events]
    )


def due(session: Session, limit: int, now: datetime) -> list[CreditOutbox]:
    """The oldest undelivered events, those held after a refusal only once their hold is over."""
    query = (
        select(CreditOutbox)
        .where(
            col(CreditOutbox.delivered_at).is_(None),
            or_(col(CreditOutbox.held_until).is_(None), col(CreditOutbox.held_until) <= now),
        )
        .order_by(col(CreditOutbox.created_at), col(CreditOutbox.event_id))
        .limit(limit)
    )
    return list(session.exec(query))


def delivered(session: Session, event_id: str, now: datetime) -> None:
    row = session.get(CreditOutbox, event_id)
    if row is not None and row.delivered_at is None:
        row.delivered_at, row.attempts, row.last_error, row.held_until = now, row.attempts + 1, None, None
        session.add(row)


def failed(session: Session, event_id: str, error: str, now: datetime, hold: bool) -> None:
    """One more attempt that did not deliver; `hold`: the platform refused this event itself (a
    4xx of its own), so it waits 1 h, 2 h, 4 h … at most a day before being offered again,
    while the events behind it go on."""
    row = session.get(CreditOutbox, event_id)
    if row is None or row.delivered_at is not None:
        return
    row.attempts += 1
    row.last_error = error[:2000]
    if hold:
        row.held_until = now + min(HOLD_FIRST * 2 ** min(row.attempts - 1, 10), HOLD_MAX)
    session.add(row)


def export(session: Session, out: TextIO, everything: bool, now: datetime) -> int:
    """Write the events not yet exported (`everything`: all of them), oldest first, as JSON lines,
    and mark them exported in the same transaction; returns how many were written."""
    query = select(CreditOutbox).order_by(col(CreditOutbox.created_at), col(CreditOutbox.event_id))
    if not everything:
        query = query.where(col(CreditOutbox.exported_at).is_(None))
    rows = list(session.exec(query))
    for row in rows:
        line = {"event_id": row.event_id, "kind": row.kind, "created_at": _iso(row.created_at), "payload": row.payload}
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
        row.exported_at = row.exported_at or now
        session.add(row)
    out.flush()
    session.commit()
    return len(rows)
