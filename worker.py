"""The Temporal worker: the one composition root of workflows and activities."""

from __future__ import annotations

import asyncio
import ctypes
import logging
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from temporalio.client import Client
from temporalio.converter import DataConverter
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.worker import Replayer, Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.archive import ArchiveActivities
from activities.calendar import CalendarActivities
from activities.catalogue import CatalogueActivities
from activities.credit import CreditActivities
from activities.delivery import DeliveryActivities, Platform
from activities.letters import LetterActivities, letter_templates
from activities.opening import OpeningActivities
from activities.projection import ProjectionActivities
from activities.reconcile import reconcile
from activities.repair import RepairActivities
from activities.revisions import RevisionActivities
from config import Settings, get_settings
from db.migrate import prepare
from db.session import session_factory, settings_engine
from letters.store import render_pending
from ops.logs import json_logs
from ops.tracing import export_spans, interceptors
from security.codec import data_converter
from security.keys import keyring
from workflows import DATA_CONVERTER, search
from workflows.application import ApplicationWorkflow
from workflows.archiver import ArchiveWorkflow
from workflows.delivery import CreditDeliveryWorkflow, ensure_running
from workflows.delivery_types import DeliveryInput
from workflows.repair import CreditRepairWorkflow
from workflows.revision import CatalogueRevisionWorkflow

WORKFLOWS = [CatalogueRevisionWorkflow, ApplicationWorkflow, CreditDeliveryWorkflow, CreditRepairWorkflow, ArchiveWorkflow]

# The sandbox still refuses non-deterministic calls (clock, random, I/O) in workflow code, but
# takes every module as already imported instead of importing the workflow's module graph
# again for each case: a case then starts at a fraction of the cost. Safe because no module
# the workflows import keeps mutable state at module level.
RUNNER = SandboxedWorkflowRunner(restrictions=SandboxRestrictions.default.with_passthrough_all_modules())


def replayer(converter: DataConverter = DATA_CONVERTER) -> Replayer:
    """Replays histories against the current workflow code, decoding payloads as the workers do
    (give it the keyring's converter for encrypted histories)."""
    return Replayer(workflows=WORKFLOWS, data_converter=converter, workflow_runner=RUNNER)


def activities(engine: Engine, settings: Settings | None = None) -> list[Callable[..., Any]]:
    """Every activity, bound to its dependencies (the credit platform's from `settings`)."""
    sessions, settings = session_factory(engine), settings or get_settings()
    delivery = DeliveryActivities(sessions, Platform.of(settings))
    repair = RepairActivities(sessions)
    catalogue, credit = CatalogueActivities(sessions), CreditActivities(sessions)
    letters = LetterActivities(sessions, letter_templates())
    calendar = CalendarActivities(sessions)
    return [
        catalogue.load_matters,
        credit.assess_credit,
        credit.record_credit,
        credit.record_credits,
        letters.render_letters,
        OpeningActivities(catalogue, credit, letters, calendar).open_case,
        calendar.schedule_verification,
        ProjectionActivities(sessions).project_application,
        *RevisionActivities(sessions).all(),
        delivery.deliver_credit_events,
        repair.apply_repair,
        repair.project_repair,
        ArchiveActivities(Path(settings.archive_dir)).archive_closed,
    ]


def build_worker(client: Client, engine: Engine, task_queue: str, settings: Settings | None = None, **kwargs: object) -> Worker:
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=activities(engine, settings),
        activity_executor=ThreadPoolExecutor(max_workers=16),
        workflow_runner=RUNNER,
        # a new case's first task waits on the shared queue, the rest on this worker's own:
        # poll both alike, so openings do not queue behind the cases already running
        nonsticky_to_sticky_poll_ratio=1.0,
        max_concurrent_workflow_task_polls=10,
        **kwargs,  # type: ignore[arg-type]
    )


def runtime(settings: Settings) -> Runtime | None:
    """The SDK's runtime with its Prometheus endpoint at WORKER_METRICS_ADDRESS (None: none)."""
    if not settings.worker_metrics_address:
        return None
    try:
        return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=settings.worker_metrics_address)))
    except Exception as err:  # the port taken: the worker runs, without metrics, and says so
        logging.getLogger("chengnuo.worker").warning("no metrics at %s: %s", settings.worker_metrics_address, err)
        return None


async def main() -> None:
    logging.basicConfig(level=logging.INFO)
    json_logs()
    export_spans("chengnuo-worker")
    settings = get_settings()
    engine = settings_engine(settings)
    prepare(engine, production=settings.production)
    client = await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(keyring(settings)),
        runtime=runtime(settings) or Runtime.default(),
        interceptors=interceptors(),  # traces: the workers of this client continue the API's
    )
    await search.register(client, settings.temporal_namespace)
    async with build_worker(
        client,
        engine,
        settings.task_queue,
        settings,
        max_cached_workflows=settings.workflow_cache_size,
        graceful_shutdown_timeout=timedelta(seconds=settings.worker_graceful_seconds),
    ):
        logging.info("worker polling task queue %s at %s", settings.task_queue, settings.temporal_address)
        if settings.credit_platform_url:  # the credit push: one workflow per namespace, already running is fine
            await ensure_running(client, settings.task_queue, delivery_input(settings))
        await asyncio.gather(keep_read_model_honest(client, engine), render_letters(settings.database_url))


def delivery_input(settings: Settings) -> DeliveryInput:
    return DeliveryInput(batch_size=settings.credit_platform_batch, post_timeout_seconds=settings.credit_platform_timeout)


async def keep_read_model_honest(client: Client, engine: Engine, every: float = 60) -> None:
    """Mark cases whose workflows ended abnormally (terminated from outside, failed) aborted in
    the read model, once a minute; running in every worker is harmless."""
    while True:
        try:
            await reconcile(client, engine)
        except Exception:  # the next round tries again
            logging.exception("reconciling the read model failed")
        await asyncio.sleep(every)


def die_with_parent(parent: int) -> None:
    """A helper process goes when the worker goes, even when it is killed outright (Linux
    PR_SET_PDEATHSIG): nothing is left running, holding the worker's files."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # 1 == PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the worker died before the line above
        os._exit(1)


async def render_letters(database_url: str, every: float = 5) -> None:
    """Render the notified letters' PDFs that no one has rendered yet (letters/store.py), in a
    process of its own so that a second of CPU per letter never holds the worker's event loop."""
    loop = asyncio.get_running_loop()
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn, initializer=die_with_parent, initargs=(os.getpid(),)) as pool:
        while True:
            try:
                rendered = await loop.run_in_executor(pool, render_pending, database_url)
            except Exception:  # the next round tries again
                logging.exception("rendering letters failed")
                rendered = 0
            if not rendered:
                await asyncio.sleep(every)


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
