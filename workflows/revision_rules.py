"""Who may take which step of a catalogue revision, in which status; and the labels.

The revision workflow's validators and the API read these tables; nothing else decides them.
"""

from __future__ import annotations

from temporalio.exceptions import ApplicationError

from workflows.catalogue_types import RevisionStatus as R
from workflows.rules import ROLE_LABELS, conflict, forbidden
from workflows.types import Actor, Role

DRAFTERS = frozenset({Role.department, Role.admin})  # admin: a district-wide import
BUREAU = frozenset({Role.bureau})
FINAL = frozenset({R.published, R.withdrawn})

# step -> (roles allowed, statuses allowed)
STEPS: dict[str, tuple[frozenset[Role], frozenset[R]]] = {
    "create": (DRAFTERS, frozenset()),
    "edit": (DRAFTERS, frozenset({R.draft})),
    "submit": (DRAFTERS, frozenset({R.draft})),
    "withdraw": (DRAFTERS, frozenset({R.draft})),
    "review": (BUREAU, frozenset({R.submitted})),
    "file": (BUREAU, frozenset({R.approved})),
    "publish": (BUREAU, frozenset({R.filed})),
}
STEP_LABELS: dict[str, str] = {
    "create": "起草",
    "edit": "修改草案",
    "submit": "上报",
    "withdraw": "撤回",
    "review": "审定",
    "approve": "审定通过",
    "send_back": "退回修改",
    "file": "备案",
    "publish": "公布",
}
STATUS_LABELS: dict[R, str] = {
    R.draft: "起草中",
    R.submitted: "已上报，待审定",
    R.approved: "审定通过，待备案",
    R.filed: "已备案，待公布",
    R.published: "已公布",
    R.withdrawn: "已撤回",
}
# who may read revisions: a department its own, the bureau, administrators and auditors all
READERS = frozenset({Role.department, Role.bureau, Role.admin, Role.auditor})


def invalid(message: str, *details: object) -> ApplicationError:
    """The input itself is wrong (HTTP 422)."""
    return ApplicationError(message, *details, type="Invalid", non_retryable=True)


def may_draft_for(actor: Actor, department: str | None) -> bool:
    """An administrator drafts for anyone; a department's officer only for that department (a
    district-wide revision, department None, is an administrator's)."""
    if actor.role == Role.admin:
        return True
    return actor.role == Role.department and (actor.department is None or actor.department == department)


def check_step(step: str, actor: Actor, status: R, department: str | None) -> None:
    """Refuse a step the actor's role, department or the revision's status does not allow."""
    roles, statuses = STEPS[step]
    if actor.role not in roles:
        allowed = "、".join(ROLE_LABELS[r] for r in sorted(roles))
        raise forbidden(f"{ROLE_LABELS[actor.role]}无权{STEP_LABELS[step]}清单调整（仅限{allowed}）")
    if roles is DRAFTERS and not may_draft_for(actor, department):
        raise forbidden(f"{actor.department or ROLE_LABELS[actor.role]}无权办理{department or '全区'}的清单调整")
    if status not in statuses:
        raise conflict(f"清单调整当前状态为「{STATUS_LABELS[status]}」，不能{STEP_LABELS[step]}")


def may_read(actor: Actor, department: str | None) -> bool:
    if actor.role not in READERS:
        return False
    return actor.role != Role.department or actor.department is None or actor.department == department
