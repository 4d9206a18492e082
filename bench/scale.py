"""`make bench-scale`: the read model at a district's years — 100,000 cases in every status across
ten departments — and how fast each role's workbench, the navigation's counts, GET /applications'
pages and filters, a case page and a year's statistics answer, p50/p95 over repeated runs, on
SQLite and (where one answers) PostgreSQL.

The rows are written in bulk with exactly the columns the projection writes (the case row, its
matter rows, the timeline entries the statistics read). Running workflows are not part of it:
`make bench` measures the engine.

    make bench-scale                               # 100,000 cases, SQLite and PostgreSQL
    make bench-scale ARGS="--cases 20000 --repeat 10"
"""

from __future__ import annotations

import argparse
import os
import random
import statistics as stats
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Engine, insert, text
from sqlmodel import Session

from activities.projection import MATTERS, counted_once
from console.queues import Ask, queues_for
from console.routes import case_context
from db.migrate import init_db
from db.models import Application, CaseEvent, CaseMatter
from db.queries import Listing, applications, paged
from db.session import make_engine
from figures import counting
from figures.definitions import Query
from workflows.rules import STATUS_LABELS
from workflows.types import Actor, ApplicationStatus as S, MatterCase, Role

DEPARTMENTS = [f"湛河区第{n + 1}局" for n in range(10)]
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)
# (case status, matter verification, share): a district's cases in every status
MIX = [
    (S.notified, "none", 2),
    (S.reviewing, "none", 3),
    (S.approved, "scheduled", 45),
    (S.approved, "sampled_out", 10),
    (S.verifying, "due", 3),
    (S.verifying, "untrue", 1),
    (S.rectifying, "rectifying", 1),
    (S.hearing, "proposed", 0.5),
    (S.fulfilled, "true", 15),
    (S.no_finding, "sampled_out", 12),
    (S.rejected, "none", 2),
    (S.terminated, "untrue", 0.5),
    (S.revoked, "revoked", 0.5),
    (S.rectified, "rectified", 1),
    (S.cancelled, "none", 2.5),
]
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def district(n: int, seed: int = 7) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """n cases over the two years before NOW: case rows, matter rows, timeline entries."""
    rnd = random.Random(seed)
    weights = [w for *_, w in MIX]
    cases, matters, events = [], [], []
    for i in range(n):
        status, verification, _ = rnd.choices(MIX, weights)[0]
        opened = NOW - timedelta(days=730 * (n - i) / n, minutes=rnd.randrange(600))
        app_id = f"2025-{i:06d}"
        final = status in (S.fulfilled, S.no_finding, S.rejected, S.revoked, S.rectified, S.cancelled)
        deadline = opened + timedelta(days=rnd.randrange(20, 120)) if verification in ("due", "scheduled", "rectifying") else None
        if deadline and verification == "scheduled":  # not yet due: its deadline is ahead
            deadline = max(deadline, NOW + timedelta(days=rnd.randrange(15, 90)))
        codes = [f"M-{rnd.randrange(60):03d}" for _ in range(rnd.choice((1, 1, 2)))]
        rows: list[dict[str, Any]] = []
        for k, code in enumerate(dict.fromkeys(codes)):
            department = DEPARTMENTS[int(code[2:]) % 10]
            rows.append(
                {
                    "application_id": app_id,
                    "code": code,
                    "department": department,
                    "status": status,
                    "opened_at": opened,
                    "closed_at": opened + timedelta(days=100) if final else None,
                    "name": f"证明事项{code}",
                    "stage": "after",
                    "mode": "commitment" if k == 0 or rnd.random() < 0.7 else "proof",
                    "verification": verification,
                    "sampled": verification != "sampled_out",
                    "exempt": False,
                    "due_at": deadline and deadline - timedelta(days=15),
                    "deadline_at": deadline,
                    "rectify_by": deadline if verification == "rectifying" else None,
                    "window_end": opened + timedelta(days=100),
                    "escalated": bool(deadline and deadline < NOW),
                    "overdue": bool(deadline and deadline < NOW),
                    "withdrawn": k > 0 and rnd.random() < 0.1,
                    "committed_at": opened,
                }
            )
        first, first_of = counted_once({r["code"]: r["department"] for r in rows})
        for r in rows:
            r["case_first"], r["department_first"] = r["code"] == first, r["code"] == first_of[r["department"]]
        matters += rows
        approved = opened + timedelta(days=5) if status not in (S.notified, S.reviewing, S.rejected, S.cancelled) else None
        closed = opened + timedelta(days=100) if final else None
        cases.append(
            {
                "application_id": app_id,
                "workflow_id": f"application-{app_id}",
                "applicant_id": f"ap-{rnd.randrange(n // 3 + 1)}",
                "applicant_name": "某某有限公司",
                "applicant_kind": "company",
                "service": "食品经营许可",
                "status": status,
                "status_label": STATUS_LABELS[status],
                "opened_at": opened,
                "approved_at": approved,
                "closed_at": closed,
                "decided_at": closed if status == S.rejected else approved,
                "decision_due_at": opened + timedelta(days=20) if status in (S.notified, S.reviewing) else None,
                "decision_overdue": status in (S.notified, S.reviewing) and opened + timedelta(days=20) < NOW,
                "matters": MATTERS.dump_python([case_matter(r) for r in rows], mode="json"),
                "decisions": [],
                "departments": sorted({r["department"] for r in rows}),
                "hearing": None,
                "next_deadline": min((r["deadline_at"] for r in rows if r["deadline_at"]), default=None),
                "escalated": any(r["escalated"] for r in rows),
                "penalized": False,
                "referred": False,
                "projection_seq": 1,
            }
        )
        if rnd.random() < 0.05:
            events.append(
                {
                    "application_id": app_id,
                    "seq": 2,
                    "at": opened + timedelta(days=30),
                    "actor_id": "public",
                    "role": "public",
                    "action": "complaint",
                    "summary": "收到投诉举报",
                }
            )
    return cases, matters, events


def case_matter(r: dict[str, Any]) -> MatterCase:
    """A matter row as the case's view holds it (what the projection dumps into `matters`)."""
    kept = (
        "code",
        "name",
        "stage",
        "exempt",
        "mode",
        "verification",
        "sampled",
        "due_at",
        "deadline_at",
        "rectify_by",
        "window_end",
        "escalated",
        "committed_at",
    )
    return MatterCase(eligible=True, **{k: r[k] for k in kept})


def load(engine: Engine, n: int) -> float:
    started = time.perf_counter()
    cases, matters, events = district(n)
    with Session(engine) as session:
        for model, rows in ((Application, cases), (CaseMatter, matters), (CaseEvent, events)):
            for first in range(0, len(rows), 5000):
                session.execute(insert(model), rows[first : first + 5000])
        session.commit()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:  # as autovacuum leaves a table
        conn.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))
    return time.perf_counter() - started


def timed(work: Callable[[], object], repeat: int) -> tuple[float, float]:
    """p50 and p95 of `repeat` runs after one not counted (a serving process has run each query
    before: its statements are compiled, its pages cached)."""
    work()
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        runs.append((time.perf_counter() - started) * 1000)
    runs.sort()
    return stats.median(runs), runs[min(len(runs) - 1, int(round(0.95 * (len(runs) - 1))))]


def measure(engine: Engine, repeat: int) -> list[tuple[str, float, float]]:
    people = {
        "承办人": Actor("cw", Role.caseworker),
        "核查人员": Actor("v", Role.verifier),
        "负责人": Actor("sv", Role.supervisor),
        "部门核查人员": Actor("v-3", Role.verifier, DEPARTMENTS[3]),
        "部门承办人": Actor("cw-3", Role.caseworker, DEPARTMENTS[3]),
        "申请人": Actor("ap-7", Role.applicant),
        "督查审计": Actor("au", Role.auditor),
    }
    auditor = people["督查审计"]
    year = Query(date(2025, 12, 1), date(2026, 11, 30))

    def session_work(fn: Callable[[Session], object]) -> Callable[[], object]:
        def run() -> object:
            with Session(engine) as session:
                return fn(session)

        return run

    def queues_of(actor: Actor, ask: Ask) -> Callable[[Session], object]:
        return lambda s: queues_for(s, actor, NOW, ask)

    def page_of(asked: Listing, offset: int) -> Callable[[Session], object]:
        return lambda s: paged(s, applications(auditor, asked), per_page=100, offset=offset)

    out = []
    for label, actor in people.items():
        out.append((f"工作台 {label}", *timed(session_work(queues_of(actor, Ask())), repeat)))
        out.append((f"导航计数 {label}", *timed(session_work(queues_of(actor, Ask(per_page=0))), repeat)))

    for label, asked, offset in (
        ("GET /applications", Listing(), 0),
        ("… page 500 (offset 50,000)", Listing(), 50_000),
        ("… ?sort=deadline&department=", Listing(department=DEPARTMENTS[3], sort="deadline"), 0),
        ("… ?status=verifying", Listing(status="verifying"), 0),
    ):
        out.append((label, *timed(session_work(page_of(asked, offset)), repeat)))
    out.append(
        ("案卷页 (case page)", *timed(session_work(lambda s: case_context(s, auditor, "2025-000100", NOW, "default")), repeat))
    )
    out.append(("一年统计 GET /statistics", *timed(session_work(lambda s: counting.report(s, year)), max(2, repeat // 5))))
    return out


@contextmanager
def sqlite_engine() -> Iterator[Engine]:
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/read.db")
        init_db(engine)
        yield engine
        engine.dispose()


@contextmanager
def postgres_engine() -> Iterator[Engine | None]:
    try:
        with make_engine(PG_URL).connect() as conn:
            conn.execute(text("select 1"))
    except Exception:
        yield None
        return
    schema = f"bench_scale_{uuid.uuid4().hex[:8]}"
    with make_engine(PG_URL).begin() as conn:
        conn.execute(text(f'create schema "{schema}"'))
    engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    init_db(engine)
    try:
        yield engine
    finally:
        engine.dispose()
        with make_engine(PG_URL).begin() as conn:
            conn.execute(text(f'drop schema "{schema}" cascade'))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", type=int, default=100_000)
    p.add_argument("--repeat", type=int, default=20)
    args = p.parse_args()
    results: dict[str, list[tuple[str, float, float]]] = {}
    for name, made in (("SQLite", sqlite_engine), ("PostgreSQL", postgres_engine)):
        with made() as engine:
            if engine is None:
                print(f"{name}: no server at {PG_URL} (BENCH_PG_URL), skipped")
                continue
            print(f"{name}: {args.cases:,} cases written in {load(engine, args.cases):.0f} s", flush=True)
            results[name] = measure(engine, args.repeat)
    names = list(results)
    print(f"\n{'':40}" + "".join(f"{n + ' p50/p95 ms':>26}" for n in names))
    for i, (label, *_rest) in enumerate(next(iter(results.values()))):
        print(f"{label:40}" + "".join(f"{results[n][i][1]:>14.1f} {results[n][i][2]:>10.1f}" for n in names))


if __name__ == "__main__":
    main()
