"""The codec server: decoding for auditors and supervisors only."""

from __future__ import annotations

import base64
import json

from tests.support.http import Client, auth, body


def plain(text: str) -> dict[str, object]:
    return {
        "metadata": {"encoding": base64.b64encode(b"json/plain").decode()},
        "data": base64.b64encode(json.dumps(text).encode()).decode(),
    }


async def test_encode_then_decode_for_allowed_roles_only(http: Client) -> None:  # noqa: F811
    secret = plain("张三 13912345678")
    assert (await http.post("/codec/encode", json={"payloads": [secret]})).status_code == 401
    assert (await http.post("/codec/encode", json={"payloads": [secret]}, headers=auth("caseworker"))).status_code == 403
    sealed = (await http.post("/codec/encode", json={"payloads": [secret]}, headers=auth("auditor"))).json()["payloads"]
    assert base64.b64decode(sealed[0]["metadata"]["encoding"]) == b"binary/encrypted"
    assert "张三".encode() not in base64.b64decode(sealed[0]["data"])
    for role in ("caseworker", "verifier", "applicant", "public"):
        assert (await http.post("/codec/decode", json={"payloads": sealed}, headers=auth(role))).status_code == 403
    assert (await http.post("/codec/decode", json={"payloads": sealed})).status_code == 401
    for role in ("auditor", "supervisor"):
        decoded = await http.post("/codec/decode", json={"payloads": sealed}, headers=auth(role))
        assert decoded.json()["payloads"] == [secret]


async def test_history_through_the_codec(http: Client) -> None:  # noqa: F811
    """What the Web UI gets: ciphertext from Temporal; the auditor's decode reads the case."""
    opened = await http.post("/applications", json=body("codec-1"), headers=auth("caseworker"))
    history = (await http.get("/applications/codec-1/history", headers=auth("auditor"))).json()
    start = history["events"][0]["workflowExecutionStartedEventAttributes"]["input"]["payloads"]
    assert base64.b64decode(start[0]["metadata"]["encoding"]) == b"binary/encrypted"
    assert "湛河测试商贸".encode() not in base64.b64decode(start[0]["data"])
    decoded = (await http.post("/codec/decode", json={"payloads": start}, headers=auth("auditor"))).json()["payloads"]
    plain = base64.b64decode(decoded[0]["data"]).decode()
    assert '"service":"食品经营许可"' in plain and '"id":"ap-' in plain  # decoded: the applicant is a pseudonym
    assert "湛河测试商贸有限公司" not in plain
    assert opened.status_code == 201


async def test_browser_signs_in_with_a_cookie_and_cors_allows_the_ui(http: Client) -> None:  # noqa: F811
    refused = await http.post("/codec/login", data={"token": "dev-caseworker"})
    assert refused.status_code == 403
    signed = await http.post("/codec/login", data={"token": "dev-auditor"})
    assert signed.status_code == 303 and "httponly" in signed.headers["set-cookie"].lower()
    sealed = (await http.post("/codec/encode", json={"payloads": [plain("x")]})).json()["payloads"]  # the cookie
    assert (await http.post("/codec/decode", json={"payloads": sealed})).json()["payloads"] == [plain("x")]
    preflight = await http.options(
        "/codec/decode",
        headers={
            "Origin": "http://127.0.0.1:8233",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-namespace",
        },
    )
    assert preflight.headers["access-control-allow-origin"] == "http://127.0.0.1:8233"
    assert preflight.headers["access-control-allow-credentials"] == "true"


async def test_no_arguments_is_an_empty_list(http: Client) -> None:  # noqa: F811
    """The Temporal CLI sends `{}` when a query has no arguments (`temporal workflow metadata`)."""
    r = await http.post("/codec/encode", json={}, headers=auth("auditor"))
    assert r.status_code == 200 and r.json() == {"payloads": []}
