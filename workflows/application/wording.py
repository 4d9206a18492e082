"""What the case's timeline says, sentence by sentence, in the order of a case's life.

Each function returns one entry's words (the workflow puts "系统：" or the actor in front). A
lawyer can read and correct them here without reading the process. Changing a sentence changes
what new entries say, never an entry already recorded: Temporal does not replay the words, but
`chengnuo audit timeline` rebuilds old timelines with them (docs/VERSIONING.md, "wording").
"""

from __future__ import annotations

from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.case import china_time
    from workflows.rules import ROLE_LABELS, STATUS_LABELS
    from workflows.types import ApplicationStatus, CreditAssessment, MatterCase

SYSTEM = "system"
"""The actor of what the case does by itself (a deadline, a draw, the close)."""


def speaker(actor_id: str, role: str) -> str:
    """Who speaks an entry: the system, or the role and the person."""
    return "系统" if role == SYSTEM else f"{ROLE_LABELS[role]}（{actor_id}）"  # type: ignore[index]


# ---- opening and notification ------------------------------------------------------------


def opened(service: str, matters: int) -> str:
    return f"受理申请「{service}」，涉及证明事项{matters}项"


def grade(credit: CreditAssessment) -> str:
    why = f"：{credit.reason}" if credit.reason else ""
    return f"{credit.label or credit.grade}（{credit.grade}级，信用规则第{credit.rule_version}版）{why}"


def grade_at_opening(credit: CreditAssessment) -> str:
    return f"受理时信用等级：{grade(credit)}"


def time_limit(due: datetime | None) -> str:
    return f"办理时限至{china_time(due)}"


def proof_required(name: str, reason: str) -> str:
    return f"「{name}」须提交证明：{reason}"


def notified(names: list[str]) -> str:
    return f"已书面告知证明事项告知承诺书：{'、'.join(names)}"


# ---- the applicant's choice per matter -----------------------------------------------------


def committed_on_paper(name: str, letter_sha256: str | None, scan_sha256: str | None) -> str:
    return f"录入申请人在窗口书面签署的「{name}」告知承诺书（承诺书摘要 {(letter_sha256 or '')[:12]}，扫描件摘要 {(scan_sha256 or '')[:12]}）"


def committed(name: str, letter_sha256: str | None) -> str:
    return f"签署「{name}」告知承诺书（承诺书摘要 {(letter_sha256 or '')[:12]}）"


def proof_submitted(name: str, document: str) -> str:
    return f"提交「{name}」证明材料：{document}"


def withdrawn(name: str, reason: str) -> str:
    return f"撤回「{name}」承诺，改按原程序提交证明。理由：{reason}"


# ---- the decision ------------------------------------------------------------------------


def approved(reason: str) -> str:
    return f"作出准予决定。理由：{reason}"


def grade_at_decision(credit: CreditAssessment) -> str:
    return f"作出决定时信用等级：{grade(credit)}"


def rejected(reason: str, words: str) -> str:
    return f"作出不予批准决定。理由：{reason}{'。' + words if words else ''}"


def decision_words(basis: str, remedies: str, decision_no: str | None) -> str:
    """What an adverse decision adds: its number, its legal basis, the applicant's remedies."""
    no = f"（{decision_no}）" if decision_no else ""
    return f"{no}依据：{basis}。" + (f"救济途径：{remedies}" if remedies else "")


def terminated_by_office(reason: str, words: str) -> str:
    return f"终止办理（未作出决定）。理由：{reason}。{words}"


def terminated_on_ground(label: str, reason: str, words: str) -> str:
    return f"作出终止办理决定（{label}）。理由：{reason}。{words}"


def approved_without_commitment(reason: str) -> str:
    return f"作出准予决定。理由：{reason}。各证明事项均已提交证明，未适用告知承诺，无需核查，办结"


def cancelled(reason: str) -> str:
    return f"撤回申请。理由：{reason}"


def sampled(m: MatterCase, credit: CreditAssessment, level_label: str, method: str, fixed: bool) -> str:
    """The draw for after-approval verification: grade, risk level, chance, its source, the draw."""
    how = f"，{method}" if method else ""
    source = "固定抽查概率 SAMPLING_PROBABILITY" if fixed else f"信用规则第{credit.rule_version}版"
    return (
        f"「{m.name}」{'列入' if m.sampled else '未抽中'}事后核查{how}：信用等级{credit.label or credit.grade}、"
        f"{level_label}事项，抽查概率{m.sampling_probability:.0%}（{source}），抽签值{m.draw:.3f}"
    )


# ---- deadlines -----------------------------------------------------------------------------


def scheduled(m: MatterCase) -> str:
    provisional = f"（暂定：{m.calendar_note}）" if m.provisional_deadline else ""
    return f"「{m.name}」事后核查于{china_time(m.due_at)}到期{provisional}"


def due(m: MatterCase) -> str:
    return f"「{m.name}」事后核查到期，请核查人员于{china_time(m.deadline_at)}前登记结果"


def escalated(m: MatterCase, during: bool) -> str:
    return f"「{m.name}」{'事中核查' if during else '核查'}逾期未登记结果，已上报负责人督办（不视为核查通过）"


def time_limit_overdue(due_at: datetime | None) -> str:
    return f"已超过办理时限（{china_time(due_at)}）尚未作出决定，已上报负责人督办"


def statement_period_over(stated: bool) -> str:
    said = "申请人已陈述、申辩" if stated else "申请人未陈述、申辩"
    return f"陈述申辩期满（{said}），待负责人作出是否撤销的决定"


FOLLOW_UP_OVER = "后续处理期限届满"


def recomputed(source: str, changes: list[str]) -> str:
    return f"依据录入的节假日安排（{source}）重新计算期限：{'；'.join(changes) or '无待计算的期限'}"


def due_date_moved(m: MatterCase) -> str:
    return f"「{m.name}」核查到期日{china_time(m.due_at)}"


def deadline_moved(m: MatterCase) -> str:
    return f"「{m.name}」核查期限{china_time(m.deadline_at)}"


# ---- complaints and verification ----------------------------------------------------------


def complaint(text: str, contact: bool, before_decision: bool, names: list[str]) -> str:
    effect = "决定前须先行核查" if before_decision else "核查即时到期"
    left = "（投诉人留有联系方式）" if contact else ""
    return f"收到投诉举报{left}：{text}。{effect}：{'、'.join(names) or '无待核查的承诺事项'}"


def found_true(name: str, routine: bool, rectified: bool, findings: str) -> str:
    return f"「{name}」{'日常监管' if routine else ''}{'整改复核通过' if rectified else '核查属实'}：{findings}"


def found_untrue_terminated(name: str, findings: str, words: str = "") -> str:
    return f"「{name}」事中核查发现承诺不实，终止办理：{findings}" + (f"。{words}" if words else "")


def found_untrue_before_decision(name: str, findings: str) -> str:
    return f"「{name}」事中核查发现承诺不实：{findings}。已告知申请人；待本机关作出终止办理决定"


def reverification_failed(name: str, findings: str) -> str:
    return f"「{name}」整改复核仍不符合：{findings}"


def found_untrue(name: str, routine: bool, findings: str) -> str:
    return f"「{name}」{'日常监管' if routine else ''}核查发现承诺不实，待处置：{findings}"


def rectification_submitted(name: str, evidence: str) -> str:
    return f"提交「{name}」整改材料：{evidence}，待复核"


# ---- measures on an untrue promise ---------------------------------------------------------


def rectification_ordered(label: str, days: int, by: datetime | None, reason: str) -> str:
    when = f"（{china_time(by)}前）" if by else "（自收到本通知书之日起计算）"
    return f"{label}，限{days}日内{when}整改。理由：{reason}"


# ---- notices served (送达) ----------------------------------------------------------------

NOTICE_TITLES = {
    "approval": "准予行政许可决定书",
    "reject": "不予批准决定书",
    "terminate": "终止办理决定书",
    "finding": "事中核查结果告知书",
    "proposal": "拟撤销行政许可告知书",
    "revoke": "撤销行政许可决定书",
    "not_revoke": "不予撤销决定书",
    "order": "责令限期整改通知书",
    "penalize": "行政处罚决定书",
    "refer": "涉嫌犯罪案件移送告知书",
}
SERVICE_METHODS = {"in_person": "直接送达", "post": "邮寄送达", "electronic": "电子送达（申请人首次打开）", "deemed": "视为送达"}


def served(no: int, title: str, method: str, at: datetime) -> str:
    return f"第{no}号文书《{title}》已{SERVICE_METHODS[method]}，送达时间{china_time(at)}"


def statement_period_from_service(title: str, until: datetime) -> str:
    return f"陈述申辩期自《{title}》送达之日起计算，至{china_time(until)}"


def revocation_proposed_to_serve(grounds: str, revoke_basis: str, days: int) -> str:
    return (
        f"拟撤销行政决定：{grounds}。以《拟撤销行政许可告知书》告知申请人拟作出决定的事实、理由及依据（{revoke_basis}），"
        f"申请人可自收到告知书之日起{days}个工作日内陈述、申辩"
    )


def measure(label: str, reason: str) -> str:
    return f"{label}。理由：{reason}"


def penalized(reason: str, words: str) -> str:
    return f"作出行政处罚决定。理由：{reason}。{words}"


def referred(organ: str | None, reason: str, words: str) -> str:
    return f"移送{organ}。理由：{reason}。{words}"


def decision_kept(ground: str) -> str:
    return f"不予撤销、原行政决定继续有效的理由（《中华人民共和国行政许可法》第六十九条第三款）：{ground}"


FINDING_STAYS_OPEN = "承诺不实的认定仍待本机关处理：行政许可不因处罚或移送而继续有效，须责令限期整改或者撤销"


def rectification_missed(name: str) -> str:
    """The grounds of a revocation proposed when a rectification period passes."""
    return f"「{name}」逾期未整改"


def reverification_failed_grounds(name: str, findings: str) -> str:
    return f"「{name}」整改复核仍不符合（{findings}）"


# ---- the hearing (陈述、申辩) ----------------------------------------------------------------


def revocation_proposed(grounds: str, revoke_basis: str, until: datetime | None, statement_basis: str) -> str:
    return (
        f"拟撤销行政决定：{grounds}。已告知申请人拟作出决定的事实、理由及依据（{revoke_basis}），"
        f"申请人可于{china_time(until)}前陈述、申辩（{statement_basis}）"
    )


JOINED_HEARING = "（并入正在进行的陈述申辩程序：已提出的陈述申辩意见继续有效，申请人可就新增事实和理由再行陈述申辩）"


def statement(text: str) -> str:
    return f"提出陈述、申辩：{text}"


def heard(statement_text: str | None) -> str:
    return f"（申请人陈述申辩：{statement_text}）" if statement_text else "（申请人未陈述申辩）"


def revoked(heard_words: str, reason: str, words: str) -> str:
    return f"作出撤销行政决定{heard_words}。理由：{reason}。{words}"


def not_revoked(heard_words: str, finding_stands: bool, reason: str) -> str:
    outcome = "核查结论维持，待另行处置" if finding_stands else "陈述申辩理由成立，核查结论更正为属实"
    return f"决定不予撤销{heard_words}：{outcome}。理由：{reason}"


def follow_up_closed(reason: str) -> str:
    return f"后续处理完毕。理由：{reason}"


# ---- the end ---------------------------------------------------------------------------------


def closed(status: ApplicationStatus) -> str:
    return f"办结：{STATUS_LABELS[status]}"


def continued(run: int) -> str:
    return f"案卷工作流历史较长，转入第{run}段运行继续办理（状态与期限不变）"


# The notes of the credit records a case writes at its end, as the credit office reads them.
KEPT_VERIFIED = "监管期满，承诺经核查属实"
NO_FINDING = "监管期满，未发现承诺不实"
