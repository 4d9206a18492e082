"""The archive's activity: one pass over the closed cases not yet archived (audit/archive.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from temporalio import activity

from audit import archive


@dataclass(frozen=True)
class ArchivePass:
    exported: int
    already: int


class ArchiveActivities:
    def __init__(self, root: Path) -> None:
        self._root = root

    @activity.defn
    async def archive_closed(self) -> ArchivePass:
        """Export each case closed and not yet archived; safe to repeat (a complete folder is
        skipped, an interrupted one written again)."""
        client = activity.client()
        done = await archive.archive_closed(client, self._root, client.data_converter, on_case=activity.heartbeat)
        activity.logger.info("archived %d closed cases (%d already archived)", len(done.exported), done.already)
        return ArchivePass(len(done.exported), done.already)
