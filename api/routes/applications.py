"""Applications: open one (idempotently), act on it through Updates, read it, audit it — thin
routes over services/cases.py."""

# No `from __future__ import annotations`: FastAPI must see the real body types of action_route.

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, Response

from api import schemas
from api.deps import CurrentActor, DbDep, OptionalActor, PseudonymsDep, SessionDep, SettingsDep, TemporalDep, reader
from api.ratelimits import limit_complaints
from audit import archive
from db.queries import Listing, applications, paged
from services import cases, notices
from workflows.types import ApplicationStatus

router = APIRouter(prefix="/applications", tags=["applications"])
Reader = Depends(reader("applications"))


@router.post(
    "",
    status_code=201,
    response_model=schemas.ApplicationOut,
    responses={200: {"model": schemas.ApplicationOut, "description": "The same application_id again: the case as it stands"}},
)
async def open_application(
    body: schemas.ApplicationCreate,
    actor: CurrentActor,
    db: DbDep,
    temporal: TemporalDep,
    settings: SettingsDep,
    pseudonyms: PseudonymsDep,
    response: Response,
) -> schemas.ApplicationOut:
    """Open a case; a repeated POST with the same application_id returns the same case (200)."""
    case, created = await cases.open_case(body, actor, db, temporal, settings, pseudonyms)
    if not created:
        response.status_code = 200
    return case


@router.get("", dependencies=[Reader])
def list_applications(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    applicant: str | None = None,
    status: ApplicationStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    sort: Literal["-opened_at", "opened_at", "deadline"] = "-opened_at",
    department: Annotated[str | None, Query(max_length=100)] = None,
    overdue: bool | None = None,
    deadline_from: datetime | None = None,
    deadline_to: datetime | None = None,
) -> list[schemas.ApplicationOut]:
    """Applications by applicant, status, department, overdue (a deadline missed and reported)
    and next-deadline range (an applicant: only their own; a department's staff: its cases only);
    newest first, or the oldest first, or by deadline (overdue first, then the nearest, then the
    oldest case). A page of `limit` from `offset`: the total is in `X-Total-Count`, the next page
    in `Link` (rel="next")."""
    asked = Listing(applicant, status, department, overdue, deadline_from, deadline_to, sort)
    found = paged(session, applications(actor, asked), per_page=limit, offset=offset)
    response.headers["X-Total-Count"] = str(found.total)
    if offset + limit < found.total:
        response.headers["Link"] = f'<{request.url.include_query_params(offset=offset + limit, limit=limit)}>; rel="next"'
    return [cases.application_out(r) for r in found.rows]


@router.get("/{application_id}", dependencies=[Reader])
def get_application(application_id: str, session: SessionDep, actor: CurrentActor) -> schemas.ApplicationOut:
    """One application as the read model holds it."""
    return cases.application_out(cases.case_row(application_id, session, actor), actor)


@router.get("/{application_id}/letters/{matter}", dependencies=[Reader])
def get_letter(application_id: str, matter: str, session: SessionDep, actor: CurrentActor) -> dict[str, str | None]:
    """The commitment letter (告知承诺书) the applicant was notified of, with its hash (the one a
    commitment is bound to), and its PDF's own digest once the PDF has been rendered (`….pdf`)."""
    return cases.letter_of(application_id, matter, session, actor)


@router.get("/{application_id}/notices", dependencies=[Reader])
def list_notices(application_id: str, session: SessionDep, actor: CurrentActor) -> list[dict[str, Any]]:
    """What was served on the applicant (送达), unserved and unread first: each decision,
    proposal, order and finding, how and when it was served, when the applicant first opened it."""
    return notices.listed(cases.case_row(application_id, session, actor))


@router.get("/{application_id}/notices/{no}", dependencies=[Reader])
async def open_notice(
    application_id: str, no: int, actor: CurrentActor, db: DbDep, temporal: TemporalDep, pseudonyms: PseudonymsDep
) -> dict[str, Any]:
    """One notice with its text. The applicant's first opening is recorded and, if it was not
    served yet, serves it electronically (the periods that run 自收到之日起 start then)."""
    return await notices.opened(application_id, no, actor, db, temporal, pseudonyms)


@router.get("/{application_id}/timeline", dependencies=[Reader])
def get_timeline(application_id: str, session: SessionDep, actor: CurrentActor) -> list[dict[str, Any]]:
    """Who did what, when and why, in Chinese."""
    return cases.timeline_of(application_id, session, actor)


@router.get("/{application_id}/history", dependencies=[Depends(reader("history"))])
async def get_history(application_id: str, db: DbDep, temporal: TemporalDep, settings: SettingsDep) -> dict[str, Any]:
    """The case's Temporal event history, as JSON, for audit and replay: from the archive once
    Temporal no longer keeps it (`archived`: true)."""
    wf_id = await db(lambda s: cases.case_row(application_id, s).workflow_id)
    history = await temporal(archive.history_or_archived(temporal.client, Path(settings.archive_dir), wf_id))
    if history is None:
        raise HTTPException(404, f"申请 {application_id} 的工作流历史不在 Temporal 中，也不在归档中")
    archived = archive.archived(Path(settings.archive_dir), wf_id)
    return {"workflow_id": history.workflow_id, "archived": archived, **history.to_json_dict()}


# ---- actions: each is one Update; the workflow's validator decides 403/409 -----------------


def action_route(action: cases.Action) -> None:
    """One Update as a POST (see services.cases.Action)."""

    async def act(
        application_id: str,
        body: action.body_type,  # type: ignore[name-defined]
        actor: OptionalActor if action.public else CurrentActor,  # type: ignore[valid-type]
        db: DbDep,
        temporal: TemporalDep,
        pseudonyms: PseudonymsDep,
        idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
        x_claim_confirmed: Annotated[str | None, Header(max_length=64)] = None,
    ) -> schemas.ApplicationOut | schemas.Received:
        return await cases.perform(
            action, application_id, body, actor, db, temporal, pseudonyms, idempotency_key, x_claim_confirmed
        )

    act.__name__ = action.path.replace("-", "_")
    act.__doc__ = action.update.__doc__ or f"{action.path} (an Update with a validator)"
    limits = (
        [Depends(limit_complaints)] if action.public else None
    )  # the tokenless public: per case and per source (api/ratelimits.py)
    router.post(
        f"/{{application_id}}/{action.path}", response_model=schemas.ApplicationOut | schemas.Received, dependencies=limits
    )(act)


for _action in cases.ACTIONS.values():
    action_route(_action)
