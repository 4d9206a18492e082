"""The console's other pages in process (time-skipping Temporal, a real worker): the public
complaint form (no sign-in, a signed form token, the API's limit), the credit office's repairs
queue and decision, the applicant's credit archive and repair application, the bureau's
catalogue revisions, and the dashboard — each with its role checks and CSRF refusals."""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import Session, select
from temporalio.client import WorkflowHandle

from api.ratelimits import ComplaintLimits, Rate
from db.models import Complaint, CreditRepair, Matter
from tests.catalogue.support import DEPT, add, start
from tests.support.console import browser, csrf, sign_in, track
from tests.support.credit import PERSON as CREDIT_PERSON, seed
from tests.support.factories import AFTER
from tests.support.harness import Harness
from tests.support.http import COMPANY, Client
from workflows.catalogue_types import RevisionStepInput
from workflows.repair_types import repair_workflow_id
from workflows.revision import CatalogueRevisionWorkflow as W

API_AS = {"caseworker": {"Authorization": "Bearer dev-caseworker"}}


async def open_case(client: Client, case: Harness, application_id: str) -> None:
    opened = await client.post(
        "/applications",
        headers=API_AS["caseworker"],
        json={
            "application_id": application_id,
            "applicant": {"id": COMPANY, "name": "湛河测试商贸有限公司", "kind": "company"},
            "service": "食品经营许可",
            "matters": [AFTER],
        },
    )
    assert opened.status_code == 201, opened.text
    await track(case, application_id)


def token(html: str) -> str:
    found = re.search(r'name="token" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


async def test_the_public_complaint_form(app_of: object, case: Harness) -> None:
    async with browser(app_of) as public:
        await open_case(public, case, "pc-1")
        form = await public.get("/complaints/new?case=pc-1")
        assert form.status_code == 200 and "set-cookie" not in form.headers  # no session: nobody signs in
        assert 'value="pc-1"' in form.text and "投诉举报内容" in form.text
        said = {"case": "pc-1", "text": "举报：该公司承诺的经营场所并不存在", "contact": "13800000000"}
        forged = await public.post("/complaints/new", data=said | {"token": "1.forged"})
        assert forged.status_code == 403 and "表单已失效" in forged.text
        sent = await public.post("/complaints/new", data=said | {"token": token(form.text)})
        assert sent.status_code == 303 and sent.headers["location"] == "/complaints/sent?case=pc-1&merged="
        assert "投诉举报已收到" in (await public.get(sent.headers["location"])).text
        again = await public.post("/complaints/new", data=said | {"token": token(form.text)})  # the same day: merged
        assert again.headers["location"].endswith("merged=1")
        empty = await public.post("/complaints/new", data=said | {"text": "", "token": token(form.text)})
        assert empty.status_code == 422 and "「内容」" in empty.text
        unknown = await public.post("/complaints/new", data=said | {"case": "none-such", "token": token(form.text)})
        assert unknown.status_code == 404 and "不存在" in unknown.text
    with Session(case.engine) as db:
        filed = list(db.exec(select(Complaint).where(Complaint.application_id == "pc-1")))
    assert [(c.role, c.actor_id, c.forwarded) for c in filed] == [("public", "public", True), ("public", "public", False)]


async def test_the_public_complaint_form_is_limited_like_the_api(app_of: object, case: Harness) -> None:
    app_of.state.complaint_limits = ComplaintLimits(Rate.parse("0/60"), Rate.parse("1/600"))  # type: ignore[attr-defined]
    async with browser(app_of) as public:
        await open_case(public, case, "pc-2")
        form = await public.get("/complaints/new?case=pc-2")
        said = {"case": "pc-2", "text": "举报内容", "token": token(form.text)}
        assert (await public.post("/complaints/new", data=said)).status_code == 303
        limited = await public.post("/complaints/new", data=said)
        assert limited.status_code == 429 and "投诉过于频繁" in limited.text and "Too many" not in limited.text
        assert limited.headers["retry-after"]


async def test_repair_applied_for_in_the_archive_and_decided_in_the_queue(app_of: object, case: Harness) -> None:
    record = seed(case, "revoked", months_ago=13)  # serious: repairable after 12 months
    async with browser(app_of) as applicant, browser(app_of) as office, browser(app_of) as caseworker:
        await sign_in(applicant, "applicant", CREDIT_PERSON)
        archive = await applicant.get(f"/archive/{CREDIT_PERSON}")
        assert archive.status_code == 200 and f'value="{record}"' in archive.text and "计入信用等级" in archive.text
        assert (await applicant.get("/archive/410411199001010015")).status_code == 403  # another's archive
        none = await applicant.post(f"/archive/{CREDIT_PERSON}/repairs", data={"csrf": csrf(archive.text), "evidence": "x"})
        assert none.status_code == 422 and "请至少勾选" in none.text
        forged = await applicant.post(
            f"/archive/{CREDIT_PERSON}/repairs", data={"csrf": "x", "record_ids": record, "evidence": "x"}
        )
        assert forged.status_code == 403
        applied = await applicant.post(
            f"/archive/{CREDIT_PERSON}/repairs",
            data={
                "csrf": csrf(archive.text),
                "record_ids": record,
                "evidence": "已履行全部义务，附整改报告及信用承诺书",
                "idem": "k-1",
            },
        )
        assert applied.status_code == 303, applied.text
        with Session(case.engine) as db:
            repair = db.exec(select(CreditRepair)).one()
        case.handles.append(case.env.client.get_workflow_handle(repair_workflow_id(repair.id)))
        assert "信用修复申请已提交" in (await applicant.get(applied.headers["location"])).text

        await sign_in(caseworker, "caseworker")
        refused = await caseworker.get("/repairs")
        assert refused.status_code == 403 and "承办人无权查看信用修复申请" in refused.text
        assert "/repairs" not in (await caseworker.get("/")).text.split("<main")[0]  # not in its navigation

        await sign_in(office, "credit_officer")
        home = await office.get("/")
        assert re.search(r'id="nav-repairs"[^>]*>信用修复<span class="count"[^>]*>1<', home.text)
        queue = await office.get("/repairs")
        assert queue.status_code == 200 and repair.id in queue.text and "剩" in queue.text
        page = await office.get(f"/repairs/{repair.id}")
        assert "已履行全部义务" in page.text and "作出决定" in page.text
        no_csrf = await office.post(f"/repairs/{repair.id}/decision", data={"approve": "true", "reason": "符合条件"})
        assert no_csrf.status_code == 403
        no_reason = await office.post(
            f"/repairs/{repair.id}/decision", data={"csrf": csrf(page.text), "approve": "true", "reason": " "}
        )
        assert no_reason.status_code == 422 and "须说明理由" in no_reason.text
        decided = await office.post(
            f"/repairs/{repair.id}/decision",
            data={"csrf": csrf(page.text), "approve": "true", "reason": "已纠正失信行为并履行义务"},
        )
        assert decided.status_code == 303, decided.text
        after = await office.get(decided.headers["location"])
        assert "已准予修复" in after.text and "作出决定</button>" not in after.text
        assert "已信用修复" in (await applicant.get(f"/archive/{CREDIT_PERSON}")).text


async def test_the_bureau_reviews_files_and_publishes(app_of: object, case: Harness) -> None:
    handle: WorkflowHandle[Any, Any] = await start(case, [add("UI-R1", name="控制台测试证明")])
    await handle.execute_update(W.submit, RevisionStepInput(DEPT))
    revision_id = handle.id.removeprefix("catalogue-revision-")
    async with browser(app_of) as bureau, browser(app_of) as caseworker:
        await sign_in(caseworker, "caseworker")
        assert (await caseworker.get("/revisions")).status_code == 403
        await sign_in(bureau, "bureau")
        home = await bureau.get("/")
        assert re.search(r'id="nav-revisions"[^>]*>清单审定<span class="count"[^>]*>1<', home.text)
        listed = await bureau.get("/revisions")
        assert revision_id in listed.text.split('id="revisions-rest"')[0]
        page = await bureau.get(f"/revisions/{revision_id}")
        assert "控制台测试证明" in page.text and 'id="form-review"' in page.text and 'id="form-publish"' not in page.text
        undecided = await bureau.post(f"/revisions/{revision_id}/review", data={"csrf": csrf(page.text), "note": ""})
        assert undecided.status_code == 422 and "须选择是或否" in undecided.text, undecided.text[-1500:]
        early = await bureau.post(f"/revisions/{revision_id}/publish", data={"csrf": csrf(page.text)})
        assert early.status_code == 409 and "不能公布" in early.text
        for step, data in (("review", {"approve": "true", "note": "符合要求"}), ("file", {}), ("publish", {"note": "公布"})):
            page = await bureau.get(f"/revisions/{revision_id}")
            done = await bureau.post(f"/revisions/{revision_id}/{step}", data={"csrf": csrf(page.text), **data})
            assert done.status_code == 303, done.text
        published = await bureau.get(f"/revisions/{revision_id}?done=publish")
        assert "已公布" in published.text and "清单已更新" in published.text
    with Session(case.engine) as db:
        assert db.get(Matter, "UI-R1") is not None


async def test_the_dashboard(app_of: object, case: Harness) -> None:
    async with browser(app_of) as client:
        await open_case(client, case, "db-1")
        await sign_in(client, "caseworker")
        refused = await client.get("/dashboard")
        assert refused.status_code == 403 and "无权查看考评统计" in refused.text
        for role in ("supervisor", "credit_officer", "auditor"):
            await sign_in(client, role)
            page = await client.get("/dashboard")
            assert page.status_code == 200 and page.text.count("<svg") >= 4 and 'id="nav-dashboard"' in page.text
            assert "受理申请" in page.text and "1 件" in page.text
        bad = await client.get("/dashboard?from=2026-13-01")
        assert bad.status_code == 422 and "日期无效" in bad.text
        backwards = await client.get("/dashboard?from=2026-06-02&to=2026-06-01")
        assert backwards.status_code == 422 and "晚于截止日" in backwards.text
        xlsx = await client.get("/dashboard.xlsx")
        assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
