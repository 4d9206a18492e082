"""The rules of an application, as data: who may do what, in which status, and the labels.

Update validators and the API both read these tables; nothing else decides them.
"""

from __future__ import annotations

from collections.abc import Iterable

from temporalio.exceptions import ApplicationError

from workflows.types import (
    Actor,
    ApplicationStatus as S,
    CreditAssessment,
    DispositionAction,
    MatterEntry,
    MatterMode,
    Role,
    VerificationState as V,
)

FINAL_STATUSES = frozenset(
    {S.fulfilled, S.rectified, S.rejected, S.terminated, S.revoked, S.cancelled, S.no_finding, S.sanctioned, S.granted}
)
BEFORE_DECISION = frozenset({S.notified, S.reviewing})
AFTER_APPROVAL = frozenset({S.approved, S.verifying, S.rectifying, S.hearing})
# After 终止办理 or revocation on an untrue promise, the case stays open for follow-up measures
# (penalty, referral) until the supervisor closes it or the follow-up period ends.
FOLLOW_UP = frozenset({S.terminated, S.revoked})

ALLOWED_TRANSITIONS: dict[S, frozenset[S]] = {
    S.opening: frozenset({S.notified}),
    S.notified: frozenset({S.reviewing, S.cancelled, S.terminated}),
    S.reviewing: frozenset({S.notified, S.approved, S.rejected, S.cancelled, S.terminated, S.granted}),
    S.approved: frozenset({S.verifying, S.fulfilled, S.rectified, S.no_finding, S.sanctioned}),
    S.verifying: frozenset({S.approved, S.rectifying, S.revoked, S.hearing}),
    S.rectifying: frozenset({S.verifying, S.approved, S.revoked, S.hearing}),
    S.hearing: frozenset({S.revoked, S.verifying, S.rectifying, S.approved}),
}

# action -> (roles allowed, statuses allowed)
ACTIONS: dict[str, tuple[frozenset[Role], frozenset[S]]] = {
    "open": (frozenset({Role.applicant, Role.caseworker}), frozenset({S.opening})),
    "commit": (frozenset({Role.applicant, Role.caseworker}), BEFORE_DECISION),  # caseworker: paper, at the counter
    "proof": (frozenset({Role.applicant, Role.caseworker}), BEFORE_DECISION),
    "withdraw": (frozenset({Role.applicant}), BEFORE_DECISION),
    "decision": (frozenset({Role.caseworker, Role.supervisor}), frozenset({S.reviewing})),
    "complaint": (
        frozenset({Role.public, Role.applicant, Role.caseworker, Role.supervisor}),
        BEFORE_DECISION | AFTER_APPROVAL,
    ),
    "verification": (frozenset({Role.verifier}), BEFORE_DECISION | AFTER_APPROVAL),
    "disposition": (frozenset({Role.caseworker, Role.supervisor}), frozenset({S.verifying, S.rectifying, S.hearing}) | FOLLOW_UP),
    "rectification": (frozenset({Role.applicant}), frozenset({S.rectifying, S.hearing})),  # hearing: measures-keep-rights
    "cancel": (frozenset({Role.applicant, Role.caseworker, Role.supervisor}), BEFORE_DECISION),  # the office: 终止办理
    "recompute": (frozenset({Role.admin}), AFTER_APPROVAL),
    "statement": (frozenset({Role.applicant}), frozenset({S.hearing})),
    "revocation": (frozenset({Role.supervisor}), frozenset({S.hearing})),
    "close": (frozenset({Role.supervisor}), FOLLOW_UP),
    "serve": (frozenset({Role.caseworker, Role.supervisor}), frozenset(S) - {S.opening, S.aborted}),  # notices-served
    "read_notice": (frozenset({Role.applicant}), frozenset(S) - {S.opening, S.aborted}),
}

# Revocation, penalty and referral are signed off by the 负责人; rectification may be ordered
# by the caseworker.
DISPOSITION_ROLES: dict[DispositionAction, frozenset[Role]] = {
    DispositionAction.rectify: frozenset({Role.caseworker, Role.supervisor}),
    DispositionAction.revoke: frozenset({Role.supervisor}),
    DispositionAction.penalize: frozenset({Role.supervisor}),
    DispositionAction.refer: frozenset({Role.supervisor}),
}
MAX_RECTIFY_DAYS = 365

STATUS_LABELS: dict[S, str] = {
    S.opening: "受理中",
    S.notified: "已告知",
    S.reviewing: "审查中",
    S.approved: "已批准（监管期）",
    S.verifying: "核查中",
    S.rectifying: "限期整改中",
    S.fulfilled: "已履诺办结",
    S.rectified: "整改到位办结",
    S.rejected: "不予批准",
    S.terminated: "终止办理",
    S.revoked: "撤销行政决定",
    S.cancelled: "申请人撤回申请",
    S.hearing: "拟撤销，陈述申辩中",
    S.no_finding: "监管期满未发现承诺不实",
    S.sanctioned: "不实承诺已依法处理办结",
    S.granted: "已批准办结（未适用承诺）",
    S.aborted: "工作流异常终止（待人工处理）",
}
ROLE_LABELS: dict[Role, str] = {
    Role.applicant: "申请人",
    Role.caseworker: "承办人",
    Role.verifier: "核查人员",
    Role.supervisor: "负责人",
    Role.admin: "管理员",
    Role.auditor: "督查审计",
    Role.public: "社会公众",
    Role.credit_officer: "信用管理部门",
    Role.department: "部门清单管理员",
    Role.bureau: "司法行政部门",
}
MODE_LABELS: dict[MatterMode, str] = {
    MatterMode.undecided: "待选择",
    MatterMode.commitment: "告知承诺",
    MatterMode.proof: "提交证明",
}
VERIFICATION_LABELS: dict[V, str] = {
    V.none: "尚无核查任务",
    V.exempt: "免于核查",
    V.pending: "事中核查待完成",
    V.scheduled: "事后核查已排期",
    V.sampled_out: "未抽中（投诉举报时核查）",
    V.due: "核查到期",
    V.true: "核查属实",
    V.untrue: "承诺不实，待处置",
    V.rectifying: "责令限期整改",
    V.reverifying: "整改复核中",
    V.rectified: "整改到位",
    V.revoked: "已撤销",
    V.proposed: "拟撤销，陈述申辩中",
    V.disposed: "不实承诺已依法处理",
}
DISPOSITION_LABELS: dict[DispositionAction, str] = {
    DispositionAction.rectify: "责令限期整改",
    DispositionAction.revoke: "撤销行政决定",
    DispositionAction.penalize: "行政处罚",
    DispositionAction.refer: "移送司法机关",
}


def forbidden(message: str) -> ApplicationError:
    """The actor's role may not take this action (HTTP 403)."""
    return ApplicationError(message, type="Forbidden", non_retryable=True)


def conflict(message: str) -> ApplicationError:
    """The action does not fit the case's present state (HTTP 409)."""
    return ApplicationError(message, type="Conflict", non_retryable=True)


def check_role(action: str, role: Role) -> None:
    """Refuse an action the actor's role may not take."""
    roles = ACTIONS[action][0]
    if role not in roles:
        allowed = "、".join(ROLE_LABELS[r] for r in sorted(roles))
        raise forbidden(f"{ROLE_LABELS[role]}无权执行此操作（仅限{allowed}）")


# Actions an applicant may take only on their own application (nobody commits on their behalf).
OWN_CASE_ONLY = frozenset({"commit", "proof", "withdraw", "rectification", "cancel", "statement", "read_notice"})


def check_action(action: str, actor: Actor, status: S, applicant_id: str) -> None:
    """Refuse an action the actor's role, the actor's identity or the case's status does not allow."""
    check_role(action, actor.role)
    if actor.role == Role.applicant and action in OWN_CASE_ONLY and actor.id != applicant_id:
        raise forbidden("申请人只能办理本人的申请，任何人不得代为承诺")
    if status not in ACTIONS[action][1]:
        raise conflict(f"申请当前状态为「{STATUS_LABELS[status]}」，不能执行此操作")


SCOPED = frozenset({Role.caseworker, Role.verifier})  # roles that belong to a department


def in_scope(actor: Actor, departments: Iterable[str]) -> bool:
    """A department's caseworkers and verifiers reach only cases with a matter of theirs."""
    return actor.role not in SCOPED or actor.department is None or actor.department in departments


def check_scope(actor: Actor, departments: Iterable[str]) -> None:
    if not in_scope(actor, departments):
        raise forbidden(f"{actor.department}无权办理本申请：本申请不涉及该部门的证明事项")


def check_transition(old: S, new: S) -> None:
    """Every status change passes here; an illegal one is a bug, not a user error."""
    if new != old and new not in ALLOWED_TRANSITIONS.get(old, frozenset()):
        raise ApplicationError(f"illegal transition {old} -> {new}", type="IllegalTransition", non_retryable=True)


# credit record kind -> (severity, label). Severity follows the 2026 NDRC repair rules:
# minor / general / serious; a kept promise is a positive record, a window over without a
# finding a neutral one. Cases since organ-decisions write a record only when the finding is
# final (with the disposition), worded by what happened; a referral is not graded serious
# before any judicial finding.
CREDIT_KINDS: dict[str, tuple[str, str]] = {
    "kept_promise": ("positive", "履行承诺（经核查属实）"),
    "no_finding": ("neutral", "监管期满未发现承诺不实"),
    "false_commitment": ("general", "虚假承诺"),
    "terminated": ("general", "承诺不实，终止办理"),
    "untrue_rectified": ("minor", "承诺不实，已按期整改到位"),
    "revoked": ("serious", "虚假承诺致撤销行政决定"),
    "penalized": ("general", "虚假承诺受到行政处罚"),
    "referred": ("serious", "虚假承诺涉嫌犯罪移送司法机关"),
    "referred_pending": ("general", "承诺不实，已移送司法机关（待司法认定）"),
    "serious_dishonesty": ("serious", "严重失信记录（信用平台归集）"),
}
DECISION_LABELS: dict[str, str] = {
    "reject": "不予批准决定",
    "terminate": "终止办理",
    "revoke": "撤销行政决定",
    "penalize": "行政处罚决定",
    "refer": "移送司法机关",
}
CREDIT_KIND_OF: dict[DispositionAction, str] = {
    DispositionAction.revoke: "revoked",
    DispositionAction.penalize: "penalized",
    DispositionAction.refer: "referred",
}

# Grades and their measures are data: credit/rules.py (the rules) and credit/data/rules.json.


def ineligibility(entry: MatterEntry, credit: CreditAssessment) -> str | None:
    """Why a matter cannot be done by commitment for this applicant; None if it can."""
    if not entry.commitment_allowed:
        return f"该证明事项不适用告知承诺制：{entry.exclusion_reason or '风险较大'}"
    if credit.barred:
        return f"申请人{credit.reason}，信用修复前不适用告知承诺制"
    return None


def may_see(actor: Actor, applicant_id: str) -> bool:
    """Staff see every case; an applicant sees only their own cases and credit archive."""
    return actor.role != Role.applicant or actor.id == applicant_id


# Who may read what through the API (writes are checked by ACTIONS in the workflow).
STAFF = frozenset({Role.caseworker, Role.verifier, Role.supervisor, Role.admin, Role.auditor})
READS: dict[str, frozenset[Role]] = {
    "catalogue": frozenset(Role),
    "applications": STAFF | {Role.applicant},
    "history": frozenset({Role.caseworker, Role.supervisor, Role.admin, Role.auditor}),
    "credit": STAFF | {Role.applicant, Role.credit_officer},
    "credit_rules": frozenset(Role),  # the grading rules are public to every holder of a token
    "grade_changes": frozenset({Role.credit_officer, Role.auditor, Role.supervisor}),
}
