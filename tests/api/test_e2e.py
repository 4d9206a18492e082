"""End to end with real processes: `scripts/run_dev.py` (what `make run` starts) — the Temporal
dev server, the worker and the API — walked over HTTP, stopped with Ctrl-C, started again."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.ports import free_port

pytestmark = pytest.mark.e2e

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
            [sys.executable, "scripts/run_dev.py", "--data-dir", str(self.data), "--api-port", api_port,
             "--temporal-port", str(self.ports[0]), "--ui-port", str(self.ports[1])],
            cwd=ROOT,
            # every client here shares one address: it stands for many sources, so no per-source limit
            env={"PATH": "/usr/bin:/bin", "SAMPLING_PROBABILITY": "1.0", "HOME": str(self.data),
                 "COMPLAINT_RATE_PER_SOURCE": "0/60", **self.env},
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
            [str(Path(sys.executable).parent / "temporal"), "operator", "namespace", "describe", "-n", "default",
             "--address", f"127.0.0.1:{self.ports[0]}", "--output", "json"],
            capture_output=True, text=True, timeout=30, check=True,
        )
        ttl = json.loads(described.stdout)["config"]["workflowExecutionRetentionTtl"]
        return int(ttl.removesuffix("s")) / 86400

    def call(self, method: str, path: str, role: str, body: dict[str, Any] | None = None) -> httpx.Response:
        token = f"dev-{role}:{PERSON}" if role == "applicant" else f"dev-{role}"
        return httpx.request(method, f"{self.api}{path}", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30)


@pytest.fixture(scope="module")
def catalogue() -> list[dict[str, Any]]:
    return json.loads((ROOT / "activities" / "data" / "catalogue.json").read_text(encoding="utf-8"))


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "data"


def pick(catalogue: list[dict[str, Any]], stage: str) -> str:
    return next(
        m["code"] for m in catalogue
        if m["commitment_allowed"] and not m["verification_exempt"] and m["verification_stage"] == stage
    )


def test_a_whole_life_with_real_processes(catalogue: list[dict[str, Any]], data_dir: Path) -> None:
    during, after = pick(catalogue, "during"), pick(catalogue, "after")
    url = "/applications/e2e-1"
    with Stack(data_dir) as stack:
        assert stack.retention_days() >= 3652  # a closed case (the audit record) is kept ten years, not 24 h
        opened = stack.call("POST", "/applications", "caseworker", {
            "application_id": "e2e-1",
            "applicant": {"id": PERSON, "name": "张三", "kind": "person"},
            "service": "端到端测试事项",
            "matters": [during, after],
        })
        assert opened.status_code == 201, opened.text
        again = stack.call("POST", "/applications", "caseworker", {
            "application_id": "e2e-1",
            "applicant": {"id": PERSON, "name": "张三", "kind": "person"},
            "service": "端到端测试事项",
            "matters": [during, after],
        })
        assert again.status_code == 200 and again.json()["workflow_id"] == opened.json()["workflow_id"]

        def history_length() -> int:
            return len(stack.call("GET", f"{url}/history", "auditor").json()["events"])

        # A refused Update leaves no trace of itself in history: no Update event, at most the
        # empty workflow task that ran its validator (the real server keeps that task when the
        # case's last task upserted search attributes, as the opening's does).
        before = history_length()
        refused = stack.call("POST", f"{url}/decision", "caseworker", {"approve": True, "reason": "太早"})
        assert refused.status_code == 409 and "已告知" in refused.json()["detail"]
        added = stack.call("GET", f"{url}/history", "auditor").json()["events"][before:]
        assert {e["eventType"] for e in added} <= {
            "EVENT_TYPE_WORKFLOW_TASK_SCHEDULED", "EVENT_TYPE_WORKFLOW_TASK_STARTED", "EVENT_TYPE_WORKFLOW_TASK_COMPLETED"}

        steps = [
            ("applicant", "commit", {"matter": during}),
            ("applicant", "commit", {"matter": after}),
            ("verifier", "verification", {"matter": during, "truthful": True, "findings": "部门协查回函一致"}),
            ("caseworker", "decision", {"approve": True, "reason": "符合法定条件，准予许可"}),
            ("public", "complaints", {"text": "举报：承诺内容与事实不符"}),
            ("verifier", "verification", {"matter": after, "truthful": False, "findings": "实地核查不符"}),
            ("caseworker", "disposition", {"action": "rectify", "deadline_days": 15, "reason": "责令限期整改"}),
            ("applicant", "rectification", {"matter": after, "evidence": "整改报告及照片"}),
            ("verifier", "verification", {"matter": after, "truthful": False, "findings": "复核仍不符合"}),
            ("applicant", "statement", {"text": "整改材料已补充，请求不予撤销"}),
            ("supervisor", "revocation", {"revoke": True, "reason": "整改复核仍不符合", "decision_no": "湛撤〔2026〕1号"}),
            ("supervisor", "close", {"reason": "无后续处理"}),
        ]
        statuses = []
        for role, action, body in steps:
            r = stack.call("POST", f"{url}/{action}", role, body)
            assert r.status_code == 200, (action, r.text)
            if role == "public":  # the public learns only that the complaint was received
                assert r.json()["received"] is True
                r = stack.call("GET", url, "caseworker")
            statuses.append(r.json()["status"])
        assert statuses == ["notified", "reviewing", "reviewing", "approved", "verifying", "verifying",
                            "rectifying", "verifying", "hearing", "hearing", "revoked", "revoked"]
        timeline = stack.call("GET", f"{url}/timeline", "auditor").json()
        assert timeline[-1]["action"] == "close" and "撤销行政决定" in timeline[-1]["summary"]
        code, out = stack.stop()
        assert code == 0, out
        # what `make run` told the newcomer: the URLs and the dev tokens
        assert stack.api in out and f"127.0.0.1:{stack.ports[1]}" in out and "dev-caseworker" in out
        assert "已停止 / stopped" in out

    # a second `make run` finds its cases where it left them, and applies a changed retention
    with Stack(data_dir, TEMPORAL_RETENTION_DAYS="4000") as stack:
        assert stack.retention_days() == 4000
        case = stack.call("GET", url, "caseworker").json()
        assert case["status"] == "revoked"
        events = stack.call("GET", f"{url}/history", "auditor").json()["events"]
        assert events[-1]["eventType"] == "EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED"
        credit = stack.call("GET", f"/applicants/{PERSON}/credit", "caseworker").json()
        assert credit["barred"] is True
        code, _ = stack.stop()
        assert code == 0
