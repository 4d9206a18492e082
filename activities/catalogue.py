"""Catalogue lookups: the entry an application keeps for its whole life."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from sqlmodel import select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from db.models import Matter
from db.session import SessionFactory
from workflows.types import LoadMattersInput, MatterEntry

SERVICES_FILE = Path(__file__).resolve().parent / "data" / "services.json"


@lru_cache(maxsize=1)
def _services() -> dict[str, dict[str, object]]:
    data: dict[str, dict[str, object]] = json.loads(SERVICES_FILE.read_text(encoding="utf-8"))
    return data


def service_time_limit(service: str) -> tuple[int, str] | None:
    """The service's time limit (办理时限) in working days and where it comes from, or None."""
    entry = _services().get(service)
    if entry is None:
        return None
    days = entry["time_limit_working_days"]
    assert isinstance(days, int), f"services.json: {service} has no whole number of working days"
    return days, str(entry["basis"])


# Where a basis was checked (a mirror, a reprint) is for the catalogue's editors, not the public.
SOURCE_NOTES = re.compile(
    r"见(?:转载)? ?(?:LawRefBook|https?://)[^。]*。?|（(?:转载|LawRefBook|全文已阅)[^）]*）|转载 ?https?://\S+ ?"
)


def public_time_limit_basis(service: str) -> str:
    """The basis of the service's 办理时限 as a citizen reads it: the legal text without the notes
    on where it was checked; a limit not verified against the published law says so instead."""
    entry = _services().get(service)
    if entry is None:
        return ""
    if not entry.get("basis_verified"):
        return "法定期限尚待核实，暂按此期限办理，以受理窗口告知为准"
    return SOURCE_NOTES.sub("", str(entry["basis"])).replace("；。", "。").strip()


def service_department(service: str) -> str | None:
    """The department that handles the service (办理部门), or None for a service not on file."""
    entry = _services().get(service)
    return str(entry["department"]) if entry else None


class CatalogueActivities:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    @activity.defn
    def load_matters(self, inp: LoadMattersInput) -> list[MatterEntry]:
        """Snapshot the catalogue entries of the requested matters, in the order asked."""
        with self._sessions() as session:
            rows = {m.code: m for m in session.exec(select(Matter).where(Matter.code.in_(inp.codes)))}  # type: ignore[attr-defined]
        missing = [c for c in inp.codes if c not in rows]
        if missing:
            raise ApplicationError(f"unknown matters: {missing}", type="UnknownMatter", non_retryable=True)
        retired = [c for c in inp.codes if rows[c].retired]
        if retired:  # withdrawn from the catalogue: no new case may use them
            raise ApplicationError(
                f"retired matters (removed from the catalogue): {retired}", type="UnknownMatter", non_retryable=True
            )
        return [
            MatterEntry(
                code=m.code,
                name=m.name,
                department=m.department,
                commitment_allowed=m.commitment_allowed,
                exclusion_reason=m.exclusion_reason,
                verification_exempt=m.verification_exempt,
                verification_stage=m.verification_stage,
                verification_days=m.verification_days,
                verification_deadline_days=m.verification_deadline_days,
                supervision_days=m.supervision_days,
                version=m.version,
                risk_level=m.risk_level,
            )
            for m in (rows[c] for c in inp.codes)
        ]
