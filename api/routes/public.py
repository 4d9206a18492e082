"""Public pages, no token: the catalogue (证明事项告知承诺制清单) searchable by name, department
and service, each entry with its 办事指南, and each entry's blank letter (告知承诺书格式文本) as a
page and as a PDF.

Registered after every other router: `/catalogue/{code}` never hides a fixed `/catalogue/…` path.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel
from sqlmodel import Session

from activities.catalogue import public_time_limit_basis, service_department, service_time_limit
from activities.procedure import procedure_data, termination_grounds
from api.deps import SessionDep
from api.files import PDF_FILE, pdf_response
from api.routes.matters import in_force, list_matters, with_letter
from db.models import Matter
from letters.render import letter_html, letter_pdf, render_page
from letters.sheets import Edition, blank_sheet, catalogue_in_force

router = APIRouter(tags=["public pages"])

HTML_PAGE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {}}, "description": "页面（HTML）"},
    404: {"content": {"text/html": {}}, "description": "未找到（HTML 页面）"},
}
Search = Annotated[str, Query(max_length=200)]


@dataclass(frozen=True)
class ServiceGuide:
    """办事指南 of one service a matter serves."""

    service: str
    department: str
    days: int | None
    basis: str


def matching(matters: list[Matter], q: str, department: str, service: str) -> list[Matter]:
    """Entries whose name or code contains `q`, of that department, serving that service (each if given)."""
    q = q.strip()
    return [
        m
        for m in matters
        if (not q or q in m.name or q.upper() in m.code.upper())
        and (not department or m.department == department)
        and (not service or service in (m.services or []))
    ]


def guides(matter: Matter) -> list[ServiceGuide]:
    out = []
    for service in matter.services or []:
        limit = service_time_limit(service)
        out.append(
            ServiceGuide(
                service=service,
                department=service_department(service) or matter.department,
                days=limit[0] if limit else None,
                basis=public_time_limit_basis(service) if limit else "",
            )
        )
    return out


def current_number(session: Session) -> int | None:
    published = catalogue_in_force(session)
    return published.number if published else None


# the pages have no script and load nothing: a browser is told so (inline CSS only, forms to this site)
PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"


def page(html: str, status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(html, status_code=status_code, headers={"Content-Security-Policy": PAGE_POLICY})


def not_found_page(err: HTTPException) -> HTMLResponse:
    """A 404 for a person reading pages: the reason, in Chinese, and the way back to the catalogue."""
    return page(render_page("not_found.html", message=err.detail), status_code=404)


@router.get("/catalogue", response_class=HTMLResponse, responses=HTML_PAGE)
def catalogue_page(session: SessionDep, q: Search = "", department: Search = "", service: Search = "") -> HTMLResponse:
    """The catalogue in force as a page, searchable by name (or code), department and service."""
    matters = list_matters(session)  # the entries in force, by code
    return page(
        render_page(
            "catalogue.html",
            matters=matching(matters, q, department, service),
            total=len(matters),
            catalogue_number=current_number(session),
            q=q,
            department=department,
            service=service,
            departments=sorted({m.department for m in matters}),
            services=sorted({s for m in matters for s in m.services or []}),
        )
    )


class GroundOut(BaseModel):
    """A ground on which the office ends a case before its decision (终止办理)."""

    id: str
    label: str
    basis: str
    finding: bool
    """It needs an untrue finding of 事中核查 on the case, and writes a credit record."""


@router.get("/termination-grounds")
def list_termination_grounds() -> list[GroundOut]:
    """The grounds of 终止办理 in force, each with its legal basis (send its id as `ground` to
    POST /applications/{id}/cancel)."""
    return [GroundOut(**asdict(g)) for g in termination_grounds().values()]


@router.get("/catalogue/{code}", response_class=HTMLResponse, responses=HTML_PAGE)
def matter_page(code: str, session: SessionDep) -> HTMLResponse:
    """One entry in force with all its catalogue columns, its letter to download and its 办事指南."""
    try:
        matter = in_force(session, code)
    except HTTPException as err:
        return not_found_page(err)
    contacts = procedure_data()
    return page(
        render_page(
            "matter.html",
            matter=matter,
            edition=Edition(current_number(session), matter.version),
            guides=guides(matter),
            consultation=contacts["consultation"],
            complaints=contacts["complaint_channels"],
        )
    )


@router.get("/matters/{code}/letter.html", response_class=HTMLResponse, responses=HTML_PAGE)
def blank_letter_page(code: str, session: SessionDep) -> HTMLResponse:
    """The blank commitment letter (告知承诺书格式文本) of an entry in force, as a page."""
    try:
        matter = with_letter(session, code)
    except HTTPException as err:
        return not_found_page(err)
    return page(letter_html(blank_sheet(matter, current_number(session)), pdf_url=f"/matters/{quote(code, safe='')}/letter.pdf"))


@router.get("/matters/{code}/letter.pdf", response_class=Response, responses=PDF_FILE)
def blank_letter_pdf(code: str, session: SessionDep) -> Response:
    """The blank commitment letter of an entry in force, as a PDF with its Chinese font embedded."""
    sheet = blank_sheet(with_letter(session, code), current_number(session))
    session.close()  # rendering takes a second or two: the connection goes back to the pool first
    return pdf_response(letter_pdf(sheet), f"告知承诺书格式文本-{code}.pdf")
