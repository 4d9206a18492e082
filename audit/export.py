"""`chengnuo audit export`: one file per case, as Temporal stores it, and a manifest of hashes.

    DIR/<workflow id>.json   the history, in the JSON `temporal workflow show --output json` writes
    DIR/manifest.json        each file's SHA-256, the code version, the export time, the query

The payloads stay as stored: encrypted, so the export holds no personal data in clear. Whoever
holds the manifest (or its SHA-256, printed at the end) can tell later whether any file was
changed, removed or added (`chengnuo audit verify DIR`).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import temporalio
from temporalio.client import Client, WorkflowHistory
from temporalio.converter import DataConverter

from audit.history import MANIFEST, Execution, Selection, executions, fetch_all, recorded_outcome
from workflows import DATA_CONVERTER

FORMAT = "chengnuo-audit-export/1"
ROOT = Path(__file__).resolve().parent.parent


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def code_version() -> dict[str, Any]:
    """The git commit when the code runs from a git checkout (and whether the tree has changes
    not committed), else the installed package's version."""
    version: dict[str, Any] = {}
    try:
        version["package"] = metadata.version("chengnuo")
    except metadata.PackageNotFoundError:
        pass
    try:
        git = ["git", "-C", str(ROOT)]
        top = subprocess.run([*git, "rev-parse", "--show-toplevel"], capture_output=True, text=True, timeout=10, check=True)
        if Path(top.stdout.strip()).resolve() == ROOT:
            commit = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10, check=True)
            status = subprocess.run(
                [*git, "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True, timeout=10, check=True
            )
            version["git_commit"] = commit.stdout.strip()
            version["git_dirty"] = bool(status.stdout.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    return version


@dataclass(frozen=True)
class Exported:
    file: str
    workflow_id: str
    run_id: str
    sha256: str
    bytes: int
    events: int
    status: str
    """How the history ends (see audit.history.Outcome); read without the keys."""


@dataclass(frozen=True)
class Manifest:
    directory: Path
    files: list[Exported]
    sha256: str
    """Of manifest.json itself: keep it apart from the export to trust the manifest."""


async def ending(history: WorkflowHistory, converter: DataConverter) -> str:
    """How the history ends: a status (not personal data), or `completed` when the result is
    encrypted with a key the converter does not hold."""
    try:
        return (await recorded_outcome(history, converter)).status
    except Exception:
        return "completed"


async def export(
    client: Client,
    out: Path,
    selection: Selection,
    *,
    concurrency: int = 8,
    on_total: Callable[[int], None] | None = None,
    on_file: Callable[[Exported], None] | None = None,
    converter: DataConverter = DATA_CONVERTER,
) -> Manifest:
    """Write the selected histories and the manifest into `out` (new or empty)."""
    out.mkdir(parents=True, exist_ok=True)
    if any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty: export into a new directory")
    runs: list[Execution] = await executions(client, selection)
    if on_total:
        on_total(len(runs))
    files: list[Exported] = []
    async for run, history in fetch_all(client, runs, concurrency):
        data = history.to_json().encode("utf-8")
        (out / run.file).write_bytes(data)
        entry = Exported(
            run.file,
            run.workflow_id,
            history.run_id,
            sha256(data),
            len(data),
            len(history.events),
            await ending(history, converter),
        )
        files.append(entry)
        if on_file:
            on_file(entry)
    files.sort(key=lambda f: f.file)
    manifest = {
        "format": FORMAT,
        "exported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "code_version": code_version(),
        "temporalio": temporalio.__version__,
        "temporal": {"address": client.service_client.config.target_host, "namespace": client.namespace},
        "query": selection.describe(),
        "count": len(files),
        "files": {f.file: {k: v for k, v in asdict(f).items() if k != "file"} for f in files},
    }
    data = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    (out / MANIFEST).write_bytes(data)
    return Manifest(out, files, sha256(data))
