"""Credit repair's activities: approval's effect on the archive (once), and the read model."""

from __future__ import annotations

from temporalio import activity

from credit import repair
from db.models import CreditRepair
from db.session import SessionFactory
from security.texts import disclose
from workflows.repair_types import ApplyRepairInput, RepairStatus, RepairView, repair_workflow_id


class RepairActivities:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    @activity.defn
    def apply_repair(self, inp: ApplyRepairInput) -> bool:
        """Mark the records repaired, re-grade the applicant and queue the `repaired` event for
        the credit platform, in one transaction; a retry changes nothing. True if applied now."""
        with self._sessions() as session:
            applied = repair.apply(session, inp)
            session.commit()
        return applied

    @activity.defn
    def project_repair(self, view: RepairView) -> None:
        """The repair's row as the workflow now stands (the API wrote it at the application,
        with the evidence and the applicant's real id)."""
        with self._sessions() as session:
            row = session.get(CreditRepair, view.repair_id)
            if row is None:
                activity.logger.error("credit repair %s has no row to project", view.repair_id)
                return
            row.status, row.due_at, row.overdue = view.status, view.due_at, view.overdue
            row.decided_at = view.decided_at
            row.decided_by = (
                row.applicant_id if view.decided_by == row.pseudonym else view.decided_by
            )  # withdrawn by the applicant
            row.reason = disclose(session, repair_workflow_id(view.repair_id), view.reason)  # the text back in place
            if view.status in (RepairStatus.rejected, RepairStatus.withdrawn):
                repair.release(session, view.repair_id)
            session.add(row)
            session.commit()
