"""HTML and PDF from the templates in api/templates (Jinja2, autoescaped).

A letter's text (the case's stored letter, or the blank format text) is shown line for line, each
line escaped: the PDF carries exactly the text that was notified, so its hash can be checked
against what the PDF says. The PDF embeds Noto Sans SC (SIL OFL 1.1, from the PyPI package
pylopdf-fonts-zh-cn) and fetches nothing else: no system font, no URL.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jinja2
import pylopdf_fonts_zh_cn

FONT = pylopdf_fonts_zh_cn.sans_path()
FONT_URL = FONT.as_uri()
FONT_FAMILY = "Chengnuo Noto Sans SC"

_SECTION = re.compile(r"^[一二三四五六七八九十]+、\S{1,12}$")  # 一、告知
_HEADING = re.compile(r"^（[一二三四五六七八九十]+）[^，。；：、（）]{1,10}$")  # （一）证明义务, not a numbered sentence


@dataclass(frozen=True)
class Block:
    kind: str  # title | section | heading | line
    text: str


@dataclass(frozen=True)
class LetterSheet:
    """One letter to show: its text and the particulars printed above it, once per copy."""

    title: str
    text: str
    particulars: tuple[tuple[str, str], ...]
    copies: tuple[str, ...] = ("",)
    """One sheet per copy, each starting on a new page ("" : a single copy without a label)."""
    note: str = ""


def blocks(text: str) -> list[Block]:
    """A letter's lines as blocks: the first line is its title, "一、…" a section, a short "（一）…"
    a heading, every other non-empty line a paragraph; the words stay exactly as written."""
    lines = [line for line in text.splitlines() if line.strip()]
    out = [Block("title", lines[0])] if lines else []
    for line in lines[1:]:
        kind = "section" if _SECTION.match(line) else "heading" if _HEADING.match(line) else "line"
        out.append(Block(kind, line))
    return out


@lru_cache(maxsize=1)
def pages() -> jinja2.Environment:
    """The templates of the public pages and letters; every value is escaped."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("api", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["blocks"] = blocks
    return env


def render_page(name: str, **context: Any) -> str:
    return pages().get_template(name).render(**context)


def letter_html(sheet: LetterSheet, *, pdf_url: str | None = None) -> str:
    """The letter as a web page (the reader's own fonts), with a link to its PDF."""
    return render_page("letter.html", sheet=sheet, for_pdf=False, pdf_url=pdf_url)


_pdf_lock = threading.Lock()  # one PDF at a time: Pango and fontconfig are not shared between threads safely


@lru_cache(maxsize=32)
def letter_pdf(sheet: LetterSheet) -> bytes:
    """The letter as an A4 PDF, every copy in turn, with the font embedded (subset) and the text
    extractable; a letter never changes, so the same sheet is rendered once per process.
    Subsetting the CJK font takes most of the time (1–2 s with fontTools; much less where the
    system has libharfbuzz-subset); hints are kept, which also saves their removal."""
    # WeasyPrint loads Pango when imported: only here, so the pages work on a system without it
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class FontOnly(URLFetcher):
        """Fetches the embedded font and nothing else: a letter never reaches a file or a URL."""

        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            if url != FONT_URL:
                raise ValueError(f"not fetched: {url[:80]}")
            return super().fetch(url, headers)

    html = render_page("letter.html", sheet=sheet, for_pdf=True, pdf_url=None, font_url=FONT_URL, font_family=FONT_FAMILY)
    with _pdf_lock:
        fonts = FontConfiguration()
        pdf = HTML(string=html, url_fetcher=FontOnly(fail_on_errors=True)).write_pdf(font_config=fonts, hinting=True)
    assert pdf is not None
    return pdf
