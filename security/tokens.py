"""Production tokens: stored as SHA-256 hashes with an expiry, revocable at once.

A token is shown once, when it is issued (`chengnuo tokens create`, or `POST /admin/tokens`);
the database keeps only its hash, its holder (role, actor id, department) and its lifetime.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone

from sqlmodel import Session, col, select

from db.models import ApiToken
from workflows.types import Actor, Role

MAX_DAYS = 366


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(
    session: Session, role: Role, actor_id: str, department: str | None = None, days: int = 90, note: str = ""
) -> tuple[str, ApiToken]:
    """A new token (returned once, never stored) and its row."""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"a token lives 1 to {MAX_DAYS} days")
    token = f"cn_{secrets.token_urlsafe(32)}"
    now = datetime.now(timezone.utc)
    row = ApiToken(
        id=secrets.token_hex(4),
        token_sha256=digest(token),
        role=role,
        actor_id=actor_id,
        department=department,
        created_at=now,
        expires_at=now + timedelta(days=days),
        note=note,
    )
    session.add(row)
    session.commit()
    session.refresh(row)
    return token, row


def revoke(session: Session, token_id: str) -> ApiToken | None:
    row = session.get(ApiToken, token_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = datetime.now(timezone.utc)
        session.add(row)
        session.commit()
        session.refresh(row)
    return row


def holder(session: Session, token: str) -> Actor | None:
    """The actor a live token names; None for an unknown, expired or revoked one."""
    row = session.exec(select(ApiToken).where(ApiToken.token_sha256 == digest(token))).first()
    if row is None or row.revoked_at is not None or row.expires_at <= datetime.now(timezone.utc):
        return None
    return Actor(id=row.actor_id, role=Role(row.role), department=row.department)


def listed(session: Session) -> list[ApiToken]:
    return list(session.exec(select(ApiToken).order_by(col(ApiToken.created_at).desc())))
