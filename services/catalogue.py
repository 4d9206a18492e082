"""The catalogue revision service (清单调整): drafting, importing, reading and each step through
review to publication, as the API's routes and the console both call it.

Departments draft, the legal-affairs bureau reviews, files and publishes (each step an Update of
the revision's workflow: workflows/revision.py); everyone reads the versions.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import HTTPException
from sqlmodel import Session, col, select
from temporalio.client import WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError

from activities.revisions import revision_row, revision_workflow_id
from api.catalogue_schemas import ChangesBody, ReviewBody, RevisionCreate, RevisionOut, StepBody
from api.deps import Db
from api.errors import http_error, validation_error
from api.temporal import Temporal
from catalogue.checks import change_problems
from catalogue.diff import in_force
from catalogue.io import ImportResult, RowProblem, UnreadableFile, read_csv, read_xlsx
from catalogue.versions import entry_of, stored
from config import Settings
from db.models import CatalogueRevision, CatalogueVersion, Matter
from workflows.catalogue_types import (
    CatalogueEntry,
    ChangeAction,
    ChangeProblem,
    EditRevisionInput,
    EntryChange,
    EntryComment,
    ReviewInput,
    RevisionStatus,
    RevisionStepInput,
    RevisionView,
    StartRevisionInput,
)
from workflows.revision import CatalogueRevisionWorkflow as W
from workflows.revision_rules import READERS, STATUS_LABELS, check_step, may_draft_for, may_read
from workflows.rules import ROLE_LABELS
from workflows.types import Actor, Role


def revision_out(row: CatalogueRevision) -> RevisionOut:
    return RevisionOut(status_label=STATUS_LABELS[RevisionStatus(row.status)], **row.model_dump())


def found_revision(session: Session, revision_id: str, actor: Actor) -> CatalogueRevision:
    if actor.role not in READERS:
        raise HTTPException(403, f"{ROLE_LABELS[actor.role]}无权查看清单调整")
    row = session.get(CatalogueRevision, revision_id)
    if row is None:
        raise HTTPException(404, f"清单调整 {revision_id} 不存在")
    if not may_read(actor, row.department):
        raise HTTPException(403, f"{actor.department or ROLE_LABELS[actor.role]}无权查看此清单调整")
    return row


def problems_422(problems: list[ChangeProblem], where: str = "changes") -> HTTPException:
    """Every problem of the changes, each with its place (change number, column) in Chinese."""
    return HTTPException(
        422,
        [
            validation_error(f"第{p.index + 1}项（{p.code}）「{p.column}」：{p.message}", ("body", where, p.index, p.column))
            for p in problems
        ],
    )


def rows_422(problems: list[RowProblem]) -> HTTPException:
    """Every problem of an imported file, by row number and column name."""
    return HTTPException(422, [validation_error(str(p), ("file", p.row, p.column)) for p in problems])


def drafting_department(actor: Actor, wanted: str | None) -> str | None:
    """The department a new revision belongs to: a department's officer's own; an administrator's
    choice (None: district-wide)."""
    if actor.role not in (Role.department, Role.admin):
        raise HTTPException(403, f"{ROLE_LABELS[actor.role]}无权起草清单调整（仅限部门清单管理员、管理员）")
    if actor.role == Role.department:
        if actor.department and wanted and wanted != actor.department:
            raise HTTPException(403, f"{actor.department}只能起草本部门的清单调整")
        department = actor.department or wanted
        if not department:
            raise HTTPException(422, "请注明起草清单调整的部门（department）")
        return department
    return wanted


async def start_revision(temporal: Temporal, settings: Settings, inp: StartRevisionInput) -> RevisionView:
    """Start the revision's workflow (idempotent on its id) and wait for its draft to be recorded."""
    start = WithStartWorkflowOperation(
        W.run,
        inp,
        id=revision_workflow_id(inp.revision_id),
        task_queue=settings.task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        static_summary=f"清单调整（{inp.department or '全区'}，{len(inp.changes)}项）",
    )
    try:
        view: RevisionView = await temporal.update_with_start(W.created, start)
        return view
    except WorkflowAlreadyStartedError:
        raise HTTPException(409, f"清单调整 {inp.revision_id} 已办结，不能重复起草") from None


def new_revision_id() -> str:
    return f"{datetime.now().strftime('%Y%m%d')}-{uuid.uuid4().hex[:8]}"


async def step(revision_id: str, action: str, actor: Actor, db: Db, temporal: Temporal, update: Any, arg: Any) -> RevisionOut:
    """One step: refused here already if the role, department or status does not allow it (the
    workflow's validator decides again), then the Update."""
    row = await db(lambda s: found_revision(s, revision_id, actor))
    try:
        check_step(action, actor, RevisionStatus(row.status), row.department)
    except ApplicationError as err:
        raise http_error(err) from None
    handle = temporal.client.get_workflow_handle(revision_workflow_id(revision_id))
    view: RevisionView = await temporal(handle.execute_update(update, arg))
    return revision_out(revision_row(view))


# ---- drafting --------------------------------------------------------------------------------


async def draft(body: RevisionCreate, actor: Actor, db: Db, temporal: Temporal, settings: Settings) -> tuple[RevisionOut, bool]:
    """Draft a revision (a department's officer: of their own department's entries): (the revision, newly drafted)."""
    department = drafting_department(actor, body.department)
    changes = [c.change() for c in body.changes]
    revision_id = body.revision_id or new_revision_id()

    def look(session: Session) -> tuple[CatalogueRevision | None, list[ChangeProblem]]:
        return session.get(CatalogueRevision, revision_id), change_problems(changes, department, stored(session))

    existing, problems = await db(look)
    if existing is not None:
        if existing.department != department:
            raise HTTPException(409, f"清单调整编号 {revision_id} 已用于另一部门的清单调整")
        return revision_out(existing), False
    if problems:
        raise problems_422(problems)
    view = await start_revision(
        temporal, settings, StartRevisionInput(revision_id, department, actor, changes, "manual", body.note)
    )
    return revision_out(revision_row(view)), True


async def import_file(
    filename: str, data: bytes, department: str | None, note: str, actor: Actor, db: Db, temporal: Temporal, settings: Settings
) -> RevisionOut:
    """Import a catalogue file as a DRAFT revision (never a published change): every row is
    checked, and any problem answers 422 listing each by row number and column, importing
    nothing. Rows new to the catalogue are additions, rows that differ from an entry in force
    are changes, identical rows are left out; entries the file does not name stay as they are."""
    if actor.role not in (Role.department, Role.admin):
        raise HTTPException(403, f"{ROLE_LABELS[actor.role]}无权导入清单（仅限部门清单管理员、管理员）")
    name = filename.lower()
    try:
        if name.endswith(".xlsx"):
            result = read_xlsx(data)
        elif name.endswith(".csv"):
            result = read_csv(data)
        else:
            raise HTTPException(422, "仅支持 .xlsx 或 .csv 格式的清单文件")
    except UnreadableFile as err:
        raise HTTPException(422, str(err)) from None
    if result.problems:
        raise rows_422(result.problems)
    wanted = department or (actor.department if actor.role == Role.department else None)
    if wanted is None and actor.role == Role.department:
        wanted = single_department(result)
    revision_department = drafting_department(actor, wanted) if actor.role == Role.department else wanted
    changes, rows, problems = await db(lambda s: import_changes(s, result, revision_department))
    if problems:
        raise rows_422(problems)
    if not changes:
        raise HTTPException(422, "文件中的事项与现行清单一致，没有需要调整的内容")
    note = note or f"导入清单文件「{filename}」，共{len(changes)}项调整"
    view = await start_revision(
        temporal, settings, StartRevisionInput(new_revision_id(), revision_department, actor, changes, "import", note)
    )
    return revision_out(revision_row(view))


def single_department(result: ImportResult) -> str | None:
    departments = {e.department for e in result.entries}
    return departments.pop() if len(departments) == 1 else None


def import_changes(
    session: Session, result: ImportResult, department: str | None
) -> tuple[list[EntryChange], list[int], list[RowProblem]]:
    """The changes a file makes to the catalogue as it stands, with each one's row; problems by row."""
    current = {m.code: m for m in session.exec(select(Matter))}
    changes: list[EntryChange] = []
    rows: list[int] = []
    for row, entry in zip(result.rows, result.entries, strict=True):
        matter = current.get(entry.code)
        if matter is None:
            changes.append(EntryChange(ChangeAction.add, entry.code, entry))
        elif matter.retired or entry_of(matter) != entry:
            changes.append(EntryChange(ChangeAction.change, entry.code, entry))
        else:
            continue
        rows.append(row)
    problems = change_problems(changes, department, stored(session))
    return changes, rows, [RowProblem(rows[p.index], p.column, p.message) for p in problems]


# ---- reading ---------------------------------------------------------------------------------


def revisions(
    session: Session, actor: Actor, status: RevisionStatus | None = None, department: str | None = None
) -> list[RevisionOut]:
    """Revisions, newest first: a department's officer sees their own department's; the bureau,
    administrators and auditors all."""
    if actor.role not in READERS:
        raise HTTPException(403, f"{ROLE_LABELS[actor.role]}无权查看清单调整")
    query = select(CatalogueRevision).order_by(col(CatalogueRevision.created_at).desc())
    if status:
        query = query.where(CatalogueRevision.status == status.value)
    if actor.role == Role.department and actor.department:
        query = query.where(CatalogueRevision.department == actor.department)
    elif department:
        query = query.where(CatalogueRevision.department == department)
    return [revision_out(r) for r in session.exec(query)]


def revision(session: Session, revision_id: str, actor: Actor) -> RevisionOut:
    """One revision: its changes, the bureau's comments, every step with who and when."""
    return revision_out(found_revision(session, revision_id, actor))


# ---- the steps -------------------------------------------------------------------------------


async def edit(revision_id: str, body: ChangesBody, actor: Actor, db: Db, temporal: Temporal) -> RevisionOut:
    """Replace the draft's changes (add, change — also excluding a matter from commitment, with
    the reason — or retire, with the reason)."""
    changes = [c.change() for c in body.changes]

    def check(session: Session) -> list[ChangeProblem]:
        row = found_revision(session, revision_id, actor)
        return change_problems(changes, row.department, stored(session)) if may_draft_for(actor, row.department) else []

    problems = await db(check)
    if problems:
        raise problems_422(problems)
    return await step(revision_id, "edit", actor, db, temporal, W.edit, EditRevisionInput(actor, changes))


async def submit(revision_id: str, body: StepBody, actor: Actor, db: Db, temporal: Temporal) -> RevisionOut:
    """上报: the department submits its draft to the legal-affairs bureau."""
    return await step(revision_id, "submit", actor, db, temporal, W.submit, RevisionStepInput(actor, body.note))


async def review(revision_id: str, body: ReviewBody, actor: Actor, db: Db, temporal: Temporal) -> RevisionOut:
    """审定 (the bureau): approve, or send back to the draft with comments per entry."""
    comments = [EntryComment(c.code, c.comment) for c in body.comments]
    return await step(revision_id, "review", actor, db, temporal, W.review, ReviewInput(actor, body.approve, body.note, comments))


async def file(revision_id: str, body: StepBody, actor: Actor, db: Db, temporal: Temporal) -> RevisionOut:
    """备案 (the bureau)."""
    return await step(revision_id, "file", actor, db, temporal, W.file, RevisionStepInput(actor, body.note))


async def publish(revision_id: str, body: StepBody, actor: Actor, db: Db, temporal: Temporal) -> RevisionOut:
    """公布 (the bureau): the catalogue changes and a new numbered version is published."""
    return await step(revision_id, "publish", actor, db, temporal, W.publish, RevisionStepInput(actor, body.note))


async def withdraw(revision_id: str, body: StepBody, actor: Actor, db: Db, temporal: Temporal) -> RevisionOut:
    """The department withdraws its draft."""
    return await step(revision_id, "withdraw", actor, db, temporal, W.withdraw, RevisionStepInput(actor, body.note))


# ---- published versions ------------------------------------------------------------------------


def summary(v: CatalogueVersion) -> dict[str, Any]:
    return {
        "number": v.number,
        "published_at": v.published_at,
        "published_by": v.published_by,
        "revision_id": v.revision_id,
        "entries_in_force": len(in_force(v.entries)),
    }


def found_version(session: Session, number: int) -> CatalogueVersion:
    version = session.get(CatalogueVersion, number)
    if version is None:
        raise HTTPException(404, f"清单第{number}版不存在")
    return version


def entries_in_force(version: CatalogueVersion) -> list[CatalogueEntry]:
    return [entry_of(e) for e in in_force(version.entries).values()]


def display(value: Any) -> str:
    """A field's value as people read it: 是/否, lists joined, nothing as —."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "；".join(str(v) for v in value)
    return str(value)
