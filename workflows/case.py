"""Pure functions over an application's matters: derived status, deadlines, closing, wording.

No workflow calls here, only data in and data out, so each rule has one home and can be read
(and tested) apart from the workflow that applies it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta, timezone

from workflows.rules import BEFORE_DECISION, FINAL_STATUSES
from workflows.types import ApplicationStatus as S, MatterCase, MatterMode, VerificationState as V

SETTLED = frozenset({V.none, V.exempt, V.sampled_out, V.true, V.rectified, V.disposed})
AWAITING_VERIFIER = (V.due, V.reverifying, V.pending)  # pending: 事中, with a deadline since organ-decisions
NOT_YET_DUE = (V.scheduled, V.sampled_out)  # a complaint makes these due at once
OPEN_FINDINGS = (V.untrue, V.rectifying, V.reverifying, V.proposed)  # an untrue finding not yet closed
FOUND_UNTRUE = frozenset({*OPEN_FINDINGS, V.revoked, V.disposed, V.rectified})  # a penalty or referral may follow
ROUTINE = frozenset({V.sampled_out, V.exempt, V.true})  # verifiable again in daily supervision (日常监管)


def derived_status(current: S, matters: Iterable[MatterCase]) -> S:
    """The status the matters put the case in; a final status stays."""
    matters = list(matters)
    if current in FINAL_STATUSES:
        return current
    if current in (S.opening, *BEFORE_DECISION):
        chosen = all(m.mode == MatterMode.commitment or m.proof_sha256 for m in matters)
        return S.reviewing if chosen else S.notified
    states = {m.verification for m in matters}
    if V.proposed in states:
        return S.hearing
    if V.rectifying in states:
        return S.rectifying
    if states & {V.due, *OPEN_FINDINGS}:
        return S.verifying
    return S.approved


def next_deadline(matters: Iterable[MatterCase], window_end: datetime | None, now: datetime) -> datetime | None:
    """The earliest moment something falls due: a verification, a verifier's deadline, a
    rectification deadline, or the end of the supervision window."""
    times: list[datetime] = []
    for m in matters:
        if m.verification == V.scheduled and m.due_at:
            times.append(m.due_at)
        elif m.verification in AWAITING_VERIFIER and m.deadline_at and not m.escalated:
            times.append(m.deadline_at)
        elif m.verification == V.rectifying and m.rectify_by:
            times.append(m.rectify_by)
    if window_end and now < window_end:
        times.append(window_end)
    return min(times, default=None)


def closing_status(matters: Iterable[MatterCase]) -> S:
    """How a case closes when its window is over (honest closing): 已履诺 only where
    verification found every promise true."""
    matters = list(matters)
    states = {m.verification for m in matters}
    committed = [m for m in matters if m.mode == MatterMode.commitment]
    if V.rectified in states:
        return S.rectified
    if V.disposed in states:
        return S.sanctioned
    if committed and all(m.verification == V.true for m in committed):
        return S.fulfilled
    return S.no_finding


def ready_to_close(matters: Iterable[MatterCase], window_end: datetime | None, now: datetime) -> bool:
    """The window is over and no verification is outstanding."""
    return window_end is not None and now >= window_end and all(m.verification in SETTLED for m in matters)


CHINA_OFFSET = timedelta(hours=8)  # Asia/Shanghai keeps no daylight saving
CHINA = timezone(CHINA_OFFSET)


def china_time(at: datetime | None) -> str:
    """A moment as people in the district read it (UTC+8), whatever zone it was given in."""
    return _in_china(at).strftime("%Y-%m-%d %H:%M") if at else "—"


def china_date(at: datetime) -> date:
    """The calendar day in the district at that moment (a letter's date)."""
    return _in_china(at).date()


def _in_china(at: datetime) -> datetime:
    """Naive times are UTC (never the machine's zone: workflow code must not depend on it)."""
    return (at if at.tzinfo else at.replace(tzinfo=timezone.utc)).astimezone(CHINA)
