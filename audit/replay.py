"""Replay every history against the current workflow code, in several processes.

Each process builds one replayer at its start, from `worker.replayer(converter)` (the workers'
workflows, sandbox and data converter; the converter holds the keyring's keys, so the codec
decrypts the histories) and replays a chunk of histories per call through one
`workflow_replay_iterator`. What is added to that replayer goes through temporalio's public
interfaces (`Replayer.config()`, WorkflowRunner/WorkflowInstance, Interceptor):

- the recorded and the replayed status of each case. The recorded one is how the history ends
  (audit.history.recorded_outcome): the result of WORKFLOW_EXECUTION_COMPLETED decoded (the
  workflow returns its final status), or `running`, `execution-terminated` … The replayed one
  is the replayed workflow's own answer to its `state` query, asked in an activation of its own
  after the last event, just before the replayer evicts it. A completed case must replay to the
  status it returned (`status differs` otherwise).
- where a non-determinism was found: the event id when the core's message names it, otherwise
  the last event the replay had reached (`after event N`: the mismatch is in the workflow task
  after it); for other failures, the workflow's own error rather than the core's summary.
- speed (1.8× per process on our histories; bench/replay.py): the workflow activation runs on
  the replaying thread instead of a hop to a thread pool per activation, with a watchdog that
  fails a replay stuck longer than DEADLOCK_SECONDS (the SDK's deadlock timer needs the thread
  hop); and the serialization context, which the SDK asks the sandbox for once per payload, is
  not asked for when the data converter reads none (ours does not: the AES codec and the
  pydantic converter read no workflow or activity id; checked, not assumed). The history JSON
  is read by audit.fastjson. Everything the workflow code does still runs in the sandbox.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import ctypes
import logging
import math
import multiprocessing
import os
import re
import signal
import threading
import time
import weakref
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import temporalio.workflow
from temporalio.bridge.proto.workflow_activation import QueryWorkflow, WorkflowActivation
from temporalio.bridge.proto.workflow_completion import WorkflowActivationCompletion
from temporalio.client import WorkflowHistory
from temporalio.converter import (
    ActivitySerializationContext,
    DataConverter,
    SerializationContext,
    StorageDriverStoreContext,
    WorkflowSerializationContext,
)
from temporalio.runtime import LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter
from temporalio.worker import (
    Interceptor,
    Replayer,
    StartActivityInput,
    StartLocalActivityInput,
    WorkflowInboundInterceptor,
    WorkflowInstance,
    WorkflowInstanceDetails,
    WorkflowInterceptorClassInput,
    WorkflowOutboundInterceptor,
    WorkflowRunner,
)

from audit.history import Outcome, history_from_bytes, parse_history, recorded_outcome
from security.codec import Keyring, data_converter

DEADLOCK_SECONDS = 10.0
PROJECTION = "project_application"
STATE_QUERY = "state"


# ---- what one replay reports -----------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """One history to replay: a file (read in the replaying process) or fetched bytes."""

    name: str
    workflow_id: str
    path: str | None = None
    data: bytes | None = None

    def load(self) -> WorkflowHistory:
        if self.data is not None:
            return history_from_bytes(self.workflow_id, self.data)
        assert self.path is not None
        return parse_history(self.workflow_id, Path(self.path).read_bytes())


@dataclass(frozen=True)
class CaseReplay:
    name: str
    workflow_id: str
    ok: bool
    problem: str = ""
    """'' when ok; `non-deterministic`, `status differs`, `replay error`, `unreadable`."""
    reason: str = ""
    event_id: int | None = None
    event_named: bool = False
    """True: the error names the event; False: event_id is the last event the replay reached."""
    recorded: str = ""
    recorded_note: str = ""
    replayed: str | None = None
    run_id: str = ""
    events: int = 0

    @property
    def where(self) -> str:
        if self.event_id is None:
            return ""
        return f"event {self.event_id}" if self.event_named else f"after event {self.event_id}"


_REASON = re.compile(r'message: "((?:[^"\\]|\\.)*)"')
_EVENT_ID = re.compile(r"(?:HistoryEvent\(id: |event[ _]id[:= ]*|event #?)(\d+)", re.IGNORECASE)


def explain(failure: Exception) -> tuple[str, int | None]:
    """The core's reason in a replay failure, and the event id when the reason names one."""
    text = str(failure)
    found = _REASON.search(text)
    reason = found.group(1).encode().decode("unicode_escape", errors="replace") if found else text
    # the message is UTF-8 that unicode_escape read as Latin-1: read it back
    with contextlib.suppress(UnicodeError):
        reason = reason.encode("latin-1").decode("utf-8")
    reason = re.sub(r"^\[TMPRL\d+\]\s*Nondeterminism error:\s*", "", reason)
    event = _EVENT_ID.search(reason)
    return reason, int(event.group(1)) if event else None


# ---- the replayer's additions -----------------------------------------------------------------


@dataclass
class Capture:
    """What the replay of the current history showed: the last activation it ran (how far in
    the history it got), the workflow's answer to the `state` query once the history was
    through, the first activation error, and the projections the workflow asked for (its
    timeline entries)."""

    last: WorkflowActivation | None = None
    state: Any = None
    error: str | None = None
    projections: list[Any] = field(default_factory=list)

    def reset(self) -> None:
        self.last, self.state, self.error, self.projections = None, None, None, []

    @property
    def history_length(self) -> int:
        return self.last.history_length if self.last else 0


class _CaptureInterceptor(Interceptor):
    def __init__(self, capture: Capture) -> None:
        self.capture = capture

    def workflow_interceptor_class(self, input: WorkflowInterceptorClassInput) -> type[WorkflowInboundInterceptor]:
        capture = self.capture

        class Outbound(WorkflowOutboundInterceptor):
            def start_activity(self, input: StartActivityInput) -> Any:
                if input.activity == PROJECTION and input.args:
                    capture.projections.append(input.args[0])
                return super().start_activity(input)

            def start_local_activity(self, input: StartLocalActivityInput) -> Any:
                if input.activity == PROJECTION and input.args:
                    capture.projections.append(input.args[0])
                return super().start_local_activity(input)

        class Inbound(WorkflowInboundInterceptor):
            def init(self, outbound: WorkflowOutboundInterceptor) -> None:
                super().init(Outbound(outbound))

        return Inbound


class _Instance(WorkflowInstance):
    """The workers' workflow instance (in its sandbox), watched.

    Before the replayer evicts the workflow at the end of a history, the instance is asked the
    `state` query in an activation of its own, as a worker answers a query: the replayed
    workflow's own answer, in its own context and at its last workflow time. The answer goes
    to the capture, not to the core (no query was asked of it)."""

    def __init__(self, inner: WorkflowInstance, capture: Capture, converter: DataConverter, context_free: bool) -> None:
        self._inner, self._capture, self._converter, self._context_free = inner, capture, converter, context_free

    def activate(self, act: WorkflowActivation) -> WorkflowActivationCompletion:
        if any(job.HasField("remove_from_cache") for job in act.jobs):
            if self._capture.last is not None and self._capture.state is None:
                self._capture.state = self._query(self._capture.last)
        else:
            self._capture.last = act
        completion = self._inner.activate(act)
        if completion.HasField("failed") and self._capture.error is None:
            self._capture.error = self._failure(completion.failed.failure)
        return completion

    def _query(self, last: WorkflowActivation) -> Any:
        act = WorkflowActivation(
            run_id=last.run_id,
            timestamp=last.timestamp,
            is_replaying=True,
            history_length=last.history_length,
            available_internal_flags=last.available_internal_flags,
        )
        act.jobs.add().query_workflow.CopyFrom(QueryWorkflow(query_id="audit", query_type=STATE_QUERY))
        try:
            completion = self._inner.activate(act)
            for command in completion.successful.commands:
                if command.HasField("respond_to_query") and command.respond_to_query.HasField("succeeded"):
                    return self._converter.payload_converter.from_payloads([command.respond_to_query.succeeded.response])[0]
        except Exception:  # no answer: the report says so
            return None
        return None

    def _failure(self, failure: Any) -> str:
        """The activation's error as the workflow raised it (the failure converter moved the
        message into encoded attributes; the codec has not encrypted them yet)."""
        try:
            err = self._converter.failure_converter.from_failure(failure, self._converter.payload_converter)
            return f"{type(err).__name__}: {err}" if str(err) else type(err).__name__
        except Exception:
            return failure.message

    def get_serialization_context(self, command_info: Any) -> SerializationContext | None:
        return None if self._context_free else self._inner.get_serialization_context(command_info)

    def get_external_store_context(self, command_info: Any) -> StorageDriverStoreContext:
        if self._context_free:
            return StorageDriverStoreContext(target=None)
        return self._inner.get_external_store_context(command_info)

    def get_info(self) -> temporalio.workflow.Info:
        return self._inner.get_info()

    def get_thread_id(self) -> int | None:
        return self._inner.get_thread_id()


class _Runner(WorkflowRunner):
    """The workers' runner (the sandbox), each instance wrapped."""

    def __init__(self, inner: WorkflowRunner, capture: Capture, converter: DataConverter) -> None:
        self._inner, self._capture, self._converter = inner, capture, converter
        self._context_free = context_free(converter)

    def prepare_workflow(self, defn: temporalio.workflow._Definition) -> None:
        self._inner.prepare_workflow(defn)

    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        return _Instance(self._inner.create_instance(det), self._capture, self._converter, self._context_free)

    def set_worker_level_failure_exception_types(self, types: Sequence[type[BaseException]]) -> None:
        self._inner.set_worker_level_failure_exception_types(types)


def context_free(converter: DataConverter) -> bool:
    """True when the converter reads no serialization context: given one, it answers with
    itself (as DataConverter.with_context does when no part of it takes a context)."""
    contexts = (
        WorkflowSerializationContext(namespace="audit", workflow_id="audit"),
        ActivitySerializationContext(
            namespace="audit",
            workflow_id="audit",
            workflow_type="audit",
            activity_type="audit",
            activity_id="1",
            activity_task_queue="audit",
            is_local=True,
        ),
    )
    return converter.external_storage is None and all(converter.with_context(c) is converter for c in contexts)


class ReplayStuck(Exception):
    """An activation ran longer than DEADLOCK_SECONDS (a loop that never yields)."""

    def __str__(self) -> str:
        return "replay stuck: a workflow activation ran past the watchdog's limit (a loop that never yields?)"


class _InlineExecutor(concurrent.futures.ThreadPoolExecutor):
    """Runs each activation at once on the calling thread: no thread hop per activation. A
    watchdog raises ReplayStuck in an activation that runs past the limit, so a workflow that
    never yields fails its replay instead of hanging the audit."""

    def __init__(self, limit: float = DEADLOCK_SECONDS) -> None:
        super().__init__(max_workers=1)
        self._limit = limit
        self._lock = threading.Lock()
        self._running: tuple[int, float] | None = None  # thread, start
        threading.Thread(target=_watch, args=(weakref.ref(self),), name="replay-watchdog", daemon=True).start()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        loop = asyncio._get_running_loop()
        with self._lock:
            self._running = (threading.get_ident(), time.monotonic())
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as err:
            future.set_exception(err)
        finally:
            asyncio._set_running_loop(loop)  # the workflow's own loop replaced it while it ran
            with self._lock:
                self._running = None
        return future

    def check(self) -> None:
        with self._lock:
            if self._running and time.monotonic() - self._running[1] > self._limit:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self._running[0]), ctypes.py_object(ReplayStuck))
                self._running = None


def _watch(ref: weakref.ref[_InlineExecutor]) -> None:
    """The watchdog: ends with its executor."""
    while (executor := ref()) is not None:
        pause = min(1.0, executor._limit / 4)
        executor.check()
        del executor
        time.sleep(pause)


_RUNTIME: Runtime | None = None


def quiet_runtime() -> Runtime:
    """A Temporal runtime of the replaying process's own, logging errors only (the core warns of
    every non-determinism it finds: the report says it once)."""
    global _RUNTIME
    if _RUNTIME is None:
        _RUNTIME = Runtime(
            telemetry=TelemetryConfig(logging=LoggingConfig(filter=TelemetryFilter(core_level="ERROR", other_level="ERROR")))
        )
    return _RUNTIME


class AuditReplayer:
    """One per process: the workers' replayer plus the capture; replays chunks of histories."""

    def __init__(
        self, converter: DataConverter, workflows: Sequence[type] | None = None, deadlock_seconds: float = DEADLOCK_SECONDS
    ) -> None:
        import worker  # the composition root; imported here so that `audit` loads without it

        self.converter = converter
        self.capture = Capture()
        config = worker.replayer(converter).config()
        self._replayer = Replayer(
            **config
            | {
                "workflows": list(workflows) if workflows else config["workflows"],
                "workflow_runner": _Runner(config["workflow_runner"], self.capture, converter),
                "workflow_task_executor": _InlineExecutor(deadlock_seconds),
                "interceptors": [*config.get("interceptors", []), _CaptureInterceptor(self.capture)],
                "runtime": quiet_runtime(),
                # otherwise each replay worker hashes the code of every loaded module for an id
                # that means nothing in a replay
                "build_id": config.get("build_id") or "chengnuo-audit-replay",
            }
        )

    async def replay(self, sources: Sequence[Source]) -> list[CaseReplay]:
        results: list[CaseReplay] = []
        current: list[tuple[Source, WorkflowHistory, Outcome]] = []

        async def histories() -> AsyncIterator[WorkflowHistory]:
            for src in sources:
                try:
                    history = src.load()
                    assert history.run_id  # a history that starts as a workflow does
                    outcome = await recorded_outcome(history, self.converter)
                except Exception as err:
                    results.append(CaseReplay(src.name, src.workflow_id, False, "unreadable", f"{type(err).__name__}: {err}"))
                    continue
                self.capture.reset()
                current[:] = [(src, history, outcome)]
                yield history

        async with self._replayer.workflow_replay_iterator(histories()) as replayed:
            async for result in replayed:
                src, history, outcome = current[0]
                results.append(self._judge(src, history, outcome, result.replay_failure))
        return results

    def _judge(self, src: Source, history: WorkflowHistory, outcome: Outcome, failure: Exception | None) -> CaseReplay:
        seen = CaseReplay(
            src.name,
            src.workflow_id,
            True,
            recorded=outcome.status,
            recorded_note=outcome.note,
            replayed=self.replayed_status(),
            run_id=history.run_id,
            events=len(history.events),
        )
        if failure is not None:
            reason, named = explain(failure)
            nondeterministic = isinstance(failure, temporalio.workflow.NondeterminismError)
            if not nondeterministic and self.capture.error:
                reason = self.capture.error  # the workflow's own error, not the core's summary of it
            event = named if named is not None else self.capture.history_length or None
            return replace(
                seen,
                ok=False,
                problem="non-deterministic" if nondeterministic else "replay error",
                reason=reason,
                event_id=event,
                event_named=named is not None,
            )
        if outcome.completed and seen.replayed != outcome.status:
            return replace(
                seen,
                ok=False,
                problem="status differs",
                reason=f"history returned {outcome.status}, replay reached {seen.replayed}",
            )
        return seen

    def replayed_status(self) -> str | None:
        """The status in the replayed workflow's answer to the `state` query."""
        state = self.capture.state
        status = state.get("status") if isinstance(state, dict) else getattr(state, "status", None)
        return str(status) if status is not None else None


# ---- processes ----------------------------------------------------------------------------------


@dataclass
class _Process:
    loop: asyncio.AbstractEventLoop
    replayer: AuditReplayer


_PROCESS: _Process | None = None


def _start_process(keyring: Keyring, workflows: Sequence[type] | None, deadlock_seconds: float) -> None:
    """Each replay process, once: its event loop and its replayer (see _processes for why no
    process imports the code again)."""
    global _PROCESS
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops the pool
    logging.getLogger("temporalio").setLevel(logging.CRITICAL)  # the report says what failed, once
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    _PROCESS = _Process(loop, AuditReplayer(data_converter(keyring), workflows, deadlock_seconds))


def _processes() -> multiprocessing.context.BaseContext:
    """How to start the replay processes so that none imports the workflow code again.

    A process with one thread (the command line, before it shows any progress) forks: the
    children start at once with everything already imported. A process with other threads (a
    Temporal client's, a test server's) must not fork itself; a fork server, started clean,
    imports the code once and forks the children from there."""
    import worker  # noqa: F401  (imported before forking, so the children have it)

    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and _threads() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["audit.replay", "worker"])
        return context
    return multiprocessing.get_context("spawn")


def cpu_count() -> int:
    """The CPUs this process may run on (a container's share where the OS says it)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _threads() -> int:
    """The process's threads, Temporal's native ones included (Linux); 0 when unknown."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return 0


def _replay_chunk(sources: Sequence[Source]) -> list[CaseReplay]:
    assert _PROCESS is not None, "replay process not started"
    return _PROCESS.loop.run_until_complete(_PROCESS.replayer.replay(sources))


def chunks(sources: Sequence[Source], processes: int, most: int = 8) -> Iterator[list[Source]]:
    """Small chunks (at most `most`): many per process, so that no process idles long at the end
    while another finishes a big one; each chunk costs one replay worker (a few ms)."""
    size = max(1, min(most, math.ceil(len(sources) / (processes * 4))))
    for i in range(0, len(sources), size):
        yield list(sources[i : i + size])


@contextlib.contextmanager
def _quiet_logs() -> Iterator[None]:
    logger = logging.getLogger("temporalio")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


async def replay(
    sources: Sequence[Source],
    keyring: Keyring,
    processes: int | None = None,
    *,
    workflows: Sequence[type] | None = None,
    on_result: Callable[[CaseReplay], None] | None = None,
    deadlock_seconds: float = DEADLOCK_SECONDS,
) -> list[CaseReplay]:
    """Replay every source; `processes` (default: the CPU count) processes, or this one for 1."""
    processes = max(1, processes or cpu_count())
    results: list[CaseReplay] = []

    def collect(batch: list[CaseReplay]) -> None:
        for r in batch:
            results.append(r)
            if on_result:
                on_result(r)

    if processes == 1 or len(sources) <= 1:
        replayer = AuditReplayer(data_converter(keyring), workflows, deadlock_seconds)
        with _quiet_logs():
            for part in chunks(sources, 1, most=8):
                collect(await replayer.replay(part))
        return results

    parts = list(chunks(sources, processes))
    with concurrent.futures.ProcessPoolExecutor(
        min(processes, len(parts)),
        mp_context=_processes(),
        initializer=_start_process,
        initargs=(keyring, workflows, deadlock_seconds),
    ) as pool:
        futures = {asyncio.wrap_future(pool.submit(_replay_chunk, part)): part for part in parts}
        pending = set(futures)
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for chunk in done:
                try:
                    collect(chunk.result())
                except Exception as err:  # the process died (BrokenProcessPool) or could not start
                    collect(
                        [
                            CaseReplay(s.name, s.workflow_id, False, "replay error", f"replay process failed: {err!r}")
                            for s in futures[chunk]
                        ]
                    )
    return results
