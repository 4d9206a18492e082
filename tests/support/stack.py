"""`make run`'s stack (scripts/run_dev.py: the Temporal dev server, the worker and the API) in a
data directory of its own, on free ports, for the tests with real processes."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from bench.ports import free_port
from tests.support.processes import eventually

ROOT = Path(__file__).resolve().parents[2]
PERSON = "410411199001010015"


class Stack:
    """One `make run` in a data directory of its own, on free ports."""

    def __init__(self, data: Path, **env: str) -> None:
        self.data, self.env = data, env
        self.api = f"http://127.0.0.1:{free_port()}"
        self.ports = [free_port(), free_port()]

    def __enter__(self) -> Stack:
        api_port = self.api.rsplit(":", 1)[1]
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "scripts/run_dev.py",
                "--data-dir",
                str(self.data),
                "--api-port",
                api_port,
                "--temporal-port",
                str(self.ports[0]),
                "--ui-port",
                str(self.ports[1]),
            ],
            cwd=ROOT,
            # every client here shares one address: it stands for many sources, so no per-source limit
            env={
                "PATH": "/usr/bin:/bin",
                "SAMPLING_PROBABILITY": "1.0",
                "HOME": str(self.data),
                "COMPLAINT_RATE_PER_SOURCE": "0/60",
                **self.env,
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        end = time.monotonic() + 90
        while time.monotonic() < end:
            try:
                if httpx.get(f"{self.api}/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.3)
        code, out = self.stop()
        raise AssertionError(f"stack did not come up (exit {code}):\n{out}")

    def stop(self) -> tuple[int, str]:
        """Ctrl-C, as a user stops `make run`; a stuck supervisor is killed and its children go
        with it (run_dev sets PR_SET_PDEATHSIG on them)."""
        self.proc.send_signal(signal.SIGINT)
        try:
            out, _ = self.proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, _ = self.proc.communicate()
        return self.proc.returncode, out

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            self.stop()

    def retention_days(self) -> float:
        """The namespace's retention as `temporal operator namespace describe` reports it."""
        described = subprocess.run(
            [
                str(Path(sys.executable).parent / "temporal"),
                "operator",
                "namespace",
                "describe",
                "-n",
                "default",
                "--address",
                f"127.0.0.1:{self.ports[0]}",
                "--output",
                "json",
            ],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        ttl = json.loads(described.stdout)["config"]["workflowExecutionRetentionTtl"]
        return int(ttl.removesuffix("s")) / 86400

    def call(self, method: str, path: str, role: str, body: dict[str, Any] | None = None) -> httpx.Response:
        token = f"dev-{role}:{PERSON}" if role == "applicant" else f"dev-{role}"
        return httpx.request(method, f"{self.api}{path}", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def pick(catalogue: list[dict[str, Any]], stage: str) -> str:
    return next(
        m["code"]
        for m in catalogue
        if m["commitment_allowed"] and not m["verification_exempt"] and m["verification_stage"] == stage
    )


class Watched(Stack):
    """A Stack whose output is read as it comes, to learn the children's pids from the
    supervisor's "started NAME (pid N)" lines."""

    def __init__(self, data: Path) -> None:
        super().__init__(data)
        self.lines: list[str] = []
        self.reader: threading.Thread | None = None

    def __enter__(self) -> Watched:
        super().__enter__()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        # /health answers a moment before the supervisor sees it and ends its start-up
        assert eventually(lambda: "Ctrl-C 停止 / to stop" in self.out, 30), self.out
        return self

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)

    @property
    def out(self) -> str:
        return "".join(self.lines)

    def stop(self) -> tuple[int, str]:
        if self.reader is None:  # never came up: the pipe is still unread
            return super().stop()
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.reader.join(10)
        return self.proc.returncode, self.out

    def pids(self, name: str) -> list[int]:
        return [int(p) for p in re.findall(rf"started {name} \(pid (\d+)\)", self.out)]

    def pid(self, name: str, nth: int = 1, within: float = 30) -> int:
        assert eventually(lambda: len(self.pids(name)) >= nth, within), f"no {name} #{nth} in:\n{self.out}"
        return self.pids(name)[nth - 1]

    def health(self) -> int:
        try:
            return httpx.get(f"{self.api}/health", timeout=2).status_code
        except httpx.HTTPError:
            return 0

    def port_numbers(self) -> list[int]:
        return [int(self.api.rsplit(":", 1)[1]), *self.ports]


def opening(application_id: str) -> dict[str, object]:
    catalogue = json.loads((ROOT / "activities" / "data" / "catalogue.json").read_text(encoding="utf-8"))
    matter = next(m["code"] for m in catalogue if m["commitment_allowed"])
    return {
        "application_id": application_id,
        "applicant": {"id": PERSON, "name": "张三", "kind": "person"},
        "service": "监护测试事项",
        "matters": [matter],
    }
