"""What a letter shows: the blank format text (格式文本) for the public, or the letter a case was
notified of, with its particulars (applicant, matter, date, catalogue version, SHA-256) above it,
in two copies: one kept by the organ, one by the applicant."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from activities.letters import KIND_LABELS, blank_letter
from db.models import Application, CatalogueVersion, Letter, Matter
from letters.render import LetterSheet
from workflows.case import china_date

COPIES = ("第一联　行政机关留存", "第二联　申请人留存")
BLANK_NOTE = "本格式文本供申请人事先了解告知内容；办理时以行政机关出具的告知承诺书为准，一式两份，行政机关与申请人各执一份。"
CASE_NOTE = "本告知承诺书的文字与行政机关告知时保存的文本一致，可用上表中的 SHA-256 摘要核对（对全文按 UTF-8 编码计算）。"
_NOTIFIED_ON = re.compile(r"^告知日期：(\d{4}年\d{1,2}月\d{1,2}日)$", re.MULTILINE)


@dataclass(frozen=True)
class Edition:
    """Which catalogue a letter follows: the published catalogue version (None: none on record)
    and the entry's own version in it."""

    catalogue: int | None
    entry: int

    def label(self) -> str:
        entry = f"本事项第 {self.entry} 版"
        return f"第 {self.catalogue} 版清单，{entry}" if self.catalogue else entry


def catalogue_in_force(session: Session, at: datetime | None = None) -> CatalogueVersion | None:
    """The newest catalogue version published by `at` (by now if None); None before any."""
    query = select(CatalogueVersion).order_by(col(CatalogueVersion.number).desc())
    if at is not None:
        query = query.where(CatalogueVersion.published_at <= at)
    return session.exec(query).first()


def edition_at(session: Session, code: str, at: datetime) -> Edition:
    """The catalogue a letter rendered at `at` followed, and the entry's version in it; the entry
    as it stands where no version was on record by then."""
    published = catalogue_in_force(session, at)
    item = next((e for e in published.entries if e.get("code") == code), None) if published else None
    if published is not None and item is not None:
        return Edition(published.number, int(item.get("version", 1)))
    matter = session.get(Matter, code)
    return Edition(None, matter.version if matter is not None else 1)


def day_label(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def blank_sheet(matter: Matter, catalogue: int | None) -> LetterSheet:
    """The format text of a catalogue entry, as published to the public in catalogue version
    `catalogue`."""
    return LetterSheet(
        title=f"告知承诺书格式文本：{matter.name}",
        text=blank_letter(matter),
        particulars=(
            ("证明事项", f"{matter.name}（{matter.code}）"),
            ("所属部门", matter.department),
            ("清单版本", Edition(catalogue, matter.version).label()),
        ),
        note=BLANK_NOTE,
    )


def notified_on(letter: Letter) -> str:
    """The date the letter gives as its notification date (告知日期), else the day it was rendered."""
    found = _NOTIFIED_ON.search(letter.text)
    return found.group(1) if found else day_label(china_date(letter.rendered_at))


def case_sheet(row: Application, letter: Letter, edition: Edition) -> LetterSheet:
    """The letter as notified in a case, in two copies; `edition`: the catalogue it followed."""
    entry = next((m for m in row.matters if m["code"] == letter.matter_code), {})
    matter = f"{entry.get('name', '')}（{letter.matter_code}）" if entry.get("name") else letter.matter_code
    return LetterSheet(
        title=f"告知承诺书：{row.application_id} · {letter.matter_code}",
        text=letter.text,
        particulars=(
            ("申请编号", row.application_id),
            ("申请人", f"{row.applicant_name}（{KIND_LABELS.get(row.applicant_kind, row.applicant_kind)}）"),
            ("所办事项", row.service),
            ("证明事项", matter),
            ("告知日期", notified_on(letter)),
            ("清单版本", edition.label()),
            ("SHA-256", letter.sha256),
        ),
        copies=COPIES,
        note=CASE_NOTE,
    )
