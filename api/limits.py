"""Limits on what a client may send, and how every answer is to be treated by a browser.

- `BodySizeLimit`, a pure ASGI middleware: a body over `MAX_BODY_BYTES` is answered 413 without
  being read — at once when its Content-Length says so, else (a chunked body) as soon as the bytes
  received so far pass the limit. `CleanUrl`, another: a path or query string carrying a control
  character (a NUL would reach PostgreSQL and Temporal as part of an id) is a 422.
- `SecurityHeaders`: every answer says how a browser must treat it.
How often the public may act is api/ratelimits.py.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from fastapi import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import validation_error

DEFAULT_MAX_BODY_BYTES = 1_048_576

# ---- request size -----------------------------------------------------------------------------


def too_large_detail(limit: int) -> str:
    return f"请求体过大（上限 {limit} 字节）/ Request body too large (limit {limit} bytes)"


class BodyTooLarge(HTTPException):
    """Raised from `receive` once a streamed body passes the limit. An HTTPException, so that the
    route's body parsing lets it through (anything else it turns into a 400) and the app's
    handler answers it as JSON."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large_detail(limit), headers={"Connection": "close"})


CONTROL_IN_URL = re.compile(rb"[\x00-\x1f\x7f]")


class BodySizeLimit:
    """Refuse a body over `max_bytes` (413) without reading it.

    `max_bytes=None` reads the limit from the app's settings (`app.state.settings.max_body_bytes`)
    on each request, so the settings a test passes to `create_app` apply.
    """

    def __init__(self, app: ASGIApp, max_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def limit(self, scope: Scope) -> int:
        if self.max_bytes is not None:
            return self.max_bytes
        settings = getattr(getattr(scope.get("app"), "state", None), "settings", None)
        return getattr(settings, "max_body_bytes", DEFAULT_MAX_BODY_BYTES)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit(scope)
        declared = content_length(scope)
        if declared is not None and declared > limit:
            await too_large(limit)(scope, receive, send)  # refused unread
            return

        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge:
            if started:  # something read the body after answering: nothing more to say
                raise
            await too_large(limit)(scope, receive, send)


def too_large(limit: int) -> JSONResponse:
    return JSONResponse({"detail": too_large_detail(limit)}, status_code=413, headers={"Connection": "close"})


def content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server refuses a malformed one; counting still holds
    return None


class CleanUrl:
    """Refuse a path or query string with a control character once decoded (422, documented shape):
    `%00` would otherwise reach PostgreSQL (which refuses NUL in text: a 500) and Temporal ids."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (part := control_in_url(scope)):
            error = validation_error(
                "地址中不得含有控制字符 / control characters are not allowed in the URL", (part,), "control_character"
            )
            await JSONResponse({"detail": [error]}, status_code=422)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def control_in_url(scope: Scope) -> str | None:
    """Which part of the URL carries a control character once decoded (as the routes see it), if any."""
    if CONTROL_IN_URL.search(scope.get("path", "").encode("utf-8", "surrogatepass")):
        return "path"
    if CONTROL_IN_URL.search(unquote_to_bytes(scope.get("query_string", b""))):
        return "query"
    return None


# ---- rates ------------------------------------------------------------------------------------


SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),  # text is never taken for HTML or script
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]


class SecurityHeaders:
    """Every answer says how a browser must treat it: a name like `<script>` in a letter or a
    timeline stays text (plain text and JSON are never sniffed as HTML), and no page is framed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)
