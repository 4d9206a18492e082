"""The read model: the workflow writes its state here after every change."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import asdict, fields
from datetime import datetime, timezone
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import delete, update
from sqlmodel import Session, col, select
from temporalio import activity

from db.models import Application, CaseEvent, CaseMatter, Matter
from db.session import SessionFactory
from db.writes import insert_ignore, upsert
from security.pseudonyms import resolve
from security.texts import disclose
from workflows.rules import STATUS_LABELS
from workflows.types import (
    AdverseDecision,
    ApplicationStatus,
    ApplicationView,
    Hearing,
    MatterCase,
    Notice,
    ProjectionInput,
    TimelineEntry,
)

MATTERS = TypeAdapter(list[MatterCase])
JSON_COLUMNS: dict[str, TypeAdapter[Any]] = {  # view fields kept as JSON in the row
    "matters": MATTERS,
    "hearing": TypeAdapter(Hearing | None),
    "decisions": TypeAdapter(list[AdverseDecision]),
    "notices": TypeAdapter(list[Notice]),
}
VIEW = TypeAdapter(ApplicationView)
QUOTED_NAME = re.compile(r"「([^」]*)」")
IDENTITY = ("application_id", "applicant", "service")  # fixed for a case's life


def workflow_id(application_id: str) -> str:
    return f"application-{application_id}"


def view_of(row: Application) -> ApplicationView:
    """The row read back as the workflow's view (what workflows/guards.py reads)."""
    data = {f.name: getattr(row, f.name) for f in fields(ApplicationView) if f.name not in IDENTITY}
    data["notices"] = row.notices or []  # rows projected before notices-served
    applicant = {"id": row.applicant_id, "name": row.applicant_name, "kind": row.applicant_kind}
    return VIEW.validate_python({**data, "application_id": row.application_id, "applicant": applicant, "service": row.service})


def hearing_of(row: Application) -> Hearing | None:
    hearing: Hearing | None = JSON_COLUMNS["hearing"].validate_python(row.hearing)
    return hearing


def columns(v: ApplicationView) -> dict[str, Any]:
    """The row's columns from the view (all but the case's identity)."""
    out: dict[str, Any] = {}
    for f in (f.name for f in fields(v) if f.name not in IDENTITY):
        if f == "status":
            out["status"], out["status_label"] = v.status, STATUS_LABELS[v.status]
        elif f in JSON_COLUMNS:
            out[f] = JSON_COLUMNS[f].dump_python(getattr(v, f), mode="json")
        else:
            out[f] = getattr(v, f)
    out["statement_until"] = v.hearing.statement_until if v.hearing else None
    out["decided_at"] = decided_at(v)
    return out


def decided_at(v: ApplicationView) -> datetime | None:
    """Approval: approved_at. Rejection: the reject decision's time, else the close (a rejection
    closes the case at once)."""
    if v.approved_at is not None or v.status != ApplicationStatus.rejected:
        return v.approved_at
    return next((d.at for d in v.decisions if d.kind == "reject"), v.closed_at)


def reported_overdue(entries: list[TimelineEntry]) -> set[str]:
    """The matters these timeline entries report overdue to the supervisor (督办), by name."""
    return {name for e in entries if e.action == "escalate" for name in QUOTED_NAME.findall(e.summary)[:1]}


def matter_rows(session: Session, v: ApplicationView, overdue: Collection[str] = ()) -> list[dict[str, Any]]:
    """The case's matter rows, each with its department: the case's own when it has one (the
    entries it opened with), else the catalogue's for each code. `overdue`: the names of
    matters reported overdue now (besides those still flagged escalated)."""
    codes = [m.code for m in v.matters]
    if not codes:
        return []
    if len(v.departments) == 1:
        departments = dict.fromkeys(codes, v.departments[0])
    else:
        departments = dict(session.exec(select(Matter.code, Matter.department).where(col(Matter.code).in_(codes))).all())
    departments = {code: departments.get(code, "") for code in codes}
    first, first_of = counted_once(departments)
    return [
        {
            "application_id": v.application_id,
            "code": m.code,
            "department": departments[m.code],
            "status": v.status,
            "opened_at": v.opened_at,
            "closed_at": v.closed_at,
            "name": m.name,
            "stage": m.stage,
            "mode": m.mode,
            "verification": m.verification,
            "sampled": m.sampled,
            "exempt": m.exempt,
            "due_at": m.due_at,
            "deadline_at": m.deadline_at,
            "rectify_by": m.rectify_by,
            "window_end": m.window_end,
            "escalated": m.escalated,
            "overdue": m.escalated or m.name in overdue,
            "withdrawn": m.withdrawn_reason is not None,
            "case_first": m.code == first,
            "department_first": m.code == first_of[departments[m.code]],
            "committed_at": m.committed_at,
        }
        for m in v.matters
    ]


def counted_once(departments: dict[str, str]) -> tuple[str, dict[str, str]]:
    """Of a case's matters (code → department): the first code, and each department's first
    code — the rows by which the figures count the case once."""
    codes = sorted(departments)
    first_of: dict[str, str] = {}
    for code in codes:
        first_of.setdefault(departments[code], code)
    return codes[0], first_of


def application_row(v: ApplicationView) -> Application:
    """The whole row a view makes, as the workflow knows it (pseudonym and text references)."""
    return Application(
        application_id=v.application_id,
        workflow_id=workflow_id(v.application_id),
        applicant_id=v.applicant.id,
        applicant_name=v.applicant.name,
        applicant_kind=v.applicant.kind,
        service=v.service,
        **columns(v),
    )


def applicant_columns(session: Session, v: ApplicationView) -> dict[str, Any]:
    """Who the case's applicant is: the identity behind the pseudonym (cases opened before
    pseudonyms name the applicant themselves)."""
    identity = resolve(session, v.applicant.id)
    if identity is None:
        return {"applicant_id": v.applicant.id, "applicant_name": v.applicant.name, "applicant_kind": v.applicant.kind}
    return {
        "applicant_id": identity.id_number,
        "applicant_name": identity.name,
        "applicant_kind": identity.kind,
        "applicant_ref": v.applicant.id,
    }


def disclosed_row(session: Session, v: ApplicationView) -> Application:
    """The row as people read it: the applicant's identity and the case's texts in place."""
    row = application_row(v).model_dump() | applicant_columns(session, v)
    return Application(**row | disclose(session, v.application_id, columns(v)))


class ProjectionActivities:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    @activity.defn
    def project_application(self, inp: ProjectionInput) -> None:
        """Write the case as it now stands, in one transaction: its new timeline entries, its
        row and its matter rows.

        Safe to repeat and ordered: the row is written only by a projection at least as new as
        the last one written. A lean case's projection is the whole truth (see
        ProjectionInput.projected_before), so whatever a thrown-away workflow task wrote is
        overwritten by the next projection of the task that counts.
        """
        v = inp.view
        now = datetime.now(timezone.utc)
        with self._sessions() as session:
            entries = disclose(
                session, v.application_id, [{"application_id": v.application_id, **asdict(e)} for e in inp.new_events]
            )
            values = disclose(session, v.application_id, columns(v)) | {"projection_seq": inp.seq, "updated_at": now}
            written = session.execute(
                update(Application)
                .where(Application.application_id == v.application_id, Application.projection_seq <= inp.seq)  # type: ignore[arg-type]
                .values(**values)
            ).rowcount  # type: ignore[attr-defined]
            if not written:  # the first projection, or one older than the row (then nothing is inserted)
                row = application_row(v).model_dump() | applicant_columns(session, v) | values
                written = insert_ignore(session, Application, [row])
            if written:
                upsert(session, CaseMatter, matter_rows(session, v, reported_overdue(inp.new_events)), sticky=("overdue",))
            if inp.projected_before is None:
                insert_ignore(session, CaseEvent, entries)
            elif written:  # a late attempt of an older projection leaves the timeline alone too
                upsert(session, CaseEvent, entries)
                session.execute(
                    delete(CaseEvent).where(
                        CaseEvent.application_id == v.application_id,  # type: ignore[arg-type]
                        CaseEvent.seq > inp.projected_before + len(entries),  # type: ignore[arg-type]
                    )
                )
            session.commit()
