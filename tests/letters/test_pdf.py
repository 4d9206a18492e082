"""Letters as PDF: the Chinese text read back out of the file (pypdf) is the letter's text, word
for word; the font is embedded (a subset, with a ToUnicode map); each copy carries the whole
letter; a name that looks like HTML stays text and fetches nothing."""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import subprocess
from datetime import date, datetime, timezone

import pytest
from pypdf import PdfReader

from activities.letters import blank_letter, letter_templates, render_letter
from db.models import Application, Letter, Matter
from letters.render import FONT_FAMILY, LetterSheet, blocks, letter_html, letter_pdf
from letters.sheets import COPIES, Edition, blank_sheet, case_sheet
from tests.support.factories import AFTER, TEST_MATTERS
from tests.support.letters import FOOTER, pdf_fonts, pdf_text, squeeze
from workflows.types import Applicant

pytestmark = pytest.mark.slow

# A real-looking entry: the Chinese of the seeded catalogue, not only test names.
MATTER = Matter(
    code="ZHQ-T-001",
    name="企业登记住所（经营场所）证明",
    services=["企业设立登记"],
    department="湛河区市场监督管理局",
    issuing_unit="房屋产权人、不动产登记机构",
    basis="《中华人民共和国市场主体登记管理条例》第十六条第一款",
    basis_rank="行政法规",
    content="申请人对所申报的住所（经营场所）享有合法使用权，该场所真实存在、可以正常联系。",
    commitment_allowed=True,
    verification_exempt=False,
    verification_stage="after",
    verification_days=30,
    verification_deadline_days=10,
    verification_method="on_site",
    verification_method_label="实地核查",
    verification_standard="实地核查时申报地址真实存在的，即为承诺属实。",
    supervision_days=365,
    consequences="承诺不实的，依法撤销登记，纳入信用记录。",
    version=3,
)
KEY_SENTENCES = [
    "证明事项告知承诺书",
    "申请人作出不实承诺的，依法承担相应的民事、行政、刑事责任：",
    "本承诺书一式两份，行政机关与申请人各执一份；",
    "（五）本人（本单位）所作承诺是本人（本单位）真实意思的表示，没有他人代为承诺。",
]


def a_case_letter(name: str = "湛河区某某餐饮有限公司") -> tuple[Application, Letter]:
    text = render_letter(
        letter_templates().get_template("commitment_letter.txt.j2"),
        MATTER,
        applicant=Applicant("91410411MA9XXXXX0F", name, "company"),
        application_id="2026-0001",
        service="企业设立登记",
        issued_on=date(2026, 3, 2),
    )
    letter = Letter(
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        application_id="2026-0001",
        matter_code=MATTER.code,
        text=text,
        rendered_at=datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc),
    )
    row = Application(
        application_id="2026-0001",
        workflow_id="application-2026-0001",
        applicant_id="91410411MA9XXXXX0F",
        applicant_name=name,
        applicant_kind="company",
        service="企业设立登记",
        status="notified",
        status_label="已告知",
        matters=[{"code": MATTER.code, "name": MATTER.name, "letter_sha256": letter.sha256}],
    )
    return row, letter


@pytest.fixture(scope="module")
def blank_pdf() -> bytes:
    return letter_pdf(blank_sheet(MATTER, catalogue=4))


@pytest.fixture(scope="module")
def case_pdf() -> tuple[Letter, bytes]:
    row, letter = a_case_letter()
    return letter, letter_pdf(case_sheet(row, letter, Edition(catalogue=4, entry=3)))


def test_the_blank_letter_reads_back_word_for_word(blank_pdf: bytes) -> None:
    assert blank_pdf.startswith(b"%PDF-")
    text = pdf_text(blank_pdf)
    for sentence in KEY_SENTENCES:
        assert squeeze(sentence) in squeeze(text), sentence
    # the whole format text, in order, nothing lost or garbled
    assert squeeze(blank_letter(MATTER)) in squeeze(text)
    assert "企业登记住所（经营场所）证明（ZHQ-T-001）" in squeeze(text) and "第4版清单，本事项第3版" in squeeze(text)


def test_the_font_is_embedded_once_as_a_subset(blank_pdf: bytes) -> None:
    fonts = pdf_fonts(blank_pdf)
    assert fonts, "no font in the PDF"
    for font in fonts:
        assert font["embedded"] and font["to_unicode"], font
        # a subset (ABCDEF+…) of the packaged Noto Sans SC, never a system font
        assert re.fullmatch(r"/[A-Z]{6}\+" + FONT_FAMILY.replace(" ", "-"), str(font["name"])), font["name"]
    assert len({f["name"] for f in fonts}) == 1  # no synthesized bold: one face to embed


def test_a_case_letter_in_two_copies_with_its_particulars(case_pdf: tuple[Letter, bytes]) -> None:
    letter, pdf = case_pdf
    text = squeeze(pdf_text(pdf))
    whole = squeeze(letter.text)
    first, second = (squeeze(c) for c in COPIES)
    assert text.count(whole) == 2  # each copy has the whole letter as notified
    assert first in text and second in text and text.index(first) < text.index(second)
    assert text.index(first) < text.index(whole) < text.index(second)
    for value in [
        "湛河区某某餐饮有限公司",
        "企业登记住所（经营场所）证明（ZHQ-T-001）",
        "2026年3月2日",
        "第4版清单，本事项第3版",
        letter.sha256,
    ]:
        assert text.count(squeeze(value)) >= 2, value  # in both copies
    assert hashlib.sha256(letter.text.encode()).hexdigest() == letter.sha256


def test_the_second_copy_starts_on_a_page_of_its_own(case_pdf: tuple[Letter, bytes]) -> None:
    _, pdf = case_pdf
    pages = [squeeze(p.extract_text()) for p in PdfReader(io.BytesIO(pdf)).pages]
    starts = [n for n, page in enumerate(pages) if squeeze(COPIES[1]) in page]
    assert starts and squeeze(COPIES[1]) not in pages[starts[0] - 1]
    assert pages[starts[0]].startswith(squeeze(COPIES[1]))  # the label heads its first page


def test_markup_in_a_name_stays_text_and_fetches_nothing() -> None:
    name = '<img src="file:///etc/passwd"><script>alert(1)</script>'
    row, letter = a_case_letter(name)
    sheet = case_sheet(row, letter, Edition(None, 1))
    html = letter_html(sheet)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    pdf = letter_pdf(LetterSheet(title="t", text=letter.text, particulars=(("申请人", name),)))
    assert squeeze(name) in squeeze(pdf_text(pdf))  # printed as written, not interpreted


def test_lines_become_headings_only_where_the_letter_has_them() -> None:
    text = render_letter(
        letter_templates().get_template("commitment_letter.txt.j2"), next(m for m in TEST_MATTERS if m.code == AFTER)
    )
    kinds = {b.text: b.kind for b in blocks(text)}
    assert kinds["证明事项告知承诺书（格式文本）"] == "title"
    assert kinds["一、告知"] == kinds["二、申请人声明"] == "section"
    assert kinds["（一）证明义务"] == kinds["（九）投诉举报方式"] == "heading"
    assert kinds["（一）本人（本单位）已经知晓行政机关告知的全部事项；"] == "line"
    assert "\n".join(b.text for b in blocks(text)) == "\n".join(line for line in text.splitlines() if line.strip())


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed (apt-get install poppler-utils)")
def test_pdftotext_reads_the_same_letter(case_pdf: tuple[Letter, bytes]) -> None:
    """A second, independent reader (poppler, as a user would read the file) finds the same text."""
    letter, pdf = case_pdf
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    kept = "\n".join(line for line in text.splitlines() if not FOOTER.match(line))
    assert squeeze(kept).count(squeeze(letter.text)) == 2
