"""requirements.lock pins every dependency pyproject.toml names, at a version it allows, with
temporalio held to one minor (the replay tooling reads the SDK's internals)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def pins() -> dict[str, str]:
    lines = (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines()
    found = {}
    for line in lines:
        if "==" in line and not line.startswith(("#", " ")):
            name, version = line.split("==")
            found[canonicalize_name(name)] = version.split()[0]
    return found


def test_every_dependency_is_pinned_at_a_version_it_allows() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]]
    pinned = pins()
    for req in wanted:
        name = canonicalize_name(req.name)
        assert name in pinned, f"{req.name} is not in requirements.lock (make lock)"
        assert req.specifier.contains(pinned[name], prereleases=True), f"{req.name}=={pinned[name]} breaks {req.specifier}"


def test_temporalio_is_held_to_one_minor() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    [spec] = [Requirement(r).specifier for r in project["dependencies"] if Requirement(r).name == "temporalio"]
    major, minor = (int(x) for x in pins()["temporalio"].split(".")[:2])
    assert spec.contains(f"{major}.{minor}.99") and not spec.contains(f"{major}.{minor + 1}.0")
