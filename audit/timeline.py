"""`chengnuo audit timeline`: a case's timeline in plain Chinese, from its history alone.

The timeline entries are the workflow's own (TimelineEntry: seq, time, who, what): it hands
each new batch to the projection (`project_application`, ProjectionInput.new_events), which
writes them to the read model. Where they are in the history depends on the case's age:

- cases opened before `lean-life` project through a regular activity: each batch is the input
  of an ACTIVITY_TASK_SCHEDULED event, read here straight from the history (decrypted);
- later cases project through a local activity, whose marker (MARKER_RECORDED
  `core_local_activity`) keeps only the activity's id, type, times and result, not its input.
  Their entries are made again by replaying the history on the current code and taking the
  projections the replayed workflow asks for: the same entries, at the same workflow times, as
  long as the replay succeeds (it stops at a non-determinism and says so).

Read-model entries a case no longer has (written by a workflow task the server threw away) are
not in the history, and do not appear here either.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.converter import DataConverter

from audit.history import Outcome, history_bytes, recorded_outcome
from audit.replay import PROJECTION, AuditReplayer, CaseReplay, Source
from workflows.types import ApplicationView, ProjectionInput, TimelineEntry

CHINA = timezone(timedelta(hours=8), "UTC+8")
FROM_HISTORY = "history"
FROM_REPLAY = "replay"


@dataclass(frozen=True)
class Timeline:
    workflow_id: str
    run_id: str
    source: str
    """FROM_HISTORY (the projection activities' inputs) or FROM_REPLAY (local activities)."""
    entries: list[TimelineEntry]
    status: str | None
    """The case's status in its last projection (the replayed workflow's, for a replay)."""
    outcome: Outcome
    replay: CaseReplay | None = None
    """For FROM_REPLAY: the replay's verdict (entries stop where a failed replay stopped)."""
    view: ApplicationView | None = None
    """The case as its last projection showed it (the read model's row)."""


def china(at: datetime) -> str:
    return at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")


def merged(projections: Sequence[ProjectionInput]) -> list[TimelineEntry]:
    """The entries as the read model ends up with them: by seq, a later projection's entry
    replacing one of the same number; a lean projection (projected_before given) is the whole
    truth up to its last entry."""
    entries: dict[int, TimelineEntry] = {}
    for p in projections:
        if p.projected_before is not None:
            last = p.projected_before + len(p.new_events)
            entries = {seq: e for seq, e in entries.items() if seq <= last}
        for e in p.new_events:
            entries[e.seq] = e
    return [entries[seq] for seq in sorted(entries)]


async def recorded_projections(history: WorkflowHistory, converter: DataConverter) -> list[ProjectionInput]:
    """The inputs of the projection activities scheduled in the history (cases before lean-life)."""
    found = []
    for event in history.events:
        if event.event_type != EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            continue
        attrs = event.activity_task_scheduled_event_attributes
        if attrs.activity_type.name == PROJECTION:
            found.append((await converter.decode_wrapper(attrs.input, [ProjectionInput]))[0])
    return found


async def timeline(history: WorkflowHistory, converter: DataConverter, replayer: AuditReplayer | None = None) -> Timeline:
    outcome = await recorded_outcome(history, converter)
    projections = await recorded_projections(history, converter)
    if projections:
        return Timeline(
            history.workflow_id,
            history.run_id,
            FROM_HISTORY,
            merged(projections),
            str(projections[-1].view.status),
            outcome,
            view=projections[-1].view,
        )
    replayer = replayer or AuditReplayer(converter)
    [verdict] = await replayer.replay([Source(history.workflow_id, history.workflow_id, data=history_bytes(history))])
    replayed = [p for p in replayer.capture.projections if isinstance(p, ProjectionInput)]
    status = verdict.replayed or (str(replayed[-1].view.status) if replayed else None)
    return Timeline(
        history.workflow_id,
        history.run_id,
        FROM_REPLAY,
        merged(replayed),
        status,
        outcome,
        verdict,
        replayed[-1].view if replayed else None,
    )
