"""A submitted form as the body the API takes, validated by the same pydantic model; and every
refusal — a body that does not validate, an HTTPException from the API's code — in Chinese."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import HTTPException
from pydantic import BaseModel, ValidationError

# form fields that are the console's own, never part of a body
CONSOLE_FIELDS = frozenset({"csrf", "read", "idem"})

FIELD_LABELS = {
    "matter": "证明事项",
    "letter_sha256": "承诺书摘要",
    "signature": "签署方式",
    "scan_sha256": "扫描件摘要",
    "document": "证明材料",
    "reason": "理由",
    "approve": "决定",
    "text": "内容",
    "contact": "联系方式",
    "truthful": "核查结论",
    "findings": "核查情况",
    "action": "处置措施",
    "deadline_days": "整改期限",
    "decision_no": "决定书文号",
    "receiving_organ": "接收机关",
    "evidence": "整改材料",
    "revoke": "决定",
    "finding_stands": "不实认定",
    "application_id": "申请编号",
    "applicant": "申请人",
    "id": "证件号码",
    "name": "名称",
    "kind": "申请人类型",
    "service": "办理事项",
    "matters": "证明事项",
    "note": "意见",
    "comments": "审定意见",
    "comment": "意见",
    "record_ids": "信用记录",
}

MESSAGES = {
    "missing": "必须填写",
    "string_too_short": "不能为空",
    "string_too_long": "过长",
    "too_short": "至少选择一项",
    "too_long": "选择过多",
    "int_parsing": "须为整数",
    "int_type": "须为整数",
    "bool_parsing": "须选择是或否",
    "bool_type": "须选择是或否",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "string_pattern_mismatch": "格式不正确",
    "enum": "不是可选的值",
    "literal_error": "不是可选的值",
}

# English messages of the API's own model validators, as people should read them
VALIDATOR_MESSAGES = {
    "a paper commitment needs scan_sha256": "书面承诺须填写扫描件的 SHA-256",
    "rectify needs deadline_days": "责令整改须给出整改期限",
    "a penalty or a referral needs decision_no": "行政处罚或移送须注明决定书文号",
    "a referral needs receiving_organ": "移送须注明接收机关",
    "a revocation needs decision_no": "撤销决定须注明决定书文号",
    "matters must not repeat": "证明事项不得重复",
}


def body_from_form(body_type: type[BaseModel], form: Mapping[str, Any]) -> BaseModel:
    """The form's fields that the body takes, with empty optional ones left out; pydantic
    turns "true"/"false" and numbers into their types."""
    data = {k: v for k, v in form.items() if k in body_type.model_fields and k not in CONSOLE_FIELDS}
    data = {k: v for k, v in data.items() if not (v == "" and not body_type.model_fields[k].is_required())}
    return body_type.model_validate(data)


def validation_message(err: ValidationError) -> str:
    return "；".join(_one(e) for e in err.errors())


def _one(error: Mapping[str, Any]) -> str:
    loc = [str(p) for p in error.get("loc", ()) if not isinstance(p, int)]
    where = "、".join(FIELD_LABELS.get(p, p) for p in loc[-1:])
    message = str(error.get("msg", ""))
    if error.get("type") == "value_error":
        message = message.removeprefix("Value error, ")
        # the API's Chinese messages are "中文 / English": the Chinese half is enough
        text = VALIDATOR_MESSAGES.get(message, message.split(" / ")[0])
    else:
        text = MESSAGES.get(str(error.get("type")), message)
    return f"「{where}」{text}" if where else text


def refusal_message(err: HTTPException) -> str:
    """An HTTPException's detail as one Chinese sentence (a 422's detail is a list of errors)."""
    detail = err.detail
    if isinstance(detail, list):
        return "；".join(_one(e) if isinstance(e, Mapping) else str(e) for e in detail)
    # the API's bilingual messages are "中文 / English": the Chinese half is enough
    return str(detail).split(" / ")[0]
