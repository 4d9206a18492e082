"""What may happen now: one guard per action, a pure function of the case as it stands (its view),
who asks and when. A guard returns quietly or raises the refusal (403 or 409, in Chinese).

The workflow's validators call them (and then check what was sent: a letter's hash, a decision
number, a period's length); the console offers only what they allow; the case's answer lists it
(`actions`). `legal=False`: a case opened before organ-decisions, whose validators still apply
some older rules (workflows/application/before_patches.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from temporalio.exceptions import ApplicationError

from workflows.case import FOUND_UNTRUE, ROUTINE, china_time
from workflows.rules import (
    BEFORE_DECISION,
    DISPOSITION_LABELS,
    DISPOSITION_ROLES,
    FOLLOW_UP,
    STATUS_LABELS,
    VERIFICATION_LABELS,
    check_action,
    check_scope,
    conflict,
    forbidden,
)
from workflows.types import (
    Actor,
    ApplicationStatus as S,
    ApplicationView,
    DispositionAction as D,
    Hearing,
    MatterCase,
    MatterMode,
    Notice,
    Role,
    TerminationGround,
    VerificationState as V,
)


def refusal(guard: Callable[..., Any], *args: Any, **kwargs: Any) -> str | None:
    """None if the guard lets it happen now, else why not."""
    try:
        guard(*args, **kwargs)
    except ApplicationError as refused:
        return refused.message
    return None


def who(action: str, case: ApplicationView, actor: Actor) -> None:
    """The role, the applicant's own case, the status and the department."""
    check_action(action, actor, case.status, case.applicant.id)
    check_scope(actor, case.departments)


def _acting_on(action: str, case: ApplicationView, actor: Actor, code: str) -> MatterCase:
    """who() for an action on one matter, and the matter."""
    who(action, case, actor)
    found = next((m for m in case.matters if m.code == code), None)
    if found is None:
        raise conflict(f"本申请不涉及证明事项 {code}")
    return found


def in_follow_up(case: ApplicationView) -> bool:
    """After 终止办理 or revocation: penalty and referral may still follow (the view shows the
    period only while it runs)."""
    return case.follow_up_until is not None and case.closed_at is None


def statement_period_over(hearing: Hearing, now: datetime) -> bool:
    return hearing.period_over or (hearing.statement_until is not None and now >= hearing.statement_until)


def statement_open(hearing: Hearing | None, now: datetime) -> bool:
    """The applicant may still state their case (陈述、申辩)."""
    return hearing is not None and hearing.statement is None and not statement_period_over(hearing, now)


# ---- per matter ------------------------------------------------------------------------------


def commit(case: ApplicationView, actor: Actor, now: datetime, code: str, legal: bool = True) -> MatterCase:
    m = _acting_on("commit", case, actor, code)
    if not m.eligible:
        raise conflict(f"「{m.name}」不能以承诺方式办理：{m.ineligible_reason}")
    if m.mode == MatterMode.commitment:
        raise conflict(f"「{m.name}」已作出承诺")
    if m.mode == MatterMode.proof:
        raise conflict(f"「{m.name}」已选择提交证明")
    if actor.role == Role.caseworker and not legal:
        raise forbidden("承办人只能录入申请人在窗口书面签署的承诺书（signature=paper，附扫描件摘要），不得代为承诺")
    return m


def proof(case: ApplicationView, actor: Actor, now: datetime, code: str) -> MatterCase:
    m = _acting_on("proof", case, actor, code)
    if m.mode == MatterMode.commitment:
        raise conflict(f"「{m.name}」已作出承诺；如改为提交证明，请先撤回承诺")
    if m.proof_sha256:
        raise conflict(f"「{m.name}」的证明材料已提交")
    return m


def withdraw(case: ApplicationView, actor: Actor, now: datetime, code: str) -> MatterCase:
    m = _acting_on("withdraw", case, actor, code)
    if m.mode != MatterMode.commitment:
        raise conflict(f"「{m.name}」没有可撤回的承诺")
    if m.verification == V.untrue:
        raise conflict(f"「{m.name}」事中核查发现承诺不实，待本机关作出终止办理决定，不能撤回承诺")
    return m


def _awaiting_termination(case: ApplicationView) -> list[str]:
    """Matters found untrue by 事中核查, awaiting the organ's 终止办理 (organ-terminates)."""
    return [m.name for m in case.matters if m.verification == V.untrue] if case.status in BEFORE_DECISION else []


def routine_check(case: ApplicationView, m: MatterCase, legal: bool = True) -> bool:
    """日常监管 (since organ-decisions): any committed matter verified again after approval."""
    return legal and m.verification in ROUTINE and case.status not in BEFORE_DECISION and m.mode == MatterMode.commitment


def verification(case: ApplicationView, actor: Actor, now: datetime, code: str, legal: bool = True) -> MatterCase:
    m = _acting_on("verification", case, actor, code)
    if routine_check(case, m, legal):
        if m.window_end and now >= m.window_end:
            raise conflict(f"「{m.name}」的监管期已于{china_time(m.window_end)}届满，不能再行核查")
        return m  # daily supervision: any committed matter, any time within its own window
    allowed = (V.pending,) if case.status in BEFORE_DECISION else (V.scheduled, V.due, V.reverifying)
    if m.verification not in allowed:
        raise conflict(f"「{m.name}」当前为「{VERIFICATION_LABELS[m.verification]}」，不能登记核查结果")
    return m


def rectification(case: ApplicationView, actor: Actor, now: datetime, code: str, kept: bool = True) -> MatterCase:
    """`kept` (measures-keep-rights): also while another matter's revocation is heard."""
    m = _acting_on("rectification", case, actor, code)
    if case.status == S.hearing and not kept:
        raise conflict(f"申请当前状态为「{STATUS_LABELS[case.status]}」，不能执行此操作")
    if m.verification != V.rectifying:
        raise conflict(f"「{m.name}」没有待整改的事项")
    if m.rectify_by and now >= m.rectify_by:
        raise conflict(f"「{m.name}」整改期限已过")
    return m


# ---- the whole case ----------------------------------------------------------------------------


def decision(case: ApplicationView, actor: Actor, now: datetime, approve: bool = False) -> None:
    who("decision", case, actor)
    if untrue := _awaiting_termination(case):
        raise conflict(f"事中核查发现「{'、'.join(untrue)}」承诺不实，应作出终止办理决定")
    pending = [m.name for m in case.matters if m.verification == V.pending]
    if approve and pending:
        raise conflict(f"事中核查尚未完成：{'、'.join(pending)}")


def complaint(case: ApplicationView, actor: Actor, now: datetime) -> None:
    who("complaint", case, actor)


def cancel(case: ApplicationView, actor: Actor, now: datetime) -> None:
    who("cancel", case, actor)
    if actor.role == Role.applicant and (untrue := _awaiting_termination(case)):
        raise conflict(f"事中核查发现「{'、'.join(untrue)}」承诺不实，待本机关作出终止办理决定，不能撤回申请")


def termination(
    case: ApplicationView, ground: TerminationGround | None, ground_id: str | None, decision_no: str | None, told: bool = False
) -> None:
    """What the office's 终止办理 must carry (organ-terminates): a ground of the case's list and a
    number; `told` (notices-served): a finding only once its notice is served on the applicant."""
    if ground is None:
        raise conflict(f"终止办理须选择终止事由（{ground_id or '未选择'}不在本案适用的终止事由目录中）")
    if not decision_no:
        raise conflict("终止办理决定须注明决定书文号")
    if ground.finding and not _awaiting_termination(case):
        raise conflict(f"「{ground.label}」须有事中核查发现承诺不实的结论")
    unserved = [n for n in case.notices if n.kind == "finding" and n.served_at is None]
    if told and ground.finding and unserved:
        raise conflict(f"《{unserved[0].title}》（第{unserved[0].no}号）尚未送达申请人，送达后方可作出终止办理决定")


SERVICE_METHODS = ("in_person", "post")  # the office records these; electronic is the applicant's opening


def _notice(case: ApplicationView, no: int) -> Notice:
    if not 1 <= no <= len(case.notices):
        raise conflict(f"本案没有第{no}号文书")
    return case.notices[no - 1]


def service(case: ApplicationView, actor: Actor, now: datetime, no: int, method: str, at: datetime) -> Notice:
    """The office records a notice served in person or by post, with the date of receipt."""
    who("serve", case, actor)
    n = _notice(case, no)
    if n.served_at is not None:
        raise conflict(f"第{no}号文书已于{china_time(n.served_at)}送达")
    if method not in SERVICE_METHODS:
        raise conflict("送达方式须为直接送达（in_person）或邮寄送达（post）；电子送达以申请人首次打开为准")
    if not n.issued_at.replace(second=0, microsecond=0) <= at <= now:  # a receipt says the minute at most
        raise conflict(f"送达时间须在文书发出（{china_time(n.issued_at)}）之后、不晚于现在")
    return n


def opening_notice(case: ApplicationView, actor: Actor, now: datetime, no: int) -> Notice:
    """The applicant opens a notice of their own case (the first opening serves it)."""
    who("read_notice", case, actor)
    n = _notice(case, no)
    if n.read_at is not None:
        raise conflict(f"第{no}号文书已于{china_time(n.read_at)}打开")
    return n


def recompute(case: ApplicationView, actor: Actor, now: datetime) -> None:
    who("recompute", case, actor)


def disposition(case: ApplicationView, actor: Actor, now: datetime, measure: D, kept: bool = True) -> None:
    """One measure on an untrue finding, as organ-decisions has it: penalty and referral stand
    alone on any untrue finding, also after 终止办理 or revocation while the follow-up period
    runs; revoke proposes; rectify orders what awaits a measure. `kept` (measures-keep-rights):
    no proposal on a matter whose rectification runs, a proposal joins an open hearing, no fine
    after a referral."""
    who("disposition", case, actor)
    if actor.role not in DISPOSITION_ROLES[measure]:
        raise forbidden(f"{DISPOSITION_LABELS[measure]}须由负责人作出")
    states = {m.verification for m in case.matters}
    if case.status in FOLLOW_UP:
        if not in_follow_up(case):
            raise conflict("本案已办结，不能再作处置")
        if measure in (D.rectify, D.revoke):
            raise conflict(f"申请已「{STATUS_LABELS[case.status]}」，只能作出行政处罚或移送司法机关")
    if measure == D.rectify and V.untrue not in states:
        raise conflict("没有待处置的不实承诺")
    if measure == D.revoke:
        if case.hearing and not kept:
            raise conflict("撤销程序已启动，正在陈述申辩期，请在期满后作出决定")
        if kept and V.untrue not in states and V.rectifying in states:
            raise conflict("责令整改期限届满或者整改复核不合格之前，不能拟撤销：申请人有权在期限内整改")
        if not states & ({V.untrue} if kept else {V.untrue, V.rectifying}):
            raise conflict("没有待处置的不实承诺")
    if not (states & FOUND_UNTRUE or (case.status == S.terminated and V.untrue in states)):
        raise conflict("本案没有核查不实的承诺，不能处置")
    if measure == D.penalize and case.penalized:
        raise conflict("已作出行政处罚")
    if measure == D.refer and case.referred:
        raise conflict("已移送司法机关")
    if kept and measure == D.penalize and case.referred:
        raise conflict(FINE_WAITS)


FINE_WAITS = "已移送司法机关：行政处罚（罚款）待司法机关作出处理后再行决定（《中华人民共和国行政处罚法》第二十七条、第三十五条）"


def measures_together(case: ApplicationView, main: D, actions: list[D], keep_decision: str | None) -> None:
    """What one disposition may carry together (measures-keep-rights)."""
    if D.penalize in actions and D.refer in actions:
        raise conflict(FINE_WAITS)
    if keep_decision and (main != D.penalize or case.status in FOLLOW_UP):
        raise conflict("不予撤销、决定继续有效的理由只适用于行政许可有效期间单独作出的行政处罚")


def statement(case: ApplicationView, actor: Actor, now: datetime) -> Hearing:
    who("statement", case, actor)
    h = case.hearing
    if h is None or h.statement is not None:
        raise conflict("没有待陈述申辩的拟撤销决定，或已提出陈述申辩")
    if not statement_open(h, now):
        raise conflict("陈述申辩期已满")
    return h


def revocation(case: ApplicationView, actor: Actor, now: datetime) -> Hearing:
    who("revocation", case, actor)
    h = case.hearing
    if h is None:
        raise conflict("没有拟撤销的决定")
    if not (statement_period_over(h, now) or h.statement):
        raise conflict(f"陈述申辩期至{china_time(h.statement_until)}，期满或申请人陈述申辩后方可作出决定")
    return h


def close(case: ApplicationView, actor: Actor, now: datetime) -> None:
    who("close", case, actor)
    if not in_follow_up(case):
        raise conflict("本案没有待办结的后续处理")


# ---- everything at once -------------------------------------------------------------------------

PATHS = {  # each action's path under /applications/{id}/ (api/routes/applications.py)
    "commit": "commit",
    "proof": "proof",
    "withdraw": "withdraw-commitment",
    "decision": "decision",
    "complaint": "complaints",
    "verification": "verification",
    "disposition": "disposition",
    "rectification": "rectification",
    "cancel": "cancel",
    "statement": "statement",
    "revocation": "revocation",
    "close": "close",
}
MATTER_GUARDS: dict[str, Callable[..., MatterCase]] = {
    "commit": commit,
    "proof": proof,
    "withdraw": withdraw,
    "verification": verification,
    "rectification": rectification,
}
CASE_GUARDS: dict[str, Callable[..., Any]] = {"decision": decision, "complaint": complaint}
HEARING_GUARDS: dict[str, Callable[..., Any]] = {
    "statement": statement,
    "revocation": revocation,
    "close": close,
    "cancel": cancel,
}


def available(case: ApplicationView, actor: Actor, now: datetime) -> Iterator[tuple[str, str | None]]:
    """What the actor may do on the case now, as (action, matter code or measure): per matter
    first, in the case's order, then for the whole case, each measure on an untrue finding on
    its own."""
    for m in case.matters:
        for action, guard in MATTER_GUARDS.items():
            if refusal(guard, case, actor, now, m.code) is None:
                yield action, m.code
    for action, guard in CASE_GUARDS.items():
        if refusal(guard, case, actor, now) is None:
            yield action, None
    for measure in D:
        if refusal(disposition, case, actor, now, measure) is None:
            yield "disposition", measure.value
    for action, guard in HEARING_GUARDS.items():
        if refusal(guard, case, actor, now) is None:
            yield action, None
