"""A case's commitment letter (告知承诺书) as notified, as a PDF in two copies (第一联 行政机关留存,
第二联 申请人留存): the same readers and checks as GET /applications/{id}/letters/{matter}.

Registered before the applications router, whose `/letters/{matter}` would otherwise take
`….pdf` for a matter code.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from api.deps import CurrentActor, SessionDep, reader
from api.files import PDF_FILE, pdf_response
from services import cases

router = APIRouter(prefix="/applications", tags=["applications"])


@router.get(
    "/{application_id}/letters/{matter}.pdf",
    dependencies=[Depends(reader("applications"))],
    response_class=Response,
    responses=PDF_FILE,
)
def get_letter_pdf(application_id: str, matter: str, session: SessionDep, actor: CurrentActor) -> Response:
    """The letter the applicant was notified of, with its particulars and SHA-256, in two copies:
    the PDF kept when it was first rendered (letters/store.py)."""
    return pdf_response(*cases.letter_pdf(application_id, matter, session, actor))
