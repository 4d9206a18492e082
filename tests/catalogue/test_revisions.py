"""Catalogue revisions on the time-skipping server: publish, send back and resubmit, withdraw,
refusals that leave history untouched, and retiring an entry an open case uses."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from activities.catalogue import CatalogueActivities
from activities.revisions import RevisionActivities
from db.models import CatalogueRevision, CatalogueVersion, Matter
from db.session import session_factory
from tests.catalogue.support import BUREAU, DEPT, OTHER_DEPT, TEST_DEPARTMENT, add, change, publish_through, retire, start
from tests.support.factories import AFTER, AFTER2, APPLICANT, CASEWORKER, CONVERTER, EXEMPT, OTHER
from tests.support.harness import Harness
from tests.support.refusals import refused
from worker import replayer
from workflows.application import ApplicationWorkflow as A
from workflows.catalogue_types import (
    EditRevisionInput,
    EntryComment,
    PublishInput,
    ReviewInput,
    RevisionStatus as R,
    RevisionStepInput,
)
from workflows.revision import CatalogueRevisionWorkflow as W
from workflows.types import (
    Actor,
    ApplicationStatus as S,
    CommitInput,
    DecisionInput,
    LoadMattersInput,
    Role,
    VerificationState as V,
)


def versions(case: Harness) -> list[CatalogueVersion]:
    with Session(case.engine) as s:
        return list(s.exec(select(CatalogueVersion).order_by(col(CatalogueVersion.number))))


def row(case: Harness, code: str) -> Matter:
    with Session(case.engine) as s:
        m = s.get(Matter, code)
        assert m is not None
        return m


async def test_a_revision_is_published_as_a_numbered_version(case: Harness) -> None:
    changes = [
        add("T-NEW", name="新增测试证明"),
        change(case, AFTER, verification_days=30, content="申请人符合新的测试条件"),
        change(case, AFTER2, commitment_allowed=False, exclusion_reason="直接涉及人身健康"),  # excluded from commitment
        retire(EXEMPT, "该证明已由数据共享替代"),
    ]
    handle = await start(case, changes)
    assert versions(case) == []  # nothing published by a draft
    view = await publish_through(handle)
    assert view.status == R.published and view.published_version == 2
    assert [s.action for s in view.steps] == ["create", "submit", "approve", "file", "publish"]
    assert [s.actor_id for s in view.steps] == [DEPT.id, DEPT.id, BUREAU.id, BUREAU.id, BUREAU.id]
    assert all(s.at for s in view.steps) and view.steps[-1].note == "向社会公布，清单第2版"
    assert await case.outcome(handle) == R.published

    first, second = versions(case)
    assert first.number == 1 and first.revision_id is None  # the catalogue before: version 1
    assert second.revision_id == view.revision_id and second.published_by == BUREAU.id
    by_code = {e["code"]: e for e in second.entries}
    assert by_code["T-NEW"]["version"] == 1 and by_code[AFTER]["version"] == 2 and by_code[AFTER]["verification_days"] == 30
    assert {e["code"]: e["verification_days"] for e in first.entries}[AFTER] == 10  # immutable: the old value stays
    new, after, after2, exempt = (row(case, c) for c in ("T-NEW", AFTER, AFTER2, EXEMPT))
    assert new.name == "新增测试证明" and after.version == 2 and after.content == "申请人符合新的测试条件"
    assert not after2.commitment_allowed and after2.exclusion_reason == "直接涉及人身健康" and after2.version == 2
    assert exempt.retired and exempt.retired_reason == "该证明已由数据共享替代"  # kept as a row
    with Session(case.engine) as s:
        projected = s.get(CatalogueRevision, view.revision_id)
        assert projected is not None and projected.status == "published" and projected.published_version == 2
        assert [st["action"] for st in projected.steps] == ["create", "submit", "approve", "file", "publish"]

    # publication is keyed on the revision: a retried activity answers the same number, writes nothing
    again = RevisionActivities(session_factory(case.engine)).publish_revision(
        PublishInput(view.revision_id, TEST_DEPARTMENT, view.changes, BUREAU.id, view.steps[-1].at)
    )
    assert again == 2 and len(versions(case)) == 2 and row(case, AFTER).version == 2


async def test_sent_back_with_comments_then_resubmitted_and_published(case: Harness) -> None:
    handle = await start(case, [change(case, AFTER, verification_deadline_days=60)])
    await handle.execute_update(W.submit, RevisionStepInput(DEPT))
    comments = [EntryComment(AFTER, "核查期限过长，请压缩至10个工作日以内")]
    view = await handle.execute_update(W.review, ReviewInput(BUREAU, approve=False, note="请修改后重新上报", comments=comments))
    assert view.status == R.draft and view.comments == comments
    assert view.steps[-1].action == "send_back" and view.steps[-1].comments == comments and "压缩" in view.steps[-1].note
    with Session(case.engine) as s:
        projected = s.get(CatalogueRevision, view.revision_id)
        assert projected is not None and projected.status == "draft" and projected.comments[0]["code"] == AFTER

    view = await handle.execute_update(W.edit, EditRevisionInput(DEPT, [change(case, AFTER, verification_deadline_days=8)]))
    assert view.status == R.draft and view.changes[0].entry is not None and view.changes[0].entry.verification_deadline_days == 8
    view = await publish_through(handle)
    assert view.published_version == 2 and view.comments == []
    assert [s.action for s in view.steps] == ["create", "submit", "send_back", "edit", "submit", "approve", "file", "publish"]
    assert row(case, AFTER).verification_deadline_days == 8
    assert await case.outcome(handle) == R.published


async def test_a_withdrawn_draft_changes_nothing(case: Harness) -> None:
    handle = await start(case, [retire(AFTER)])
    view = await handle.execute_update(W.withdraw, RevisionStepInput(DEPT, "部门研究后决定暂不调整"))
    assert view.status == R.withdrawn and view.steps[-1].action == "withdraw"
    assert await case.outcome(handle) == R.withdrawn
    assert not row(case, AFTER).retired and versions(case) == []


async def test_wrong_role_department_or_state_is_refused_and_history_untouched(case: Harness) -> None:
    handle = await start(case, [change(case, AFTER, verification_days=12)])
    caseworker = Actor("cw-1", Role.caseworker, TEST_DEPARTMENT)
    assert "无权" in await refused(handle, W.submit, RevisionStepInput(caseworker), "Forbidden")
    assert "无权" in await refused(handle, W.submit, RevisionStepInput(OTHER_DEPT), "Forbidden")
    assert "无权" in await refused(handle, W.review, ReviewInput(DEPT, approve=True), "Forbidden")
    assert "起草中" in await refused(handle, W.publish, RevisionStepInput(BUREAU))
    assert "起草中" in await refused(handle, W.file, RevisionStepInput(BUREAU))
    other = change(case, OTHER, name="改名")  # another department's entry
    assert "只能调整本部门" in await refused(handle, W.edit, EditRevisionInput(DEPT, [other]), "Invalid")
    no_reason = change(case, AFTER, commitment_allowed=False, exclusion_reason=None)
    assert "不适用理由" in await refused(handle, W.edit, EditRevisionInput(DEPT, [no_reason]), "Invalid")

    await handle.execute_update(W.submit, RevisionStepInput(DEPT))
    assert "已上报" in await refused(handle, W.edit, EditRevisionInput(DEPT, [retire(AFTER)]))
    assert "已上报" in await refused(handle, W.withdraw, RevisionStepInput(DEPT))
    assert "已上报" in await refused(handle, W.file, RevisionStepInput(BUREAU))
    assert "审定意见" in await refused(handle, W.review, ReviewInput(BUREAU, approve=False), "Invalid")
    stray = [EntryComment(AFTER2, "不在本次调整中")]
    assert "不在本次清单调整中" in await refused(handle, W.review, ReviewInput(BUREAU, approve=False, comments=stray), "Invalid")
    view = await handle.execute_update(W.review, ReviewInput(BUREAU, approve=True))
    assert view.status == R.approved and [s.action for s in view.steps] == ["create", "submit", "approve"]
    assert "审定通过" in await refused(handle, W.publish, RevisionStepInput(BUREAU))


async def test_changes_that_do_not_fit_the_catalogue_are_refused_by_the_check(case: Harness) -> None:
    """Checked against the catalogue by an activity: the draft stays as it was."""
    handle = await start(case, [change(case, AFTER, verification_days=12)])
    taken = add(AFTER2)  # the code is in the catalogue already
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await handle.execute_update(W.edit, EditRevisionInput(DEPT, [taken]))
    assert isinstance(err.value.cause, ApplicationError) and err.value.cause.type == "Invalid"
    assert "已在清单中" in err.value.cause.message
    view = await case.env.client.get_workflow_handle(handle.id).query(W.state)
    assert view.status == R.draft and view.changes[0].code == AFTER and len(view.steps) == 1
    await handle.execute_update(W.withdraw, RevisionStepInput(DEPT))


async def test_two_revisions_racing_for_one_code_the_second_stays_filed(case: Harness) -> None:
    first, second = await start(case, [add("T-RACE")]), await start(case, [add("T-RACE", name="另一个")])
    for h in (first, second):
        await h.execute_update(W.submit, RevisionStepInput(DEPT))
        await h.execute_update(W.review, ReviewInput(BUREAU, approve=True))
        await h.execute_update(W.file, RevisionStepInput(BUREAU))
    assert (await first.execute_update(W.publish, RevisionStepInput(BUREAU))).published_version == 2
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await second.execute_update(W.publish, RevisionStepInput(BUREAU))
    assert isinstance(err.value.cause, ApplicationError) and err.value.cause.type == "Conflict"
    assert "已在清单中" in err.value.cause.message
    assert (await second.query(W.state)).status == R.filed and len(versions(case)) == 2
    await second.terminate("test over")


async def test_retiring_an_entry_an_open_case_uses(case: Harness) -> None:
    """The open case keeps working on the entry it opened with; no new case may use it."""
    app, _ = await case.open([AFTER2])
    await app.execute_update(A.commit, CommitInput(APPLICANT, AFTER2))
    revision = await start(case, [retire(AFTER2, "该证明已取消")])
    await publish_through(revision)
    assert row(case, AFTER2).retired

    view = await app.execute_update(A.decide, DecisionInput(CASEWORKER, True, "符合条件"))
    assert view.status == S.approved
    view = await case.until(app, lambda v: case.matter(v, AFTER2).verification == V.scheduled)
    assert case.matter(view, AFTER2).name == f"测试证明{AFTER2}"

    with pytest.raises(ApplicationError) as refused_new:  # what a new case's opening reads
        CatalogueActivities(session_factory(case.engine)).load_matters(LoadMattersInput([AFTER2]))
    assert refused_new.value.type == "UnknownMatter" and "retired" in str(refused_new.value)
    await app.terminate("test over")


async def test_finished_revision_histories_replay(case: Harness) -> None:
    """Every test here replays its histories after it (tests/conftest.py `replay_all`); this one
    says so outright for a published and a withdrawn revision."""
    published, withdrawn = await start(case, [add("T-REPLAY")]), await start(case, [retire(AFTER)])
    await publish_through(published)
    await withdrawn.execute_update(W.withdraw, RevisionStepInput(DEPT))
    for handle, outcome in ((published, R.published), (withdrawn, R.withdrawn)):
        assert await case.outcome(handle) == outcome
        history = await handle.fetch_history()
        result = await replayer(CONVERTER).replay_workflow(history, raise_on_replay_failure=False)
        assert result.replay_failure is None, result.replay_failure
