"""Payloads of the catalogue revision workflow: plain dataclasses, no I/O, safe in the sandbox.

A revision (清单调整) is one department's draft of changes to the catalogue: entries added,
changed or retired. It goes 上报 → 审定 → 备案 → 公布; publication writes a numbered version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from workflows.types import Actor


class RevisionStatus(StrEnum):
    draft = "draft"  # 起草中 (also after being sent back)
    submitted = "submitted"  # 已上报, awaiting the bureau's review (审定)
    approved = "approved"  # 审定通过, awaiting filing (备案)
    filed = "filed"  # 已备案, awaiting publication (公布)
    published = "published"  # 已公布: a numbered catalogue version
    withdrawn = "withdrawn"  # 已撤回 by the department, never published


class ChangeAction(StrEnum):
    add = "add"  # 新增
    change = "change"  # 变更 (also: exclude from commitment, with the reason)
    retire = "retire"  # 取消 (the row stays, marked retired)


@dataclass(frozen=True)
class CatalogueEntry:
    """One catalogue entry as a department states it (the Matter columns a revision may set;
    `version` and retirement are the publication's to set)."""

    code: str
    name: str
    department: str
    issuing_unit: str
    basis: str
    content: str
    commitment_allowed: bool
    verification_exempt: bool
    verification_stage: str  # during | after
    verification_days: int
    verification_deadline_days: int
    verification_method: str
    verification_standard: str
    supervision_days: int
    consequences: str
    services: list[str] = field(default_factory=list)
    exclusion_reason: str | None = None
    basis_rank: str = ""
    act_type: str = ""
    conditions: str = ""
    verification_method_label: str = ""
    publication: str = ""
    basis_source: str = ""
    basis_verified: bool = False


@dataclass(frozen=True)
class EntryChange:
    action: ChangeAction
    code: str
    entry: CatalogueEntry | None = None
    """The whole entry as it is to read (add, change); None for a retirement."""
    reason: str | None = None
    """Why it is retired (retire); optional note otherwise."""


@dataclass(frozen=True)
class EntryComment:
    """The bureau's comment on one entry of a revision it sends back (审定意见)."""

    code: str
    comment: str


@dataclass(frozen=True)
class RevisionStep:
    """Who did what, when (workflow time)."""

    action: str  # create | edit | submit | approve | send_back | file | publish | withdraw
    label: str
    actor_id: str
    role: str
    at: datetime
    note: str = ""
    comments: list[EntryComment] = field(default_factory=list)


@dataclass
class RevisionView:
    revision_id: str
    department: str | None
    """The drafting department; None: a district-wide revision (an administrator's import)."""
    status: RevisionStatus
    created_by: str
    created_at: datetime
    changes: list[EntryChange] = field(default_factory=list)
    comments: list[EntryComment] = field(default_factory=list)
    """The latest send-back's comments per entry (the steps keep every round)."""
    steps: list[RevisionStep] = field(default_factory=list)
    published_version: int | None = None
    source: str = "manual"  # manual | import


# --- workflow and updates ---


@dataclass(frozen=True)
class StartRevisionInput:
    revision_id: str
    department: str | None
    created_by: Actor
    changes: list[EntryChange] = field(default_factory=list)
    source: str = "manual"
    note: str = ""


@dataclass(frozen=True)
class EditRevisionInput:
    actor: Actor
    changes: list[EntryChange]
    """The draft's whole list of changes, replacing the previous one."""


@dataclass(frozen=True)
class RevisionStepInput:
    """上报, 备案, 公布, 撤回: an actor and an optional note."""

    actor: Actor
    note: str = ""


@dataclass(frozen=True)
class ReviewInput:
    """审定: approve, or send back to the draft with comments per entry."""

    actor: Actor
    approve: bool
    note: str = ""
    comments: list[EntryComment] = field(default_factory=list)


# --- activities ---


@dataclass(frozen=True)
class CheckChangesInput:
    department: str | None
    changes: list[EntryChange]


@dataclass(frozen=True)
class ChangeProblem:
    """One thing wrong with one change: its place in the list, its field label, the reason."""

    index: int
    code: str
    column: str
    message: str


@dataclass(frozen=True)
class PublishInput:
    revision_id: str
    department: str | None
    changes: list[EntryChange]
    published_by: str
    published_at: datetime
