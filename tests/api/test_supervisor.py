"""`make run`'s supervisor (scripts/run_dev.py) with real processes: a crashed child is restarted
with back-off while the others keep serving; a stop — Ctrl-C with requests in flight, a
`kill -9` of the supervisor, the death of its parent — leaves nothing running, within the
bounds `make run` promises (15 s for a stop, 10 s after a kill -9)."""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from bench.ports import free_port
from tests.support.processes import alive, eventually, ours
from tests.support.stack import ROOT, Watched, opening

pytestmark = pytest.mark.e2e

log = logging.getLogger(__name__)
STOP_BOUND = 15.0  # Ctrl-C / SIGTERM → everything gone
KILL_BOUND = 10.0  # kill -9 of the supervisor → every child gone


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def open_case(stack: Watched, application_id: str, within: float = 60) -> int:
    """POST /applications until it is answered (a server just restarted may refuse at first)."""
    end, status = time.monotonic() + within, 0
    while time.monotonic() < end:
        try:
            status = httpx.post(
                f"{stack.api}/applications",
                json=opening(application_id),
                timeout=30,
                headers={"Authorization": "Bearer dev-caseworker"},
            ).status_code
        except httpx.HTTPError:
            status = 0
        if status in (200, 201):
            break
        time.sleep(1)
    return status


def in_flight(stack: Watched, n: int) -> list[threading.Thread]:
    """`n` POST /applications that cannot finish: the worker is frozen (SIGSTOP), so each
    waits on its workflow's first Update. They may fail when the stack stops; that is fine."""

    def post(i: int) -> None:
        try:
            httpx.post(
                f"{stack.api}/applications",
                json=opening(f"flight-{i}"),
                timeout=40,
                headers={"Authorization": "Bearer dev-caseworker"},
            )
        except httpx.HTTPError:
            pass

    threads = [threading.Thread(target=post, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    assert all(t.is_alive() for t in threads), "the requests were answered: nothing is in flight"
    return threads


def test_a_crashed_worker_is_restarted_with_back_off_and_the_rest_keeps_serving(tmp_path: Path) -> None:
    with Watched(tmp_path / "data") as stack:
        temporal, api, first = stack.pid("temporal"), stack.pid("api"), stack.pid("worker")

        os.kill(first, signal.SIGKILL)
        assert eventually(lambda: "worker 意外退出 / exited (code -9); 1 s 后重启 / restarting in 1 s" in stack.out, 10), (
            stack.out
        )
        assert stack.health() == 200  # the API did not go down with it
        second = stack.pid("worker", 2, within=10)
        assert second != first and alive(second) and not alive(first)

        os.kill(second, signal.SIGKILL)  # crashing again at once: the delay doubles
        assert eventually(lambda: "restarting in 2 s" in stack.out, 10), stack.out
        third = stack.pid("worker", 3, within=10)
        assert alive(third)

        # the restarted worker works: opening a case needs it to answer the workflow's first Update
        assert open_case(stack, "restarted-1") == 201
        # nobody else was restarted, and a restart is not a new start-up
        assert stack.pids("temporal") == [temporal] and stack.pids("api") == [api]
        assert alive(temporal) and alive(api)

        os.kill(temporal, signal.SIGKILL)  # the Temporal server is restarted too (its state is on disk)
        assert eventually(lambda: "temporal 意外退出 / exited (code -9)" in stack.out, 10), stack.out
        assert alive(stack.pid("temporal", 2, within=10))
        assert open_case(stack, "restarted-2") == 201  # worker and API found the new server
        assert stack.health() == 200
        assert stack.out.count("development stack is up") == 1
        assert "stopping everything" not in stack.out

        code, out = stack.stop()
        assert code == 0 and "已停止 / stopped" in out, out


def test_back_off_doubles_up_to_30_s_and_starts_over_after_a_minute_up() -> None:
    spec = importlib.util.spec_from_file_location("run_dev", ROOT / "scripts" / "run_dev.py")
    assert spec is not None and spec.loader is not None
    run_dev = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run_dev)
    child = run_dev.Child("sleeper", ["sleep", "60"], dict(os.environ))

    def crash(up_for: float = 0) -> float:
        """Start it, kill it after `up_for` seconds up, and return the delay it is given."""
        child.start()
        child.started_at -= up_for
        os.kill(child.proc.pid, signal.SIGKILL)
        child.proc.wait()
        now = time.monotonic()
        child.supervise(now)
        assert child.restart_at is not None
        return round(child.restart_at - now, 1)

    assert [crash() for _ in range(7)] == [1, 2, 4, 8, 16, 30, 30]
    assert crash(up_for=61) == 1 and crash() == 2
    before = child.proc.pid
    child.supervise(child.restart_at)  # due: started again
    try:
        assert child.restart_at is None and child.proc.pid != before and alive(child.proc.pid)
    finally:
        child.proc.kill()
        child.proc.wait()


def test_ctrl_c_with_requests_in_flight_stops_everything_within_15_s(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with Watched(data) as stack:
        children = [stack.pid(name) for name in ("temporal", "worker", "api")]
        os.kill(children[1], signal.SIGSTOP)  # a stuck worker: it will not even see the SIGINT
        requests = in_flight(stack, 8)

        started = time.monotonic()
        stack.proc.send_signal(signal.SIGINT)
        stack.proc.wait(60)
        took = time.monotonic() - started
        if stack.reader is not None:
            stack.reader.join(10)

        assert took < STOP_BOUND, f"stop took {took:.1f} s:\n{stack.out}"
        assert stack.proc.returncode == 0 and "已停止 / stopped" in stack.out, stack.out
        assert "worker did not stop in time — killing" in stack.out
        assert not [pid for pid in children if alive(pid)] and not ours(data)
        assert not [port for port in stack.port_numbers() if listening(port)]
        for t in requests:
            t.join(5)
        log.info("Ctrl-C with %d requests in flight: stopped in %.1f s", len(requests), took)


def test_kill_9_of_the_supervisor_takes_every_child_with_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with Watched(data) as stack:
        children = [stack.pid(name) for name in ("temporal", "worker", "api")]
        os.kill(children[1], signal.SIGSTOP)  # requests in flight, as in the report
        in_flight(stack, 4)

        killed = time.monotonic()
        stack.proc.kill()
        stack.proc.wait()
        ports = stack.port_numbers()
        # a killed process with many threads can show as a zombie while its last threads
        # still hold its sockets: the ports count as free only once nothing answers on them
        assert eventually(
            lambda: not [pid for pid in children if alive(pid)] and not ours(data) and not any(map(listening, ports)),
            KILL_BOUND,
        ), f"still running {KILL_BOUND:.0f} s after kill -9: {ours(data)}, ports {[p for p in ports if listening(p)]}"
        took = time.monotonic() - killed
        log.info("kill -9 of the supervisor: every child gone in %.1f s", took)

    again = Watched(data)  # the next `make run`, on the very same ports
    again.api, again.ports = stack.api, stack.ports
    with again:
        assert again.health() == 200
        code, out = again.stop()
        assert code == 0, out


def test_when_its_parent_dies_the_supervisor_stops_too(tmp_path: Path) -> None:
    """`make` killed (say its terminal closed): run_dev gets SIGTERM and stops like on Ctrl-C."""
    data, out = tmp_path / "data", tmp_path / "run_dev.log"
    port = free_port()
    # bash stays the parent (it has more to do after run_dev), as make does
    parent = subprocess.Popen(
        [
            "bash",
            "-c",
            f'"{sys.executable}" scripts/run_dev.py --temporal-only --headless --data-dir "{data}" '
            f'--temporal-port {port} >"{out}" 2>&1; echo done',
        ],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "HOME": str(data)},
        stdout=subprocess.DEVNULL,
    )
    try:
        assert eventually(lambda: out.exists() and "Ctrl-C 停止" in out.read_text(), 90, 0.3), (
            out.read_text() if out.exists() else "no log"
        )
        supervisor = int(subprocess.run(["pgrep", "-P", str(parent.pid)], capture_output=True, text=True).stdout)
        temporal = int(re.findall(r"started temporal \(pid (\d+)\)", out.read_text())[0])

        parent.kill()
        parent.wait()
        died = time.monotonic()
        assert eventually(lambda: not alive(supervisor) and not alive(temporal) and not ours(data), STOP_BOUND), out.read_text()
        took = time.monotonic() - died
        text = out.read_text()
        assert "received SIGTERM" in text and "已停止 / stopped" in text, text
        assert not listening(port)
        log.info("parent killed: the supervisor stopped everything in %.1f s", took)
    finally:
        if parent.poll() is None:
            parent.kill()
        for pid in ours(data):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture(autouse=True)
def _no_leftovers(tmp_path: Path) -> object:
    """Whatever a failing test leaves running is killed, not left to the next test."""
    yield
    for pid in ours(tmp_path / "data"):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
