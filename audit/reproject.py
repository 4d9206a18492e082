"""`chengnuo reproject`: rebuild a case's read-model rows (its row, its matter rows, its timeline)
from its history, as the workflow projected them.

Each run of the case (from Temporal, or from the archive once Temporal no longer has it) is
replayed on the current code, and the projections the replayed workflow asks for are written by
the projection's own code, in order: the same rows, with the same sequence numbers, the names and
texts looked up again in the identity and text tables (security/). A row deleted by hand, a
restore that lost the last hour, a read model rebuilt on a new database: each comes back.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from temporalio.client import Client, WorkflowHistory
from temporalio.converter import DataConverter
from temporalio.service import RPCError, RPCStatusCode

from activities.projection import ProjectionActivities, workflow_id
from audit import archive
from audit.history import history_bytes
from audit.replay import AuditReplayer, Source
from db.session import session_factory
from workflows.types import ProjectionInput


class NotReplayable(Exception):
    """The history does not replay on the current code: its rows are not rebuilt from it."""


async def runs_of(client: Client, root: Path, application_id: str) -> list[WorkflowHistory]:
    """Every run of the case, the first first: from Temporal (the latest run, then each run it
    continued), else from the archive."""
    wid = workflow_id(application_id)
    runs: list[WorkflowHistory] = []
    try:
        runs.append(await client.get_workflow_handle(wid).fetch_history())
    except RPCError as err:
        if err.status != RPCStatusCode.NOT_FOUND:
            raise
    while runs and (previous := runs[0].events[0].workflow_execution_started_event_attributes.continued_execution_run_id):
        runs.insert(0, await client.get_workflow_handle(wid, run_id=previous).fetch_history())
    return runs or archive.archived_runs(root, wid)


async def projections(histories: list[WorkflowHistory], converter: DataConverter) -> list[ProjectionInput]:
    """What the replayed workflow projects, run after run."""
    replayer, out = AuditReplayer(converter), []
    for h in histories:
        [verdict] = await replayer.replay([Source(h.workflow_id, h.workflow_id, data=history_bytes(h))])
        if not verdict.ok:
            raise NotReplayable(f"{h.workflow_id} ({h.run_id}): {verdict.problem} {verdict.where} {verdict.reason}")
        out += [p for p in replayer.capture.projections if isinstance(p, ProjectionInput)]
    return out


async def reproject(client: Client, engine: Engine, root: Path, application_id: str, converter: DataConverter) -> int:
    """Rewrite the case's rows from its history; the number of projections written (0: no
    history anywhere)."""
    written = await projections(await runs_of(client, root, application_id), converter)
    project = ProjectionActivities(session_factory(engine)).project_application
    for p in written:
        project(p)
    return len(written)
