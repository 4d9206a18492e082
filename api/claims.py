"""Claiming work (办理人): a caseworker takes a case, a verifier one of its matters; the queues
show who holds what, others see it taken, a supervisor reassigns. Acting on an item someone else
holds is refused (409, naming the holder) unless the request confirms that holder
(`X-Claim-Confirmed: <holder id>`); the confirmation is logged. Claims are kept in the read
model with who and when: they are not acts of the case, so not in its workflow."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timezone

from fastapi import HTTPException
from sqlmodel import Session, col, select

from db.models import Application, Claim, ClaimLog
from db.writes import insert_ignore
from workflows.case import CHINA
from workflows.rules import ROLE_LABELS, in_scope
from workflows.types import Actor, Role

CLAIMERS = frozenset({Role.caseworker, Role.verifier})
ASSIGNERS = frozenset({Role.supervisor})
ACTORS = CLAIMERS | ASSIGNERS
"""Staff whose acts a claim may hold back; applicants and the public are never held back."""
CASE = ""
log = logging.getLogger("chengnuo.claims")


class ClaimTaken(HTTPException):
    """409: someone else holds the item; `holder` is who to confirm (X-Claim-Confirmed)."""

    def __init__(self, detail: str, holder: str) -> None:
        super().__init__(409, detail)
        self.holder = holder


def holder_label(claim: Claim) -> str:
    return f"{ROLE_LABELS.get(Role(claim.holder_role), claim.holder_role)} {claim.holder_id}"


def _taken(claim: Claim) -> HTTPException:
    when = claim.claimed_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    return HTTPException(409, f"已由{holder_label(claim)} 认领（{when}），请联系其释放，或由负责人改派")


def _item(row: Application, matter: str | None) -> str:
    if matter is None:
        return CASE
    if all(m["code"] != matter for m in row.matters):
        raise HTTPException(404, f"事项 {matter} 不属于申请 {row.application_id}")
    return matter


def _log(
    session: Session, claim: Claim | None, application_id: str, item: str, kind: str, actor: Actor, note: str | None = None
) -> None:
    session.add(
        ClaimLog(
            application_id=application_id,
            item=item,
            kind=kind,
            actor_id=actor.id,
            holder_id=claim.holder_id if claim else None,
            note=note,
            at=datetime.now(timezone.utc),
        )
    )


def claims_of(session: Session, application_ids: Iterable[str]) -> dict[tuple[str, str], Claim]:
    ids = list(set(application_ids))
    if not ids:
        return {}
    return {(c.application_id, c.item): c for c in session.exec(select(Claim).where(col(Claim.application_id).in_(ids)))}


def claim(session: Session, row: Application, matter: str | None, actor: Actor) -> tuple[Claim, bool]:
    """Take the case (matter None) or one of its matters; (the claim, whether it is new). Taking
    what one already holds changes nothing."""
    if actor.role not in CLAIMERS:
        raise HTTPException(403, "只有承办人、核查人员可以认领")
    if not in_scope(actor, row.departments or []):
        raise HTTPException(403, f"{actor.department}无权认领本申请")
    item = _item(row, matter)
    new = Claim(
        application_id=row.application_id,
        item=item,
        holder_id=actor.id,
        holder_role=actor.role,
        claimed_at=datetime.now(timezone.utc),
    )
    made = insert_ignore(session, Claim, [new.model_dump()])  # two at once: one wins
    held = session.get(Claim, (row.application_id, item), populate_existing=True)
    assert held is not None
    if held.holder_id != actor.id:
        raise _taken(held)
    if made:
        _log(session, held, row.application_id, item, "claim", actor)
    session.commit()
    return held, bool(made)


def release(session: Session, row: Application, matter: str | None, actor: Actor) -> None:
    """Give the item back (its holder) or take it away (a supervisor)."""
    item = _item(row, matter)
    held = session.get(Claim, (row.application_id, item))
    if held is None:
        raise HTTPException(404, "该事项无人认领")
    if held.holder_id != actor.id and actor.role not in ASSIGNERS:
        raise HTTPException(403, f"只有办理人（{holder_label(held)}）或负责人可以释放")
    session.delete(held)
    _log(session, held, row.application_id, item, "release", actor)
    session.commit()


def reassign(session: Session, row: Application, matter: str | None, actor: Actor, to: Actor, reason: str) -> Claim:
    """A supervisor gives the item to someone (replacing whoever held it)."""
    if actor.role not in ASSIGNERS:
        raise HTTPException(403, "只有负责人可以改派")
    if to.role not in CLAIMERS:
        raise HTTPException(422, "只能改派给承办人或核查人员")
    item = _item(row, matter)
    held = session.get(Claim, (row.application_id, item))
    before = held.holder_id if held else None
    if held is None:
        held = Claim(
            application_id=row.application_id,
            item=item,
            holder_id=to.id,
            holder_role=to.role,
            claimed_at=datetime.now(timezone.utc),
            assigned_by=actor.id,
        )
    else:
        held.holder_id, held.holder_role, held.claimed_at, held.assigned_by = to.id, to.role, datetime.now(timezone.utc), actor.id
    session.add(held)
    _log(session, held, row.application_id, item, "reassign", actor, f"由 {before or '无人'} 改派：{reason}")
    session.commit()
    return held


def check_act(session: Session, application_id: str, matter: str | None, actor: Actor, confirmed: str | None) -> None:
    """Refuse a staff act on an item someone else holds, unless the request names that holder
    (X-Claim-Confirmed); a confirmed act is logged."""
    if actor.role not in ACTORS:
        return
    item = matter or CASE
    held = session.get(Claim, (application_id, item))
    if held is None or held.holder_id == actor.id:
        return
    if confirmed != held.holder_id:
        raise ClaimTaken(
            f"本{'事项' if item else '申请'}已由{holder_label(held)} 认领办理；确需代为办理，请确认（X-Claim-Confirmed: {held.holder_id}）",
            held.holder_id,
        )
    _log(session, held, application_id, item, "override", actor)
    session.commit()
    log.info(
        "claimed item acted on by another: case=%s item=%s holder=%s actor=%s",
        application_id,
        item or "-",
        held.holder_id,
        actor.id,
    )
