"""The credit office (信用管理部门): the grading rules and their versions, the log of grade
changes, and each matter's risk level."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from api.deps import CurrentActor, SessionDep, reader
from api.routes.matters import found
from api.schemas import ONE_LINE
from credit.grading import regrade_all
from credit.rules import METHOD_LABELS, RISK_LEVELS, SEVERITY_LABELS, RuleBody, RuleSet
from credit.store import add_version, current_rules, rule_versions
from db.models import CreditGradeChange, CreditRuleSet
from workflows.rules import CREDIT_KINDS, ROLE_LABELS
from workflows.types import Actor, Role

router = APIRouter(tags=["credit"])

RULE_EDITORS = frozenset({Role.credit_officer})
RISK_EDITORS = frozenset({Role.credit_officer, Role.admin})


def require(actor: Actor, roles: frozenset[Role], what: str) -> None:
    """403 in Chinese for a role that may not do this."""
    if actor.role not in roles:
        allowed = "、".join(ROLE_LABELS[r] for r in sorted(roles))
        raise HTTPException(403, f"{ROLE_LABELS[actor.role]}无权{what}（仅限{allowed}）")


class RuleSetIn(RuleBody):
    """A new version of the rules: the whole rule set, a note, and optionally the version it was
    edited from (409 if another version came in between)."""

    note: Annotated[str, Field(max_length=500), ONE_LINE] = ""
    base_version: int | None = Field(default=None, ge=1)

    @model_validator(mode="before")
    @classmethod
    def without_what_get_adds(cls, data: Any) -> Any:
        """What GET /credit/rules shows beside the rules (labels, who made the version) may come
        back unchanged: edit the answer and PUT it. Anything else unknown is still refused."""
        if not isinstance(data, dict):
            return data
        data = {k: v for k, v in data.items() if k not in SHOWN_ONLY}
        if isinstance(data.get("kinds"), dict):
            data["kinds"] = {k: _without(v, ("label", "severity_label")) for k, v in data["kinds"].items()}
        if isinstance(data.get("grades"), list):
            data["grades"] = [_without(g, ("method_label",)) for g in data["grades"]]
        return data


SHOWN_ONLY = ("version", "created_by", "created_at", "risk_levels")


def _without(item: Any, keys: tuple[str, ...]) -> Any:
    return {k: v for k, v in item.items() if k not in keys} if isinstance(item, dict) else item


class RiskLevelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    risk_level: Literal["low", "medium", "high"]


def shown(rules: RuleSet, row: CreditRuleSet | None = None) -> dict[str, Any]:
    """The rules with their Chinese labels, and who made the version when."""
    data = rules.model_dump(mode="json")
    for kind, rule in data["kinds"].items():
        rule |= {"label": CREDIT_KINDS[kind][1], "severity_label": SEVERITY_LABELS[rule["severity"]]}
    for g in data["grades"]:
        g["method_label"] = METHOD_LABELS[g["method"]]
    meta = {"created_by": row.created_by, "created_at": row.created_at, "note": row.note} if row else {}
    return data | meta | {"risk_levels": RISK_LEVELS}


@router.get("/credit/rules", dependencies=[Depends(reader("credit_rules"))])
def get_rules(session: SessionDep) -> dict[str, Any]:
    """The grading rules in force (the newest version) and the measures of each grade."""
    rules = current_rules(session)
    return shown(rules, session.get(CreditRuleSet, rules.version))


@router.get("/credit/rules/versions", dependencies=[Depends(reader("credit_rules"))])
def get_rule_versions(session: SessionDep) -> list[dict[str, Any]]:
    """Every version of the rules, newest first; none is ever changed."""
    return [shown(RuleSet(version=row.version, **row.rules), row) for row in rule_versions(session)]


@router.put("/credit/rules", status_code=201, responses={200: {"description": "与现行规则相同，未产生新版本"}})
def put_rules(body: RuleSetIn, session: SessionDep, actor: CurrentActor, response: Response) -> dict[str, Any]:
    """A new version of the rules (the credit office only); every applicant with a record is
    re-graded at once and each change of grade is logged with the cause 「规则第N版」. The same
    rules as those in force make no new version (200)."""
    require(actor, RULE_EDITORS, "修改信用分级规则")
    rules = RuleBody(**body.model_dump(exclude={"note", "base_version"}))
    now_in_force = current_rules(session)
    if body.base_version is not None and body.base_version != now_in_force.version:
        raise HTTPException(409, f"规则已更新为第{now_in_force.version}版，请基于最新版本修改后再提交")
    if rules.model_dump() == RuleBody(**now_in_force.model_dump(exclude={"version"})).model_dump():
        response.status_code = 200
        return {"version": now_in_force.version, "created": False, "regraded": 0}
    try:
        new = add_version(session, rules, actor.id, body.note)
        changed = regrade_all(session, f"规则第{new.version}版", new)
        session.commit()
    except IntegrityError:
        session.rollback()
        raise HTTPException(409, "另一版本的规则刚刚生效，请刷新后重试") from None
    return {"version": new.version, "created": True, "regraded": changed}


@router.get("/credit/grade-changes", dependencies=[Depends(reader("grade_changes"))])
def get_grade_changes(
    session: SessionDep,
    applicant: Annotated[str | None, Query(max_length=64)] = None,
    since: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[CreditGradeChange]:
    """The log of grade changes, newest first (credit office, supervisors, auditors)."""
    query = select(CreditGradeChange).order_by(col(CreditGradeChange.id).desc()).limit(limit)
    if applicant:
        query = query.where(CreditGradeChange.applicant_id == applicant)
    if since:
        query = query.where(CreditGradeChange.at >= since)
    return list(session.exec(query))


@router.put("/matters/{code}/risk-level")
def put_risk_level(code: str, body: RiskLevelIn, session: SessionDep, actor: CurrentActor) -> dict[str, str]:
    """Set a catalogue matter's risk level (low / medium / high): with the applicant's grade it
    sets the chance that verification after approval is drawn (credit office or admin)."""
    require(actor, RISK_EDITORS, "设定证明事项风险等级")
    matter = found(session, code)
    matter.risk_level = body.risk_level
    session.add(matter)
    session.commit()
    return {"code": code, "risk_level": body.risk_level, "risk_level_label": RISK_LEVELS[body.risk_level]}
