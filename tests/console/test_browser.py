"""End to end in a real browser: the stack `make run` starts (Temporal dev server, worker, API)
and Debian's headless Chromium driven by Playwright. A whole life by clicks, five people in
five browser sessions (one of them the public, never signed in); screenshots of the main pages
go to docs/screenshots/.

The case closes 整改到位办结: a case closes when every matter's supervision window is over and
its verification settled (workflows/case.py), and the dev server runs on the real clock, so the
walk uses a matter whose window is already over at approval: a copy of a catalogue entry with
`supervision_days` 0, put into the stack's read model before the worker and the API start (a
revision cannot publish it: catalogue/checks.py wants at least 1 day).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from db.migrate import init_db
from db.models import Matter
from db.session import make_engine
from tests.support.stack import PERSON, ROOT, Stack, pick

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "docs" / "screenshots"

try:
    from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright
except ImportError:  # pragma: no cover - a clear failure, never a skip
    sync_playwright = None  # type: ignore[assignment]

VIEWPORT: ViewportSize = {"width": 1366, "height": 768}  # the office screen


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if sync_playwright is None:
        pytest.fail("Playwright for Python is missing: `make install` (it is in the dev extras); never `playwright install`")
    if not CHROMIUM.exists():  # a new machine has none; .ci/run installs it, so CI always runs this
        pytest.skip(f"{CHROMIUM} is missing: sudo apt-get install chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield b
        b.close()


def person(browser: Browser, api: str) -> Page:
    """A browser session of its own (its own cookie), at an office screen's size."""
    page = browser.new_context(viewport=VIEWPORT, base_url=api, locale="zh-CN").new_page()
    page.set_default_timeout(30_000)
    return page


def sign_in(page: Page, role: str, applicant_id: str = "", shot: str = "") -> None:
    page.goto("/login")
    page.get_by_label("身份", exact=True).select_option(role)
    if applicant_id:
        page.get_by_label("申请人证件号码").fill(applicant_id)
    if shot:
        screenshot(page, shot)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/")


def screenshot(page: Page, name: str) -> None:
    page.evaluate("document.fonts.ready")  # the packaged Chinese font, where the machine has none
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def status(page: Page) -> str:
    return page.locator("#status").inner_text()


def matter_without_window(data: Path, entry: dict[str, Any]) -> str:
    """Test set-up: the entry copied under a code of its own with no supervision window, in the
    stack's read model before its processes start (their init_db finds it and leaves it)."""
    data.mkdir(parents=True, exist_ok=True)
    engine = make_engine(f"sqlite:///{data / 'chengnuo.db'}")
    init_db(engine)
    code = f"{entry['code']}-W0"
    with Session(engine) as db:
        db.add(Matter(**entry | {"code": code, "name": f"{entry['name']}（监管期已满）", "supervision_days": 0}))
        db.commit()
    engine.dispose()
    return code


def wait_for_status(page: Page, path: str, wanted: str, seconds: float = 30) -> None:
    """The case closes right after the Update that settled it: reload until the read model shows it."""
    end = time.monotonic() + seconds
    while True:
        page.goto(path)
        if status(page) == wanted or time.monotonic() > end:
            break
        time.sleep(0.5)
    assert status(page) == wanted


def submit(page: Page, form: str, fields: dict[str, str], choice: str = "") -> None:
    """Fill one action's form by its labels, choose a radio, press its button; back on the case page."""
    f = page.locator(f"#form-{form}")
    for label, value in fields.items():
        f.get_by_label(label).fill(value)
    if choice:
        f.get_by_label(choice, exact=True).check()
    f.locator("button[type=submit]").click()
    page.wait_for_load_state()
    errors = page.locator(".flash.error[role=alert]")
    assert errors.count() == 0, errors.all_inner_texts()


@pytest.mark.browser
@pytest.mark.timeout(420)
def test_a_whole_life_by_clicks(browser: Browser, tmp_path: Path) -> None:
    catalogue: list[dict[str, Any]] = json.loads((ROOT / "activities" / "data" / "catalogue.json").read_text(encoding="utf-8"))
    entry = next(m for m in catalogue if m["code"] == pick(catalogue, "after"))
    code = matter_without_window(tmp_path / "data", entry)
    case_id = "ui-1"
    with Stack(tmp_path / "data") as stack:
        caseworker, applicant, verifier, supervisor, public = (person(browser, stack.api) for _ in range(5))

        # a caseworker signs in and opens the case
        sign_in(caseworker, "caseworker", shot="login")
        caseworker.get_by_role("link", name="受理申请").first.click()
        caseworker.get_by_label("申请编号").fill(case_id)
        caseworker.get_by_label("个人", exact=True).check()
        caseworker.get_by_label("证件号码").fill(PERSON)
        caseworker.get_by_label("申请人姓名或名称").fill("张三")
        caseworker.get_by_label("办理事项").fill(entry["services"][0])
        caseworker.locator(f"input[name=matters][value='{code}']").check()
        caseworker.get_by_role("button", name="受理").click()
        caseworker.wait_for_url(f"**/cases/{case_id}?done=open")
        assert status(caseworker) == "已告知"
        caseworker.goto("/")
        assert caseworker.locator("#decisions").get_by_role("link", name=case_id).count() == 1
        screenshot(caseworker, "queue-caseworker")

        # the applicant signs in with their ID number, reads the letter and commits
        sign_in(applicant, "applicant", PERSON)
        assert "请您办理" in applicant.locator("#mine").inner_text()
        screenshot(applicant, "queue-applicant")
        applicant.get_by_role("link", name=case_id).click()
        assert "告知承诺书" in applicant.locator(f"#form-commit-{code} pre.letter").inner_text()
        screenshot(applicant, "case-applicant")
        f = applicant.locator(f"#form-commit-{code}")
        f.get_by_role("button", name="签署承诺").click()  # not yet ticked: the browser refuses to send it
        assert applicant.url.endswith(f"/cases/{case_id}")
        f.get_by_label("我已阅读并承诺").check()
        f.get_by_role("button", name="签署承诺").click()
        applicant.wait_for_url(f"**/cases/{case_id}?done=commit")
        assert status(applicant) == "审查中"

        # the caseworker approves
        caseworker.goto(f"/cases/{case_id}")
        submit(caseworker, "decision", {"决定理由": "符合法定条件，准予许可"}, choice="准予许可")
        assert status(caseworker) == "已批准（监管期）"
        assert "事后核查已排期" in caseworker.locator(f"#matter-{code}").inner_text()  # SAMPLING_PROBABILITY=1: drawn

        # a complaint arrives from the public, without signing in: the matter is due at once
        public.goto("/login")
        public.get_by_role("link", name="投诉举报").click()
        public.get_by_label("申请编号").fill(case_id)
        public.get_by_label("投诉举报内容").fill("举报：承诺的经营条件与事实不符")
        public.get_by_label("联系方式").fill("13800000000")
        screenshot(public, "complaint-public")
        public.get_by_role("button", name="提交投诉举报").click()
        public.wait_for_url("**/complaints/sent?**")
        assert "投诉举报已收到" in public.locator("#complaint-received").inner_text()
        caseworker.goto(f"/cases/{case_id}")
        assert status(caseworker) == "核查中"

        # the verifier finds the promise untrue
        sign_in(verifier, "verifier")
        assert verifier.locator("#verifications").get_by_role("link", name=case_id).count() == 1
        screenshot(verifier, "queue-verifier")
        verifier.locator("#verifications").get_by_role("link", name=case_id).click()
        submit(verifier, f"verification-{code}", {"核查情况": "实地核查，情况与承诺不符"}, choice="承诺不实")
        assert "承诺不实，待处置" in verifier.locator(f"#matter-{code}").inner_text()

        # the supervisor orders rectification
        sign_in(supervisor, "supervisor")
        assert supervisor.locator("#findings").get_by_role("link", name=case_id).count() == 1
        screenshot(supervisor, "queue-supervisor")
        supervisor.locator("#findings").get_by_role("link", name=case_id).click()
        submit(supervisor, "disposition-rectify", {"整改期限（日）": "15", "整改要求及理由": "责令限期整改，补齐所承诺的条件"})
        assert status(supervisor) == "限期整改中"
        screenshot(supervisor, "case-supervisor")

        # the applicant sees what to do and by when, and submits the evidence
        applicant.goto(f"/cases/{case_id}")
        assert "收到《责令限期整改通知书》之日起" in applicant.locator("#next-step").inner_text()  # the period runs from service
        applicant.locator("#notices").get_by_role("link", name="责令限期整改通知书").click()
        assert "电子送达" in applicant.locator("#served").inner_text()  # the first opening serves it
        screenshot(applicant, "notice-applicant")
        applicant.goto(f"/cases/{case_id}")
        assert "整改到位" in applicant.locator("#next-step").inner_text() and "前" in applicant.locator("#next-step").inner_text()
        submit(applicant, f"rectification-{code}", {"整改材料（整改情况说明、所附材料）": "整改报告及现场照片"})
        assert status(applicant) == "核查中"

        # the verifier re-verifies: true
        verifier.goto("/")
        verifier.locator("#verifications").get_by_role("link", name=case_id).click()
        submit(verifier, f"verification-{code}", {"核查情况": "复核：已整改到位"}, choice="承诺属实")
        assert "整改到位" in verifier.locator(f"#matter-{code}").inner_text()

        # every window over, every verification settled: rectified; 办结 once the applicant has the approval too
        wait_for_status(caseworker, f"/cases/{case_id}", "整改到位办结")
        applicant.goto(f"/cases/{case_id}")
        assert applicant.locator("#notices").get_by_text("未读").count() == 1
        applicant.locator("#notices").get_by_role("link", name="准予行政许可决定书").click()
        assert "电子送达" in applicant.locator("#served").inner_text()
        caseworker.goto(f"/cases/{case_id}")
        timeline = caseworker.locator("#timeline").inner_text()
        assert "整改复核通过" in timeline and "办结：整改到位办结" in timeline
        assert caseworker.locator("#deadlines").get_by_text("办结时间").count() == 1
        screenshot(caseworker, "case-caseworker")

        # the supervisor's dashboard counts it
        supervisor.get_by_role("link", name="考评统计").click()
        assert "整改到位办结" in supervisor.locator("#chart-outcomes").inner_text()
        screenshot(supervisor, "dashboard")
        applicant.goto(f"/cases/{case_id}")
        assert "已办结：承诺不实的情形已整改到位" in applicant.locator("#next-step").inner_text()
        screenshot(applicant, "case-applicant-after")

        # the applicant's credit archive, by the navigation
        applicant.locator("#nav-archive").click()
        assert applicant.locator("#grade").count() == 1
        screenshot(applicant, "archive-applicant")

        # the credit office's repairs queue, by its navigation link
        office = person(browser, stack.api)
        sign_in(office, "credit_officer")
        office.locator("#nav-repairs").click()
        office.wait_for_url("**/repairs")
        assert office.locator("#repairs-h").count() == 1
        screenshot(office, "queue-repairs")
        code_, out = stack.stop()
        assert code_ == 0, out


def test_screenshots_are_in_the_readme() -> None:
    """The README shows what the browser test saves."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in (
        "login",
        "queue-caseworker",
        "queue-applicant",
        "case-applicant",
        "queue-verifier",
        "queue-supervisor",
        "case-caseworker",
        "complaint-public",
        "dashboard",
        "queue-repairs",
        "archive-applicant",
    ):
        assert f"docs/screenshots/{name}.png" in readme
