"""The rules a catalogue entry and a revision's changes must keep: one place for each.

`entry_problems` checks an entry on its own (every column present and in range);
`change_problems` checks a revision's list of changes, and, given the catalogue as it stands
(`existing`), that adds are new, changes and retirements name entries in force, and that a
department touches only its own entries.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from catalogue.columns import FIELD_LABELS, METHODS, STAGES
from workflows.catalogue_types import CatalogueEntry, ChangeAction, ChangeProblem, EntryChange

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
MAX_TEXT = 4000
MAX_DAYS = 3650
REQUIRED_TEXT = ("name", "department", "issuing_unit", "basis", "content", "verification_standard", "consequences")
ACTION_LABELS = {ChangeAction.add: "新增", ChangeAction.change: "变更", ChangeAction.retire: "取消"}


@dataclass(frozen=True)
class Stored:
    """What the checks need of an entry already in the catalogue."""

    department: str
    retired: bool


def entry_problems(e: CatalogueEntry) -> list[tuple[str, str]]:
    """(field, message) for each thing wrong with the entry on its own; [] if none."""
    out: list[tuple[str, str]] = []
    if not CODE.match(e.code or ""):
        out.append(("code", "事项编码须为1至64位字母、数字、连字符或下划线"))
    for f in REQUIRED_TEXT:
        value = getattr(e, f)
        if not isinstance(value, str) or not value.strip():
            out.append((f, "不能为空"))
        elif len(value) > MAX_TEXT:
            out.append((f, f"不能超过{MAX_TEXT}字"))
    if not e.services or any(not s.strip() for s in e.services):
        out.append(("services", "至少填写一项适用的行政事项"))
    if e.verification_stage not in STAGES:
        out.append(("verification_stage", "核查时点须为事中或事后"))
    if e.verification_method not in METHODS:
        out.append(("verification_method", f"核查方式须为：{'、'.join(METHODS.values())}"))
    for f, low in (("verification_days", 0), ("verification_deadline_days", 1), ("supervision_days", 1)):
        value = getattr(e, f)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_DAYS:
            out.append((f, f"须为{low}至{MAX_DAYS}之间的整数"))
    if not e.commitment_allowed and not (e.exclusion_reason or "").strip():
        out.append(("exclusion_reason", "不适用告知承诺的事项须写明不适用理由"))
    return out


def change_problems(
    changes: list[EntryChange], department: str | None, existing: Mapping[str, Stored] | None = None
) -> list[ChangeProblem]:
    """Everything wrong with a revision's changes; [] if none. Without `existing` (a workflow
    validator, which may not read the database) only what the changes show by themselves."""
    out: list[ChangeProblem] = []

    def bad(i: int, code: str, field: str, message: str) -> None:
        out.append(ChangeProblem(index=i, code=code, column=FIELD_LABELS.get(field, field), message=message))

    seen: set[str] = set()
    for i, c in enumerate(changes):
        label = ACTION_LABELS[c.action]
        if c.code in seen:
            bad(i, c.code, "code", "同一事项在本次调整中只能出现一次")
        seen.add(c.code)
        if c.action == ChangeAction.retire:
            if not (c.reason or "").strip():
                bad(i, c.code, "retired_reason", "取消事项须写明理由")
        elif c.entry is None:
            bad(i, c.code, "code", f"{label}事项须给出完整的清单内容")
        else:
            if c.entry.code != c.code:
                bad(i, c.code, "code", f"事项编码与内容中的编码（{c.entry.code}）不一致")
            for field, message in entry_problems(c.entry):
                bad(i, c.code, field, message)
            if department and c.entry.department != department:
                bad(i, c.code, "department", f"只能调整本部门（{department}）的事项")
        if existing is None:
            continue
        stored = existing.get(c.code)
        if c.action == ChangeAction.add:
            if stored is not None:
                bad(
                    i,
                    c.code,
                    "code",
                    "该事项编码已被取消，不能再次使用" if stored.retired else "该事项编码已在清单中，请改为变更",
                )
            continue
        if stored is None:
            bad(i, c.code, "code", f"清单中没有该事项，不能{label}")
            continue
        if stored.retired:
            bad(i, c.code, "code", f"该事项已取消，不能{label}")
        if department and stored.department != department:
            bad(i, c.code, "department", f"该事项属于{stored.department}，只能调整本部门的事项")
        if c.entry is not None and c.entry.department != stored.department:
            bad(i, c.code, "department", f"不能变更事项的所属部门（现为{stored.department}）")
    return out


def describe(problems: list[ChangeProblem]) -> str:
    """The problems in one Chinese message."""
    return "；".join(f"第{p.index + 1}项（{p.code}）「{p.column}」：{p.message}" for p in problems)
