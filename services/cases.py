"""The case service: opening, acting and reading a case, as the API's routes and the console
both do it (neither calls the other). Errors are HTTPExceptions the API and the console show
alike; the workflow's refusals arrive as ApplicationErrors its callers turn into 403/409."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any, cast

from fastapi import HTTPException
from pydantic import BaseModel
from sqlmodel import Session, select
from temporalio.client import WithStartWorkflowOperation, WorkflowExecutionStatus
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError

from activities.credit import assessment
from activities.projection import disclosed_row, view_of, workflow_id
from api import claims, schemas
from api.deps import Db
from api.errors import CaseGone, busy, http_error
from api.temporal import Temporal
from config import Settings
from db.models import Application, CaseEvent, Letter, Matter
from letters.store import case_letter_pdf
from security import texts
from security.pseudonyms import Pseudonyms
from services import complaints
from workflows import guards
from workflows.application import ApplicationWorkflow as W
from workflows.rules import MODE_LABELS, READS, ROLE_LABELS, VERIFICATION_LABELS, check_role, in_scope, may_see
from workflows.types import (
    Actor,
    Applicant,
    CancelInput,
    CloseInput,
    CommitInput,
    ComplaintInput,
    DecisionInput,
    DispositionInput,
    MatterMode,
    NoticeOpened,
    OpenApplicationInput,
    ProofInput,
    RectificationInput,
    RevocationDecisionInput,
    Role,
    ServiceInput,
    StatementInput,
    VerificationInput,
    VerificationState,
    WithdrawInput,
)

# ---- reading ------------------------------------------------------------------------------------


def application_out(row: Application, actor: Actor | None = None) -> schemas.ApplicationOut:
    """The case as the API answers it; with `actor`, what they may do on it now."""
    matters = [
        {
            **m,
            "mode_label": MODE_LABELS[MatterMode(m["mode"])],
            "verification_label": VERIFICATION_LABELS[VerificationState(m["verification"])],
        }
        for m in row.matters
    ]
    return schemas.ApplicationOut(
        id=row.application_id,
        applicant={"id": row.applicant_id, "name": row.applicant_name, "kind": row.applicant_kind},
        matters=matters,
        notices=[{k: v for k, v in n.items() if k != "text"} for n in row.notices or []],
        **row.model_dump(exclude={"application_id", "applicant_id", "applicant_name", "applicant_kind", "matters", "notices"}),
        actions=None if actor is None else actions_out(row, actor),
    )


def actions_out(row: Application, actor: Actor) -> list[schemas.ActionOut]:
    case, matters = view_of(row), {m["code"] for m in row.matters}
    return [
        schemas.ActionOut(
            action=guards.PATHS[action], matter=key if key in matters else None, measure=key if action == "disposition" else None
        )
        for action, key in guards.available(case, actor, datetime.now(timezone.utc))
    ]


def known_as(actor: Actor, pseudonyms: Pseudonyms, row: Application | None = None) -> Actor:
    """The actor as the workflow knows them: an applicant by their pseudonym (by the ID number
    itself on a case opened before pseudonyms, as its row says)."""
    if actor.role != Role.applicant:
        return actor
    if row is not None and row.applicant_id == actor.id and row.applicant_ref is None:
        return actor
    return Actor(pseudonyms.of(actor.id), actor.role, actor.department)


# Body fields of free text: kept in the database, sent to the case as a reference (security/texts.py).
FREE_TEXTS = ("reason", "findings", "evidence", "text", "document")


def kept_texts(session: Session, application_id: str, body: BaseModel, actor: Actor) -> BaseModel:
    refs = {
        f: texts.keep(session, application_id, f, getattr(body, f), actor.id) for f in FREE_TEXTS if f in type(body).model_fields
    }
    if refs:
        session.commit()
    return body.model_copy(update=refs)


def same_application(row: Application, body: schemas.ApplicationCreate, actor: Actor) -> schemas.ApplicationOut:
    """The case an opening POST names; 409 if its id already belongs to another application."""
    if (row.applicant_id, row.service, [m["code"] for m in row.matters]) != (body.applicant.id, body.service, body.matters):
        raise HTTPException(409, f"申请编号 {body.application_id} 已用于另一申请（申请人、事项或证明事项不同）")
    if not may_see(actor, row.applicant_id):
        raise HTTPException(403, "申请人只能查看本人的申请")
    return application_out(row, actor)


def update_id(action: str, body: BaseModel, actor: Actor, key: str | None) -> str | None:
    """An Idempotency-Key names one request of one actor: the same key from someone else, or
    with another action or body, is another request, never answered with the first one's result."""
    if key is None:
        return None
    digest = hashlib.sha256(f"{actor.role}:{actor.id}:{body.model_dump_json()}".encode()).hexdigest()[:16]
    return f"{action}:{key}:{digest}"


def case_row(application_id: str, session: Session, actor: Actor | None = None) -> Application:
    """The case's row; 404 if unknown, 403 if the actor may not see it."""
    if actor is not None and actor.role not in READS["applications"]:
        raise HTTPException(403, f"{ROLE_LABELS[actor.role]}无权查看申请案卷")
    row = session.get(Application, application_id)
    if row is None:
        raise HTTPException(404, f"申请 {application_id} 不存在")
    if actor is not None and not may_see(actor, row.applicant_id):
        raise HTTPException(403, "申请人只能查看本人的申请")
    if actor is not None and not in_scope(actor, row.departments or []):
        raise HTTPException(403, f"{actor.department}无权查看本申请：本申请不涉及该部门的证明事项")
    return row


def notified_letter(row: Application, matter: str, session: Session) -> Letter:
    """The letter the case notified for that matter; 404 if the matter has none in this case."""
    sha = next((m["letter_sha256"] for m in row.matters if m["code"] == matter), None)
    letter = session.get(Letter, sha) if sha else None
    if letter is None:
        raise HTTPException(404, f"事项 {matter} 没有告知承诺书（不适用承诺或不属于本申请）")
    return letter


def letter_of(application_id: str, matter: str, session: Session, actor: Actor) -> dict[str, str | None]:
    """The notified letter of a matter, its hash, and its PDF's digest once rendered."""
    letter = notified_letter(case_row(application_id, session, actor), matter, session)
    return {"matter": matter, "sha256": letter.sha256, "text": letter.text, "pdf_sha256": letter.pdf_sha256}


def letter_pdf(application_id: str, matter: str, session: Session, actor: Actor) -> tuple[bytes, str]:
    """The notified letter as its PDF (two copies), kept when it was first rendered
    (letters/store.py), and the file's name."""
    row = case_row(application_id, session, actor)
    return case_letter_pdf(session, row, notified_letter(row, matter, session)), f"告知承诺书-{application_id}-{matter}.pdf"


def timeline_of(application_id: str, session: Session, actor: Actor) -> list[dict[str, Any]]:
    """Who did what, when and why, in Chinese."""
    case_row(application_id, session, actor)
    rows = session.exec(select(CaseEvent).where(CaseEvent.application_id == application_id).order_by(CaseEvent.seq))  # type: ignore[arg-type]
    return [{**e.model_dump(), "role_label": ROLE_LABELS.get(e.role, "系统")} for e in rows]  # type: ignore[call-overload]


# ---- opening --------------------------------------------------------------------------------------


async def open_case(
    body: schemas.ApplicationCreate, actor: Actor, db: Db, temporal: Temporal, settings: Settings, pseudonyms: Pseudonyms
) -> tuple[schemas.ApplicationOut, bool]:
    """Open a case, or find the one the application_id already names: (the case, newly opened)."""
    try:
        check_role("open", actor.role)
    except ApplicationError as err:
        raise http_error(err) from None
    if not may_see(actor, body.applicant.id):
        raise HTTPException(403, "申请人只能以本人名义申请")

    def look(session: Session) -> tuple[Application | None, dict[str, str], str, set[str]]:
        who = pseudonyms.register(session, body.applicant.id, body.applicant.name, body.applicant.kind)
        rows = session.exec(select(Matter.code, Matter.department).where(Matter.code.in_(body.matters)))  # type: ignore[attr-defined]
        retired = set(session.exec(select(Matter.code).where(Matter.code.in_(body.matters), Matter.retired == True)))  # type: ignore[attr-defined]  # noqa: E712
        return session.get(Application, body.application_id), dict(rows.all()), who, retired

    existing, known, pseudonym, retired = await db(look)
    if not in_scope(actor, known.values()):
        raise HTTPException(403, f"{actor.department}只能受理涉及本部门证明事项的申请")
    if existing is not None:
        return same_application(existing, body, actor), False
    unknown = [c for c in body.matters if c not in known or c in retired]
    if unknown:
        raise HTTPException(422, f"以下证明事项不在现行清单中（未列入或已废止）：{'、'.join(unknown)}")
    start = WithStartWorkflowOperation(
        W.run,
        OpenApplicationInput(
            application_id=body.application_id,
            applicant=Applicant(pseudonym, "", body.applicant.kind),  # who it is stays in the database
            service=body.service,
            matter_codes=body.matters,
            opened_by=known_as(actor, pseudonyms),
            sampling_probability=0.3 if settings.sampling_probability is None else settings.sampling_probability,
            sampling_fixed=settings.sampling_probability is not None,
        ),
        id=workflow_id(body.application_id),
        task_queue=settings.task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        # what the Web UI shows beside the id: the service and matters, never the applicant
        static_summary=f"{body.service}（证明事项：{'、'.join(body.matters)}）",
    )
    try:
        view = await temporal.update_with_start(W.opened, start)
    except WorkflowAlreadyStartedError:
        raise HTTPException(409, f"申请 {body.application_id} 已办结，不能重复受理") from None
    # a simultaneous POST with the same id may have started the case: it must be this one
    return same_application(await db(lambda s: disclosed_row(s, view)), body, actor), True


# ---- acting: each action is one Update; the workflow's validator decides 403/409 -----------------

ToInput = Callable[[Any, Actor], Any]


MERGED = "已收到，并入本申请当日投诉举报的核查，将依法处理"


Context = Callable[[Session, str, Any], dict[str, Any]]


def grade_now(session: Session, application_id: str, body: schemas.DecisionBody) -> dict[str, Any]:
    """An approval carries the applicant's grade under the rules in force (it sets the draw)."""
    row = session.get(Application, application_id)
    return {"credit": assessment(session, row.applicant_id)} if row and body.approve else {}


@dataclass(frozen=True)
class Action:
    """One Update of the case as the API and the console send it."""

    path: str
    body_type: type[BaseModel]
    update: Any
    to_input: ToInput
    public: bool = False
    """Anyone may send it without a token: a complaint, put on file first and sent to the case
    only when no other reached it within the window."""
    context: Context | None = None
    """What the database adds to the input."""

    @property
    def has_texts(self) -> bool:
        return any(f in self.body_type.model_fields for f in FREE_TEXTS)


async def perform(
    action: Action,
    application_id: str,
    body: BaseModel,
    actor: Actor,
    db: Db,
    temporal: Temporal,
    pseudonyms: Pseudonyms,
    idempotency_key: str | None = None,
    claim_confirmed: str | None = None,
) -> schemas.ApplicationOut | schemas.Received:
    """Send the action's Update; the workflow's validator decides 403/409. A staff act on an item
    someone else has claimed is refused first (409) unless `claim_confirmed` names that holder."""
    handle = temporal.client.get_workflow_handle(workflow_id(application_id))
    if actor.role in claims.ACTORS:
        matter = getattr(body, "matter", None)
        await db(lambda s: claims.check_act(s, application_id, matter, actor, claim_confirmed))
    row = await db(lambda s: s.get(Application, application_id)) if actor.role == Role.applicant else None
    known = known_as(actor, pseudonyms, row)
    filed = None
    if action.public:
        said = cast(schemas.ComplaintBody, body)
        filed = await db(lambda s: complaints.register(s, application_id, said.text, said.contact, actor))
        if not filed.forwarded:
            return schemas.Received(id=application_id, received=True, message=MERGED)
        inp = complaints.to_case(filed, known)
    else:
        kept = await db(lambda s: kept_texts(s, application_id, body, actor)) if action.has_texts else body
        inp = action.to_input(kept, known)
        if action.context is not None:
            context = action.context
            inp = replace(inp, **await db(lambda s: context(s, application_id, body)))
    try:
        try:
            view = await temporal(
                handle.execute_update(action.update, inp, id=update_id(action.path, body, actor, idempotency_key))
            )
        except CaseGone:
            await db(lambda s: case_row(application_id, s))  # 404 for a case that never was
            if (await temporal(handle.describe())).status == WorkflowExecutionStatus.RUNNING:
                # the Update was lost with its workflow task (a worker died): not applied
                raise busy("操作未被受理（工作流任务中断），请使用同一 Idempotency-Key 重试") from None
            raise
    except Exception:
        if filed is not None and filed.id is not None:  # the case did not take it: the day's next complaint goes
            complaint_id = filed.id
            await db(lambda s: complaints.release(s, complaint_id))
        raise
    if actor.role not in READS["applications"]:
        return schemas.Received(id=application_id, received=True)  # e.g. a complaint from the public
    seen = await db(lambda s: disclosed_row(s, view))
    if not may_see(actor, seen.applicant_id):
        return schemas.Received(id=application_id, received=True)
    return application_out(seen, actor)


ACTIONS: dict[str, Action] = {
    a.path: a
    for a in (
        Action(
            "commit",
            schemas.CommitBody,
            W.commit,
            lambda b, a: CommitInput(a, b.matter, b.letter_sha256, b.signature, b.scan_sha256),
        ),
        Action("proof", schemas.ProofBody, W.submit_proof, lambda b, a: ProofInput(a, b.matter, b.document)),
        Action(
            "withdraw-commitment", schemas.WithdrawBody, W.withdraw_commitment, lambda b, a: WithdrawInput(a, b.matter, b.reason)
        ),
        Action("decision", schemas.DecisionBody, W.decide, lambda b, a: DecisionInput(a, b.approve, b.reason), context=grade_now),
        Action("complaints", schemas.ComplaintBody, W.complain, lambda b, a: ComplaintInput(a, b.text, b.contact), public=True),
        Action(
            "verification",
            schemas.VerificationBody,
            W.record_verification,
            lambda b, a: VerificationInput(a, b.matter, b.truthful, b.findings),
        ),
        Action(
            "disposition",
            schemas.DispositionBody,
            W.dispose,
            lambda b, a: DispositionInput(
                a, b.action, b.reason, b.deadline_days, list(b.also), b.decision_no, b.receiving_organ, b.keep_decision
            ),
        ),
        Action(
            "rectification",
            schemas.RectificationBody,
            W.submit_rectification,
            lambda b, a: RectificationInput(a, b.matter, b.evidence),
        ),
        Action("cancel", schemas.CancelBody, W.cancel, lambda b, a: CancelInput(a, b.reason, b.ground, b.decision_no)),
        Action("statement", schemas.StatementBody, W.state_case, lambda b, a: StatementInput(a, b.text)),
        Action(
            "revocation",
            schemas.RevocationBody,
            W.decide_revocation,
            lambda b, a: RevocationDecisionInput(a, b.revoke, b.reason, b.decision_no, b.finding_stands),
        ),
        Action("close", schemas.CloseBody, W.close_case, lambda b, a: CloseInput(a, b.reason)),
        Action("service", schemas.ServiceBody, W.serve_notice, lambda b, a: ServiceInput(a, b.notice, b.method, b.served_at)),
    )
}
OPEN_NOTICE = Action("open-notice", schemas.NoticeBody, W.open_notice, lambda b, a: NoticeOpened(a, b.notice))
"""Sent by GET …/notices/{no} the first time the applicant opens a notice (no POST of its own)."""
