"""The read model on PostgreSQL: a whole life projected, credit records written exactly once.

Runs against DATABASE_URL, else the machine's PostgreSQL (127.0.0.1:5432, database test);
skipped only when neither answers. Each run works in a schema of its own and drops it after.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest_asyncio
from sqlalchemy import Engine
from sqlmodel import Session, select
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment

from activities.credit import CreditActivities
from db.models import ApplicantGrade, ApplicantIdentity, Application, CaseEvent, CaseText, CreditOutbox, CreditRecord
from db.session import session_factory
from tests.support.factories import AFTER, APPLICANT, CASEWORKER, DURING, PUBLIC, SUPERVISOR, VERIFIER
from tests.support.harness import Harness
from tests.support.lives import read_notices
from tests.support.postgres import on_postgres
from tests.support.projections import late_older_lean_projection_ignored, thrown_away_task_overwritten
from tests.support.replay import replay_all, stop_all
from worker import build_worker
from workflows.application import ApplicationWorkflow as W
from workflows.types import (
    ApplicationStatus as S,
    AssessCreditInput,
    CloseInput,
    CommitInput,
    ComplaintInput,
    CreditRecordInput,
    DecisionInput,
    DispositionAction as D,
    DispositionInput,
    RevocationDecisionInput,
    StatementInput,
    VerificationInput,
)

pytestmark = on_postgres


@pytest_asyncio.fixture
async def pg_case(env: WorkflowEnvironment, pg: Engine) -> Harness:
    harness = Harness(env, pg, task_queue=f"tq-{uuid.uuid4()}")
    async with build_worker(env.client, pg, task_queue=harness.task_queue):
        yield harness  # type: ignore[misc]
        await stop_all(harness)
    await replay_all(harness)


async def test_life_projected_to_postgres(pg_case: Harness) -> None:
    case = pg_case
    assert case.engine.dialect.name == "postgresql"
    handle, _ = await case.open([AFTER])
    await handle.execute_update(W.commit, CommitInput(APPLICANT, AFTER))
    await handle.execute_update(W.decide, DecisionInput(CASEWORKER, True, "符合条件"))
    await handle.execute_update(W.complain, ComplaintInput(PUBLIC, "举报"))
    await handle.execute_update(W.record_verification, VerificationInput(VERIFIER, AFTER, False, "不实"))
    await handle.execute_update(
        W.dispose,
        DispositionInput(SUPERVISOR, D.revoke, "撤销", also=[D.refer], decision_no="湛移1号", receiving_organ="公安分局"),
    )
    await handle.execute_update(W.state_case, StatementInput(APPLICANT, "申辩"))
    await handle.execute_update(W.decide_revocation, RevocationDecisionInput(SUPERVISOR, True, "撤销", "湛撤1号"))
    await handle.execute_update(W.close_case, CloseInput(SUPERVISOR, "办结"))
    served = await read_notices(handle)  # 办结 once every notice is served
    assert served.closed_at and {n.method for n in served.notices} == {"electronic"}
    assert await case.outcome(handle) == S.revoked
    view = await case.state(handle)
    with Session(case.engine) as s:
        row = s.get(Application, view.application_id)
        assert row is not None and row.status == S.revoked and row.referred
        assert row.matters[0]["verification"] == "revoked"
        events = list(s.exec(select(CaseEvent).where(CaseEvent.application_id == view.application_id)))
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        kinds = sorted(s.exec(select(CreditRecord.kind)))
        assert row.hearing is None and [d["kind"] for d in row.decisions] == ["refer", "revoke"]
    assert kinds == ["referred_pending", "revoked"]


def test_credit_record_written_once_on_retry(pg: Engine) -> None:
    credit = CreditActivities(session_factory(pg))
    record = CreditRecordInput(
        "a-1:false_commitment:M", "p-1", "a-1", "false_commitment", "general", "M", datetime.now(timezone.utc), "不实"
    )
    env = ActivityEnvironment()
    assert env.run(credit.record_credit, record) is True
    assert env.run(credit.record_credit, record) is False  # the retry finds it
    with Session(pg) as s:
        assert len(list(s.exec(select(CreditRecord)))) == 1
    assessment = env.run(credit.assess_credit, AssessCreditInput("p-1"))
    assert assessment.barred and assessment.grade == "C"


def test_projections_converge_on_postgres(pg: Engine) -> None:
    """The write counts the projection relies on hold on PostgreSQL too (psycopg gives no rowcount
    for a multi-row insert)."""
    late_older_lean_projection_ignored(pg)
    thrown_away_task_overwritten(pg)


def test_department_filter_and_daily_complaint_key_on_postgres(pg: Engine) -> None:
    """The department filter reads the matter rows on PostgreSQL as on SQLite; the day's
    complaint key lets exactly one complaint through there too."""
    from db.models import Application, CaseMatter, Complaint
    from db.queries import in_department
    from services.complaints import register

    with Session(pg) as s:
        for app_id, departments in (
            ("pg-d1", ["湛河区测试局"]),
            ("pg-d2", ["湛河区其他局", "湛河区测试局"]),
            ("pg-d3", ["湛河区其他局"]),
        ):
            s.add(
                Application(
                    application_id=app_id,
                    workflow_id=f"application-{app_id}",
                    applicant_id="a",
                    applicant_name="n",
                    applicant_kind="person",
                    service="s",
                    status="notified",
                    status_label="已告知",
                    departments=departments,
                )
            )
            for n, department in enumerate(departments):
                s.add(
                    CaseMatter(
                        application_id=app_id,
                        code=f"M-{n}",
                        department=department,
                        status="notified",
                        name="事项",
                        stage="after",
                        mode="undecided",
                        verification="none",
                    )
                )
        s.commit()
        found = set(s.exec(select(Application.application_id).where(in_department("湛河区测试局"))))
        assert found == {"pg-d1", "pg-d2"}
        filed = [register(s, "pg-d1", f"举报{n}", None, PUBLIC) for n in range(3)]
        assert [c.forwarded for c in filed] == [True, False, False]
        assert len(list(s.exec(select(Complaint).where(Complaint.application_id == "pg-d1")))) == 3


async def test_pseudonyms_and_kept_texts_on_postgres(pg_case: Harness) -> None:
    """Through the API on PostgreSQL: the identity registered once, the texts kept once and put
    back in the read model, the outbox event and the grade written with the record."""
    from tests.support.http import api_client

    person = "410411199001010015"
    applicant = {"Authorization": f"Bearer dev-applicant:{person}"}
    staff = {"Authorization": "Bearer dev-caseworker"}
    async with api_client(pg_case) as http:
        for n in (1, 2):  # the same applicant twice: one identity
            opened = await http.post(
                "/applications",
                headers=staff,
                json={
                    "application_id": f"pg-pseudo-{n}",
                    "applicant": {"id": person, "name": "张三", "kind": "person"},
                    "service": "测试行政事项",
                    "matters": [DURING],
                },
            )
            assert opened.status_code == 201, opened.text
        assert (
            await http.post("/applications/pg-pseudo-1/commit", headers=applicant, json={"matter": DURING})
        ).status_code == 200
        found = await http.post(
            "/applications/pg-pseudo-1/verification",
            headers={"Authorization": "Bearer dev-verifier"},
            json={"matter": DURING, "truthful": False, "findings": "协查回函：经营场所不符"},
        )
        assert found.status_code == 200 and found.json()["status"] == "reviewing"  # the organ decides
        opened = await http.get("/applications/pg-pseudo-1/notices/1", headers=applicant)  # the applicant is told
        assert opened.json()["method"] == "electronic" and "协查回函：经营场所不符" in opened.json()["text"]
        ended = await http.post(
            "/applications/pg-pseudo-1/cancel",
            headers=staff,
            json={"reason": "事中核查承诺不实", "ground": "untrue_commitment", "decision_no": "湛终〔2026〕3号"},
        )
        assert ended.status_code == 200 and ended.json()["status"] == "terminated"
        timeline = " ".join(e["summary"] for e in (await http.get("/applications/pg-pseudo-1/timeline", headers=staff)).json())
    assert "协查回函：经营场所不符" in timeline and person in timeline
    with Session(pg_case.engine) as s:
        assert len(list(s.exec(select(ApplicantIdentity)))) == 1
        assert [t.text for t in s.exec(select(CaseText))] == ["协查回函：经营场所不符", "事中核查承诺不实"]
        record = s.exec(select(CreditRecord).where(CreditRecord.applicant_id == person)).one()
        assert "协查回函" in record.note and s.get(CreditOutbox, record.business_id) is not None
        assert s.get(ApplicantGrade, person) is not None
