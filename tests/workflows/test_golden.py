"""Golden timelines: every recorded history's timeline (as `chengnuo audit timeline` reads it)
and the case's last view, byte for byte as they were before the workflow was reorganised.

A refactoring of `workflows/` must leave them unchanged. The files were written on main before
the move (`CHENGNUO_GOLDEN=write make test` writes them again; only do that for a change meant
to alter what a case says, and say so in the commit).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from pydantic import TypeAdapter
from temporalio.client import WorkflowHistory

from audit.timeline import china, timeline
from tests.support.factories import CONVERTER
from tests.support.histories import HISTORIES
from workflows.types import ApplicationView

GOLDEN = Path(__file__).parent / "golden"
VIEW = TypeAdapter(ApplicationView)


async def told(path: Path) -> str:
    """The timeline and the last view of one recorded history, as text."""
    history = WorkflowHistory.from_json(f"recorded-{path.stem}", path.read_text(encoding="utf-8"))
    t = await timeline(history, CONVERTER)
    lines = [f"{e.seq:>4}  {china(e.at)}  {e.actor_id} {e.role} {e.action}  {e.summary}" for e in t.entries]
    lines.append(f"status: {t.status}; history ends: {t.outcome.status}")
    view = VIEW.dump_python(t.view, mode="json") if t.view else None
    return "\n".join(lines) + "\n" + json.dumps(view, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_the_timeline_and_view_are_as_recorded(path: Path) -> None:
    text, golden = await told(path), GOLDEN / f"{path.stem}.txt"
    if os.environ.get("CHENGNUO_GOLDEN") == "write":
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"no golden file for {path.stem}: CHENGNUO_GOLDEN=write makes it"
    assert text == golden.read_text(encoding="utf-8")
