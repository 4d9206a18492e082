"""The read model tells the truth when a case's workflow ends outside the process (terminated
by an operator, failed, timed out): such a case is never shown as open."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from sqlalchemy import Engine, update
from sqlmodel import Session, col
from temporalio.client import Client, WorkflowExecutionStatus

from db.models import Application, CaseEvent
from db.writes import insert_ignore
from workflows.rules import STATUS_LABELS
from workflows.types import ApplicationStatus

ABNORMAL = "ExecutionStatus != 'Running' AND ExecutionStatus != 'Completed' AND WorkflowType = 'ApplicationWorkflow'"
LABELS = {
    WorkflowExecutionStatus.TERMINATED: "被终止",
    WorkflowExecutionStatus.FAILED: "失败",
    WorkflowExecutionStatus.TIMED_OUT: "超时",
    WorkflowExecutionStatus.CANCELED: "被取消",
    WorkflowExecutionStatus.CONTINUED_AS_NEW: "续作",
}
log = logging.getLogger(__name__)


async def reconcile(client: Client, engine: Engine) -> list[str]:
    """Mark every case whose workflow ended abnormally but whose row is still open; returns
    their application ids. Safe to run again and from several processes."""
    marked = []
    async for wf in client.list_workflows(ABNORMAL):
        if wf.status == WorkflowExecutionStatus.CONTINUED_AS_NEW or not wf.id.startswith("application-"):
            continue
        app_id = wf.id.removeprefix("application-")
        ended = wf.close_time or datetime.now(timezone.utc)
        with Session(engine) as session:
            changed = session.execute(
                update(Application)
                .where(col(Application.application_id) == app_id, col(Application.closed_at).is_(None))
                .values(status=ApplicationStatus.aborted, status_label=STATUS_LABELS[ApplicationStatus.aborted], closed_at=ended)
            ).rowcount  # type: ignore[attr-defined]
            if changed:
                seq = 1_000_000 + int(ended.timestamp())  # after anything the case itself wrote
                insert_ignore(
                    session,
                    CaseEvent,
                    [
                        {
                            "application_id": app_id,
                            "seq": seq,
                            "at": ended,
                            "actor_id": "system",
                            "role": "system",
                            "action": "aborted",
                            "summary": f"系统：工作流{LABELS.get(wf.status, '异常结束') if wf.status else '异常结束'}，本申请未按流程办结，须人工处理",
                        }
                    ],
                )
            session.commit()
        if changed:
            log.warning("case %s: workflow %s, marked aborted in the read model", app_id, wf.status)
            marked.append(app_id)
    return marked
