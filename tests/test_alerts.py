"""The Prometheus configuration and alert rules (deploy/prometheus/) as promtool reads them, and
the alerts' unit tests: each fires when it should and not before (Debian's `prometheus`
package brings promtool; .ci/run installs it)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

PROMETHEUS = Path(__file__).resolve().parent.parent / "deploy" / "prometheus"


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    tool = shutil.which("promtool")
    assert tool, "promtool is missing: apt-get install prometheus (.ci/run does)"
    return subprocess.run([tool, *args], cwd=PROMETHEUS, capture_output=True, text=True, timeout=60)


def test_the_configuration_and_rules_are_valid() -> None:
    checked = promtool("check", "config", "prometheus.yml")
    assert checked.returncode == 0 and "7 rules found" in checked.stdout + checked.stderr, checked.stdout + checked.stderr


def test_each_alert_fires_when_it_should() -> None:
    tested = promtool("test", "rules", "alerts_test.yml")
    assert tested.returncode == 0, tested.stdout + tested.stderr
