"""How often the public may act: `limit_complaints`, the dependency of the tokenless complaint
route, per case (`COMPLAINT_RATE_PER_CASE`) and per source (`COMPLAINT_RATE_PER_SOURCE`, the
client's IP; behind a reverse proxy with `TRUSTED_PROXY`, the first X-Forwarded-For hop) → 429
with Retry-After. Only the public is limited (no token, or the public role's): staff and
applicants act with tokens of their own, known and answerable.

The API's buckets are rows of the database (`shared_wait`), taken all-or-none under a row lock,
so every API process shares one budget; `TokenBuckets` keeps them in memory, with an injectable
clock (tests, and a `ComplaintLimits` made without a database).
"""

from __future__ import annotations

import ipaddress
import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy import Engine, delete
from sqlmodel import Session, col, select

from api.deps import OptionalActor
from config import Settings
from db.models import RateBucket
from db.writes import insert_ignore
from workflows.types import Role

Clock = Callable[[], float]


@dataclass(frozen=True)
class Rate:
    """`count` actions per `seconds`, as a bucket of `count` tokens refilled evenly over `seconds`."""

    count: int
    seconds: float

    @classmethod
    def parse(cls, text: str) -> Rate:
        """ "10/600": 10 per 600 seconds. A count of 0 is no limit."""
        count, _, seconds = text.partition("/")
        rate = cls(int(count), float(seconds))
        if rate.count < 0 or rate.seconds <= 0:
            raise ValueError(f"a rate is count/seconds with seconds > 0, not {text!r}")
        return rate

    @property
    def unlimited(self) -> bool:
        return self.count == 0


class TokenBuckets:
    """One token bucket per key, all at one rate, in memory.

    A key starts with a full bucket of `rate.count` tokens; each action takes one; tokens come back
    at `rate.count / rate.seconds` a second. A bucket that has filled up again is the same as none,
    so full ones are dropped when the table grows, and past `max_keys` the least recently used go
    (a client spraying keys cannot grow memory without bound). `clock` is injectable for tests.
    Thread-safe.
    """

    def __init__(self, rate: Rate, clock: Clock = time.monotonic, max_keys: int = 100_000) -> None:
        self.rate = rate
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at); insertion order = recency
        self._lock = threading.Lock()

    def _tokens(self, key: str, now: float) -> float:
        tokens, at = self._buckets.get(key, (float(self.rate.count), now))
        refill = (now - at) * self.rate.count / self.rate.seconds
        return min(float(self.rate.count), tokens + max(refill, 0.0))

    def wait(self, key: str) -> float:
        """Seconds until `key` may act again; 0 if it may now."""
        if self.rate.unlimited:
            return 0.0
        with self._lock:
            tokens = self._tokens(key, self.clock())
        return 0.0 if tokens >= 1 else (1 - tokens) * self.rate.seconds / self.rate.count

    def take(self, key: str) -> None:
        """Spend one token of `key` (call after `wait` said 0)."""
        if self.rate.unlimited:
            return
        with self._lock:
            now = self.clock()
            tokens = self._tokens(key, now)
            self._buckets.pop(key, None)
            self._buckets[key] = (max(tokens - 1, 0.0), now)
            if len(self._buckets) > self.max_keys:
                self._shrink(now)

    def _shrink(self, now: float) -> None:
        for key in [k for k in self._buckets if self._tokens(k, now) >= self.rate.count]:
            del self._buckets[key]
        while len(self._buckets) > self.max_keys:
            del self._buckets[next(iter(self._buckets))]

    def __len__(self) -> int:
        return len(self._buckets)


def shared_wait(engine: Engine, buckets: list[tuple[str, Rate]], now: float) -> float:
    """Take a token from each bucket, all or none, in the database every API process shares (the
    rows locked for the transaction): 0, or the seconds until every bucket has one."""
    wanted = [(key, rate) for key, rate in buckets if not rate.unlimited]
    if not wanted:
        return 0.0
    with Session(engine) as session:
        insert_ignore(session, RateBucket, [{"key": k, "tokens": float(r.count), "at": now} for k, r in wanted])
        rows = {
            b.key: b
            for b in session.exec(select(RateBucket).where(col(RateBucket.key).in_([k for k, _ in wanted])).with_for_update())
        }
        waits = []
        for key, rate in wanted:
            row = rows[key]
            row.tokens = min(float(rate.count), row.tokens + max(now - row.at, 0.0) * rate.count / rate.seconds)
            row.at = now
            waits.append(0.0 if row.tokens >= 1 else (1 - row.tokens) * rate.seconds / rate.count)
        if max(waits) > 0:
            session.rollback()
            return max(waits)
        for row in rows.values():
            row.tokens -= 1
            session.add(row)
        if random.random() < 0.01:  # buckets full again are the same as none: prune now and then
            session.execute(delete(RateBucket).where(col(RateBucket.at) < now - 86_400))
        session.commit()
    return 0.0


class ComplaintLimits:
    """The two limits on tokenless complaints: per case and per source. With `engine`, the buckets
    live in the database and every API process shares them (production runs several); without,
    in this process's memory."""

    def __init__(
        self, per_case: Rate, per_source: Rate, trusted_proxy: bool = False, clock: Clock = time.monotonic,
        engine: Engine | None = None,
    ) -> None:  # fmt: skip
        self.per_case = TokenBuckets(per_case, clock)
        self.per_source = TokenBuckets(per_source, clock)
        self.trusted_proxy = trusted_proxy
        self.engine = engine

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock = time.monotonic, engine: Engine | None = None) -> ComplaintLimits:
        return cls(
            Rate.parse(settings.complaint_rate_per_case),
            Rate.parse(settings.complaint_rate_per_source),
            settings.trusted_proxy,
            clock,
            engine,
        )

    def source(self, request: Request) -> str:
        """The client's address; behind a trusted proxy the first X-Forwarded-For hop, if it is an IP."""
        if self.trusted_proxy:
            first = request.headers.get("x-forwarded-for", "").split(",")[0].strip()
            for candidate in (first, first.rpartition(":")[0].strip("[]")):  # "1.2.3.4:5678", "[::1]:5678"
                try:
                    return str(ipaddress.ip_address(candidate))
                except ValueError:
                    continue
        return request.client.host if request.client else "unknown"

    def admit(self, application_id: str, source: str) -> None:
        """Take a token from both buckets, or none and 429 with Retry-After if either is empty."""
        if self.engine is not None:
            buckets = [(f"case:{application_id}", self.per_case.rate), (f"source:{source}", self.per_source.rate)]
            wait = shared_wait(self.engine, buckets, time.time())
        else:
            wait = max(self.per_case.wait(application_id), self.per_source.wait(source))
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            raise HTTPException(
                429,
                f"投诉过于频繁，请 {seconds} 秒后再试 / Too many complaints, retry after {seconds} s",
                headers={"Retry-After": str(seconds)},
            )
        if self.engine is None:
            self.per_case.take(application_id)
            self.per_source.take(source)


def complaint_limits(request: Request) -> ComplaintLimits:
    """The app's limits, made from its settings on first use; a test may put its own (with a fake
    clock) in `app.state.complaint_limits` before that."""
    state = request.app.state
    limits: ComplaintLimits | None = getattr(state, "complaint_limits", None)
    if limits is None:  # in the database: shared by every API process
        limits = state.complaint_limits = ComplaintLimits.from_settings(state.settings, engine=state.engine)
    return limits


def limit_complaints(
    application_id: str, request: Request, actor: OptionalActor, limits: Annotated[ComplaintLimits, Depends(complaint_limits)]
) -> None:
    """The public's complaints, per case and per source; anyone with a token is not limited (a
    plain function: FastAPI runs it in its thread pool, off the event loop, for the database)."""
    if actor.role == Role.public:
        limits.admit(application_id, limits.source(request))
