"""Letters as the tests read them: the commitment letter's headings, the text and fonts of a
PDF, and a company whose letters are opened and fetched over HTTP."""

from __future__ import annotations

import io
import re
from typing import Any

from pypdf import PdfReader

# Every heading stands on a line of its own, in this order.
HEADINGS = [
    "（一）证明义务",
    "（二）证明内容",
    "（三）承诺方式",
    "（四）核查权力",
    "（五）法律责任",
    "（六）承诺效力",
    "（七）承诺公开",
    "（八）咨询方式",
    "（九）投诉举报方式",
    "二、申请人声明",
    "三、签名",
    "四、日期",
]

FOOTER = re.compile(r"^.*第\s*\d+\s*页，共\s*\d+\s*页\s*$")

COMPANY = "91110000600037341L"  # a valid unified social credit code (GB 32100's own example)
APPLICANT = {"Authorization": f"Bearer dev-applicant:{COMPANY}"}
CASEWORKER = {"Authorization": "Bearer dev-caseworker"}


def squeeze(text: str) -> str:
    """Text without whitespace: lines wrap wherever the page ends them."""
    return re.sub(r"\s+", "", text)


def pdf_text(pdf: bytes) -> str:
    """All the text of a PDF as pypdf extracts it, page footers (第 n 页，共 m 页) left out."""
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    return "\n".join(line for page in pages for line in page.splitlines() if not FOOTER.match(line))


def pdf_fonts(pdf: bytes) -> list[dict[str, object]]:
    """Every font the pages use: its name, whether its program is in the file, and its ToUnicode map."""
    out = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources: Any = page["/Resources"]
        for font in resources["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant["/FontDescriptor"].get_object()
            out.append(
                {
                    "name": str(font["/BaseFont"]),
                    "embedded": any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")),
                    "to_unicode": "/ToUnicode" in font,
                }
            )
    return out
