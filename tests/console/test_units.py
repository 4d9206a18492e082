"""The console's pure functions: which actions a page offers, the applicant's next step in plain
words, working days left, the sealed session, refusals in Chinese."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from activities.calendar import WorkingCalendar
from api import schemas
from console import session as sessions
from console.actions import allowed_actions
from console.forms import body_from_form, validation_message
from console.wording import by_when, mode_of, next_step, working_days_left
from db.models import Application
from security.pseudonyms import Pseudonyms
from workflows.case import CHINA
from workflows.types import Actor, Role

NOW = datetime(2026, 6, 10, 2, 0, tzinfo=timezone.utc)  # a Wednesday, 10:00 in China
ME = "410411199001010015"
APPLICANT = Actor(ME, Role.applicant)
OTHER = Actor("410411199001010023", Role.applicant)
CASEWORKER = Actor("dev-caseworker", Role.caseworker)
VERIFIER = Actor("dev-verifier", Role.verifier)
SUPERVISOR = Actor("dev-supervisor", Role.supervisor)
AUDITOR = Actor("dev-auditor", Role.auditor)
FAR_DEPT = Actor("cw-9", Role.caseworker, "湛河区其他局")


def matter(code: str = "M1", **kw: Any) -> dict[str, Any]:
    return {
        "code": code,
        "name": f"证明{code}",
        "stage": "after",
        "exempt": False,
        "mode": "undecided",
        "verification": "none",
        "eligible": True,
        "letter_sha256": "a" * 64,
        "proof_sha256": None,
        "window_end": None,
        "rectify_by": None,
        "deadline_at": None,
        "escalated": False,
        **kw,
    }


def row(status: str, matters: list[dict[str, Any]] | None = None, **kw: Any) -> Application:
    return Application(
        application_id="a-1",
        workflow_id="application-a-1",
        applicant_id=ME,
        applicant_name="张三",
        applicant_kind="person",
        service="测试",
        status=status,
        status_label=status,
        matters=matters or [matter()],
        departments=["湛河区测试局"],
        **kw,
    )


def offered(actor: Actor, case: Application) -> set[str]:
    return {o.key for o in allowed_actions(actor, case, NOW)}


def test_before_the_decision() -> None:
    case = row("notified", [matter("M1"), matter("M2", mode="commitment"), matter("M3", eligible=False, letter_sha256=None)])
    assert offered(APPLICANT, case) == {"commit-M1", "proof-M1", "withdraw-commitment-M2", "proof-M3", "complaints", "cancel"}
    assert offered(OTHER, case) == {"complaints"}  # nobody commits or withdraws on another's behalf
    assert offered(CASEWORKER, case) == {"commit-M1", "proof-M1", "proof-M3", "complaints", "cancel"}
    commit = next(o for o in allowed_actions(CASEWORKER, case, NOW) if o.path == "commit")
    assert {f.name for f in commit.fields} == {"matter", "signature", "scan_sha256"}  # paper, at the counter
    mine = next(o for o in allowed_actions(APPLICANT, case, NOW) if o.path == "commit")
    assert mine.letter and {f.name for f in mine.fields} == {"matter", "letter_sha256", "read"}
    assert offered(VERIFIER, case) == set()
    assert offered(AUDITOR, case) == set()
    assert offered(FAR_DEPT, case) == set()  # another department's caseworker


def test_review_and_decision() -> None:
    case = row("reviewing", [matter("M1", mode="commitment", verification="pending")])
    assert offered(CASEWORKER, case) == {"decision", "complaints", "cancel"}
    decision = next(o for o in allowed_actions(CASEWORKER, case, NOW) if o.path == "decision")
    assert "事中核查尚未完成" in decision.note
    assert offered(VERIFIER, case) == {"verification-M1"}
    assert "decision" in offered(SUPERVISOR, case)
    assert "decision" not in offered(APPLICANT, case)


def test_after_approval() -> None:
    window = (NOW + timedelta(days=90)).isoformat()
    approved = row(
        "approved", [matter("M1", mode="commitment", verification="scheduled", window_end=window), matter("M2", mode="proof")]
    )
    assert offered(VERIFIER, approved) == {"verification-M1"}
    assert offered(CASEWORKER, approved) == {"complaints"}
    assert offered(APPLICANT, approved) == {"complaints"}
    done = row(
        "approved", [matter("M1", mode="commitment", verification="true", window_end=(NOW - timedelta(days=1)).isoformat())]
    )
    assert offered(VERIFIER, done) == set()  # its supervision window is over


def test_untrue_finding_rectification_and_hearing() -> None:
    untrue = row("verifying", [matter("M1", mode="commitment", verification="untrue")])
    assert offered(CASEWORKER, untrue) == {"complaints", "disposition-rectify"}
    assert offered(SUPERVISOR, untrue) == {
        "complaints",
        "disposition-rectify",
        "disposition-revoke",
        "disposition-penalize",
        "disposition-refer",
    }
    by = (NOW + timedelta(days=5)).isoformat()
    rectifying = row("rectifying", [matter("M1", mode="commitment", verification="rectifying", rectify_by=by)])
    assert "rectification-M1" in offered(APPLICANT, rectifying)
    late = row("rectifying", [matter("M1", mode="commitment", verification="rectifying", rectify_by=NOW.isoformat())])
    assert "rectification-M1" not in offered(APPLICANT, late)
    assert offered(VERIFIER, row("verifying", [matter("M1", mode="commitment", verification="reverifying")])) == {
        "verification-M1"
    }

    until = (NOW + timedelta(days=3)).isoformat()
    hearing = row(
        "hearing",
        [matter("M1", mode="commitment", verification="proposed")],
        hearing={
            "grounds": "复核不符",
            "matters": ["M1"],
            "proposed_at": NOW.isoformat(),
            "statement_until": until,
            "statement": None,
            "period_over": False,
        },
    )
    assert offered(APPLICANT, hearing) == {"statement", "complaints"}
    assert "revocation" not in offered(SUPERVISOR, hearing)  # the statement period runs
    stated = row("hearing", hearing.matters, hearing={**(hearing.hearing or {}), "statement": "并非虚假"})
    assert "statement" not in offered(APPLICANT, stated)
    assert "revocation" in offered(SUPERVISOR, stated)


def test_follow_up_and_closed() -> None:
    until = (NOW + timedelta(days=60)).isoformat()
    revoked = row("revoked", [matter("M1", mode="commitment", verification="revoked")], follow_up_until=until)
    assert offered(SUPERVISOR, revoked) == {"disposition-penalize", "disposition-refer", "close"}
    assert offered(CASEWORKER, revoked) == set()
    closed = row("revoked", revoked.matters, follow_up_until=until, closed_at=NOW)
    assert offered(SUPERVISOR, closed) == set()
    for final in ("fulfilled", "rectified", "cancelled", "rejected", "no_finding"):
        assert offered(SUPERVISOR, row(final)) == offered(APPLICANT, row(final)) == set()


def test_next_step_in_plain_words() -> None:
    due = datetime(2026, 6, 17, 16, 0, tzinfo=timezone.utc)  # 18 June 00:00 in China
    step = next_step(row("notified", decision_due_at=due), NOW)
    assert step.yours and "请对「证明M1」作出选择" in step.text and "2026年6月17日（含当日）前" in step.text
    step = next_step(row("reviewing", [matter(mode="commitment", verification="pending")], decision_due_at=due), NOW)
    assert not step.yours and "事中核查" in step.text and step.by == due
    by = datetime(2026, 6, 25, 6, 30, tzinfo=timezone.utc)
    step = next_step(row("rectifying", [matter(mode="commitment", verification="rectifying", rectify_by=by.isoformat())]), NOW)
    assert step.yours and "请在2026年6月25日 14:30前对「证明M1」整改到位" in step.text and step.by == by
    hearing = {
        "grounds": "复核不符",
        "matters": ["M1"],
        "proposed_at": NOW.isoformat(),
        "statement_until": by.isoformat(),
        "statement": None,
        "period_over": False,
    }
    step = next_step(row("hearing", hearing=hearing), NOW)
    assert step.yours and "陈述、申辩" in step.text and "复核不符" in step.text
    step = next_step(row("hearing", hearing={**hearing, "statement": "说明"}), NOW)
    assert not step.yours and "负责人将作出" in step.text
    assert "无需再做什么" in next_step(row("approved", window_ends_at=by), NOW).text
    assert "依法处置" in next_step(row("verifying", [matter(verification="untrue")]), NOW).text
    revoked = row("revoked", decisions=[{"remedies": "可以申请行政复议"}])
    assert "撤销" in next_step(revoked, NOW).text and "行政复议" in next_step(revoked, NOW).text
    assert "整改到位" in next_step(row("rectified"), NOW).text
    assert "撤回" in next_step(row("cancelled"), NOW).text


def test_deadlines_and_working_days() -> None:
    assert by_when(datetime(2026, 5, 20, 16, 0, tzinfo=timezone.utc)) == "2026年5月20日（含当日）前"
    assert by_when("2026-05-20T06:30:00+00:00") == "2026年5月20日 14:30前"
    assert by_when(None) == "—"
    cal = WorkingCalendar({date(2026, 6, 12): False})  # a Friday made a holiday
    friday_end = datetime(2026, 6, 13, 0, 0, tzinfo=CHINA)  # the end of Friday 12 June
    assert working_days_left(friday_end, NOW, cal) == 2  # Wednesday and Thursday
    assert working_days_left(datetime(2026, 6, 11, 0, 0, tzinfo=CHINA), NOW, cal) == 1  # today only
    assert working_days_left(datetime(2026, 6, 9, 0, 0, tzinfo=CHINA), NOW, cal) == -2  # Monday's end passed: Tue, Wed
    assert working_days_left(None, NOW, cal) is None


def test_matter_modes() -> None:
    assert mode_of(matter(mode="commitment")) == "commit"
    assert mode_of(matter(mode="proof")) == "proof"
    assert mode_of(matter(eligible=False, ineligible_reason="该证明事项不适用告知承诺制：风险较大")) == "excluded"
    assert mode_of(matter(eligible=False, ineligible_reason="申请人严重失信，信用修复前不适用告知承诺制")) == "barred"
    assert mode_of(matter()) == "undecided"


def test_sealed_session() -> None:
    key = sessions.session_key(Pseudonyms(bytes(32)))
    s = sessions.new_session("dev-caseworker")
    value = sessions.seal(key, s)
    assert "dev-caseworker" not in value
    assert sessions.unseal(key, value) == s
    assert sessions.unseal(sessions.session_key(Pseudonyms(bytes([1]) * 32)), value) is None  # another key
    assert sessions.unseal(key, value[:-4] + "AAAA") is None  # tampered
    assert sessions.unseal(key, value, now=s.issued + sessions.MAX_AGE_S + 1) is None  # too old
    assert sessions.csrf_ok(s, s.csrf) and not sessions.csrf_ok(s, "x") and not sessions.csrf_ok(None, s.csrf)


def test_refusals_in_chinese() -> None:
    with pytest.raises(ValidationError) as err:
        body_from_form(schemas.DispositionBody, {"action": "rectify", "reason": "整改", "csrf": "x"})
    assert validation_message(err.value) == "责令整改须给出整改期限"
    with pytest.raises(ValidationError) as err:
        body_from_form(schemas.DecisionBody, {"reason": ""})
    assert validation_message(err.value) == "「决定」必须填写；「理由」不能为空"
    body = body_from_form(schemas.ComplaintBody, {"text": "举报", "contact": "", "read": "yes"})
    assert body == schemas.ComplaintBody(text="举报")
