"""Resident ID numbers (GB 11643) and unified social credit codes (GB 32100), table-driven."""

from __future__ import annotations

from datetime import date

import pytest
from stdnum.cn import uscc

from credit.identity import kind_of, resident_id, validate
from tests.support.factories import credit_code, resident_id as make_resident_id

AGRICULTURAL = "N2410411MA0000003" + uscc.calc_check_digit("N2410411MA0000003")

VALID = [
    ("11010519491231002X", "person", "11010519491231002X"),  # GB 11643's own example, check X
    ("11010519491231002x", "person", "11010519491231002X"),  # lower-case x
    (" 410411 19800101 0010 ", "person", "410411198001010010"),  # spaces dropped
    (make_resident_id(7, born="20000229"), "person", make_resident_id(7, born="20000229")),  # a leap day
    ("91110000600037341L", "company", "91110000600037341L"),
    ("91110000600037341l", "company", "91110000600037341L"),
    ("9111-0000-6000-3734-1L", "company", "91110000600037341L"),
    (credit_code(42), "company", credit_code(42)),
    (AGRICULTURAL, "company", AGRICULTURAL),  # registering authority N (农业农村部门): GB 32100 allows it
]


@pytest.mark.parametrize(("value", "kind", "normalised"), VALID)
def test_valid_numbers_are_normalised(value: str, kind: str, normalised: str) -> None:
    assert validate(value, kind) == normalised
    assert kind_of(value) == kind


def _with_check(value: str, check: str) -> str:
    return value[:-1] + check


INVALID = [
    # (value, kind, words the message must contain)
    ("11010519491231002", "person", "应为18位"),
    ("1101051949123100201", "person", "应为18位"),
    ("", "person", "应为18位"),
    ("1101051949123A002X", "person", "前17位应为数字"),
    ("11010519491231002Y", "person", "前17位应为数字"),
    (_with_check("11010519491231002X", "0"), "person", "校验码错误"),
    (make_resident_id(1, born="19990229")[:-1] + "0", "person", "出生日期19990229不存在"),  # not a leap year
    ("410411198013010010", "person", "出生日期19801301不存在"),  # month 13
    (make_resident_id(1, born="18991231"), "person", "不在合理范围内"),
    (make_resident_id(1, born="29990101"), "person", "不在合理范围内"),  # born in the future
    ("91110000600037341L", "person", "收到的是统一社会信用代码"),  # a credit code given as a person
    ("11010519491231002X", "company", "收到的是居民身份证号码"),
    ("91110000600037341", "company", "应为18位"),
    ("91110000600037341I", "company", "无效字符"),  # I is not in the code's alphabet
    ("9111000060003734OL", "company", "无效字符"),  # nor O
    ("911A0000600037341L", "company", "无效字符"),  # the region code is digits
    (_with_check("91110000600037341L", "M"), "company", "校验码错误"),
    ("91410411MA000001", "company", "应为18位"),  # the made-up code tests used to use
    ("11010519491231002X", "robot", "person（个人）或 company（单位）"),
]


@pytest.mark.parametrize(("value", "kind", "words"), INVALID)
def test_invalid_numbers_are_refused_in_chinese(value: str, kind: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        validate(value, kind)


def test_kind_of_neither() -> None:
    assert kind_of("app-1") is None
    assert kind_of(_with_check("91110000600037341L", "M")) is None


def test_birth_date_is_checked_against_the_day_given() -> None:
    born_today = make_resident_id(5, born="20261127")
    assert resident_id(born_today, today=date(2026, 11, 27)) == born_today
    with pytest.raises(ValueError, match="不在合理范围内"):
        resident_id(born_today, today=date(2026, 11, 26))


def test_factories_make_distinct_valid_numbers() -> None:
    people = {make_resident_id(n) for n in range(1, 50)}
    companies = {credit_code(n) for n in range(1, 50)}
    assert len(people) == len(companies) == 49
    assert all(kind_of(p) == "person" for p in people) and all(kind_of(c) == "company" for c in companies)
