"""The Schedules Temporal runs for the office: the archive pass (workflows/archiver.py)."""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from workflows.archiver import ARCHIVE_SCHEDULE_ID, ArchiveWorkflow


def archive_schedule(task_queue: str, every: timedelta) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(ArchiveWorkflow.run, id=f"{ARCHIVE_SCHEDULE_ID}-pass", task_queue=task_queue),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=every)]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


async def keep_archiving(client: Client, task_queue: str, every: timedelta) -> None:
    """Create the archive Schedule, or bring an existing one to these settings."""
    wanted = archive_schedule(task_queue, every)
    try:
        await client.create_schedule(ARCHIVE_SCHEDULE_ID, wanted)
    except ScheduleAlreadyRunningError:

        async def update(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=wanted)

        await client.get_schedule_handle(ARCHIVE_SCHEDULE_ID).update(update)
