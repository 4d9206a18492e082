"""The histories recorded by earlier code (tests/workflows/histories/), each a file: what the replay
and the golden timeline tests read."""

from __future__ import annotations

from pathlib import Path

HISTORIES = sorted((Path(__file__).parents[1] / "workflows" / "histories").glob("*.json"))
