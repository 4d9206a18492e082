"""The credit tests' shared parts: an applicant with records in the archive, and the end of a
delivery workflow that pushes to the receiver."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlmodel import Session
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle
from temporalio.service import RPCError, RPCStatusCode

from credit import outbox
from credit.rules import add_months
from tests.support.harness import Harness

PERSON = "110101199003070011"  # a valid resident ID number
POST_TIMEOUT = 2.0  # the delivery activity's POST to the receiver


def seed(case: Harness, kind: str, months_ago: int, n: int = 1, who: str = PERSON) -> str:
    """A record in the applicant's archive (with its outbox event, as the workflows write it)."""
    severity = {"revoked": "serious", "penalized": "general", "kept_promise": "positive"}[kind]
    at = add_months(datetime.now(timezone.utc), -months_ago)
    business_id = f"old-{n}:{kind}:-"
    with Session(case.engine) as session:
        outbox.insert_records(
            session,
            [
                {
                    "business_id": business_id,
                    "applicant_id": who,
                    "application_id": f"old-{n}",
                    "matter_code": None,
                    "kind": kind,
                    "severity": severity,
                    "note": "测试",
                    "at": at,
                    "actor_id": "sv-1",
                    "basis": "测试依据",
                }
            ],
        )
        session.commit()
    return business_id


async def end(handle: WorkflowHandle[Any, Any]) -> None:
    """Terminate the workflow's latest run, and any run it continued as new into meanwhile."""
    latest = handle._client.get_workflow_handle(handle.id)
    for _ in range(20):
        if (await latest.describe()).status != WorkflowExecutionStatus.RUNNING:
            return
        try:
            await latest.terminate("test finished")
        except RPCError as err:
            if err.status != RPCStatusCode.NOT_FOUND:
                raise
    raise AssertionError(f"{handle.id} keeps running")
