"""Complaints (投诉举报): kept in the database as received; a case's history gets only a
complaint's number and digest, and only the first one of a window.

A complaint makes the case's undue verifications due at once; more complaints the same day
would change nothing but the history's size, so they are registered and merged into that
check. However many arrive, the case's history grows by one complaint a day at most.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import Any

from fastapi import HTTPException
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from db.models import Application, Complaint
from workflows.case import CHINA_OFFSET
from workflows.types import Actor, ComplaintInput

ON_FILE = "登记在案"  # what the case learns of a contact: that there is one


def known(session: Session, application_id: str) -> None:
    if session.get(Application, application_id) is None:
        raise HTTPException(404, f"申请 {application_id} 不存在")


def register(session: Session, application_id: str, text: str, contact: str | None, actor: Actor) -> Complaint:
    """The complaint on file. The first of its case and day claims that day's key (a unique
    column: of complaints racing, exactly one wins) and goes to the case; the rest are merged."""
    known(session, application_id)
    now = datetime.now(timezone.utc)
    fields: dict[str, Any] = {
        "application_id": application_id,
        "received_at": now,
        "actor_id": actor.id,
        "role": actor.role,
        "text": text,
        "text_sha256": hashlib.sha256(text.encode()).hexdigest(),
        "contact": contact,
    }
    day = (now + CHINA_OFFSET).date().isoformat()
    row = Complaint(**fields, forwarded=True, forward_key=f"{application_id}:{day}")
    session.add(row)
    try:
        session.commit()
    except IntegrityError:  # another complaint has today's key: this one joins its check
        session.rollback()
        row = Complaint(**fields)
        session.add(row)
        session.commit()
    session.refresh(row)
    return row


def release(session: Session, complaint_id: int) -> None:
    """The case never got it (closed, busy): free the day's key for the next complaint."""
    row = session.get(Complaint, complaint_id)
    if row is not None:
        row.forwarded, row.forward_key = False, None
        session.add(row)
        session.commit()


def to_case(row: Complaint, actor: Actor) -> ComplaintInput:
    """What the case's history carries: the number and digest, never the text or the contact."""
    return ComplaintInput(
        actor, f"登记号{row.id}（原文存于投诉登记，摘要{row.text_sha256[:12]}）", ON_FILE if row.contact else None
    )


def complaints_of(session: Session, application_id: str) -> list[dict[str, Any]]:
    """Every complaint on the case as received, newest first."""
    known(session, application_id)
    rows = session.exec(select(Complaint).where(Complaint.application_id == application_id).order_by(col(Complaint.id).desc()))
    return [r.model_dump() for r in rows]
