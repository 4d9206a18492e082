"""Catalogue lookups: the entry an application keeps for its whole life."""

from __future__ import annotations

from sqlmodel import select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from db.models import Matter
from db.session import SessionFactory
from workflows.types import LoadMattersInput, MatterEntry


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
            )
            for m in (rows[c] for c in inp.codes)
        ]
