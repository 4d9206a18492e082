"""Commitment letters (告知承诺书): rendered from the catalogue entry, kept by their hash."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timezone
from pathlib import Path

import jinja2
from temporalio import activity

from db.models import Letter, Matter
from db.session import SessionFactory
from workflows.types import LetterRef, RenderLettersInput

TEMPLATES = Path(__file__).parent / "templates"
KIND_LABELS = {"person": "自然人", "company": "法人或其他组织"}


def letter_templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # plain text, not HTML
    )


class LetterActivities:
    def __init__(self, sessions: SessionFactory, templates: jinja2.Environment) -> None:
        self._sessions = sessions
        self._template = templates.get_template("commitment_letter.txt.j2")

    @activity.defn
    def render_letters(self, inp: RenderLettersInput) -> list[LetterRef]:
        """Render one letter per matter; the same input always gives the same text and hash."""
        issued = date.fromisoformat(inp.issued_on)
        refs = []
        with self._sessions() as session:
            for code in inp.matter_codes:
                matter = session.get(Matter, code)
                assert matter is not None, code
                text = self._template.render(
                    application_id=inp.application_id,
                    service=inp.service,
                    issued_on=f"{issued.year}年{issued.month}月{issued.day}日",
                    organ=matter.department,
                    applicant=inp.applicant,
                    applicant_kind_label=KIND_LABELS.get(inp.applicant.kind, inp.applicant.kind),
                    matter=matter,
                )
                sha = hashlib.sha256(text.encode()).hexdigest()
                if session.get(Letter, sha) is None:
                    session.add(
                        Letter(
                            sha256=sha,
                            application_id=inp.application_id,
                            matter_code=code,
                            text=text,
                            rendered_at=datetime.now(timezone.utc),
                        )
                    )
                refs.append(LetterRef(matter_code=code, sha256=sha))
            session.commit()
        return refs
