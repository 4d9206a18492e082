"""What the signed-in person may do on a case now, as forms: `allowed_actions`.

Roles and statuses come from workflows/rules.py ACTIONS (the table the workflow's validators
read); the matter states each action needs follow the validators in workflows/application/.
The console only decides what to *offer*: a form sent anyway still goes through the workflow,
which alone refuses or accepts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from db.models import Application
from workflows.case import FOUND_UNTRUE, ROUTINE
from workflows.rules import ACTIONS as RULES, DISPOSITION_LABELS, FOLLOW_UP, OWN_CASE_ONLY, in_scope
from workflows.types import Actor, ApplicationStatus as S, DispositionAction as D, MatterMode, Role, VerificationState as V

# API action path (api.routes.applications.ACTIONS) -> its rule in workflows.rules.ACTIONS
RULE_OF_PATH = {
    "commit": "commit",
    "proof": "proof",
    "withdraw-commitment": "withdraw",
    "decision": "decision",
    "complaints": "complaint",
    "verification": "verification",
    "disposition": "disposition",
    "rectification": "rectification",
    "cancel": "cancel",
    "statement": "statement",
    "revocation": "revocation",
    "close": "close",
}


@dataclass(frozen=True)
class Field:
    """One field of an action's form."""

    name: str
    label: str
    kind: str = "textarea"  # textarea | text | number | yesno | hidden | consent
    value: str = ""
    required: bool = True
    hint: str = ""
    yes: str = "是"
    no: str = "否"


@dataclass(frozen=True)
class Offer:
    """One action offered as a form: POST /cases/{id}/actions/{path}."""

    path: str
    title: str
    button: str
    fields: tuple[Field, ...] = ()
    matter: str | None = None
    """The matter the form is about (shown with that matter), or None for the whole case."""
    note: str = ""
    grave: bool = False
    """An adverse measure: the page sets it apart."""
    letter: bool = False
    """Show the matter's notified letter above the form (commit)."""

    @property
    def key(self) -> str:
        """Unique on the page: the form's id and its anchor."""
        extra = next((f.value for f in self.fields if f.name == "action"), "")
        return "-".join(p for p in (self.path, self.matter, extra) if p)


def _at(value: Any) -> datetime | None:
    if isinstance(value, datetime) or value is None:
        return value
    return datetime.fromisoformat(value)


def permitted(path: str, actor: Actor, row: Application) -> bool:
    """The role, the status, the applicant's own case and the department allow the action."""
    roles, statuses = RULES[RULE_OF_PATH[path]]
    if actor.role not in roles or row.status not in statuses:
        return False
    if actor.role == Role.applicant and RULE_OF_PATH[path] in OWN_CASE_ONLY and actor.id != row.applicant_id:
        return False
    return in_scope(actor, row.departments or [])


def in_follow_up(row: Application, now: datetime) -> bool:
    until = _at(row.follow_up_until)
    return row.status in FOLLOW_UP and until is not None and row.closed_at is None and now < until


def _matter(m: dict[str, Any]) -> Field:
    return Field("matter", "证明事项", "hidden", m["code"])


def _reason(label: str = "理由") -> Field:
    return Field("reason", label)


def _matter_offers(path: str, actor: Actor, row: Application, m: dict[str, Any], now: datetime) -> list[Offer]:
    """The offers of one action for one matter."""
    mode, state, name = MatterMode(m["mode"]), V(m["verification"]), m["name"]
    before = row.status in (S.notified, S.reviewing)
    fields: tuple[Field, ...]
    if path == "commit" and m.get("eligible") and mode == MatterMode.undecided and m.get("letter_sha256"):
        if actor.role == Role.applicant:
            consent = Field("read", "我已阅读并承诺", "consent", "yes", hint="勾选即表示您已阅读上面的告知承诺书，并以本人名义作出承诺")
            fields = (_matter(m), Field("letter_sha256", "", "hidden", m["letter_sha256"]), consent)
            return [Offer(path, f"以承诺方式办理「{name}」", "签署承诺", fields, m["code"], letter=True)]
        paper = (_matter(m), Field("signature", "", "hidden", "paper"),
                 Field("scan_sha256", "书面承诺书扫描件的 SHA-256", "text", hint="64位十六进制；申请人在窗口书面签署的承诺书"))
        return [Offer(path, f"录入「{name}」的书面承诺书", "录入书面承诺", paper, m["code"])]
    if path == "proof" and mode != MatterMode.commitment and not m.get("proof_sha256"):
        fields = (_matter(m), Field("document", "证明材料（名称、文号、内容摘要）"))
        return [Offer(path, f"提交「{name}」的证明材料", "提交证明", fields, m["code"])]
    if path == "withdraw-commitment" and mode == MatterMode.commitment:
        fields = (_matter(m), _reason("撤回理由"))
        return [Offer(path, f"撤回「{name}」的承诺，改为提交证明", "撤回承诺", fields, m["code"])]
    if path == "verification":
        window_end = _at(m.get("window_end"))
        routine = (not before and mode == MatterMode.commitment and state in ROUTINE
                   and (window_end is None or now < window_end))
        due = state == V.pending if before else state in (V.scheduled, V.due, V.reverifying)
        if due or routine:
            title = {V.reverifying: "整改复核", V.pending: "事中核查"}.get(state, "日常监管核查" if routine and not due else "核查")
            fields = (_matter(m), Field("truthful", "核查结论", "yesno", yes="承诺属实", no="承诺不实"), Field("findings", "核查情况"))
            return [Offer(path, f"登记「{name}」的{title}结果", "登记核查结果", fields, m["code"])]
    if path == "rectification" and state == V.rectifying:
        by = _at(m.get("rectify_by"))
        if by is None or now < by:
            fields = (_matter(m), Field("evidence", "整改材料（整改情况说明、所附材料）"))
            return [Offer(path, f"提交「{name}」的整改材料", "提交整改材料", fields, m["code"])]
    return []


def _dispositions(actor: Actor, row: Application, now: datetime) -> list[Offer]:
    """责令整改 / 拟撤销 / 处罚 / 移送, as the case and the role allow."""
    states = {V(m["verification"]) for m in row.matters}
    follow_up = row.status in FOLLOW_UP
    if follow_up and not in_follow_up(row, now):
        return []
    found = bool(states & FOUND_UNTRUE) or (row.status == S.terminated and V.untrue in states)
    supervisor = actor.role == Role.supervisor
    offers: list[Offer] = []
    fields: tuple[Field, ...]
    if not follow_up and V.untrue in states:
        fields = (Field("action", "", "hidden", D.rectify), Field("deadline_days", "整改期限（日）", "number", "15"),
                  _reason("整改要求及理由"))
        offers.append(Offer("disposition", "责令限期整改", "责令整改", fields, grave=True))
    if supervisor and not follow_up and not row.hearing and states & {V.untrue, V.rectifying}:
        fields = (Field("action", "", "hidden", D.revoke), _reason("拟撤销的事实和理由（告知申请人）"))
        offers.append(Offer("disposition", "拟撤销行政决定（告知申请人，进入陈述申辩期）", "拟撤销", fields, grave=True))
    if supervisor and found and not row.penalized:
        fields = (Field("action", "", "hidden", D.penalize), Field("decision_no", "处罚决定书文号", "text"), _reason())
        offers.append(Offer("disposition", DISPOSITION_LABELS[D.penalize], "作出处罚决定", fields, grave=True))
    if supervisor and found and not row.referred:
        fields = (Field("action", "", "hidden", D.refer), Field("decision_no", "移送文书文号", "text"),
                  Field("receiving_organ", "接收机关", "text"), _reason())
        offers.append(Offer("disposition", DISPOSITION_LABELS[D.refer], "移送", fields, grave=True))
    return offers


def _case_offers(path: str, actor: Actor, row: Application, now: datetime) -> list[Offer]:
    """The offers of one action for the whole case."""
    fields: tuple[Field, ...]
    if path == "decision":
        pending = [m["name"] for m in row.matters if m["verification"] == V.pending]
        note = f"事中核查尚未完成（{'、'.join(pending)}），暂不能准予" if pending else ""
        fields = (Field("approve", "决定", "yesno", yes="准予许可", no="不予批准"), _reason("决定理由"))
        return [Offer(path, "作出审批决定", "作出决定", fields, note=note)]
    if path == "complaints":
        fields = (Field("text", "投诉举报内容"), Field("contact", "投诉人联系方式", "text", required=False, hint="不进入案卷时间线"))
        return [Offer(path, "登记投诉举报", "登记投诉举报", fields)]
    if path == "disposition":
        return _dispositions(actor, row, now)
    if path == "cancel":
        if actor.role == Role.applicant:
            return [Offer(path, "撤回申请", "撤回申请", (_reason("撤回理由"),), grave=True)]
        return [Offer(path, "终止办理（未作出决定）", "终止办理", (_reason("终止理由"),), grave=True)]
    if path == "statement":
        h = row.hearing or {}
        until = _at(h.get("statement_until"))
        if h and h.get("statement") is None and not h.get("period_over") and (until is None or now < until):
            return [Offer(path, "陈述、申辩", "提交陈述申辩", (Field("text", "陈述申辩意见"),))]
    if path == "revocation":
        h = row.hearing or {}
        until = _at(h.get("statement_until"))
        if h and (h.get("statement") is not None or h.get("period_over") or (until is not None and now >= until)):
            fields = (
                Field("revoke", "决定", "yesno", yes="撤销行政决定", no="不予撤销"),
                Field("decision_no", "撤销决定书文号（撤销时必填）", "text", required=False),
                Field("finding_stands", "不予撤销时，不实认定", "yesno", "true", required=False,
                      yes="维持（另行处置）", no="更正为属实"),
                _reason("决定理由"),
            )
            return [Offer(path, "对拟撤销作出决定", "作出决定", fields, grave=True)]
    if path == "close" and in_follow_up(row, now):
        return [Offer(path, "后续处理完毕，办结本案", "办结", (_reason("办结说明"),))]
    return []


MATTER_ACTIONS = ("commit", "proof", "withdraw-commitment", "verification", "rectification")
CASE_ACTIONS = ("decision", "complaints", "disposition", "statement", "revocation", "close", "cancel")


def allowed_actions(actor: Actor, row: Application, now: datetime) -> list[Offer]:
    """Exactly the actions the case's state allows this person now, each a form: per matter
    first (in the case's order), then for the whole case."""
    offers: list[Offer] = []
    for m in row.matters:
        for path in MATTER_ACTIONS:
            if permitted(path, actor, row):
                offers += _matter_offers(path, actor, row, m, now)
    for path in CASE_ACTIONS:
        if permitted(path, actor, row):
            offers += _case_offers(path, actor, row, now)
    return offers


@dataclass
class OfferGroups:
    """Offers as the case page lays them out."""

    by_matter: dict[str, list[Offer]] = field(default_factory=dict)
    case: list[Offer] = field(default_factory=list)


def grouped(offers: list[Offer]) -> OfferGroups:
    groups = OfferGroups()
    for offer in offers:
        if offer.matter:
            groups.by_matter.setdefault(offer.matter, []).append(offer)
        else:
            groups.case.append(offer)
    return groups
