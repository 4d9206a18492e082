"""The catalogue revisions' bodies and answers (清单调整, versions, diffs)."""

# No `from __future__ import annotations`: FastAPI reads these as body types.

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from api.schemas import FREE_TEXT, ONE_LINE, Code, Name
from workflows.catalogue_types import CatalogueEntry, ChangeAction, EntryChange

Line = Annotated[str, Field(max_length=200), ONE_LINE]
Long = Annotated[str, Field(max_length=4000), FREE_TEXT]
Note = Annotated[str, Field(max_length=2000), FREE_TEXT]
RevisionId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]


class EntryIn(BaseModel):
    """A catalogue entry as the department states it (the Chinese column names: catalogue/columns.py)."""

    code: Code
    name: Line
    department: Line
    issuing_unit: Long
    basis: Long
    content: Long
    commitment_allowed: bool
    verification_exempt: bool
    verification_stage: Literal["during", "after"]
    verification_days: int
    verification_deadline_days: int
    verification_method: Line
    verification_standard: Long
    supervision_days: int
    consequences: Long
    services: list[Line] = Field(default_factory=list, max_length=50)
    exclusion_reason: Long | None = None
    basis_rank: Line = ""
    act_type: Line = ""
    conditions: Long = ""
    verification_method_label: Line = ""
    publication: Long = ""
    basis_source: Long = ""
    basis_verified: bool = False


class ChangeIn(BaseModel):
    action: ChangeAction
    code: Code
    entry: EntryIn | None = None
    reason: Note | None = None

    def change(self) -> EntryChange:
        return EntryChange(
            action=self.action,
            code=self.code,
            entry=CatalogueEntry(**self.entry.model_dump()) if self.entry else None,
            reason=self.reason,
        )


class RevisionCreate(BaseModel):
    revision_id: RevisionId | None = None
    """Optional: the same id again returns the same revision (an idempotent start)."""
    department: Name | None = None
    """The drafting department; a department's officer drafts for their own."""
    changes: list[ChangeIn] = Field(default_factory=list, max_length=500)
    note: Note = ""


class ChangesBody(BaseModel):
    changes: list[ChangeIn] = Field(max_length=500)


class StepBody(BaseModel):
    note: Note = ""


class CommentIn(BaseModel):
    code: Code
    comment: Annotated[str, Field(min_length=1, max_length=2000), FREE_TEXT]


class ReviewBody(BaseModel):
    approve: bool
    note: Note = ""
    comments: list[CommentIn] = Field(default_factory=list, max_length=500)


class RevisionOut(BaseModel):
    id: str
    department: str | None
    status: str
    status_label: str
    created_by: str
    created_at: datetime
    updated_at: datetime | None
    source: str
    changes: list[dict[str, Any]]
    comments: list[dict[str, Any]]
    steps: list[dict[str, Any]]
    published_version: int | None


class VersionSummary(BaseModel):
    number: int
    published_at: datetime
    published_by: str
    revision_id: str | None
    entries_in_force: int


class VersionOut(VersionSummary):
    entries: list[dict[str, Any]]


class DiffOut(BaseModel):
    old: int
    new: int
    added: list[dict[str, Any]]
    removed: list[dict[str, Any]]
    changed: list[dict[str, Any]]


# ---- helpers -----------------------------------------------------------------------------
