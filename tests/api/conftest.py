"""Fixtures of the API tests: the starter catalogue, as the stack with real processes loads it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.stack import ROOT


@pytest.fixture(scope="module")
def catalogue() -> list[dict[str, Any]]:
    return json.loads((ROOT / "activities" / "data" / "catalogue.json").read_text(encoding="utf-8"))
