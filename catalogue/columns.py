"""The catalogue's columns as departments publish them, and the labels people read.

The twelve usual columns come first, in the order catalogues are published; the extra columns
after them carry what a Matter needs and those columns cannot hold (its code, whether it may be
done by commitment and why not, the supervision period, …).
"""

from __future__ import annotations

import re

# verification method code -> the label published in the 核查方式 column
METHODS: dict[str, str] = {
    "data_sharing": "数据共享核查",
    "on_site": "实地核查",
    "documents": "书面核查",
    "online_check": "网络核验",
    "publication": "公示核查",
    "inter_department": "部门协查",
    "letter_inquiry": "函询核查",
}
METHOD_BY_LABEL = {label: code for code, label in METHODS.items()}
STAGES = {"during": "事中", "after": "事后"}
STAGE_BY_LABEL = {label: code for code, label in STAGES.items()}
YES, NO = "是", "否"

# (column header, entry field) — the published columns; "verification_time" stands for the three
# fields 核查时间 is written from (stage, days until due, days to complete)
USUAL_COLUMNS: list[tuple[str, str]] = [
    ("序号", "row_number"),
    ("证明事项名称", "name"),
    ("设定依据", "basis"),
    ("开具单位", "issuing_unit"),
    ("证明内容/用途", "content"),
    ("核查方式", "verification_method"),
    ("核查时间", "verification_time"),
    ("核查标准", "verification_standard"),
    ("是否免于核查", "verification_exempt"),
    ("不实承诺的法律责任", "consequences"),
    ("所属部门", "department"),
    ("适用的行政事项", "services"),
]
EXTRA_COLUMNS: list[tuple[str, str]] = [
    ("事项编码", "code"),
    ("是否适用告知承诺", "commitment_allowed"),
    ("不适用理由", "exclusion_reason"),
    ("监管期（日）", "supervision_days"),
    ("效力层级", "basis_rank"),
    ("事项类型", "act_type"),
    ("适用情形", "conditions"),
    ("承诺书公开方式", "publication"),
    ("依据核对来源", "basis_source"),
    ("依据已核对", "basis_verified"),
]
COLUMNS = USUAL_COLUMNS + EXTRA_COLUMNS
HEADERS = [header for header, _ in COLUMNS]
REQUIRED_HEADERS = [
    h
    for h, f in COLUMNS
    if f not in {"row_number", "basis_rank", "act_type", "conditions", "publication", "basis_source", "basis_verified"}
]

# every entry field -> what people call it (errors, diffs, pages)
FIELD_LABELS: dict[str, str] = {
    **{f: h for h, f in COLUMNS if f not in {"row_number", "verification_time"}},
    "verification_stage": "核查时点（事中/事后）",
    "verification_days": "核查到期（工作日）",
    "verification_deadline_days": "核查期限（工作日）",
    "verification_method_label": "核查方式名称",
    "retired": "已取消",
    "retired_reason": "取消理由",
    "version": "版本",
}
SERVICE_SEPARATORS = re.compile(r"[；;\n]+")

_TIME = re.compile(r"^\s*(事中|事后)核查\s*[，,]\s*作出决定[前后]\s*(\d+)\s*个工作日内\s*[；;]\s*核查期限\s*(\d+)\s*个工作日\s*$")
TIME_EXAMPLE = "事后核查，作出决定后20个工作日内；核查期限5个工作日"


def verification_time(stage: str, days: int, deadline_days: int) -> str:
    """The 核查时间 column: when the check falls due and how long the verifier has."""
    when = "前" if stage == "during" else "后"
    return f"{STAGES[stage]}核查，作出决定{when}{days}个工作日内；核查期限{deadline_days}个工作日"


def parse_verification_time(text: str) -> tuple[str, int, int] | None:
    """(stage, days, deadline_days) from the 核查时间 column, or None if it is not in that form."""
    m = _TIME.match(text)
    if m is None:
        return None
    return STAGE_BY_LABEL[m.group(1)], int(m.group(2)), int(m.group(3))


def yes_no(value: bool) -> str:
    return YES if value else NO
