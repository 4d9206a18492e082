"""Catalogue revisions (清单调整) through review to publication, the published versions, their
diffs, and import/export in the published spreadsheet form.

Departments draft, the legal-affairs bureau reviews, files and publishes (each step an Update of
the revision's workflow: workflows/revision.py); everyone reads the versions, without a token.
Registered before the public pages, so `/catalogue/{code}` never captures these paths.
"""

# No `from __future__ import annotations`: FastAPI must see the real body types.

import uuid
from datetime import datetime
from functools import lru_cache
from pathlib import Path as FilePath
from typing import Annotated, Any, Literal

import jinja2
from fastapi import APIRouter, File, Form, HTTPException, Path, Query, Response, UploadFile
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field
from sqlmodel import Session, col, select
from temporalio.client import WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError

from activities.revisions import revision_row, revision_workflow_id
from api.deps import CurrentActor, DbDep, SessionDep, SettingsDep, TemporalDep
from api.errors import http_error, validation_error
from api.schemas import FREE_TEXT, ONE_LINE, Code, Name
from catalogue.checks import change_problems
from catalogue.diff import diff, in_force
from catalogue.io import ImportResult, RowProblem, UnreadableFile, read_csv, read_xlsx, to_csv, to_xlsx
from catalogue.versions import entry_of, stored
from db.models import CatalogueRevision, CatalogueVersion
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
from workflows.case import china_time
from workflows.revision import CatalogueRevisionWorkflow as W
from workflows.revision_rules import READERS, STATUS_LABELS, check_step, may_draft_for, may_read
from workflows.rules import ROLE_LABELS
from workflows.types import Actor, Role

router = APIRouter(prefix="/catalogue", tags=["catalogue revisions"])

Line = Annotated[str, Field(max_length=200), ONE_LINE]
Long = Annotated[str, Field(max_length=4000), FREE_TEXT]
Note = Annotated[str, Field(max_length=2000), FREE_TEXT]
RevisionId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
VersionNo = Annotated[int, Path(ge=1, le=1_000_000, description="清单版本号")]
TEMPLATES = FilePath(__file__).resolve().parent.parent / "templates"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# ---- bodies and answers ------------------------------------------------------------------


class EntryIn(BaseModel):
    """A catalogue entry as the department states it (the Chinese column names: catalogue/columns.py)."""

    code: Code
    name: Line
    department: Line
    issuing_unit: Long
    basis: Long
    content: Long
    commitment_allowed: bool
    verification_exempt: bool
    verification_stage: Literal["during", "after"]
    verification_days: int
    verification_deadline_days: int
    verification_method: Line
    verification_standard: Long
    supervision_days: int
    consequences: Long
    services: list[Line] = Field(default_factory=list, max_length=50)
    exclusion_reason: Long | None = None
    basis_rank: Line = ""
    act_type: Line = ""
    conditions: Long = ""
    verification_method_label: Line = ""
    publication: Long = ""
    basis_source: Long = ""
    basis_verified: bool = False


class ChangeIn(BaseModel):
    action: ChangeAction
    code: Code
    entry: EntryIn | None = None
    reason: Note | None = None

    def change(self) -> EntryChange:
        return EntryChange(
            action=self.action,
            code=self.code,
            entry=CatalogueEntry(**self.entry.model_dump()) if self.entry else None,
            reason=self.reason,
        )


class RevisionCreate(BaseModel):
    revision_id: RevisionId | None = None
    """Optional: the same id again returns the same revision (an idempotent start)."""
    department: Name | None = None
    """The drafting department; a department's officer drafts for their own."""
    changes: list[ChangeIn] = Field(default_factory=list, max_length=500)
    note: Note = ""


class ChangesBody(BaseModel):
    changes: list[ChangeIn] = Field(max_length=500)


class StepBody(BaseModel):
    note: Note = ""


class CommentIn(BaseModel):
    code: Code
    comment: Annotated[str, Field(min_length=1, max_length=2000), FREE_TEXT]


class ReviewBody(BaseModel):
    approve: bool
    note: Note = ""
    comments: list[CommentIn] = Field(default_factory=list, max_length=500)


class RevisionOut(BaseModel):
    id: str
    department: str | None
    status: str
    status_label: str
    created_by: str
    created_at: datetime
    updated_at: datetime | None
    source: str
    changes: list[dict[str, Any]]
    comments: list[dict[str, Any]]
    steps: list[dict[str, Any]]
    published_version: int | None


class VersionSummary(BaseModel):
    number: int
    published_at: datetime
    published_by: str
    revision_id: str | None
    entries_in_force: int


class VersionOut(VersionSummary):
    entries: list[dict[str, Any]]


class DiffOut(BaseModel):
    old: int
    new: int
    added: list[dict[str, Any]]
    removed: list[dict[str, Any]]
    changed: list[dict[str, Any]]


# ---- helpers -----------------------------------------------------------------------------


def revision_out(row: CatalogueRevision) -> RevisionOut:
    return RevisionOut(status_label=STATUS_LABELS[RevisionStatus(row.status)], **row.model_dump())


def refuse(err: ApplicationError) -> HTTPException:
    return http_error(err)


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
        [validation_error(f"第{p.index + 1}项（{p.code}）「{p.column}」：{p.message}", ("body", where, p.index, p.column)) for p in problems],
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


async def start_revision(
    temporal: TemporalDep, settings: SettingsDep, inp: StartRevisionInput
) -> RevisionView:
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
        return await temporal.update_with_start(W.created, start)
    except WorkflowAlreadyStartedError:
        raise HTTPException(409, f"清单调整 {inp.revision_id} 已办结，不能重复起草") from None


def new_revision_id() -> str:
    return f"{datetime.now().strftime('%Y%m%d')}-{uuid.uuid4().hex[:8]}"


async def step(
    revision_id: str, action: str, actor: Actor, db: DbDep, temporal: TemporalDep, update: Any, arg: Any
) -> RevisionOut:
    """One step: refused here already if the role, department or status does not allow it (the
    workflow's validator decides again), then the Update."""
    row = await db(lambda s: found_revision(s, revision_id, actor))
    try:
        check_step(action, actor, RevisionStatus(row.status), row.department)
    except ApplicationError as err:
        raise refuse(err) from None
    handle = temporal.client.get_workflow_handle(revision_workflow_id(revision_id))
    view: RevisionView = await temporal(handle.execute_update(update, arg))
    return revision_out(revision_row(view))


# ---- revisions ---------------------------------------------------------------------------


@router.post(
    "/revisions",
    status_code=201,
    response_model=RevisionOut,
    responses={200: {"model": RevisionOut, "description": "The same revision_id again: the revision as it stands"}},
)
async def create_revision(
    body: RevisionCreate, actor: CurrentActor, db: DbDep, temporal: TemporalDep, settings: SettingsDep, response: Response
) -> RevisionOut:
    """Draft a revision (a department's officer: of their own department's entries)."""
    department = drafting_department(actor, body.department)
    changes = [c.change() for c in body.changes]
    revision_id = body.revision_id or new_revision_id()

    def look(session: Session) -> tuple[CatalogueRevision | None, list[ChangeProblem]]:
        return session.get(CatalogueRevision, revision_id), change_problems(changes, department, stored(session))

    existing, problems = await db(look)
    if existing is not None:
        if existing.department != department:
            raise HTTPException(409, f"清单调整编号 {revision_id} 已用于另一部门的清单调整")
        response.status_code = 200
        return revision_out(existing)
    if problems:
        raise problems_422(problems)
    view = await start_revision(temporal, settings, StartRevisionInput(revision_id, department, actor, changes, "manual", body.note))
    return revision_out(revision_row(view))


@router.post("/revisions/import", status_code=201, response_model=RevisionOut)
async def import_revision(
    actor: CurrentActor,
    db: DbDep,
    temporal: TemporalDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="清单文件（.xlsx 或 .csv，按公布的列）")],
    department: Annotated[str | None, Form(max_length=200)] = None,
    note: Annotated[str, Form(max_length=2000)] = "",
) -> RevisionOut:
    """Import a catalogue file as a DRAFT revision (never a published change): every row is
    checked, and any problem answers 422 listing each by row number and column, importing
    nothing. Rows new to the catalogue are additions, rows that differ from an entry in force
    are changes, identical rows are left out; entries the file does not name stay as they are."""
    if actor.role not in (Role.department, Role.admin):
        raise HTTPException(403, f"{ROLE_LABELS[actor.role]}无权导入清单（仅限部门清单管理员、管理员）")
    name = (file.filename or "").lower()
    data = await file.read()
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
    note = note or f"导入清单文件「{file.filename}」，共{len(changes)}项调整"
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
    from db.models import Matter

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


@router.get("/revisions", response_model=list[RevisionOut])
def list_revisions(
    session: SessionDep,
    actor: CurrentActor,
    status: RevisionStatus | None = None,
    department: Annotated[str | None, Query(max_length=200)] = None,
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


@router.get("/revisions/{revision_id}", response_model=RevisionOut)
def get_revision(revision_id: str, session: SessionDep, actor: CurrentActor) -> RevisionOut:
    """One revision: its changes, the bureau's comments, every step with who and when."""
    return revision_out(found_revision(session, revision_id, actor))


@router.put("/revisions/{revision_id}/entries", response_model=RevisionOut)
async def edit_revision(revision_id: str, body: ChangesBody, actor: CurrentActor, db: DbDep, temporal: TemporalDep) -> RevisionOut:
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


@router.post("/revisions/{revision_id}/submit", response_model=RevisionOut)
async def submit_revision(revision_id: str, body: StepBody, actor: CurrentActor, db: DbDep, temporal: TemporalDep) -> RevisionOut:
    """上报: the department submits its draft to the legal-affairs bureau."""
    return await step(revision_id, "submit", actor, db, temporal, W.submit, RevisionStepInput(actor, body.note))


@router.post("/revisions/{revision_id}/review", response_model=RevisionOut)
async def review_revision(revision_id: str, body: ReviewBody, actor: CurrentActor, db: DbDep, temporal: TemporalDep) -> RevisionOut:
    """审定 (the bureau): approve, or send back to the draft with comments per entry."""
    comments = [EntryComment(c.code, c.comment) for c in body.comments]
    return await step(revision_id, "review", actor, db, temporal, W.review, ReviewInput(actor, body.approve, body.note, comments))


@router.post("/revisions/{revision_id}/file", response_model=RevisionOut)
async def file_revision(revision_id: str, body: StepBody, actor: CurrentActor, db: DbDep, temporal: TemporalDep) -> RevisionOut:
    """备案 (the bureau)."""
    return await step(revision_id, "file", actor, db, temporal, W.file, RevisionStepInput(actor, body.note))


@router.post("/revisions/{revision_id}/publish", response_model=RevisionOut)
async def publish_revision(revision_id: str, body: StepBody, actor: CurrentActor, db: DbDep, temporal: TemporalDep) -> RevisionOut:
    """公布 (the bureau): the catalogue changes and a new numbered version is published."""
    return await step(revision_id, "publish", actor, db, temporal, W.publish, RevisionStepInput(actor, body.note))


@router.post("/revisions/{revision_id}/withdraw", response_model=RevisionOut)
async def withdraw_revision(revision_id: str, body: StepBody, actor: CurrentActor, db: DbDep, temporal: TemporalDep) -> RevisionOut:
    """The department withdraws its draft."""
    return await step(revision_id, "withdraw", actor, db, temporal, W.withdraw, RevisionStepInput(actor, body.note))


# ---- published versions: public, no token ------------------------------------------------


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


@router.get("/versions", response_model=list[VersionSummary])
def list_versions(session: SessionDep) -> list[dict[str, Any]]:
    """Every published version, newest first (no token needed)."""
    return [summary(v) for v in session.exec(select(CatalogueVersion).order_by(col(CatalogueVersion.number).desc()))]


@router.get("/versions/{number}", response_model=VersionOut)
def get_version(number: VersionNo, session: SessionDep) -> dict[str, Any]:
    """One version with every entry as it was published (retired ones marked)."""
    v = found_version(session, number)
    return {**summary(v), "entries": v.entries}


@router.get("/versions/{number}/export.xlsx", response_class=Response, responses={200: {"content": {XLSX: {}}, "description": "清单（.xlsx）"}})
def export_xlsx(number: VersionNo, session: SessionDep) -> Response:
    """The version's entries in force as a spreadsheet in the published columns (plus the extra ones)."""
    v = found_version(session, number)
    title = f"湛河区证明事项告知承诺制清单（第{v.number}版，{v.published_at:%Y-%m-%d}公布）"
    return Response(to_xlsx(entries_in_force(v), title), media_type=XLSX, headers=attachment(f"catalogue-v{number}.xlsx"))


@router.get("/versions/{number}/export.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}, "description": "清单（CSV，UTF-8）"}})
def export_csv(number: VersionNo, session: SessionDep) -> Response:
    """The version's entries in force as CSV (UTF-8 with BOM)."""
    v = found_version(session, number)
    return Response(to_csv(entries_in_force(v)), media_type="text/csv; charset=utf-8", headers=attachment(f"catalogue-v{number}.csv"))


def attachment(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


@router.get("/versions/{old}/diff/{new}", response_model=DiffOut)
def version_diff(old: VersionNo, new: VersionNo, session: SessionDep) -> dict[str, Any]:
    """What changed from one version to another: added, removed (retired), changed field by field."""
    a, b = found_version(session, old), found_version(session, new)
    return {"old": old, "new": new, **diff(a.entries, b.entries)}


def display(value: Any) -> str:
    """A field's value as people read it: 是/否, lists joined, nothing as —."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "；".join(str(v) for v in value)
    return str(value)


@lru_cache(maxsize=1)
def pages() -> jinja2.Environment:
    """Autoescaped: every text a department typed is shown as text, never as markup."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    env.filters["display"] = display
    env.filters["china_time"] = china_time
    return env


@router.get("/history", response_class=HTMLResponse, responses={200: {"content": {"text/html": {}}, "description": "清单版本沿革（HTML）"}})
def history_page(session: SessionDep) -> HTMLResponse:
    """The catalogue's versions, newest first, each with what it changed from the one before."""
    versions = list(session.exec(select(CatalogueVersion).order_by(col(CatalogueVersion.number).desc())))
    by_number = {v.number: v for v in versions}
    items = [
        {**summary(v), "diff": diff(by_number[v.number - 1].entries, v.entries) if v.number - 1 in by_number else None}
        for v in versions
    ]
    return HTMLResponse(pages().get_template("catalogue_history.html").render(versions=items))
