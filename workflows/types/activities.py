"""What the case workflow asks its activities, and what they answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from workflows.types.parties import Applicant, CreditAssessment, MatterEntry, Procedure
from workflows.types.state import ApplicationView, TimelineEntry


@dataclass(frozen=True)
class LoadMattersInput:
    codes: list[str]


@dataclass(frozen=True)
class AssessCreditInput:
    applicant_id: str


@dataclass(frozen=True)
class RenderLettersInput:
    application_id: str
    applicant: Applicant
    service: str
    issued_on: str  # ISO date, workflow time
    matter_codes: list[str]
    opened_at: datetime | None = None
    """Workflow time of the opening: the 办理时限 runs from it."""


@dataclass(frozen=True)
class LetterRef:
    matter_code: str
    sha256: str


@dataclass(frozen=True)
class OpenedCase:
    """What a case opens with: the catalogue entries, the applicant's credit, the letters of
    the matters that may be done by commitment."""

    entries: list[MatterEntry]
    credit: CreditAssessment
    letters: list[LetterRef]
    procedure: Procedure | None = None
    decision_due_at: datetime | None = None
    """The service's 办理时限 from the opening, in working days; None if the data has none."""
    decision_basis: str | None = None


@dataclass(frozen=True)
class ScheduleInput:
    start: datetime
    working_days: int
    deadline_working_days: int


@dataclass(frozen=True)
class VerificationSchedule:
    due_at: datetime
    deadline_at: datetime
    provisional: bool
    note: str | None = None


@dataclass(frozen=True)
class CreditRecordInput:
    business_id: str
    """Unique per fact (application, matter, kind): retries and replays never write it twice."""
    applicant_id: str
    application_id: str
    kind: str
    severity: str
    matter_code: str | None
    at: datetime
    note: str
    actor_id: str = ""
    """Who decided the fact (an applicant: their pseudonym); `system`: a deadline."""


@dataclass(frozen=True)
class RecordCreditsInput:
    applicant_id: str
    records: list[CreditRecordInput]
    """The records one action or deadline writes, together."""


@dataclass(frozen=True)
class ProjectionInput:
    view: ApplicationView
    new_events: list[TimelineEntry]
    seq: int = 0
    """Orders the projections of one case: an older attempt never overwrites a newer one."""
    projected_before: int | None = None
    """How many timeline entries the case had before new_events. Given (lean cases), the write
    is the whole truth: new_events replace entries of the same number, entries numbered past
    the case's count go (a thrown-away workflow task's). None: projections recorded in histories
    before lean-life (the workflow now always gives it)."""
