"""The vocabularies: roles, statuses, modes, verification states, measures."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    applicant = "applicant"
    caseworker = "caseworker"
    verifier = "verifier"
    supervisor = "supervisor"
    admin = "admin"
    auditor = "auditor"
    public = "public"
    credit_officer = "credit_officer"  # the credit office (信用主管部门): grading rules, credit repair
    department = "department"  # a department's catalogue officer: drafts catalogue revisions
    bureau = "bureau"  # the legal-affairs bureau (司法局): reviews, files and publishes the catalogue


class ApplicationStatus(StrEnum):
    opening = "opening"
    notified = "notified"
    reviewing = "reviewing"
    approved = "approved"
    verifying = "verifying"
    rectifying = "rectifying"
    fulfilled = "fulfilled"
    rectified = "rectified"
    rejected = "rejected"
    terminated = "terminated"
    revoked = "revoked"
    cancelled = "cancelled"
    hearing = "hearing"  # revocation proposed: statement period (陈述申辩), then the supervisor decides
    no_finding = "no_finding"  # window over, commitments not all verified, nothing untrue found
    sanctioned = "sanctioned"  # window over, an untrue promise dealt with by penalty or referral
    granted = "granted"  # approved with no commitment (every matter proven): closed at the decision
    aborted = "aborted"  # read model only: the workflow was terminated or failed outside the process


class MatterMode(StrEnum):
    """How a matter is being proven."""

    undecided = "undecided"
    commitment = "commitment"
    proof = "proof"


class VerificationState(StrEnum):
    """Where a committed matter stands in verification (核查)."""

    none = "none"  # not committed, or not yet approved
    exempt = "exempt"
    pending = "pending"  # verified during processing, result not yet in
    scheduled = "scheduled"  # timer running until due_at
    sampled_out = "sampled_out"  # not drawn; only a complaint makes it due
    due = "due"
    true = "true"
    untrue = "untrue"  # awaiting disposition
    rectifying = "rectifying"  # rectification ordered, evidence awaited
    reverifying = "reverifying"  # evidence in, re-verification due
    rectified = "rectified"
    revoked = "revoked"
    proposed = "proposed"  # revocation proposed on this finding, awaiting the organ's decision
    disposed = "disposed"  # an untrue finding closed by a penalty or a referral on its own


class DispositionAction(StrEnum):
    rectify = "rectify"
    revoke = "revoke"
    penalize = "penalize"
    refer = "refer"
