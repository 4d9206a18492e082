"""What the signed-in person may do on a case now, as forms: `allowed_actions`.

Whether an action may happen is workflows/guards.py's answer (the functions the workflow's
validators call); this module only turns each allowed action into a form. A form sent anyway
still goes through the workflow, which alone refuses or accepts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from activities.procedure import termination_grounds
from activities.projection import view_of
from db.models import Application
from workflows import guards
from workflows.rules import DISPOSITION_LABELS
from workflows.types import Actor, ApplicationView, DispositionAction as D, MatterCase, Role, VerificationState as V


@dataclass(frozen=True)
class Field:
    """One field of an action's form."""

    name: str
    label: str
    kind: str = "textarea"  # textarea | text | number | yesno | hidden | consent | select
    value: str = ""
    required: bool = True
    hint: str = ""
    yes: str = "是"
    no: str = "否"
    options: tuple[tuple[str, str], ...] = ()
    """select: (value, label) pairs."""


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


def _matter(m: MatterCase) -> Field:
    return Field("matter", "证明事项", "hidden", m.code)


def _reason(label: str = "理由") -> Field:
    return Field("reason", label)


def _matter_offer(action: str, actor: Actor, case: ApplicationView, m: MatterCase) -> Offer | None:
    """The form of one allowed action on one matter."""
    path, name = guards.PATHS[action], m.name
    fields: tuple[Field, ...]
    if action == "commit":
        if not m.letter_sha256:
            return None  # no letter notified: nothing to read and sign
        if actor.role == Role.applicant:
            consent = Field(
                "read", "我已阅读并承诺", "consent", "yes", hint="勾选即表示您已阅读上面的告知承诺书，并以本人名义作出承诺"
            )
            fields = (_matter(m), Field("letter_sha256", "", "hidden", m.letter_sha256), consent)
            return Offer(path, f"以承诺方式办理「{name}」", "签署承诺", fields, m.code, letter=True)
        paper = (
            _matter(m),
            Field("signature", "", "hidden", "paper"),
            Field("scan_sha256", "书面承诺书扫描件的 SHA-256", "text", hint="64位十六进制；申请人在窗口书面签署的承诺书"),
        )
        return Offer(path, f"录入「{name}」的书面承诺书", "录入书面承诺", paper, m.code)
    if action == "proof":
        fields = (_matter(m), Field("document", "证明材料（名称、文号、内容摘要）"))
        return Offer(path, f"提交「{name}」的证明材料", "提交证明", fields, m.code)
    if action == "withdraw":
        fields = (_matter(m), _reason("撤回理由"))
        return Offer(path, f"撤回「{name}」的承诺，改为提交证明", "撤回承诺", fields, m.code)
    if action == "verification":
        routine = guards.routine_check(case, m)
        title = {V.reverifying: "整改复核", V.pending: "事中核查"}.get(m.verification, "日常监管核查" if routine else "核查")
        fields = (
            _matter(m),
            Field("truthful", "核查结论", "yesno", yes="承诺属实", no="承诺不实"),
            Field("findings", "核查情况"),
        )
        return Offer(path, f"登记「{name}」的{title}结果", "登记核查结果", fields, m.code)
    fields = (_matter(m), Field("evidence", "整改材料（整改情况说明、所附材料）"))  # rectification
    return Offer(path, f"提交「{name}」的整改材料", "提交整改材料", fields, m.code)


def _measure_offer(measure: D) -> Offer:
    """责令整改 / 拟撤销 / 处罚 / 移送."""
    fields: tuple[Field, ...]
    if measure == D.rectify:
        fields = (
            Field("action", "", "hidden", D.rectify),
            Field("deadline_days", "整改期限（日）", "number", "15"),
            _reason("整改要求及理由"),
        )
        return Offer("disposition", "责令限期整改", "责令整改", fields, grave=True)
    if measure == D.revoke:
        fields = (Field("action", "", "hidden", D.revoke), _reason("拟撤销的事实和理由（告知申请人）"))
        return Offer("disposition", "拟撤销行政决定（告知申请人，进入陈述申辩期）", "拟撤销", fields, grave=True)
    if measure == D.penalize:
        keep = Field(
            "keep_decision",
            "不予撤销、原决定继续有效的理由",
            required=False,
            hint="撤销可能对公共利益造成重大损害的（《行政许可法》第六十九条第三款）；不填则处罚后仍须责令整改或撤销",
        )
        fields = (Field("action", "", "hidden", D.penalize), Field("decision_no", "处罚决定书文号", "text"), keep, _reason())
        return Offer("disposition", DISPOSITION_LABELS[D.penalize], "作出处罚决定", fields, grave=True)
    fields = (
        Field("action", "", "hidden", D.refer),
        Field("decision_no", "移送文书文号", "text"),
        Field("receiving_organ", "接收机关", "text"),
        _reason(),
    )
    return Offer("disposition", DISPOSITION_LABELS[D.refer], "移送", fields, grave=True)


def _case_offer(action: str, actor: Actor, case: ApplicationView) -> Offer:
    """The form of one allowed action on the whole case."""
    path = guards.PATHS[action]
    fields: tuple[Field, ...]
    if action == "decision":
        pending = [m.name for m in case.matters if m.verification == V.pending]
        note = f"事中核查尚未完成（{'、'.join(pending)}），暂不能准予" if pending else ""
        fields = (Field("approve", "决定", "yesno", yes="准予许可", no="不予批准"), _reason("决定理由"))
        return Offer(path, "作出审批决定", "作出决定", fields, note=note)
    if action == "complaint":
        fields = (
            Field("text", "投诉举报内容"),
            Field("contact", "投诉人联系方式", "text", required=False, hint="不进入案卷时间线"),
        )
        return Offer(path, "登记投诉举报", "登记投诉举报", fields)
    if action == "cancel":
        if actor.role == Role.applicant:
            return Offer(path, "撤回申请", "撤回申请", (_reason("撤回理由"),), grave=True)
        grounds = termination_grounds().values()
        bases = "；".join(f"{g.label}：{g.basis}" for g in grounds)
        fields = (
            Field("ground", "终止事由", "select", hint=f"依据——{bases}", options=tuple((g.id, g.label) for g in grounds)),
            Field("decision_no", "终止办理决定书文号", "text"),
            _reason("终止理由（事实）"),
        )
        return Offer(path, "终止办理（作出终止办理决定）", "终止办理", fields, grave=True)
    if action == "statement":
        return Offer(path, "陈述、申辩", "提交陈述申辩", (Field("text", "陈述申辩意见"),))
    if action == "revocation":
        fields = (
            Field("revoke", "决定", "yesno", yes="撤销行政决定", no="不予撤销"),
            Field("decision_no", "撤销决定书文号（撤销时必填）", "text", required=False),
            Field(
                "finding_stands", "不予撤销时，不实认定", "yesno", "true", required=False, yes="维持（另行处置）", no="更正为属实"
            ),
            _reason("决定理由"),
        )
        return Offer(path, "对拟撤销作出决定", "作出决定", fields, grave=True)
    return Offer(path, "后续处理完毕，办结本案", "办结", (_reason("办结说明"),))  # close


def allowed_actions(actor: Actor, row: Application, now: datetime) -> list[Offer]:
    """Exactly the actions the guards allow this person now, each a form: per matter first (in
    the case's order), then for the whole case."""
    case = view_of(row)
    matters = {m.code: m for m in case.matters}
    offers: list[Offer | None] = []
    for action, key in guards.available(case, actor, now):
        if key in matters:
            offers.append(_matter_offer(action, actor, case, matters[key]))
        elif action == "disposition" and key:
            offers.append(_measure_offer(D(key)))
        else:
            offers.append(_case_offer(action, actor, case))
    return [o for o in offers if o]


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
