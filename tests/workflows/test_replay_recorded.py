"""Histories recorded by earlier code must replay on the current code.

These files were recorded from this suite (CHENGNUO_RECORD_HISTORIES=<dir> make test). The plain
ones come from before the `close-after-handlers` patch, the `-v2` ones after it (they carry its
marker); `escalated_then_recomputed` was recorded on commit 343a911, before the
`escalation-follows-new-deadline` patch (an escalated matter, a notice that moves its deadline
later, the window passing unverified): without that patch it no longer replays. The `-v3-lean`
ones carry the `lean-life` patch (local activities, delta projections, one timer per deadline,
the close recorded by the action that ends the case); everything before them takes the old path.
The `-v4-legal` ones carry `organ-decisions` too (revocation proposed and decided after the
statement period, daily supervision, measures on their own, honest closing, 事中 and 办理时限
deadlines). The `-v5-search` ones carry `search-attributes` too, and are encrypted with the
tests' key (tests/support/factories.py). The `-v6-continue` ones carry `continue-as-new` too: a case
continued as new twice (one file per run; the later runs start from the carried state) and an
ordinary life. The `-v7-graded` ones carry `graded-measures` too: the grade at opening and at
approval under the credit rules, the chance by grade and risk level. The `-v8-terminates` ones
carry `organ-terminates` too: a 事中 finding awaiting the organ's 终止办理 (on a ground, with a
number), a referral after it, and a case with nothing promised closed at its approval. The
`-v9-measures` ones carry `measures-keep-rights` too: the right to rectify kept through a joined
hearing, a penalty or referral alone leaving the finding open, a penalty keeping the decision on
a recorded ground. The `-v10-served` ones carry `notices-served` too: notices served in person,
opened by the applicant or deemed served, the periods from service, the close once served. A change that would break a running case fails here: guard it with
`workflow.patched(...)` and record the new histories beside the old ones.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory

from tests.support.factories import CONVERTER
from tests.support.histories import HISTORIES
from worker import replayer


def test_recorded_histories_exist() -> None:
    """Every history recorded so far is still here (a history is never deleted while cases of
    its kind may run), and each has its golden timeline (tests/workflows/golden)."""
    assert len(HISTORIES) >= 40
    golden = {p.stem for p in (Path(__file__).parent / "golden").glob("*.txt")}
    assert golden == {p.stem for p in HISTORIES}


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_recorded_history_replays(path: Path) -> None:
    history = WorkflowHistory.from_json(f"recorded-{path.stem}", path.read_text(encoding="utf-8"))
    result = await replayer(CONVERTER).replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, result.replay_failure
