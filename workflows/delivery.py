"""CreditDeliveryWorkflow: one per namespace (id `credit-delivery`), emptying the credit outbox
into the credit platform for as long as the system runs.

Each round is one activity (a batch of the oldest events, activities/delivery.py). A round that
fails — the platform down, unreachable, not answering — is retried by Temporal with exponential
back-off, 1 s doubling up to 10 minutes, with no limit on attempts: a platform down for hours is
waited out, and the first retry after it is back delivers. A worker killed mid-round loses
nothing: its heartbeats stop, the round is retried elsewhere (or after the restart), and events
already POSTed go again under the same key. When the outbox is empty the workflow sleeps
`idle_seconds`, or until the `wake` signal; every `rounds_per_run` rounds (or when Temporal
suggests it) it continues as new, so no history grows without bound.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.client import Client
from temporalio.common import RetryPolicy, WorkflowIDConflictPolicy, WorkflowIDReusePolicy

with workflow.unsafe.imports_passed_through():
    from activities.delivery import DeliveryActivities
    from workflows.delivery_types import DeliverBatch, DeliveryInput, DeliveryRound, DeliveryStatus

DELIVERY_WORKFLOW_ID = "credit-delivery"
MAX_BACKOFF = timedelta(minutes=10)
ROUND_TIMEOUT = timedelta(hours=1)  # a whole batch; the heartbeat notices a dead worker much sooner
HEARTBEAT_MARGIN = timedelta(seconds=10)


@workflow.defn
class CreditDeliveryWorkflow:
    def __init__(self) -> None:
        self._woken = False
        self._rounds = 0
        self._delivered = 0
        self._held = 0

    @workflow.run
    async def run(self, inp: DeliveryInput) -> None:
        retry = RetryPolicy(
            initial_interval=timedelta(seconds=inp.first_retry_seconds),
            backoff_coefficient=2.0,
            maximum_interval=MAX_BACKOFF,
            maximum_attempts=0,  # for ever: nothing is given up
            non_retryable_error_types=["NotConfigured"],
        )
        while self._rounds < inp.rounds_per_run and not workflow.info().is_continue_as_new_suggested():
            self._woken = False
            done: DeliveryRound = await workflow.execute_activity_method(
                DeliveryActivities.deliver_credit_events,
                DeliverBatch(inp.batch_size),
                start_to_close_timeout=ROUND_TIMEOUT,
                heartbeat_timeout=timedelta(seconds=inp.post_timeout_seconds) + HEARTBEAT_MARGIN,
                retry_policy=retry,
            )
            self._rounds += 1
            self._delivered += done.delivered
            self._held += done.held
            if not done.more:
                try:
                    await workflow.wait_condition(lambda: self._woken, timeout=timedelta(seconds=inp.idle_seconds))
                except TimeoutError:
                    pass
        await workflow.wait_condition(workflow.all_handlers_finished)
        workflow.continue_as_new(inp)

    @workflow.signal
    def wake(self) -> None:
        """Deliver now: new events are waiting (or the platform is back)."""
        self._woken = True

    @workflow.query
    def status(self) -> DeliveryStatus:
        """This run's rounds and events delivered and held."""
        return DeliveryStatus(rounds=self._rounds, delivered=self._delivered, held=self._held)


async def ensure_running(client: Client, task_queue: str, inp: DeliveryInput) -> str:
    """Start the namespace's delivery workflow unless it already runs; returns its run id."""
    handle = await client.start_workflow(
        CreditDeliveryWorkflow.run,
        inp,
        id=DELIVERY_WORKFLOW_ID,
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        static_summary="信用信息推送（发件箱 → 信用平台）",
    )
    return handle.result_run_id or ""
