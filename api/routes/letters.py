"""A case's commitment letter (告知承诺书) as notified, as a PDF in two copies (第一联 行政机关留存,
第二联 申请人留存): the same readers and checks as GET /applications/{id}/letters/{matter}.

Registered before the applications router, whose `/letters/{matter}` would otherwise take
`….pdf` for a matter code.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from api.deps import CurrentActor, SessionDep
from api.routes.applications import Reader, get_row, notified_letter
from api.routes.public import PDF_FILE, pdf_response
from letters.store import case_letter_pdf

router = APIRouter(prefix="/applications", tags=["applications"])


@router.get("/{application_id}/letters/{matter}.pdf", dependencies=[Reader], response_class=Response, responses=PDF_FILE)
def get_letter_pdf(application_id: str, matter: str, session: SessionDep, actor: CurrentActor) -> Response:
    """The letter the applicant was notified of, with its particulars and SHA-256, in two copies:
    the PDF kept when it was first rendered (letters/store.py)."""
    row = get_row(application_id, session, actor)
    letter = notified_letter(row, matter, session)
    return pdf_response(case_letter_pdf(session, row, letter), f"告知承诺书-{application_id}-{matter}.pdf")
