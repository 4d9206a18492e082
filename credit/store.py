"""The rule versions in the database: the newest is in force, none is ever changed.

Version 1 is `credit/data/rules.json`, stored at start (`db.migrate.init_db`); a database where it
is not stored yet (a test's) still grades by it.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlmodel import Session, col, select

from credit.rules import RuleBody, RuleSet, default_rules
from db.models import CreditRuleSet
from db.writes import insert_ignore

SYSTEM = "system"


def _row(rules: RuleSet, created_by: str, note: str) -> dict[str, Any]:
    body = rules.model_dump(mode="json", exclude={"version"})
    return {
        "version": rules.version,
        "rules": body,
        "created_by": created_by,
        "created_at": datetime.now(timezone.utc),
        "note": note,
    }


def load_default_rules(session: Session) -> None:
    """Store version 1 if the table lacks it (a second start, or a racing process, writes nothing)."""
    insert_ignore(session, CreditRuleSet, [_row(default_rules(), SYSTEM, "系统初始规则")])


def current_rules(session: Session) -> RuleSet:
    """The rules in force: the newest stored version, else the packaged version 1."""
    row = session.exec(select(CreditRuleSet).order_by(col(CreditRuleSet.version).desc()).limit(1)).first()
    return RuleSet(version=row.version, **row.rules) if row else default_rules()


def rule_versions(session: Session) -> list[CreditRuleSet]:
    """Every stored version, newest first."""
    load_default_rules(session)
    return list(session.exec(select(CreditRuleSet).order_by(col(CreditRuleSet.version).desc())))


def add_version(session: Session, body: RuleBody, created_by: str, note: str) -> RuleSet:
    """Store `body` as the next version (in the caller's transaction; a version number taken by
    a concurrent writer fails the insert on the primary key rather than overwrite it)."""
    load_default_rules(session)
    newest = current_rules(session).version
    rules = RuleSet(version=newest + 1, **body.model_dump())
    session.add(CreditRuleSet(**_row(rules, created_by, note)))
    session.flush()
    return rules
