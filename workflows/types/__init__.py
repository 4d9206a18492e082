"""Payloads of the application workflow: plain dataclasses, no I/O, safe in the sandbox.

One input dataclass per workflow, activity and update, so fields can be added later without
breaking recorded histories. Names and ID numbers never go into workflow ids or failure
messages; they travel only inside payloads.
"""

from workflows.types.actions import (
    CancelInput,
    CloseInput,
    CommitInput,
    ComplaintInput,
    DecisionInput,
    DispositionInput,
    ProofInput,
    RecomputeInput,
    RectificationInput,
    RevocationDecisionInput,
    StatementInput,
    VerificationInput,
    WithdrawInput,
)
from workflows.types.activities import (
    AssessCreditInput,
    CreditRecordInput,
    LetterRef,
    LoadMattersInput,
    OpenedCase,
    ProjectionInput,
    RecordCreditsInput,
    RenderLettersInput,
    ScheduleInput,
    VerificationSchedule,
)
from workflows.types.enums import ApplicationStatus, DispositionAction, MatterMode, Role, VerificationState
from workflows.types.parties import Actor, Applicant, CreditAssessment, MatterEntry, Procedure, TerminationGround
from workflows.types.state import (
    AdverseDecision,
    ApplicationView,
    CaseState,
    Hearing,
    MatterCase,
    OpenApplicationInput,
    Statement,
    TimelineEntry,
)

__all__ = [
    "Role",
    "ApplicationStatus",
    "MatterMode",
    "VerificationState",
    "DispositionAction",
    "Actor",
    "Applicant",
    "MatterEntry",
    "Procedure",
    "TerminationGround",
    "CreditAssessment",
    "MatterCase",
    "Hearing",
    "Statement",
    "AdverseDecision",
    "TimelineEntry",
    "ApplicationView",
    "CaseState",
    "OpenApplicationInput",
    "LoadMattersInput",
    "AssessCreditInput",
    "RenderLettersInput",
    "LetterRef",
    "OpenedCase",
    "ScheduleInput",
    "VerificationSchedule",
    "CreditRecordInput",
    "RecordCreditsInput",
    "ProjectionInput",
    "CommitInput",
    "ProofInput",
    "WithdrawInput",
    "DecisionInput",
    "ComplaintInput",
    "VerificationInput",
    "DispositionInput",
    "StatementInput",
    "RevocationDecisionInput",
    "CloseInput",
    "RectificationInput",
    "RecomputeInput",
    "CancelInput",
]
