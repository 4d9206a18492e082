"""Grading on edge cases, table-driven, against the default rules (version 1) and variants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from credit.rules import RuleSet, add_months, default_rules, grade, publication_until, repair_after, repairable_from
from workflows.rules import CREDIT_KINDS

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=timezone.utc)
RULES = default_rules()


@dataclass(frozen=True)
class Rec:
    business_id: str
    kind: str
    at: datetime
    repaired: bool = False
    repaired_at: datetime | None = None
    publication_until: datetime | None = None


def ago(months: int, days: int = 0) -> datetime:
    return add_months(NOW, -months) - timedelta(days=days)


CASES = [
    # (name, records, grade, barred, counted)
    ("no records", [], "A", False, ()),
    ("only positive and neutral", [Rec("k", "kept_promise", ago(1)), Rec("n", "no_finding", ago(2))], "A", False, ()),
    ("a minor record: 一般失信, not barred", [Rec("m", "untrue_rectified", ago(1))], "B", False, ("m",)),
    ("minor, its 3 months over", [Rec("m", "untrue_rectified", ago(3, days=1))], "A", False, ()),
    ("minor, exactly at the end of its period", [Rec("m", "untrue_rectified", ago(3))], "A", False, ()),
    ("minor, a second before the end", [Rec("m", "untrue_rectified", ago(3).replace(second=1))], "B", False, ("m",)),
    ("a false commitment: 较重失信, barred", [Rec("t", "terminated", ago(11))], "C", True, ("t",)),
    ("general, 12 months over", [Rec("t", "terminated", ago(12))], "A", False, ()),
    ("serious: barred", [Rec("r", "revoked", ago(35))], "D", True, ("r",)),
    ("serious, 36 months over", [Rec("r", "revoked", ago(36))], "A", False, ()),
    ("repaired (flag) does not count", [Rec("r", "revoked", ago(1), repaired=True)], "A", False, ()),
    ("repaired (date) does not count", [Rec("r", "revoked", ago(1), repaired_at=ago(0))], "A", False, ()),
    (
        "the period stored with the record wins over the rules'",
        [Rec("r", "revoked", ago(2), publication_until=ago(1))],
        "A",
        False,
        (),
    ),
    (
        "several records: the worst decides, all counted ones listed oldest first",
        [Rec("m", "untrue_rectified", ago(1)), Rec("p", "penalized", ago(5)), Rec("k", "kept_promise", ago(0))],
        "C",
        True,
        ("p", "m"),
    ),
    (
        "several: serious repaired, general expired, minor left",
        [
            Rec("r", "referred", ago(6), repaired=True),
            Rec("g", "false_commitment", ago(13)),
            Rec("m", "untrue_rectified", ago(0, days=10)),
        ],
        "B",
        False,
        ("m",),
    ),
]


@pytest.mark.parametrize(("name", "records", "code", "barred", "counted"), CASES, ids=[c[0] for c in CASES])
def test_grade_with_the_default_rules(name: str, records: list[Rec], code: str, barred: bool, counted: tuple[str, ...]) -> None:
    g = grade(records, RULES, NOW)
    assert (g.grade, g.barred, g.counted) == (code, barred, counted), name
    assert g.rule_version == 1 and g.clean == (code == "A")
    assert set(g.sampling) == {"low", "medium", "high"} and g.method in {"on_site", "data"}
    assert (g.reason is None) == (code == "A")


def test_labels_measures_and_reason_of_each_grade() -> None:
    labels = {g.code: g.label for g in RULES.grades}
    assert labels == {"A": "守信", "B": "一般失信", "C": "较重失信", "D": "严重失信"}
    clean = grade([], RULES, NOW)
    minor = grade([Rec("m", "untrue_rectified", ago(1))], RULES, NOW)
    serious = grade([Rec("r", "revoked", ago(1)), Rec("p", "penalized", ago(1))], RULES, NOW)
    assert clean.method == "data" and clean.method_label == "数据核查" and clean.sampling["medium"] == 0.3
    assert minor.method_label == "现场核查"
    assert all(minor.sampling[level] > clean.sampling[level] for level in ("low", "medium"))  # more checks after a slip
    assert serious.sampling == {"low": 1.0, "medium": 1.0, "high": 1.0}
    assert serious.reason == "有严重不良信用记录（虚假承诺致撤销行政决定、虚假承诺受到行政处罚）"


def _variant(**changes: object) -> RuleSet:
    data = RULES.model_dump()
    data.update(changes)
    return RuleSet(**data)


def test_counts_in_a_condition() -> None:
    """A variant: three minor records within their period make 较重失信."""
    data = RULES.model_dump()
    data["grades"][1]["when"].append({"severity": "minor", "at_least": 3})
    rules = RuleSet(**(data | {"version": 2}))
    two = [Rec(f"m{i}", "untrue_rectified", ago(0, days=i)) for i in range(2)]
    three = [*two, Rec("m9", "untrue_rectified", ago(2))]
    assert grade(two, rules, NOW).grade == "B"
    assert (g := grade(three, rules, NOW)).grade == "C" and g.barred and g.rule_version == 2
    # a worse record counts towards a clause on a milder severity ("minor or worse")
    assert grade([*two, Rec("x", "terminated", ago(1))], rules, NOW).grade == "C"


def test_a_rule_change_of_severity_regrades() -> None:
    kinds = RULES.model_dump()["kinds"] | {
        "untrue_rectified": {"severity": "general", "publication_months": 3, "repair_after_months": 0}
    }
    rules = _variant(kinds=kinds, version=2)
    assert grade([Rec("m", "untrue_rectified", ago(1))], rules, NOW).grade == "C"


def test_publication_and_repair_periods() -> None:
    at = datetime(2026, 1, 31, 9, 0, tzinfo=timezone.utc)
    assert publication_until(RULES, "untrue_rectified", at) == datetime(2026, 4, 30, 9, 0, tzinfo=timezone.utc)
    assert publication_until(RULES, "revoked", at) == datetime(2029, 1, 31, 9, 0, tzinfo=timezone.utc)
    assert add_months(datetime(2027, 11, 30), 3) == datetime(2028, 2, 29)
    assert [repair_after(RULES, k) for k in ("untrue_rectified", "terminated", "revoked", "kept_promise")] == [0, 3, 12, None]
    assert repairable_from(RULES, "terminated", at) == datetime(2026, 4, 30, 9, 0, tzinfo=timezone.utc)
    assert repairable_from(RULES, "no_finding", at) is None


def test_default_rules_cover_every_kind_with_the_order_of_law() -> None:
    assert RULES.kinds.keys() == CREDIT_KINDS.keys()
    for kind, rule in RULES.kinds.items():
        assert rule.severity == CREDIT_KINDS[kind][0], kind  # the record's stored severity agrees
    months = {s: {r.publication_months for r in RULES.kinds.values() if r.severity == s} for s in ("minor", "general", "serious")}
    assert months == {"minor": {3}, "general": {12}, "serious": {36}}  # 令第36号 maxima


MALFORMED = [
    ("a kind missing", lambda d: d["kinds"].pop("revoked"), "缺少"),
    (
        "an unknown kind",
        lambda d: d["kinds"].update(lied={"severity": "minor", "publication_months": 1, "repair_after_months": 0}),
        "未知",
    ),
    ("a probability over 1", lambda d: d["grades"][0]["sampling"].update(high=1.5), "less than or equal to 1"),
    ("a risk level missing", lambda d: d["grades"][0]["sampling"].pop("low"), "low"),
    ("an unknown method", lambda d: d["grades"][0].update(method="telepathy"), "on_site"),
    ("repair after the publication period", lambda d: d["kinds"]["revoked"].update(repair_after_months=48), "不得长于公示期"),
    ("an adverse kind without repair period", lambda d: d["kinds"]["revoked"].update(repair_after_months=None), "最短期限"),
    ("a positive kind with a repair period", lambda d: d["kinds"]["kept_promise"].update(repair_after_months=1), "无需信用修复"),
    ("the last grade with a condition", lambda d: d["grades"][-1].update(when=[{"severity": "minor"}]), "不设条件"),
    ("a middle grade without one", lambda d: d["grades"][1].update(when=[]), "不设条件"),
    ("the last grade barred", lambda d: d["grades"][-1].update(barred=True, reason="x"), "不得禁止承诺"),
    ("a barred grade without reason", lambda d: d["grades"][0].update(reason=None), "写明理由"),
    ("a repeated code", lambda d: d["grades"][1].update(code="D"), "不得重复"),
    ("a condition on positive records", lambda d: d["grades"][0]["when"].append({"severity": "positive"}), "severity"),
    ("an unknown field", lambda d: d["grades"][0].update(colour="red"), "colour"),
    ("negative months", lambda d: d["kinds"]["revoked"].update(publication_months=-1), "greater than or equal to 0"),
]


@pytest.mark.parametrize(("name", "change", "words"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_rule_sets_are_refused(name: str, change, words: str) -> None:  # type: ignore[no-untyped-def]
    data = RULES.model_dump()
    change(data)
    with pytest.raises(ValidationError, match=words):
        RuleSet(**data)
        pytest.fail(f"accepted: {name}")
