"""The complaint limits are shared by every API process: their buckets are rows of the database,
taken all-or-none under a row lock, so two processes (or twenty concurrent requests) admit no
more than the limit together."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi import HTTPException
from sqlalchemy import Engine

from api.ratelimits import ComplaintLimits, Rate
from tests.support.postgres import on_postgres


def admitted(limits: ComplaintLimits, case: str, source: str) -> bool:
    try:
        limits.admit(case, source)
    except HTTPException as refused:
        assert refused.status_code == 429 and refused.headers and int(refused.headers["Retry-After"]) >= 1
        return False
    return True


def two_processes(engine: Engine) -> tuple[ComplaintLimits, ComplaintLimits]:
    return tuple(ComplaintLimits(Rate.parse("3/600"), Rate.parse("2/60"), engine=engine) for _ in range(2))  # type: ignore[return-value]


def test_two_processes_share_one_budget(engine: Engine) -> None:
    a, b = two_processes(engine)
    assert admitted(a, "c-1", "10.0.0.1") and admitted(b, "c-1", "10.0.0.1")
    assert not admitted(a, "c-1", "10.0.0.1")  # the source's 2 a minute, spent across both
    assert admitted(b, "c-1", "10.0.0.2")  # another source: the case's third
    assert not admitted(a, "c-1", "10.0.0.3")  # the case's 3 per 10 minutes, spent: nothing taken
    assert admitted(a, "c-2", "10.0.0.3")  # the refused request took no token from its source


@on_postgres
def test_concurrent_requests_admit_no_more_than_the_limit(pg: Engine) -> None:
    a, b = two_processes(pg)
    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(lambda n: admitted(a if n % 2 else b, f"case-{n}", "10.9.9.9"), range(20)))
    assert sum(results) == 2


@pytest.mark.parametrize("rate", ["0/60"])
def test_no_limit_takes_nothing(engine: Engine, rate: str) -> None:
    free = ComplaintLimits(Rate.parse(rate), Rate.parse(rate), engine=engine)
    assert all(admitted(free, "c-9", "10.0.0.9") for _ in range(50))
