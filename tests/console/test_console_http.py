"""The console in process (time-skipping Temporal, a real worker): sign-in and out, the session
cookie, CSRF refusal, opening a case and acting on it by forms, a refusal shown in Chinese."""

from __future__ import annotations

import re

from activities.projection import workflow_id
from console import session as sessions
from tests.support.console import browser, csrf, sign_in, track
from tests.support.factories import AFTER, DURING
from tests.support.harness import Harness
from tests.support.http import COMPANY
from workflows.application import ApplicationWorkflow as W


async def test_sign_in_and_out(app_of: object) -> None:
    async with browser(app_of) as client:
        assert (await client.get("/")).headers["location"] == "/login"  # not signed in: to the sign-in page
        page = await client.get("/login")
        assert "登录工作台" in page.text and "dev-caseworker" in page.text
        cookie = page.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        signed = await sign_in(client, "caseworker")
        assert signed.status_code == 303 and signed.headers["location"] == "/"
        value = client.cookies[sessions.COOKIE]
        assert "dev-caseworker" not in value  # sealed: the browser never holds the token in clear
        home = await client.get("/")
        assert home.status_code == 200 and "承办人工作台" in home.text and "待作出决定" in home.text
        out = await client.post("/logout", data={"csrf": csrf(home.text)})
        assert out.status_code == 303 and out.headers["location"] == "/login"
        assert sessions.COOKIE not in client.cookies
        assert (await client.get("/")).status_code == 303


async def test_sign_in_refusals(app_of: object) -> None:
    async with browser(app_of) as client:
        page = await client.get("/login")
        bad = await client.post("/login", data={"csrf": csrf(page.text), "token": "not-a-token"})
        assert bad.status_code == 401 and "登录失败" in bad.text
        no_id = await client.post("/login", data={"csrf": csrf(page.text), "role": "applicant"})
        assert no_id.status_code == 422 and "证件号码" in no_id.text
        forged = await client.post("/login", data={"csrf": "forged", "role": "supervisor"})
        assert forged.status_code == 403 and "表单已失效" in forged.text
    async with browser(app_of) as other:  # a form posted without the sign-in page's own session
        assert (await other.post("/login", data={"csrf": "x", "role": "supervisor"})).status_code == 403
    async with browser(app_of) as client:
        client.cookies.set(sessions.COOKIE, "tampered")
        assert (await client.get("/")).status_code == 303


async def test_csrf_refused_on_every_form(app_of: object) -> None:
    async with browser(app_of) as client:
        await sign_in(client, "caseworker")
        form = {
            "application_id": "c-csrf",
            "kind": "company",
            "applicant_id": COMPANY,
            "applicant_name": "某公司",
            "service": "食品经营许可",
            "matters": [AFTER],
        }
        refused = await client.post("/cases/new", data={**form, "csrf": "wrong"})
        assert refused.status_code == 403 and "安全校验未通过" in refused.text
        action = await client.post("/cases/c-csrf/actions/decision", data={"approve": "true", "reason": "x"})
        assert action.status_code == 403
        assert (await client.post("/logout", data={})).status_code == 403
        assert (await client.get("/cases/c-csrf")).status_code == 404  # nothing was opened


async def test_open_commit_decide_by_forms(app_of: object, case: Harness) -> None:
    async with browser(app_of) as staff, browser(app_of) as applicant:
        await sign_in(staff, "caseworker")
        new = await staff.get("/cases/new")
        opened = await staff.post(
            "/cases/new",
            data={
                "csrf": csrf(new.text),
                "application_id": "c-1",
                "kind": "company",
                "applicant_id": COMPANY,
                "applicant_name": "湛河测试商贸有限公司",
                "service": "食品经营许可",
                "matters": [AFTER, DURING],
            },
        )
        await track(case, "c-1")
        assert opened.status_code == 303 and opened.headers["location"] == "/cases/c-1?done=open"
        page = await staff.get(opened.headers["location"])
        assert "申请已受理" in page.text and "已告知" in page.text
        assert "作出审批决定" not in page.text  # notified: no decision yet
        assert "登记投诉举报" in page.text and "终止办理" in page.text
        assert "/namespaces/default/workflows/application-c-1" in page.text

        await sign_in(applicant, "applicant", COMPANY.lower())  # normalised like the API's ids
        mine = await applicant.get("/")
        assert "我的申请" in mine.text and "c-1" in mine.text and "请您办理" in mine.text
        view = await applicant.get("/cases/c-1")
        assert "我已阅读并承诺" in view.text and "告知承诺书" in view.text and "接下来" in view.text
        sha = re.search(rf'id="form-commit-{AFTER}".*?name="letter_sha256" value="([0-9a-f]{{64}})"', view.text, re.S)
        assert sha
        unread = await applicant.post(
            "/cases/c-1/actions/commit",
            data={"csrf": csrf(view.text), "matter": AFTER, "letter_sha256": sha.group(1), "form": f"commit-{AFTER}"},
        )
        assert unread.status_code == 422 and "请先阅读告知承诺书" in unread.text
        for code in (AFTER, DURING):
            view = await applicant.get("/cases/c-1")
            sha = re.search(rf'id="form-commit-{code}".*?name="letter_sha256" value="([0-9a-f]{{64}})"', view.text, re.S)
            assert sha
            done = await applicant.post(
                "/cases/c-1/actions/commit",
                data={"csrf": csrf(view.text), "matter": code, "letter_sha256": sha.group(1), "read": "yes"},
            )
            assert done.status_code == 303, done.text
        view = await applicant.get("/cases/c-1?done=commit")
        assert "承诺已签署" in view.text and "审查中" in view.text and "撤回申请" in view.text

        # the applicant may not decide: the workflow's refusal, in Chinese, on the page
        refused = await applicant.post(
            "/cases/c-1/actions/decision", data={"csrf": csrf(view.text), "approve": "true", "reason": "自批"}
        )
        assert refused.status_code == 403 and "申请人无权执行此操作" in refused.text

        page = await staff.get("/cases/c-1")
        assert "作出审批决定" in page.text and "事中核查尚未完成" in page.text
        early = await staff.post(
            "/cases/c-1/actions/decision",
            data={"csrf": csrf(page.text), "approve": "true", "reason": "符合条件", "form": "decision"},
        )
        assert early.status_code == 409 and "事中核查尚未完成" in early.text
        empty = await staff.post("/cases/c-1/actions/decision", data={"csrf": csrf(page.text), "approve": "true", "reason": ""})
        assert empty.status_code == 422 and "「理由」不能为空" in empty.text
        missing = await staff.get("/cases/none-such")
        assert missing.status_code == 404 and "不存在" in missing.text


async def test_termination_by_form_takes_a_ground_and_a_number(app_of: object, case: Harness) -> None:
    """A 事中 finding awaits the organ: the caseworker's form offers the grounds (with their basis)."""
    async with browser(app_of) as staff, browser(app_of) as applicant, browser(app_of) as verifier:
        await sign_in(staff, "caseworker")
        new = await staff.get("/cases/new")
        await staff.post(
            "/cases/new",
            data={
                "csrf": csrf(new.text),
                "application_id": "c-end",
                "kind": "company",
                "applicant_id": COMPANY,
                "applicant_name": "湛河测试商贸有限公司",
                "service": "食品经营许可",
                "matters": [DURING],
            },
        )
        await track(case, "c-end")
        await sign_in(applicant, "applicant", COMPANY)
        view = await applicant.get("/cases/c-end")
        sha = re.search(rf'id="form-commit-{DURING}".*?name="letter_sha256" value="([0-9a-f]{{64}})"', view.text, re.S)
        assert sha
        data = {"csrf": csrf(view.text), "matter": DURING, "letter_sha256": sha.group(1), "read": "yes"}
        assert (await applicant.post("/cases/c-end/actions/commit", data=data)).status_code == 303
        await sign_in(verifier, "verifier")
        page = await verifier.get("/cases/c-end")
        found = {"csrf": csrf(page.text), "matter": DURING, "truthful": "false", "findings": "协查回函：不符"}
        assert (await verifier.post("/cases/c-end/actions/verification", data=found)).status_code == 303

        page = await staff.get("/cases/c-end")
        assert '<select id="f-cancel-ground" name="ground" required>' in page.text and "国办发〔2020〕42号" in page.text
        assert "作出审批决定" not in page.text  # an untrue finding: no approval
        assert "事中核查结果告知书" in page.text and "未送达" in page.text and 'id="form-service-1"' in page.text
        form = {"csrf": csrf(page.text), "reason": "事中核查承诺不实", "form": "cancel"}
        untold = await staff.post(
            "/cases/c-end/actions/cancel", data={**form, "ground": "untrue_commitment", "decision_no": "湛终〔2026〕4号"}
        )
        assert untold.status_code == 409 and "尚未送达" in untold.text
        assert "尚未送达" in (await staff.get("/cases/c-end/notices/1")).text  # staff reading serves nothing
        mine = await applicant.get("/cases/c-end")
        assert "未读" in mine.text and "事中核查结果告知书" in mine.text
        opened = await applicant.get("/cases/c-end/notices/1")  # the applicant's first opening serves it
        assert opened.status_code == 200 and "协查回函：不符" in opened.text and "电子送达" in opened.text
        unnumbered = await staff.post("/cases/c-end/actions/cancel", data={**form, "ground": "untrue_commitment"})
        assert unnumbered.status_code == 409 and "文号" in unnumbered.text
        done = await staff.post(
            "/cases/c-end/actions/cancel", data={**form, "ground": "untrue_commitment", "decision_no": "湛终〔2026〕4号"}
        )
        assert done.status_code == 303, done.text
        page = await staff.get("/cases/c-end")
        assert "终止办理" in page.text and "湛终〔2026〕4号" in page.text
        bad = {"csrf": csrf(page.text), "notice": "2", "method": "post", "served_at": "昨天"}
        assert (await staff.post("/cases/c-end/actions/service", data=bad)).status_code == 422
        assert re.search(r'name="served_at" value="\d{4}-\d\d-\d\dT\d\d:\d\d\+08:00"', page.text)  # prefilled: now
        state = await case.env.client.get_workflow_handle(workflow_id("c-end")).query(W.state)
        served = {**bad, "served_at": state.notices[1].issued_at.isoformat()}  # the test server's clock, not the wall's
        r = await staff.post("/cases/c-end/actions/service", data=served)
        assert r.status_code == 303, re.findall(r"未能办理[^<]*", r.text)
        assert "邮寄送达" in (await staff.get("/cases/c-end")).text
