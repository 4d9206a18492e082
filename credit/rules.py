"""The grading rules (失信程度分级及相应措施) as data, and grading: a pure function of the archive,
the rules and the time.

A rule set says, per credit record kind, its severity, its publication period (公示期) and the
minimum period before credit repair may be applied for; and, worst grade first, each grade's
condition on the records that count and its measures (barred from commitment, the sampling
probability of after-approval verification per matter risk level, the verification method).
The defaults (version 1) are `credit/data/rules.json`; the credit office makes new versions
through the API (`credit.store`). A record counts while it is adverse, unrepaired and within its
publication period: from its time up to, not including, `publication_until`.
"""

from __future__ import annotations

import calendar
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

from workflows.rules import CREDIT_KINDS

DEFAULT_RULES_FILE = Path(__file__).parent / "data" / "rules.json"

Severity = Literal["positive", "neutral", "minor", "general", "serious"]
Adverse = Literal["minor", "general", "serious"]
RiskLevel = Literal["low", "medium", "high"]
Method = Literal["on_site", "data"]

RANK: dict[str, int] = {"positive": 0, "neutral": 0, "minor": 1, "general": 2, "serious": 3}
SEVERITY_LABELS: dict[str, str] = {
    "positive": "守信记录",
    "neutral": "中性记录",
    "minor": "轻微失信",
    "general": "一般失信",
    "serious": "严重失信",
}
RISK_LEVELS: dict[str, str] = {"low": "低风险", "medium": "中风险", "high": "高风险"}
METHOD_LABELS: dict[str, str] = {"on_site": "现场核查", "data": "数据核查"}
MAX_MONTHS = 120


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KindRule(_Strict):
    """What a record of one kind weighs and how long it stays on the public record."""

    severity: Severity
    publication_months: int = Field(ge=0, le=MAX_MONTHS)
    """公示期: the record counts for grading from its time for this many calendar months."""
    repair_after_months: int | None = Field(default=None, ge=0, le=MAX_MONTHS)
    """最短公示期: credit repair may be applied for this long after the record; None: nothing to repair."""

    @model_validator(mode="after")
    def _repair_fits(self) -> KindRule:
        if RANK[self.severity] == 0 and self.repair_after_months is not None:
            raise ValueError(f"{SEVERITY_LABELS[self.severity]}无需信用修复：repair_after_months 应为 null")
        if RANK[self.severity] > 0:
            if self.repair_after_months is None:
                raise ValueError("失信记录须规定可申请信用修复的最短期限（repair_after_months）")
            if self.repair_after_months > self.publication_months:
                raise ValueError("可申请信用修复的最短期限不得长于公示期")
        return self


class Clause(_Strict):
    """At least `at_least` counted records of `severity` or worse."""

    severity: Adverse
    at_least: int = Field(default=1, ge=1, le=100)


class Sampling(_Strict):
    """The probability that an after-approval verification is drawn, per matter risk level."""

    low: float = Field(ge=0, le=1)
    medium: float = Field(ge=0, le=1)
    high: float = Field(ge=0, le=1)


class GradeRule(_Strict):
    code: str = Field(pattern=r"^[A-Z]$")
    label: str = Field(min_length=1, max_length=20)
    when: list[Clause] = Field(default_factory=list, max_length=10)
    """Any one clause suffices; empty: the grade of everyone the grades above do not take (the last one)."""
    barred: bool
    """Barred from commitment until credit repair (信用修复前不适用告知承诺制)."""
    reason: str | None = Field(default=None, max_length=200)
    """Why, in Chinese, worded to follow 「申请人」."""
    sampling: Sampling
    method: Method


class RuleBody(_Strict):
    """A rule set as the credit office sends it (the version is given by the system)."""

    source: str = Field(default="", max_length=2000)
    """Where the rules come from (文件依据), in Chinese."""
    kinds: dict[str, KindRule]
    grades: list[GradeRule] = Field(min_length=2, max_length=10)
    """Worst first: the first grade whose condition holds is the applicant's."""

    @model_validator(mode="after")
    def _complete(self) -> RuleBody:
        missing, unknown = CREDIT_KINDS.keys() - self.kinds.keys(), self.kinds.keys() - CREDIT_KINDS.keys()
        if missing or unknown:
            raise ValueError(f"信用记录种类须与系统一致：缺少 {sorted(missing)}，未知 {sorted(unknown)}")
        codes, labels = [g.code for g in self.grades], [g.label for g in self.grades]
        if len(set(codes)) != len(codes) or len(set(labels)) != len(labels):
            raise ValueError("等级代码和名称不得重复")
        if self.grades[-1].when or any(not g.when for g in self.grades[:-1]):
            raise ValueError("最后一个等级（守信）不设条件，其余每个等级须至少有一个条件")
        if self.grades[-1].barred:
            raise ValueError("最后一个等级（无失信记录）不得禁止承诺")
        if any(g.barred and not g.reason for g in self.grades):
            raise ValueError("禁止承诺的等级须写明理由（reason）")
        return self


class RuleSet(RuleBody):
    version: int = Field(ge=1)


def default_rules() -> RuleSet:
    """Version 1, the rules the system starts with."""
    return RuleSet(version=1, **json.loads(DEFAULT_RULES_FILE.read_text(encoding="utf-8")))


class Record(Protocol):
    """What grading reads of an archive entry (a `db.models.CreditRecord` is one)."""

    @property
    def business_id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def repaired(self) -> bool: ...
    @property
    def repaired_at(self) -> datetime | None: ...
    @property
    def publication_until(self) -> datetime | None: ...


@dataclass(frozen=True)
class Grade:
    """An applicant's grade under one rule version, with its measures and what it rests on."""

    grade: str
    label: str
    barred: bool
    reason: str | None
    """In Chinese; None for a clean record."""
    sampling: dict[str, float]
    """Probability of after-approval verification per matter risk level (low, medium, high)."""
    method: str
    rule_version: int
    counted: tuple[str, ...] = field(default_factory=tuple)
    """Business ids of the records the grade rests on."""
    clean: bool = True
    """No record counts: the grade of an empty archive."""

    @property
    def method_label(self) -> str:
        return METHOD_LABELS[self.method]


def add_months(at: datetime, months: int) -> datetime:
    """Calendar months later, the day clamped to the month's last (31 Jan + 1 → 28/29 Feb)."""
    index = at.month - 1 + months
    year, month = at.year + index // 12, index % 12 + 1
    return at.replace(year=year, month=month, day=min(at.day, calendar.monthrange(year, month)[1]))


def publication_until(rules: RuleSet, kind: str, at: datetime) -> datetime:
    """The end of a record's publication period (公示期), exclusive: set it when writing the record."""
    return add_months(at, rules.kinds[kind].publication_months)


def repair_after(rules: RuleSet, kind: str) -> int | None:
    """Months after the record before credit repair may be applied for; None: a record of this
    kind is not adverse and has nothing to repair."""
    return rules.kinds[kind].repair_after_months


def repairable_from(rules: RuleSet, kind: str, at: datetime) -> datetime | None:
    """The first moment credit repair of a record of `kind` made `at` may be applied for."""
    months = repair_after(rules, kind)
    return None if months is None else add_months(at, months)


def counts(record: Record, rules: RuleSet, now: datetime) -> bool:
    """Adverse, unrepaired, and `now` within its publication period."""
    if RANK[rules.kinds[record.kind].severity] == 0 or record.repaired or record.repaired_at is not None:
        return False
    return now < (record.publication_until or publication_until(rules, record.kind, record.at))


def _holds(rule: GradeRule, severities: Sequence[str]) -> bool:
    return any(sum(RANK[s] >= RANK[c.severity] for s in severities) >= c.at_least for c in rule.when)


def grade(records: Iterable[Record], rules: RuleSet, now: datetime) -> Grade:
    """The applicant's grade: the first of the rules' grades (worst first) whose condition holds
    on the records that count; the last grade when none does.

    The severity of a kind is the rules' (a rule change re-grades); a record's publication period
    is the one stored with it when it was written (told to the applicant), else the rules'.
    """
    counted = sorted((r for r in records if counts(r, rules, now)), key=lambda r: (r.at, r.business_id))
    severities = [rules.kinds[r.kind].severity for r in counted]
    rule = next((g for g in rules.grades[:-1] if _holds(g, severities)), rules.grades[-1])
    reason = rule.reason
    if reason and counted:
        worst_first = sorted(counted, key=lambda r: -RANK[rules.kinds[r.kind].severity])
        kinds = dict.fromkeys(CREDIT_KINDS[r.kind][1] for r in worst_first)
        reason = f"{reason}（{'、'.join(kinds)}）"
    return Grade(
        grade=rule.code,
        label=rule.label,
        barred=rule.barred,
        reason=reason,
        sampling=rule.sampling.model_dump(),
        method=rule.method,
        rule_version=rules.version,
        counted=tuple(r.business_id for r in counted),
        clean=rule is rules.grades[-1],
    )
