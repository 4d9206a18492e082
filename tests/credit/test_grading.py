"""Grades kept current in the database: regrade logs each change once, rule versions stack up,
on SQLite and on PostgreSQL (two sessions re-grading the same applicant at once log one change)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from credit.grading import regrade, regrade_all
from credit.rules import RuleBody, default_rules
from credit.store import add_version, current_rules, load_default_rules, rule_versions
from db.models import ApplicantGrade, CreditGradeChange, CreditRecord
from tests.support.factories import credit_code, resident_id
from tests.support.postgres import URL, reachable

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=timezone.utc)
PERSON, COMPANY = resident_id(11), credit_code(11)


def record(applicant: str, kind: str, at: datetime, n: int = 1) -> CreditRecord:
    return CreditRecord(business_id=f"{applicant}:{kind}:{n}", applicant_id=applicant, kind=kind, severity="", note="测试", at=at)


def changes(session: Session, applicant: str) -> list[tuple[str | None, str, int, str]]:
    rows = session.exec(
        select(CreditGradeChange).where(CreditGradeChange.applicant_id == applicant).order_by(CreditGradeChange.id)
    )  # type: ignore[arg-type]
    return [(c.old_grade, c.new_grade, c.rule_version, c.cause) for c in rows]


def test_regrade_logs_each_change_once(engine: Engine) -> None:
    with Session(engine) as s:
        s.add(record(PERSON, "kept_promise", NOW - timedelta(days=5)))
        s.commit()
        assert regrade(s, PERSON, "新增信用记录", now=NOW).grade == "A"
        assert changes(s, PERSON) == []  # a first grade of 守信 is no change
        s.add(record(PERSON, "untrue_rectified", NOW - timedelta(days=1)))
        assert regrade(s, PERSON, "新增信用记录", now=NOW).grade == "B"
        assert regrade(s, PERSON, "新增信用记录", now=NOW).grade == "B"  # again: nothing new
        s.add(record(PERSON, "revoked", NOW))
        regrade(s, PERSON, "新增信用记录", now=NOW)
        s.commit()
        assert changes(s, PERSON) == [("A", "B", 1, "新增信用记录"), ("B", "D", 1, "新增信用记录")]
        row = s.get(ApplicantGrade, PERSON)
        assert row is not None and (row.grade, row.rule_version) == ("D", 1)
        # repaired: back to 一般失信 while the minor record is still published, then 守信 when it ends
        revoked = s.get(CreditRecord, f"{PERSON}:revoked:1")
        assert revoked is not None
        revoked.repaired_at = NOW
        s.add(revoked)
        assert regrade(s, PERSON, "信用修复", now=NOW).grade == "B"
        assert regrade(s, PERSON, "公示期届满", now=NOW + timedelta(days=100)).grade == "A"
        s.commit()
        assert changes(s, PERSON)[2:] == [("D", "B", 1, "信用修复"), ("B", "A", 1, "公示期届满")]


def test_first_grade_below_the_best_is_logged_from_none(engine: Engine) -> None:
    with Session(engine) as s:
        s.add(record(COMPANY, "referred", NOW))
        regrade(s, COMPANY, "新增信用记录", now=NOW)
        s.commit()
        assert changes(s, COMPANY) == [(None, "D", 1, "新增信用记录")]


def test_rule_versions_stack_and_regrade_all(engine: Engine) -> None:
    with Session(engine) as s:
        assert current_rules(s).version == 1  # nothing stored: the packaged version 1
        s.add(record(PERSON, "untrue_rectified", NOW - timedelta(days=3)))
        s.add(record(COMPANY, "kept_promise", NOW - timedelta(days=3)))
        regrade_all(s, "初始评定", now=NOW)
        body = default_rules().model_dump(exclude={"version"})
        body["kinds"]["untrue_rectified"]["severity"] = "general"
        new = add_version(s, RuleBody(**body), "credit-1", "整改到位也按一般失信")
        assert new.version == 2
        assert regrade_all(s, "规则第2版", new, now=NOW) == 1  # the person only
        s.commit()
        assert [v.version for v in rule_versions(s)] == [2, 1]
        assert current_rules(s).kinds["untrue_rectified"].severity == "general"
        assert changes(s, PERSON) == [(None, "B", 1, "初始评定"), ("B", "C", 2, "规则第2版")]
        assert changes(s, COMPANY) == []
        load_default_rules(s)  # a restart stores nothing again
        s.commit()
        assert [v.version for v in rule_versions(s)] == [2, 1]


@pytest.mark.skipif(not reachable(URL), reason="no PostgreSQL on 127.0.0.1:5432")
def test_concurrent_regrades_log_one_change_on_postgres(pg: Engine) -> None:
    with Session(pg) as s:
        s.add(record(PERSON, "terminated", NOW))
        s.commit()
    barrier, errors = threading.Barrier(4), []

    def work() -> None:
        try:
            with Session(pg) as s:
                barrier.wait()
                regrade(s, PERSON, "新增信用记录", now=NOW)
                s.commit()
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Session(pg) as s:
        assert changes(s, PERSON) == [(None, "C", 1, "新增信用记录")]
