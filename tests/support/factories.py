"""Test data: catalogue entries with the properties a test needs, and actors."""

from __future__ import annotations

import base64

from stdnum.cn import ric, uscc

from db.models import Matter
from security.codec import Keyring, data_converter
from workflows.types import Actor, Applicant, Role

TEST_KEYRING = Keyring({"test-1": bytes(range(32))})  # a test key, never a real one
CONVERTER = data_converter(TEST_KEYRING)  # tests encrypt payloads as the system does
TEST_PSEUDONYM_KEY = base64.b64encode(bytes(range(32, 64))).decode()  # applicants' pseudonyms in tests

APPLICANT = Actor("app-1", Role.applicant)  # the applicant of applicant(1)
CASEWORKER = Actor("cw-1", Role.caseworker)
VERIFIER = Actor("vf-1", Role.verifier)
SUPERVISOR = Actor("sv-1", Role.supervisor)
PUBLIC = Actor("anon", Role.public)


def resident_id(n: int = 1, born: str = "19800101", region: str = "410411") -> str:
    """A valid resident ID number (GB 11643 check digit): the n-th person born that day there."""
    body = f"{region}{born}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def credit_code(n: int = 1, region: str = "410411") -> str:
    """A valid unified social credit code (GB 32100 check character) of the n-th company there."""
    body = f"91{region}MA{n:07d}"
    return body + uscc.calc_check_digit(body)


def applicant(n: int = 1, kind: str = "person") -> Applicant:
    return Applicant(id=f"app-{n}", name=f"测试申请人{n}", kind=kind)


def matter(code: str, **overrides: object) -> Matter:
    """A catalogue entry: committable, verified 10 working days after the decision, by default."""
    fields: dict[str, object] = {
        "code": code,
        "name": f"测试证明{code}",
        "services": ["测试事项"],
        "department": "湛河区测试局",
        "issuing_unit": "测试开具单位",
        "basis": "《测试条例》第一条",
        "content": "申请人符合测试条件",
        "commitment_allowed": True,
        "exclusion_reason": None,
        "verification_exempt": False,
        "verification_stage": "after",
        "verification_days": 10,
        "verification_deadline_days": 5,
        "verification_method": "data_sharing",
        "verification_method_label": "数据共享核查",
        "verification_standard": "信息一致",
        "supervision_days": 90,
        "consequences": "承诺不实的，撤销行政决定，纳入信用记录",
        "publication": "不公开",
    }
    fields.update(overrides)
    return Matter(**fields)  # type: ignore[arg-type]


AFTER = "T-AFTER"
AFTER2 = "T-AFTER2"
DURING = "T-DURING"
EXEMPT = "T-EXEMPT"
EXCLUDED = "T-EXCLUDED"
OTHER = "T-OTHER"  # another department's matter
OTHER_DEPARTMENT = "湛河区其他局"

TEST_MATTERS = [
    matter(AFTER),
    matter(AFTER2, verification_days=30, supervision_days=180),
    matter(DURING, verification_stage="during", verification_days=3),
    matter(EXEMPT, verification_exempt=True),
    matter(EXCLUDED, commitment_allowed=False, exclusion_reason="直接涉及公共安全"),
    matter(OTHER, department=OTHER_DEPARTMENT),
]
