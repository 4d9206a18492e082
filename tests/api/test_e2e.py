"""End to end with real processes: `scripts/run_dev.py` (what `make run` starts) — the Temporal
dev server, the worker and the API — walked over HTTP, stopped with Ctrl-C, started again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.stack import PERSON, Stack, pick

pytestmark = pytest.mark.e2e


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "data"


def test_a_whole_life_with_real_processes(catalogue: list[dict[str, Any]], data_dir: Path) -> None:
    during, after = pick(catalogue, "during"), pick(catalogue, "after")
    url = "/applications/e2e-1"
    with Stack(data_dir) as stack:
        assert stack.retention_days() >= 3652  # a closed case (the audit record) is kept ten years, not 24 h
        opened = stack.call(
            "POST",
            "/applications",
            "caseworker",
            {
                "application_id": "e2e-1",
                "applicant": {"id": PERSON, "name": "张三", "kind": "person"},
                "service": "端到端测试事项",
                "matters": [during, after],
            },
        )
        assert opened.status_code == 201, opened.text
        again = stack.call(
            "POST",
            "/applications",
            "caseworker",
            {
                "application_id": "e2e-1",
                "applicant": {"id": PERSON, "name": "张三", "kind": "person"},
                "service": "端到端测试事项",
                "matters": [during, after],
            },
        )
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
            "EVENT_TYPE_WORKFLOW_TASK_SCHEDULED",
            "EVENT_TYPE_WORKFLOW_TASK_STARTED",
            "EVENT_TYPE_WORKFLOW_TASK_COMPLETED",
        }

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
        assert statuses == [
            "notified",
            "reviewing",
            "reviewing",
            "approved",
            "verifying",
            "verifying",
            "rectifying",
            "verifying",
            "hearing",
            "hearing",
            "revoked",
            "revoked",
        ]
        for n in stack.call("GET", f"{url}/notices", "applicant").json():  # read: served, and then 办结
            assert stack.call("GET", f"{url}/notices/{n['no']}", "applicant").json()["served_at"]
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
