"""Files the API and the console answer with: a PDF named in UTF-8."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi.responses import Response

PDF_FILE: dict[int | str, dict[str, Any]] = {200: {"content": {"application/pdf": {}}, "description": "PDF，内嵌中文字体"}}


def pdf_response(pdf: bytes, filename: str) -> Response:
    """A PDF to open in the browser or save, named in UTF-8 (RFC 6266 / RFC 5987)."""
    disposition = f"inline; filename=\"letter.pdf\"; filename*=UTF-8''{quote(filename, safe='')}"
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": disposition})
