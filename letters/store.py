"""Each notified letter's PDF, rendered once and kept beside its text.

Rendering takes about a second of CPU (the CJK font is subset), so it happens neither on the
opening's path nor, normally, on a reader's: the worker renders the letters that have no PDF yet
in a process of its own (`render_pending`, every few seconds), and a reader who comes first has
it rendered and kept at once. The commitment stays bound to the text's SHA-256; the PDF's own
digest is kept beside it (`pdf_sha256`)."""

from __future__ import annotations

import hashlib

from sqlalchemy import update
from sqlmodel import Session, col, select

from db.models import Application, Letter
from letters.render import letter_pdf
from letters.sheets import case_sheet, edition_at


def render(session: Session, row: Application, letter: Letter) -> bytes:
    return letter_pdf(case_sheet(row, letter, edition_at(session, letter.matter_code, letter.rendered_at)))


def keep(session: Session, letter: Letter, pdf: bytes) -> bytes:
    """Keep the PDF unless another process kept one first; the one kept is returned."""
    session.execute(
        update(Letter)
        .where(col(Letter.sha256) == letter.sha256, col(Letter.pdf).is_(None))
        .values(pdf=pdf, pdf_sha256=hashlib.sha256(pdf).hexdigest())
    )
    session.commit()
    session.refresh(letter)
    assert letter.pdf is not None
    return letter.pdf


def case_letter_pdf(session: Session, row: Application, letter: Letter) -> bytes:
    """The letter's PDF as kept; rendered and kept now if the worker has not reached it yet."""
    return letter.pdf if letter.pdf is not None else keep(session, letter, render(session, row, letter))


def render_pending(database_url: str, limit: int = 20) -> int:
    """Render and keep up to `limit` letters that have no PDF yet, oldest first; how many.
    Run in a process of its own (the worker's), so rendering never holds an event loop."""
    from db.session import make_engine

    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        with Session(engine) as session:
            query = (
                select(Letter, Application)
                .join(Application, col(Application.application_id) == col(Letter.application_id))
                .where(col(Letter.pdf).is_(None))
                .order_by(col(Letter.rendered_at))
                .limit(limit)
            )
            pending = list(session.exec(query))
            for letter, row in pending:
                keep(session, letter, render(session, row, letter))
        return len(pending)
    finally:
        engine.dispose()
