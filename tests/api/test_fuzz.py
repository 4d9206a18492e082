"""Fuzzing the API from its own OpenAPI schema (schemathesis, through its Python API).

Every operation the schema documents gets requests generated from it — valid ones and, where the
schema allows, invalid ones (wrong types, out-of-range numbers, strings with NUL or beyond their
length) — sent as each of four roles: caseworker, applicant, supervisor and the public without a
token. Every answer must pass schemathesis' checks:

- `not_a_server_error`: no 5xx (a 503/504 would be a saturated or silent Temporal: a bug here too);
- `status_code_conformance`: only documented status codes (each route's own, and the error
  answers the app documents for every route, `schemas.ERROR_RESPONSES`);
- `response_schema_conformance` and `content_type_conformance`: the body is what the schema says
  (a 422's `detail` is an array of error objects, other errors `{"detail": str}`).

Left out: `negative_data_rejection` and `positive_data_acceptance` — the schema cannot say that a
matter code must be in the catalogue or that a case must be in a given status, so valid data is
often refused (404/409/422) by design; and `response_headers_conformance`, as no route documents
response headers.

Requests go in process to the app on the test's own event loop (where its Temporal client and
worker run), a thread generating them. To reach past 404, generation is steered: half the
requests name one of a few cases opened here (one fresh, one approved) and the catalogue's codes.
The app has its own database and task queue (the `case` fixture), so no other test's cases are
touched; every history it made is replayed afterwards like any other test's.

`CHENGNUO_FUZZ_EXAMPLES` (default 20) is the number of examples per operation; hypothesis'
seed is random, so a failure prints its own reproduction (`@seed(...)`), and each failing check
prints a curl command.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings, strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance, status_code_conformance

from api.main import create_app
from config import Settings
from tests.support.factories import AFTER, DURING
from tests.support.harness import Harness
from tests.support.http import COMPANY, auth, body, track

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("CHENGNUO_FUZZ_EXAMPLES", "20"))
BASE = "http://fuzz"
ROLES: dict[str, str | None] = {
    "caseworker": auth("caseworker")["Authorization"],
    "applicant": auth("applicant")["Authorization"],
    "supervisor": auth("supervisor")["Authorization"],
    "public": None,
}
CASES = ["fz-fresh", "fz-approved"]
MATTERS = [AFTER, DURING]
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, content_type_conformance]
# Failures found in code this file's author does not own, reported to its owner: while they last,
# the test is an xfail naming them (any other failure still fails it). Remove an entry once fixed.
KNOWN: dict[str, str] = {}
STEERED_PATH = {"application_id": CASES, "matter": MATTERS, "code": MATTERS, "applicant_id": [COMPANY]}


async def open_cases(http: httpx.AsyncClient) -> None:
    """One case just opened, one approved (after approval more actions are open)."""
    for app_id in CASES:
        r = await http.post("/applications", json=body(app_id, [AFTER, DURING]), headers=auth("caseworker"))
        assert r.status_code == 201, r.text
    url = "/applications/fz-approved"
    for role, action, payload in [
        ("applicant", "commit", {"matter": AFTER}),
        ("applicant", "commit", {"matter": DURING}),
        ("verifier", "verification", {"matter": DURING, "truthful": True, "findings": "一致"}),
        ("caseworker", "decision", {"approve": True, "reason": "符合法定条件"}),
    ]:
        r = await http.post(f"{url}/{action}", json=payload, headers=auth(role))
        assert r.status_code == 200, (action, r.text)


def steer(case: schemathesis.Case, pick: int) -> None:
    """Point the generated request at something that exists: a case, a matter, the applicant."""
    for name in case.path_parameters or {}:
        if name in STEERED_PATH:
            case.path_parameters[name] = STEERED_PATH[name][pick % len(STEERED_PATH[name])]
    if isinstance(case.body, dict):
        if "matter" in case.body:
            case.body["matter"] = MATTERS[pick % len(MATTERS)]
        if "application_id" in case.body:  # an opening: a new case of the applicant's, on the catalogue
            case.body.update(application_id=f"fz-new-{pick}", matters=[MATTERS[pick % len(MATTERS)]])
            applicant = case.body.get("applicant")
            if isinstance(applicant, dict):
                applicant["id"] = COMPANY


def request_of(case: schemathesis.Case, token: str | None) -> dict[str, Any]:
    """The case as httpx arguments. JSON is written by us with ensure_ascii, so that strings no
    UTF-8 encoder takes (a lone surrogate) still go out, as the escapes a hostile client would send."""
    kwargs = case.as_transport_kwargs(base_url=BASE)
    headers = {k: v for k, v in kwargs["headers"].items() if k.lower() != "authorization"}
    if token:
        headers["Authorization"] = token
    if kwargs.get("cookies"):
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in kwargs["cookies"].items())
    content = None
    if "json" in kwargs:
        content = json.dumps(kwargs["json"]).encode()
        headers.setdefault("Content-Type", "application/json")
    elif isinstance(kwargs.get("data"), (bytes, str)):
        content = kwargs["data"]
    return {
        "method": kwargs["method"],
        "url": kwargs["url"],
        "params": kwargs.get("params"),
        "headers": {k: str(v).encode("latin-1", "replace") for k, v in headers.items()},
        "content": content,
    }


def fuzz_operation(operation: Any, send: Callable[[dict[str, Any]], httpx.Response]) -> None:
    strategies = [operation.as_strategy()]
    try:
        strategies.append(operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
    except Exception:  # nothing to get wrong (no parameters, no body)
        pass

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: bounded time; the failure prints its request
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of(strategies), role=st.sampled_from(sorted(ROLES)), steered=st.booleans(), pick=st.integers(0, 5))
    def run(case: schemathesis.Case, role: str, steered: bool, pick: int) -> None:
        if steered:
            steer(case, pick)
        response = send(request_of(case, ROLES[role]))
        case.validate_response(response, checks=CHECKS)

    run()


async def test_the_schema_holds_under_fuzzing(case: Harness) -> None:
    settings_ = Settings(task_queue=case.task_queue, chengnuo_env="development", sampling_probability=1.0)
    app = create_app(settings_, case.env.client, case.engine)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)  # a crash is a 500 to check, not an error here
        async with httpx.AsyncClient(transport=transport, base_url=BASE, timeout=30) as http:
            await open_cases(http)
            loop = asyncio.get_running_loop()

            def send(kwargs: dict[str, Any]) -> httpx.Response:
                return asyncio.run_coroutine_threadsafe(http.request(**kwargs), loop).result(timeout=60)

            schema = schemathesis.openapi.from_dict(app.openapi())
            failures: dict[str, str] = {}
            timings: dict[str, float] = {}

            def fuzz_all() -> None:
                for result in schema.get_all_operations():
                    if not isinstance(result, Ok):
                        failures[repr(result)] = f"not a valid operation: {result.err()}"
                        continue
                    operation = result.ok()
                    started = time.monotonic()
                    try:
                        fuzz_operation(operation, send)
                    except (Exception, BaseExceptionGroup) as err:  # every operation is fuzzed; all failures reported at the end
                        failures[operation.label] = f"{type(err).__name__}: {err}"
                    timings[operation.label] = time.monotonic() - started

            await asyncio.to_thread(fuzz_all)
            await track(case, http)
    assert len(timings) >= 20, sorted(timings)
    unexpected = {label: text for label, text in failures.items() if label not in KNOWN}
    assert not unexpected, "\n\n".join(f"== {label}\n{text}" for label, text in unexpected.items())
    if failures:
        pytest.xfail("known failures outside this test's scope: " + "; ".join(f"{label} — {KNOWN[label]}" for label in failures))
