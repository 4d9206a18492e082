"""A credit platform for the tests, over real HTTP: a server on a free port, in a thread, that
keeps each event once per Idempotency-Key and counts every POST it got.

It can be down (`down("503")`: answers 503; `down("refused")`: the port closed, connections
refused), up again on the same port, slow (`hold`: each POST is stored, then answered only after
that many seconds, `holding` set meanwhile), refuse chosen events as malformed (`reject`), and
ask for a bearer token.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bench.ports import free_port


@dataclass
class Post:
    key: str | None
    status: int
    at: float
    authorization: str | None


@dataclass
class Receiver:
    token: str | None = None
    port: int = field(default_factory=free_port)
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    """The platform's store: one payload per Idempotency-Key."""
    stored: list[str] = field(default_factory=list)
    """Every time an event was stored, its key (twice here would be a duplicate)."""
    posts: list[Post] = field(default_factory=list)
    hold: float = 0.0
    reject: set[str] = field(default_factory=set)
    mode: str = "up"
    holding: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/credit-events"

    def __enter__(self) -> Receiver:
        self.up()
        return self

    def __exit__(self, *exc: object) -> None:
        self.hold = 0
        self._close()

    # ---- switching ------------------------------------------------------------------------

    def up(self) -> None:
        self.mode = "up"
        if self._server is None:
            self._serve()

    def down(self, how: str = "503") -> None:
        """503: the server answers 503 Service Unavailable; refused: nothing listens."""
        self.mode = how
        if how == "refused":
            self._close()

    def _serve(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                receiver._post(self)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        for _ in range(100):  # the port may linger a moment after a close
            try:
                server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError(f"port {self.port} stays taken")
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def _close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # ---- the platform ---------------------------------------------------------------------

    def _post(self, handler: BaseHTTPRequestHandler) -> None:
        key = handler.headers.get("Idempotency-Key")
        body = handler.rfile.read(int(handler.headers.get("Content-Length", 0)))
        status = self._store(key, body, handler.headers.get("Authorization"))
        if status in (200, 201) and self.hold:
            self.holding.set()
            time.sleep(self.hold)
            self.holding.clear()
        answer = json.dumps({"status": status}).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(answer)))
            handler.end_headers()
            handler.wfile.write(answer)
        except OSError:  # the client went away while we held its answer
            pass

    def _store(self, key: str | None, body: bytes, authorization: str | None) -> int:
        with self._lock:
            if self.mode != "up":
                status = 503
            elif self.token and authorization != f"Bearer {self.token}":
                status = 401
            elif not key:
                status = 400
            elif key in self.reject:
                status = 422
            elif key in self.events:
                status = 409
            else:
                self.events[key] = json.loads(body)
                self.stored.append(key)
                status = 201
            self.posts.append(Post(key, status, time.monotonic(), authorization))
            return status

    def posts_of(self, key: str) -> list[Post]:
        with self._lock:
            return [p for p in self.posts if p.key == key]
