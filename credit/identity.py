"""Who an applicant is: a person by resident ID number (公民身份号码, GB 11643-1999), a company or
other organisation by unified social credit code (统一社会信用代码, GB 32100-2015).

The check characters are python-stdnum's (`stdnum.cn.ric`, `stdnum.cn.uscc`). The format checks
are ours: stdnum also refuses a resident ID whose region code is missing from its own table (a new
or renamed county would turn a real resident away), and a credit code whose first two characters
are not digits, which GB 32100 allows (registering authority N 农业, Y 其他 …).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from stdnum.cn import ric, uscc

Kind = Literal["person", "company"]
KIND_LABELS: dict[str, str] = {"person": "居民身份证号码", "company": "统一社会信用代码"}

CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: digits and capitals but I, O, S, V, Z
RESIDENT_ID = re.compile(r"\d{17}[\dX]")
CREDIT_CODE = re.compile(rf"[{CODE_CHARS}]{{2}}\d{{6}}[{CODE_CHARS}]{{10}}")
EARLIEST_BIRTH = date(1900, 1, 1)


def normalise(value: str) -> str:
    """Without spaces and hyphens, upper-cased (a lower-case check letter x is X)."""
    return re.sub(r"[\s-]", "", value).upper()


def resident_id(value: str, today: date | None = None) -> str:
    """The 18-character resident ID number, normalised; ValueError (in Chinese) if it is not one."""
    number = normalise(value)
    if len(number) != 18:
        raise ValueError(f"居民身份证号码应为18位，收到{len(number)}位")
    if not RESIDENT_ID.fullmatch(number):
        raise ValueError("居民身份证号码前17位应为数字，末位为数字或X")
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValueError(f"居民身份证号码中的出生日期{number[6:14]}不存在") from None
    if not EARLIEST_BIRTH <= born <= (today or date.today()):
        raise ValueError(f"居民身份证号码中的出生日期{born.isoformat()}不在合理范围内")
    if number[-1] != ric.calc_check_digit(number):
        raise ValueError("居民身份证号码校验码错误，请核对号码")
    return number


def credit_code(value: str) -> str:
    """The unified social credit code, normalised; ValueError (in Chinese) if it is not one."""
    code = normalise(value)
    if len(code) != 18:
        raise ValueError(f"统一社会信用代码应为18位，收到{len(code)}位")
    if not CREDIT_CODE.fullmatch(code):
        raise ValueError("统一社会信用代码含有无效字符（第3-8位为行政区划码数字，其余为数字或除I、O、S、V、Z外的大写字母）")
    if code[-1] != uscc.calc_check_digit(code):
        raise ValueError("统一社会信用代码校验码错误，请核对代码")
    return code


def validate(value: str, kind: str) -> str:
    """The applicant's id, normalised, if it is valid for their kind (person: resident ID,
    company: credit code); ValueError with a Chinese message otherwise."""
    if kind not in CHECKS:
        raise ValueError(f"申请人类型应为 person（个人）或 company（单位），收到 {kind!r}")
    try:
        return CHECKS[kind](value)
    except ValueError:
        other = "company" if kind == "person" else "person"
        if kind_of(value) == other:
            raise ValueError(f"{KIND_NAMES[kind]}应提供{KIND_LABELS[kind]}，收到的是{KIND_LABELS[other]}") from None
        raise


def kind_of(value: str) -> Kind | None:
    """`person` for a valid resident ID, `company` for a valid credit code, None for neither."""
    for kind, check in CHECKS.items():
        try:
            check(value)
        except ValueError:
            continue
        return kind  # type: ignore[return-value]
    return None


CHECKS = {"person": resident_id, "company": credit_code}
KIND_NAMES: dict[str, str] = {"person": "个人申请人", "company": "单位申请人"}
