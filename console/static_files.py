"""The console's static files (its stylesheet), served from the package: no CDN, no build step."""

from __future__ import annotations

from pathlib import Path

from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"


def console_static() -> StaticFiles:
    return StaticFiles(directory=STATIC)
