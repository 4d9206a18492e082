"""Commitment letters (告知承诺书): rendered from the catalogue entry, kept by their hash.

The same template gives both the letter an applicant is notified of (`render_letters`) and the
blank format text (格式文本) published for the public (`blank_letter`)."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timezone
from functools import lru_cache
from pathlib import Path

import jinja2
from temporalio import activity

from activities.procedure import procedure_data
from db.models import Letter, Matter
from db.session import SessionFactory
from security.pseudonyms import person
from workflows.types import Applicant, LetterRef, RenderLettersInput

TEMPLATES = Path(__file__).parent / "templates"
TEMPLATE_NAME = "commitment_letter.txt.j2"
KIND_LABELS = {"person": "自然人", "company": "法人或其他组织"}


def letter_templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,  # a line holding only a block tag leaves no empty line behind
        lstrip_blocks=True,
        autoescape=False,  # plain text, not HTML
    )


@lru_cache(maxsize=1)
def _blank_template() -> jinja2.Template:
    return letter_templates().get_template(TEMPLATE_NAME)


def render_letter(
    template: jinja2.Template,
    matter: Matter,
    *,
    applicant: Applicant | None = None,
    application_id: str | None = None,
    service: str | None = None,
    issued_on: date | None = None,
) -> str:
    """One letter from passed-in values only (no clock): the same values give the same text.
    Without an applicant it is the blank format text, with blanks left to be filled in."""
    return template.render(
        application_id=application_id,
        service=service if service is not None else ("、".join(matter.services or []) or "________"),
        issued_on=f"{issued_on.year}年{issued_on.month}月{issued_on.day}日" if issued_on else None,
        organ=matter.department,
        applicant=applicant,
        applicant_kind_label=KIND_LABELS.get(applicant.kind, applicant.kind) if applicant else None,
        matter=matter,
        procedure=procedure_data(),
    )


def blank_letter(matter: Matter) -> str:
    """The blank format text (告知承诺书格式文本) of a catalogue entry, as published to the public."""
    return render_letter(_blank_template(), matter)


class LetterActivities:
    def __init__(self, sessions: SessionFactory, templates: jinja2.Environment) -> None:
        self._sessions = sessions
        self._template = templates.get_template(TEMPLATE_NAME)

    @activity.defn
    def render_letters(self, inp: RenderLettersInput) -> list[LetterRef]:
        """Render one letter per matter; the same input always gives the same text and hash."""
        issued = date.fromisoformat(inp.issued_on)
        refs = []
        with self._sessions() as session:
            for code in inp.matter_codes:
                matter = session.get(Matter, code)
                assert matter is not None, code
                text = render_letter(
                    self._template,
                    matter,
                    applicant=person(session, inp.applicant),
                    application_id=inp.application_id,
                    service=inp.service,
                    issued_on=issued,
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
