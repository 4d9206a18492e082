"""The published catalogue is open to the public: no token needed for the list, an entry and its
blank commitment letter (告知承诺书格式文本); a token that is sent must still be valid."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment

from activities.letters import blank_letter
from api.main import create_app
from config import Settings
from db.models import ApiToken, Matter
from security import tokens
from tests.support.factories import AFTER, DURING, EXCLUDED, EXEMPT, TEST_MATTERS
from tests.support.letters import HEADINGS
from workflows.types import Role

Client = httpx.AsyncClient
PUBLIC_URLS = ["/matters", f"/matters/{AFTER}", f"/matters/{AFTER}/letter"]


@pytest_asyncio.fixture
async def http(env: WorkflowEnvironment, engine: Engine) -> AsyncIterator[Client]:
    """The app without a worker: the catalogue never reaches Temporal."""
    settings = Settings(chengnuo_env="development")
    with Session(engine) as session:  # a token from the table, beside the dev ones
        now = datetime.now(timezone.utc)
        session.add(
            ApiToken(
                id="t-9",
                token_sha256=tokens.digest("configured-token"),
                role=Role.caseworker,
                actor_id="cw-9",
                created_at=now,
                expires_at=now + timedelta(days=1),
            )
        )
        session.commit()
    app = create_app(settings, env.client, engine)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            yield client


@pytest.mark.parametrize("url", PUBLIC_URLS)
async def test_no_token_is_the_public(http: Client, url: str) -> None:
    response = await http.get(url)
    assert response.status_code == 200, response.text


async def test_the_list_and_an_entry_without_a_token(http: Client) -> None:
    codes = [m["code"] for m in (await http.get("/matters")).json()]
    assert codes == sorted(codes) and {m.code for m in TEST_MATTERS} <= set(codes)
    excluded = (await http.get("/matters", params={"commitment_allowed": "false", "department": "湛河区测试局"})).json()
    assert [m["code"] for m in excluded] == [EXCLUDED]
    entry = (await http.get(f"/matters/{DURING}")).json()
    assert entry["verification_stage"] == "during" and entry["supervision_days"] == 90


@pytest.mark.parametrize("code", [AFTER, DURING, EXEMPT])
async def test_the_blank_letter(http: Client, code: str) -> None:
    response = await http.get(f"/matters/{code}/letter")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    text = response.text
    assert text == blank_letter(next(m for m in TEST_MATTERS if m.code == code))
    assert text.startswith("证明事项告知承诺书（格式文本）")
    for heading in HEADINGS:
        assert f"\n{heading}\n" in text, heading
    assert "申请人：________" in text and "测试申请人" not in text


@pytest.mark.parametrize("url", PUBLIC_URLS)
@pytest.mark.parametrize("header", ["Bearer not-a-token", "Bearer dev-nobody", "Basic dXNlcjpwdw==", "Bearer"])
async def test_a_token_sent_must_be_valid(http: Client, url: str, header: str) -> None:
    response = await http.get(url, headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("url", PUBLIC_URLS)
@pytest.mark.parametrize("token", ["dev-public", "dev-caseworker", "configured-token"])
async def test_a_valid_token_still_reads(http: Client, url: str, token: str) -> None:
    assert (await http.get(url, headers={"Authorization": f"Bearer {token}"})).status_code == 200


@pytest.mark.parametrize("url", ["/matters/NOPE", "/matters/NOPE/letter"])
async def test_unknown_code(http: Client, url: str) -> None:
    response = await http.get(url)
    assert response.status_code == 404 and "NOPE" in response.json()["detail"]


async def test_an_excluded_matter_has_no_letter(http: Client) -> None:
    assert (await http.get(f"/matters/{EXCLUDED}")).status_code == 200
    response = await http.get(f"/matters/{EXCLUDED}/letter")
    assert response.status_code == 404 and "公共安全" in response.json()["detail"]


async def test_a_retired_matter_is_hidden(http: Client, engine: Engine) -> None:
    with Session(engine) as s:
        row = s.get(Matter, AFTER)
        assert row is not None
        row.retired = True
        s.add(row)
        s.commit()
    codes = [m["code"] for m in (await http.get("/matters")).json()]
    assert AFTER not in codes and DURING in codes
    assert (await http.get(f"/matters/{AFTER}/letter")).status_code == 404
    assert (await http.get(f"/matters/{DURING}/letter")).status_code == 200
