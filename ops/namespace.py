"""The namespace's retention: how long Temporal keeps a closed case's history, the audit record.

Temporal's default (24 hours on the dev server and in ``auto-setup``) deletes a closed case a
day after it closes; ``TEMPORAL_RETENTION_DAYS`` (default ten years with their leap days) is set
on the namespace at start-up by ``make run`` and by compose's prestart job.
"""

from __future__ import annotations

from datetime import timedelta

from google.protobuf.duration_pb2 import Duration
from temporalio.api.namespace.v1 import NamespaceConfig
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest, UpdateNamespaceRequest
from temporalio.client import Client


async def retention(client: Client, namespace: str) -> timedelta:
    """How long the namespace keeps a closed workflow."""
    described = await client.workflow_service.describe_namespace(DescribeNamespaceRequest(namespace=namespace))
    return described.config.workflow_execution_retention_ttl.ToTimedelta()


async def keep_closed_cases(client: Client, namespace: str, days: int) -> tuple[timedelta, timedelta]:
    """Set the namespace's retention to `days` (nothing else changes); the old and the new value."""
    before, wanted = await retention(client, namespace), timedelta(days=days)
    if before != wanted:
        config = NamespaceConfig(workflow_execution_retention_ttl=Duration(seconds=int(wanted.total_seconds())))
        await client.workflow_service.update_namespace(UpdateNamespaceRequest(namespace=namespace, config=config))
    return before, await retention(client, namespace)
