"""Each notified letter's PDF is rendered once, kept beside its text with its own digest, and
served as kept: by the worker's background round, or at the first request if that comes first."""

from __future__ import annotations

import hashlib

import httpx
import pytest
from sqlmodel import Session, col, select

from db.models import Letter
from letters.store import render_pending
from tests.support.factories import AFTER, DURING
from tests.support.harness import Harness
from tests.support.letters import APPLICANT, CASEWORKER, COMPANY

pytestmark = pytest.mark.slow


async def open_case(http: httpx.AsyncClient, application_id: str) -> dict[str, str]:
    opened = await http.post(
        "/applications",
        headers=CASEWORKER,
        json={
            "application_id": application_id,
            "applicant": {"id": COMPANY, "name": "湛河测试商贸有限公司", "kind": "company"},
            "service": "食品经营许可",
            "matters": [AFTER, DURING],
        },
    )
    assert opened.status_code == 201, opened.text
    return {m["code"]: m["letter_sha256"] for m in opened.json()["matters"]}


def kept(case: Harness) -> dict[str, Letter]:
    with Session(case.engine) as session:
        return {letter.sha256: letter for letter in session.exec(select(Letter))}


async def test_the_first_reader_has_it_rendered_and_kept_and_later_readers_get_the_kept_pdf(
    http: httpx.AsyncClient, case: Harness
) -> None:
    letters = await open_case(http, "store-1")
    assert all(letter.pdf is None for letter in kept(case).values())  # the opening renders no PDF
    url = f"/applications/store-1/letters/{AFTER}"
    first = await http.get(f"{url}.pdf", headers=APPLICANT)
    assert first.status_code == 200 and first.content.startswith(b"%PDF")
    letter = kept(case)[letters[AFTER]]
    assert letter.pdf == first.content and letter.pdf_sha256 == hashlib.sha256(first.content).hexdigest()
    assert kept(case)[letters[DURING]].pdf is None  # only the one asked for
    notified = (await http.get(url, headers=APPLICANT)).json()
    assert notified["sha256"] == letters[AFTER] and notified["pdf_sha256"] == letter.pdf_sha256  # the text's hash still binds

    with Session(case.engine) as session:  # what is served is what was kept, not rendered again
        session.execute(Letter.__table__.update().where(col(Letter.sha256) == letters[AFTER]).values(pdf=b"%PDF-kept"))  # type: ignore[attr-defined]
        session.commit()
    assert (await http.get(f"{url}.pdf", headers=CASEWORKER)).content == b"%PDF-kept"


async def test_the_background_round_renders_what_no_one_asked_for_once(http: httpx.AsyncClient, case: Harness) -> None:
    letters = await open_case(http, "store-2")
    url = str(case.engine.url)
    assert render_pending(url) == 2 and render_pending(url) == 0  # each letter once
    stored = kept(case)
    for code, sha in letters.items():
        pdf = stored[sha].pdf
        assert pdf is not None and stored[sha].pdf_sha256 == hashlib.sha256(pdf).hexdigest()
        served = await http.get(f"/applications/store-2/letters/{code}.pdf", headers=APPLICANT)
        assert served.content == pdf
