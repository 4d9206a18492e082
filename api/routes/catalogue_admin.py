"""Catalogue revisions (清单调整) through review to publication, the published versions, their
diffs, and import/export in the published spreadsheet form — thin routes over
services/catalogue.py.

Registered before the public pages, so `/catalogue/{code}` never captures these paths.
"""

# No `from __future__ import annotations`: FastAPI must see the real body types.

from functools import lru_cache
from pathlib import Path as FilePath
from typing import Annotated, Any

import jinja2
from fastapi import APIRouter, File, Form, Path, Query, Response, UploadFile
from fastapi.responses import HTMLResponse
from sqlmodel import col, select

from api.catalogue_schemas import (
    ChangesBody,
    DiffOut,
    ReviewBody,
    RevisionCreate,
    RevisionOut,
    StepBody,
    VersionOut,
    VersionSummary,
)
from api.deps import CurrentActor, DbDep, SessionDep, SettingsDep, TemporalDep
from catalogue.diff import diff
from catalogue.io import to_csv, to_xlsx
from db.models import CatalogueVersion
from services import catalogue
from workflows.case import china_time
from workflows.catalogue_types import RevisionStatus

router = APIRouter(prefix="/catalogue", tags=["catalogue revisions"])

VersionNo = Annotated[int, Path(ge=1, le=1_000_000, description="清单版本号")]
TEMPLATES = FilePath(__file__).resolve().parent.parent / "templates"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
    found, created = await catalogue.draft(body, actor, db, temporal, settings)
    if not created:
        response.status_code = 200
    return found


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
    return await catalogue.import_file(file.filename or "", await file.read(), department, note, actor, db, temporal, settings)


@router.get("/revisions", response_model=list[RevisionOut])
def list_revisions(
    session: SessionDep,
    actor: CurrentActor,
    status: RevisionStatus | None = None,
    department: Annotated[str | None, Query(max_length=200)] = None,
) -> list[RevisionOut]:
    """Revisions, newest first: a department's officer sees their own department's; the bureau,
    administrators and auditors all."""
    return catalogue.revisions(session, actor, status, department)


@router.get("/revisions/{revision_id}", response_model=RevisionOut)
def get_revision(revision_id: str, session: SessionDep, actor: CurrentActor) -> RevisionOut:
    """One revision: its changes, the bureau's comments, every step with who and when."""
    return catalogue.revision(session, revision_id, actor)


@router.put("/revisions/{revision_id}/entries", response_model=RevisionOut)
async def edit_revision(
    revision_id: str, body: ChangesBody, actor: CurrentActor, db: DbDep, temporal: TemporalDep
) -> RevisionOut:
    """Replace the draft's changes (add, change — also excluding a matter from commitment, with
    the reason — or retire, with the reason)."""
    return await catalogue.edit(revision_id, body, actor, db, temporal)


@router.post("/revisions/{revision_id}/submit", response_model=RevisionOut)
async def submit_revision(revision_id: str, body: StepBody, actor: CurrentActor, db: DbDep, temporal: TemporalDep) -> RevisionOut:
    """上报: the department submits its draft to the legal-affairs bureau."""
    return await catalogue.submit(revision_id, body, actor, db, temporal)


@router.post("/revisions/{revision_id}/review", response_model=RevisionOut)
async def review_revision(
    revision_id: str, body: ReviewBody, actor: CurrentActor, db: DbDep, temporal: TemporalDep
) -> RevisionOut:
    """审定 (the bureau): approve, or send back to the draft with comments per entry."""
    return await catalogue.review(revision_id, body, actor, db, temporal)


@router.post("/revisions/{revision_id}/file", response_model=RevisionOut)
async def file_revision(revision_id: str, body: StepBody, actor: CurrentActor, db: DbDep, temporal: TemporalDep) -> RevisionOut:
    """备案 (the bureau)."""
    return await catalogue.file(revision_id, body, actor, db, temporal)


@router.post("/revisions/{revision_id}/publish", response_model=RevisionOut)
async def publish_revision(
    revision_id: str, body: StepBody, actor: CurrentActor, db: DbDep, temporal: TemporalDep
) -> RevisionOut:
    """公布 (the bureau): the catalogue changes and a new numbered version is published."""
    return await catalogue.publish(revision_id, body, actor, db, temporal)


@router.post("/revisions/{revision_id}/withdraw", response_model=RevisionOut)
async def withdraw_revision(
    revision_id: str, body: StepBody, actor: CurrentActor, db: DbDep, temporal: TemporalDep
) -> RevisionOut:
    """The department withdraws its draft."""
    return await catalogue.withdraw(revision_id, body, actor, db, temporal)


# ---- published versions: public, no token ------------------------------------------------


@router.get("/versions", response_model=list[VersionSummary])
def list_versions(session: SessionDep) -> list[dict[str, Any]]:
    """Every published version, newest first (no token needed)."""
    return [catalogue.summary(v) for v in session.exec(select(CatalogueVersion).order_by(col(CatalogueVersion.number).desc()))]


@router.get("/versions/{number}", response_model=VersionOut)
def get_version(number: VersionNo, session: SessionDep) -> dict[str, Any]:
    """One version with every entry as it was published (retired ones marked)."""
    v = catalogue.found_version(session, number)
    return {**catalogue.summary(v), "entries": v.entries}


@router.get(
    "/versions/{number}/export.xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}, "description": "清单（.xlsx）"}},
)
def export_xlsx(number: VersionNo, session: SessionDep) -> Response:
    """The version's entries in force as a spreadsheet in the published columns (plus the extra ones)."""
    v = catalogue.found_version(session, number)
    title = f"湛河区证明事项告知承诺制清单（第{v.number}版，{v.published_at:%Y-%m-%d}公布）"
    return Response(
        to_xlsx(catalogue.entries_in_force(v), title), media_type=XLSX, headers=attachment(f"catalogue-v{number}.xlsx")
    )


@router.get(
    "/versions/{number}/export.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "清单（CSV，UTF-8）"}},
)
def export_csv(number: VersionNo, session: SessionDep) -> Response:
    """The version's entries in force as CSV (UTF-8 with BOM)."""
    v = catalogue.found_version(session, number)
    return Response(
        to_csv(catalogue.entries_in_force(v)),
        media_type="text/csv; charset=utf-8",
        headers=attachment(f"catalogue-v{number}.csv"),
    )


def attachment(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


@router.get("/versions/{old}/diff/{new}", response_model=DiffOut)
def version_diff(old: VersionNo, new: VersionNo, session: SessionDep) -> dict[str, Any]:
    """What changed from one version to another: added, removed (retired), changed field by field."""
    a, b = catalogue.found_version(session, old), catalogue.found_version(session, new)
    return {"old": old, "new": new, **diff(a.entries, b.entries)}


@lru_cache(maxsize=1)
def pages() -> jinja2.Environment:
    """Autoescaped: every text a department typed is shown as text, never as markup."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    env.filters["display"] = catalogue.display
    env.filters["china_time"] = china_time
    return env


@router.get(
    "/history",
    response_class=HTMLResponse,
    responses={200: {"content": {"text/html": {}}, "description": "清单版本沿革（HTML）"}},
)
def history_page(session: SessionDep) -> HTMLResponse:
    """The catalogue's versions, newest first, each with what it changed from the one before."""
    versions = list(session.exec(select(CatalogueVersion).order_by(col(CatalogueVersion.number).desc())))
    by_number = {v.number: v for v in versions}
    items = [
        {**catalogue.summary(v), "diff": diff(by_number[v.number - 1].entries, v.entries) if v.number - 1 in by_number else None}
        for v in versions
    ]
    return HTMLResponse(pages().get_template("catalogue_history.html").render(versions=items))
