"""Payloads of the application workflow: plain dataclasses, no I/O, safe in the sandbox.

One input dataclass per workflow, activity and update, so fields can be added later without
breaking recorded histories. Names and ID numbers never go into workflow ids or failure
messages; they travel only inside payloads.
"""

from workflows.types.enums import Role, ApplicationStatus, MatterMode, VerificationState, DispositionAction
from workflows.types.parties import Actor, Applicant, MatterEntry, Procedure, CreditAssessment
from workflows.types.state import MatterCase, Hearing, AdverseDecision, TimelineEntry, ApplicationView, CaseState, OpenApplicationInput
from workflows.types.activities import LoadMattersInput, AssessCreditInput, RenderLettersInput, LetterRef, OpenedCase, ScheduleInput, VerificationSchedule, CreditRecordInput, RecordCreditsInput, ProjectionInput
from workflows.types.actions import CommitInput, ProofInput, WithdrawInput, DecisionInput, ComplaintInput, VerificationInput, DispositionInput, StatementInput, RevocationDecisionInput, CloseInput, RectificationInput, RecomputeInput, CancelInput

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
    "CreditAssessment",
    "MatterCase",
    "Hearing",
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
