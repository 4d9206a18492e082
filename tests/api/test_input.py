"""Hostile input (issue 16): oversized bodies, strings that are not text, numbers out of range,
identity numbers as application ids, complaint floods and crashes — each answered 4xx with a
clear, JSON-safe reason (or a bare 500), never a 500 that echoes the input or a traceback."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, MutableMapping
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from api.limits import BodySizeLimit
from api.main import create_app
from api.ratelimits import ComplaintLimits, Rate, TokenBuckets
from config import Settings
from tests.support.harness import Harness
from tests.support.http import auth, body, track

Client = httpx.AsyncClient
JSON = {"Content-Type": "application/json"}
MB = 1_048_576


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest_asyncio.fixture
async def app(case: Harness) -> AsyncIterator[FastAPI]:
    settings = Settings(task_queue=case.task_queue, chengnuo_env="development", sampling_probability=1.0)
    app = create_app(settings, case.env.client, case.engine)

    @app.get("/boom", include_in_schema=False)
    def boom() -> None:
        raise RuntimeError("secret internals: password=hunter2")

    async with app.router.lifespan_context(app):
        yield app


@pytest_asyncio.fixture
async def http(app: FastAPI, case: Harness) -> AsyncIterator[Client]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)  # the 500 is the answer under test
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client
        await track(case, client)


def is_validation_error(response: httpx.Response) -> list[dict[str, Any]]:
    """A 422 in FastAPI's documented shape: detail an array of {loc, msg, type}; no echoed input."""
    assert response.status_code == 422, response.text
    detail = json.loads(response.content)["detail"]  # valid JSON (a lone surrogate could not be)
    assert isinstance(detail, list) and detail, detail
    for error in detail:
        assert {"loc", "msg", "type"} <= error.keys() and "input" not in error, error
        assert isinstance(error["loc"], list) and isinstance(error["msg"], str)
    return detail


# ---- body size --------------------------------------------------------------------------------


async def test_a_declared_oversized_body_is_refused_unread(http: Client) -> None:
    r = await http.post("/applications/x/complaints", content=b"{" + b" " * MB + b"}", headers=JSON)
    assert r.status_code == 413
    detail = r.json()["detail"]
    assert "请求体过大" in detail and "too large" in detail and str(MB) in detail


async def test_the_middleware_answers_before_reading() -> None:
    """With a Content-Length over the limit, neither the app nor `receive` is ever called."""
    called: list[str] = []

    async def app(*_: Any) -> None:
        called.append("app")

    async def receive() -> dict[str, Any]:
        called.append("receive")
        return {"type": "http.request", "body": b"", "more_body": False}

    sent: list[MutableMapping[str, Any]] = []

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/x", "query_string": b"", "headers": [(b"content-length", b"11")]}
    await BodySizeLimit(app, max_bytes=10)(scope, receive, send)
    assert called == [] and sent[0]["status"] == 413


async def test_a_chunked_oversized_body_is_refused_while_streaming(http: Client) -> None:
    chunk, chunks, sent = 64 * 1024, 40, []  # 2.5 MB, no Content-Length

    async def stream() -> AsyncIterator[bytes]:
        for n in range(chunks):
            sent.append(n)
            yield b'{"text": "' if n == 0 else b"x" * chunk

    r = await http.post("/applications/x/complaints", content=stream(), headers=JSON)
    assert r.status_code == 413 and "Request body too large" in r.json()["detail"]
    assert len(sent) < chunks / 2, f"read {len(sent)} of {chunks} chunks"  # stopped at about 1 MB


async def test_the_limit_is_a_setting(case: Harness) -> None:
    settings = Settings(task_queue=case.task_queue, max_body_bytes=100)
    app = create_app(settings, case.env.client, case.engine)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            small = await client.post("/applications/x/complaints", json={"text": "x" * 50})
            assert small.status_code == 404  # read, validated, no such case
            big = await client.post("/applications/x/complaints", json={"text": "x" * 200})
            assert big.status_code == 413


# ---- strings ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "said"),
    [
        ('{"text": "\\ud800"}', "代理"),  # a lone surrogate, as JSON escapes it
        ('{"text": "a\\udc00b"}', "代理"),
        ('{"text": "a\\u0000b"}', "U+0000"),
        ('{"text": "bell\\u0007"}', "U+0007"),
        ('{"text": "ok", "contact": "138\\n0000"}', "U+000A"),  # a one-line field takes no line break
    ],
)
async def test_strings_that_are_not_text_are_422(http: Client, raw: str, said: str) -> None:
    detail = is_validation_error(await http.post("/applications/x/complaints", content=raw, headers=JSON))
    assert said in detail[0]["msg"] and detail[0]["loc"][0] == "body", detail


async def test_free_text_keeps_line_breaks_and_tabs(http: Client) -> None:
    await http.post("/applications", json=body("in-1"), headers=auth("caseworker"))
    r = await http.post("/applications/in-1/complaints", json={"text": "第一行\n第二行\r\n\t缩进"}, headers=auth("caseworker"))
    assert r.status_code == 200, r.text


async def test_pydantic_errors_with_bad_input_are_json_safe(http: Client) -> None:
    """Errors pydantic raises itself (an enum, a pattern) on a surrogate or NUL: the input is not echoed."""
    for raw in ['{"action": "\\ud800", "reason": "x"}', '{"action": "rectify\\u0000", "reason": "\\ud800"}']:
        r = await http.post("/applications/x/disposition", content=raw, headers=JSON | auth("caseworker"))
        assert "\\ud800" not in r.text
        is_validation_error(r)
    opening = json.dumps(body("bad\ud800id")).encode()  # ensure_ascii: the escape goes out
    is_validation_error(await http.post("/applications", content=opening, headers=JSON | auth("caseworker")))


async def test_too_long_is_422_without_the_echo(http: Client) -> None:
    r = await http.post("/applications/x/complaints", json={"text": "长" * 2001})
    detail = is_validation_error(r)
    assert detail[0]["type"] == "string_too_long" and len(r.content) < 1000


@pytest.mark.parametrize("url", ["/applications/a%00b", "/matters/%07", "/applications?applicant=a%00b"])
async def test_control_characters_in_the_url_are_422(http: Client, url: str) -> None:
    is_validation_error(await http.get(url, headers=auth("caseworker")))


async def test_our_own_422s_have_the_documented_shape(http: Client) -> None:
    unknown = await http.post("/applications", json=body("in-2", ["NO-SUCH"]), headers=auth("caseworker"))
    assert "NO-SUCH" in is_validation_error(unknown)[0]["msg"]


async def test_a_body_that_is_not_utf8_is_400(http: Client) -> None:
    r = await http.post("/applications/x/complaints", content=b'{"text": "\xff\xfe"}', headers=JSON)
    assert r.status_code == 400 and "无法解析" in r.json()["detail"]


# ---- numbers ----------------------------------------------------------------------------------


@pytest.mark.parametrize("days", ["1e400", "-1e400", "1.5", "366", "0", "1e20", "99999999999999999999999999"])
async def test_deadline_days_out_of_range_is_422(http: Client, days: str) -> None:
    raw = f'{{"action": "rectify", "reason": "x", "deadline_days": {days}}}'
    is_validation_error(await http.post("/applications/x/disposition", content=raw, headers=JSON | auth("caseworker")))


@pytest.mark.parametrize("limit", ["-708232815671816632991219712", "708232815671816632991219712", "1e400", "nan", "0", "501"])
async def test_list_limit_out_of_range_is_422(http: Client, limit: str) -> None:
    detail = is_validation_error(await http.get(f"/applications?limit={limit}", headers=auth("auditor")))
    assert detail[0]["loc"] == ["query", "limit"]


# ---- application ids --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "app_id",
    [
        "410411199001011234",  # 居民身份证号码
        "41041119900101123X",
        "41041119900101123x",
        "410411900101123",  # the old 15-digit form
        "91410411MA9XXXXX0F",  # 统一社会信用代码
        "91410411ma9xxxxx0x",
        "GR-410411199001011234",  # inside the number
    ],
)
async def test_identity_numbers_are_not_application_ids(http: Client, app_id: str) -> None:
    detail = is_validation_error(await http.post("/applications", json=body(app_id), headers=auth("caseworker")))
    assert detail[0]["loc"] == ["body", "application_id"]
    assert "申请编号不得使用身份证件号码或统一社会信用代码" in detail[0]["msg"]


@pytest.mark.parametrize("app_id", ["2026-0001", "4104111990010112345", "41041119900101123", "ZHQ-2026-000001"])
async def test_ordinary_application_ids_pass(http: Client, app_id: str) -> None:
    r = await http.post("/applications", json=body(app_id, ["NO-SUCH"]), headers=auth("caseworker"))
    assert "NO-SUCH" in is_validation_error(r)[0]["msg"]  # past the id check, refused for the matter only


# ---- complaint rates --------------------------------------------------------------------------


def limited(app: FastAPI, per_case: str, per_source: str, trusted_proxy: bool = False) -> Clock:
    clock = Clock()
    app.state.complaint_limits = ComplaintLimits(Rate.parse(per_case), Rate.parse(per_source), trusted_proxy, clock)
    return clock


def complain(http: Client, app_id: str, headers: dict[str, str] | None = None) -> Any:
    return http.post(f"/applications/{app_id}/complaints", json={"text": "举报：场所不存在"}, headers=headers or {})


async def open_cases(http: Client, *ids: str) -> None:
    for app_id in ids:
        assert (await http.post("/applications", json=body(app_id), headers=auth("caseworker"))).status_code == 201


def too_many(r: httpx.Response) -> int:
    assert r.status_code == 429, r.text
    assert "投诉过于频繁" in r.json()["detail"] and "Too many complaints" in r.json()["detail"]
    return int(r.headers["Retry-After"])


async def test_complaints_are_limited_per_source(http: Client, app: FastAPI) -> None:
    await open_cases(http, "rs-1", "rs-2")
    clock = limited(app, "100/600", "2/60")
    assert (await complain(http, "rs-1")).status_code == 200
    assert (await complain(http, "rs-2")).status_code == 200
    assert too_many(await complain(http, "rs-2")) == 30  # one token back every 30 s
    assert too_many(await complain(http, "rs-1", {"X-Forwarded-For": "10.9.9.9"})) == 30  # no trusted proxy: ignored
    clock.now += 30
    assert (await complain(http, "rs-1")).status_code == 200
    assert (await complain(http, "rs-1")).status_code == 429


async def test_complaints_are_limited_per_case(http: Client, app: FastAPI) -> None:
    await open_cases(http, "rc-1", "rc-2")
    clock = limited(app, "3/600", "100/60", trusted_proxy=True)
    for n in range(3):  # three sources, one case
        assert (await complain(http, "rc-1", {"X-Forwarded-For": f"10.0.0.{n}, 192.168.1.1"})).status_code == 200
    assert too_many(await complain(http, "rc-1", {"X-Forwarded-For": "10.0.0.99"})) == 200
    assert (await complain(http, "rc-2", {"X-Forwarded-For": "10.0.0.99"})).status_code == 200  # another case
    clock.now += 200
    assert (await complain(http, "rc-1", {"X-Forwarded-For": "10.0.0.99"})).status_code == 200


async def test_the_first_forwarded_hop_is_the_source_behind_a_trusted_proxy(http: Client, app: FastAPI) -> None:
    await open_cases(http, "rp-1")
    limited(app, "100/600", "1/60", trusted_proxy=True)
    assert (await complain(http, "rp-1", {"X-Forwarded-For": "10.1.1.1, 10.2.2.2"})).status_code == 200
    assert (await complain(http, "rp-1", {"X-Forwarded-For": "10.1.1.1, 10.3.3.3"})).status_code == 429
    assert (await complain(http, "rp-1", {"X-Forwarded-For": "10.4.4.4, 10.2.2.2"})).status_code == 200


async def test_staff_with_a_token_are_not_limited(http: Client, app: FastAPI) -> None:
    await open_cases(http, "rt-1")
    limited(app, "1/600", "1/60")
    assert (await complain(http, "rt-1")).status_code == 200
    assert (await complain(http, "rt-1")).status_code == 429
    for role in ("caseworker", "supervisor", "caseworker"):
        assert (await complain(http, "rt-1", auth(role))).status_code == 200, role
    assert (await complain(http, "rt-1", auth("public"))).status_code == 429  # the public's token is still the public


async def test_the_default_limits_come_from_the_settings(http: Client) -> None:
    await open_cases(http, "rd-1")
    answers = [(await complain(http, "rd-1")).status_code for _ in range(6)]
    assert answers == [200] * 5 + [429]  # COMPLAINT_RATE_PER_SOURCE: 5 a minute


def test_token_buckets_refill_evenly_and_stay_bounded() -> None:
    clock = Clock()
    buckets = TokenBuckets(Rate.parse("10/600"), clock, max_keys=3)
    for _ in range(10):
        assert buckets.wait("a") == 0
        buckets.take("a")
    assert buckets.wait("a") == pytest.approx(60)
    clock.now += 59
    assert buckets.wait("a") == pytest.approx(1)
    clock.now += 1
    assert buckets.wait("a") == 0
    for key in "bcdef":  # more keys than max_keys: the least recent go
        buckets.take(key)
    assert len(buckets) == 3
    assert TokenBuckets(Rate.parse("0/60"), clock).wait("x") == 0  # 0/… is no limit
    with pytest.raises(ValueError):
        Rate.parse("5/0")


# ---- crashes ----------------------------------------------------------------------------------


async def test_a_crash_is_a_bare_500_and_logged(http: Client, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="chengnuo.api"):
        r = await http.get("/boom")
    assert r.status_code == 500
    detail = r.json()["detail"]
    assert "服务器内部错误" in detail and "Internal server error" in detail
    for leak in ("Traceback", "RuntimeError", "hunter2", "boom", ".py"):
        assert leak not in r.text, leak
    ref = detail.split("编号 ")[1].split("）")[0]
    logged = [rec for rec in caplog.records if ref in rec.getMessage()]
    assert logged and logged[0].exc_info and "hunter2" in str(logged[0].exc_info[1])
