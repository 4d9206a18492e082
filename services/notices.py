"""Notices served on the applicant (送达): the list, unserved and unread first; opening one,
which the first time the applicant does it serves it electronically (an Update)."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException

from api import schemas
from api.deps import Db
from api.temporal import Temporal
from db.models import Application
from security.pseudonyms import Pseudonyms
from services.cases import OPEN_NOTICE, case_row, perform
from workflows.types import Actor, Role

SERVICE_LABELS = {"in_person": "直接送达", "post": "邮寄送达", "electronic": "电子送达", "deemed": "视为送达"}


def _out(n: dict[str, Any], text: bool = False) -> dict[str, Any]:
    out = {k: v for k, v in n.items() if text or k != "text"}
    out["method_label"] = SERVICE_LABELS.get(n.get("method") or "", "未送达")
    return out


def listed(row: Application) -> list[dict[str, Any]]:
    """Unserved first, then unread, then the newest: what the applicant must see first."""
    notices = list(row.notices or [])
    notices.sort(key=lambda n: (n.get("served_at") is not None, n.get("read_at") is not None, -n["no"]))
    return [_out(n) for n in notices]


def notice_of(row: Application, no: int) -> dict[str, Any]:
    notices = row.notices or []
    if not 1 <= no <= len(notices):
        raise HTTPException(404, f"申请 {row.application_id} 没有第{no}号文书")
    return notices[no - 1]


async def opened(
    application_id: str, no: int, actor: Actor, db: Db, temporal: Temporal, pseudonyms: Pseudonyms
) -> dict[str, Any]:
    """The notice with its text. The applicant's first opening is recorded by the case (and
    serves a notice not yet served); staff reading it change nothing."""
    row = await db(lambda s: case_row(application_id, s, actor))
    n = notice_of(row, no)
    if actor.role == Role.applicant and n.get("read_at") is None:
        try:
            await perform(
                OPEN_NOTICE, application_id, schemas.NoticeBody(notice=no), actor, db, temporal, pseudonyms, f"open-notice-{no}"
            )
        except HTTPException as refused:  # opened meanwhile (another tab), or the case has closed
            if refused.status_code not in (404, 409):
                raise
        n = notice_of(await db(lambda s: case_row(application_id, s, actor)), no)
    return _out(n, text=True)
