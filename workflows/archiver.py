"""ArchiveWorkflow: one pass of the archive, started by the `archive-closed-cases` Schedule
(ops/schedules.py) every ARCHIVE_EVERY_MINUTES: every case closed since the last pass is
exported with its manifest into ARCHIVE_DIR (audit/archive.py). A pass that fails is retried;
a pass still running when the next is due makes the next one skip (the Schedule's overlap)."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.archive import ArchiveActivities, ArchivePass

ARCHIVE_SCHEDULE_ID = "archive-closed-cases"
PASS_TIMEOUT = timedelta(hours=6)  # a first pass over years of cases; heartbeats notice a dead worker sooner


@workflow.defn
class ArchiveWorkflow:
    @workflow.run
    async def run(self) -> ArchivePass:
        return await workflow.execute_activity_method(
            ArchiveActivities.archive_closed,
            start_to_close_timeout=PASS_TIMEOUT,
            heartbeat_timeout=timedelta(minutes=2),
            retry_policy=RetryPolicy(initial_interval=timedelta(seconds=10), maximum_interval=timedelta(minutes=10)),
        )
