"""What changed between two catalogue versions: entries added, removed (retired), changed
field by field. Only entries in force count; a version number is not a change of its own."""

from __future__ import annotations

from typing import Any

from catalogue.columns import FIELD_LABELS

IGNORED = frozenset({"version", "retired", "retired_reason"})


def in_force(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {e["code"]: e for e in entries if not e.get("retired")}


def diff(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """{added, removed, changed} from the `old` snapshot to the `new` one."""
    before, after = in_force(old), in_force(new)
    every_new = {e["code"]: e for e in new}
    added = [after[c] for c in sorted(after.keys() - before.keys())]
    removed = []
    for code in sorted(before.keys() - after.keys()):
        gone = every_new.get(code)
        removed.append(
            {
                "code": code,
                "name": before[code]["name"],
                "department": before[code]["department"],
                "retired": bool(gone and gone.get("retired")),
                "reason": (gone or {}).get("retired_reason"),
            }
        )
    changed = []
    for code in sorted(before.keys() & after.keys()):
        a, b = before[code], after[code]
        fields = [
            {"field": f, "label": FIELD_LABELS.get(f, f), "old": a.get(f), "new": b.get(f)}
            for f in sorted(a.keys() | b.keys())
            if f not in IGNORED and a.get(f) != b.get(f)
        ]
        if fields:
            changed.append(
                {
                    "code": code,
                    "name": b["name"],
                    "old_version": a.get("version"),
                    "new_version": b.get("version"),
                    "fields": fields,
                }
            )
    return {"added": added, "removed": removed, "changed": changed}
