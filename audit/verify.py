"""`chengnuo audit verify DIR`: does the export still hold what its manifest says?

Every file the manifest lists must be there with its SHA-256; no other file may be there. Each
file changed, missing or added is named. (The manifest itself is trusted as given: compare its
SHA-256, printed by the export, with the one kept apart from the export.)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from audit.export import sha256
from audit.history import MANIFEST


class BadManifest(Exception):
    """The directory has no manifest, or not one an export wrote."""


@dataclass
class Verification:
    manifest_sha256: str
    intact: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.changed or self.missing or self.added)


def verify(directory: Path) -> Verification:
    path = directory / MANIFEST
    try:
        raw = path.read_bytes()
        files = json.loads(raw)["files"]
        expected = {name: entry["sha256"] for name, entry in files.items()}
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise BadManifest(f"{path}: {err}") from err
    result = Verification(sha256(raw))
    for name, digest in sorted(expected.items()):
        file = directory / name
        if Path(name).name != name or not file.is_file():  # a name with a path in it is not ours
            result.missing.append(name)
        elif sha256(file.read_bytes()) != digest:
            result.changed.append(name)
        else:
            result.intact.append(name)
    present = {p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file() or p.is_symlink()}
    result.added = sorted(present - set(expected) - {MANIFEST})
    return result
