"""The procedure rules data (activities/data/procedure.json): statement period, follow-up
period, legal bases, remedies, contacts. A case keeps the copy it opened with."""

from __future__ import annotations

import json
from dataclasses import fields
from functools import lru_cache
from pathlib import Path
from typing import Any

from workflows.types import Procedure, TerminationGround

PROCEDURE_FILE = Path(__file__).parent / "data" / "procedure.json"


@lru_cache(maxsize=1)
def procedure_data() -> dict[str, Any]:
    """The whole file (letters use its contacts too)."""
    return json.loads(PROCEDURE_FILE.read_text(encoding="utf-8"))


def procedure() -> Procedure:
    """The part a case keeps in its history."""
    data = dict(procedure_data())
    data["termination_grounds"] = [TerminationGround(**g) for g in data.get("termination_grounds", [])]
    return Procedure(**{f.name: data[f.name] for f in fields(Procedure) if f.name in data})


def termination_grounds() -> dict[str, TerminationGround]:
    """The grounds of 终止办理 in force, by id (the API refuses any other with a 422)."""
    return {g.id: g for g in procedure().termination_grounds}
