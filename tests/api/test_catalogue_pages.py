"""The public pages (no token): the catalogue searched by name, department and service, an entry
with its columns and 办事指南, its blank letter as a page and a PDF; and a case's letter as a PDF
in two copies, for the applicant and the staff who may read the case, refused to anyone else."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from datetime import datetime, timezone

import httpx
import pytest_asyncio
from sqlmodel import Session, select

from activities.letters import blank_letter
from api.main import create_app
from config import Settings
from db.models import CatalogueVersion, Matter
from letters.sheets import COPIES
from tests.support.factories import AFTER, EXCLUDED, OTHER, OTHER_DEPARTMENT, TEST_MATTERS, matter
from tests.support.harness import Harness
from tests.support.http import api_client
from tests.support.letters import APPLICANT, CASEWORKER, COMPANY, pdf_fonts, pdf_text, squeeze

Client = httpx.AsyncClient

SCRIPT = "<script>alert('x')</script>"
FOOD = matter("T-FOOD", name=f"食品经营场所使用证明{SCRIPT}", services=["食品经营许可"], department="湛河区市场监督管理局")
GONE = matter("T-GONE", name="已取消的证明", retired=True, retired_reason="清单调整时取消")
EXTRA = [FOOD, GONE]
IN_FORCE = {m.code for m in TEST_MATTERS} | {FOOD.code}


@pytest_asyncio.fixture
async def http(case: Harness) -> AsyncIterator[Client]:
    """The app with a worker (a real case can be opened), two more entries in its catalogue."""
    with Session(case.engine) as session:
        for m in EXTRA:
            session.merge(m)
        session.commit()
    async with api_client(case) as client:
        yield client


def codes_listed(page: str) -> set[str]:
    """The entries a catalogue page lists (each links to its own page)."""
    return {code for code in IN_FORCE | {GONE.code} if f'href="/catalogue/{code}"' in page}


async def test_pages_render_without_a_token(http: Client) -> None:
    listing = await http.get("/catalogue")
    assert listing.status_code == 200 and listing.headers["content-type"].startswith("text/html")
    assert codes_listed(listing.text) == IN_FORCE  # the retired entry is not offered
    in_force = (await http.get("/matters")).json()  # the catalogue API: entries in force, the starter catalogue's too
    assert f"现行清单为第 1 版，现行有效的证明事项共 {len(in_force)} 项" in listing.text
    assert all(f'href="/catalogue/{m["code"]}"' in listing.text for m in in_force)

    entry = await http.get(f"/catalogue/{FOOD.code}")
    assert entry.status_code == 200
    page = html.unescape(entry.text)
    for label, value in [
        ("设定依据", FOOD.basis),
        ("开具单位", FOOD.issuing_unit),
        ("证明内容", FOOD.content),
        ("核查方式", "数据共享核查"),
        ("核查标准", FOOD.verification_standard),
        ("是否免于核查", "否"),
        ("不实承诺的法律责任", FOOD.consequences),
        ("所属部门", FOOD.department),
        ("适用的行政事项", "食品经营许可"),
    ]:
        assert f"<th>{label}</th><td>{value}" in page, label
    assert "作出准予决定后抽查：抽中的自决定之日起第 10 个工作日到期" in page  # 核查时间
    assert "办事指南" in page and "10 个工作日" in page  # 食品经营许可's time limit (services.json)
    assert "12345政务服务便民热线" in page  # where to ask
    assert f'href="/matters/{FOOD.code}/letter.pdf"' in page and f'href="/matters/{FOOD.code}/letter.html"' in page

    letter = await http.get(f"/matters/{AFTER}/letter.html")
    assert letter.status_code == 200
    after = next(m for m in TEST_MATTERS if m.code == AFTER)
    lines = [line for line in blank_letter(after).splitlines() if line.strip()]
    assert all(f">{html.escape(line)}</" in letter.text for line in lines)  # every line of the format text

    pdf = await http.get(f"/matters/{AFTER}/letter.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert squeeze(blank_letter(after)) in squeeze(pdf_text(pdf.content))
    assert all(font["embedded"] for font in pdf_fonts(pdf.content))


async def test_search_narrows_the_list(http: Client) -> None:
    async def listed(**params: str) -> set[str]:
        response = await http.get("/catalogue", params=params)
        assert response.status_code == 200
        return codes_listed(response.text)

    assert await listed(q="食品经营场所") == {FOOD.code}
    assert await listed(q="t-excl") == {EXCLUDED}  # a code too, in any case
    assert await listed(department=OTHER_DEPARTMENT) == {OTHER}
    assert await listed(service="食品经营许可") == {FOOD.code}
    assert await listed(service="测试事项") == IN_FORCE - {FOOD.code}
    assert await listed(q="测试证明", department="湛河区测试局", service="测试事项") == IN_FORCE - {FOOD.code, OTHER}
    assert await listed(q="已取消") == set()  # retired: never found
    none = await http.get("/catalogue", params={"q": "没有这个证明"})
    assert "没有符合条件的证明事项" in none.text
    assert (await http.get("/catalogue", params={"q": "长" * 201})).status_code == 422


async def test_a_name_with_markup_shows_escaped(http: Client) -> None:
    for url in ["/catalogue", f"/catalogue/{FOOD.code}", f"/matters/{FOOD.code}/letter.html", f"/catalogue?q={SCRIPT}"]:
        response = await http.get(url)
        assert response.status_code == 200, url
        assert SCRIPT not in response.text, url
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in response.text, url
        assert "default-src 'none'" in response.headers["content-security-policy"]  # and no script would run anyway


async def test_unknown_retired_and_excluded_entries(http: Client) -> None:
    for url in ["/catalogue/NO-SUCH", "/matters/NO-SUCH/letter.html"]:
        response = await http.get(url)
        assert response.status_code == 404 and "证明事项 NO-SUCH 不在清单中" in response.text
        assert response.headers["content-type"].startswith("text/html")  # a page a person can read
    missing = await http.get("/matters/NO-SUCH/letter.pdf")
    assert missing.status_code == 404 and missing.json() == {"detail": "证明事项 NO-SUCH 不在清单中"}
    for url in [f"/catalogue/{GONE.code}", f"/matters/{GONE.code}/letter.pdf"]:
        response = await http.get(url)
        assert response.status_code == 404 and "已从清单中移除" in response.text
    excluded = await http.get(f"/catalogue/{EXCLUDED}")
    assert excluded.status_code == 200 and "不适用告知承诺制" in excluded.text and "letter.pdf" not in excluded.text
    no_letter = await http.get(f"/matters/{EXCLUDED}/letter.pdf")
    assert no_letter.status_code == 404 and "不适用告知承诺制" in no_letter.json()["detail"]


def test_fixed_paths_come_before_the_pages_that_take_a_code() -> None:
    """/catalogue/{code} is registered after every other /catalogue/… route (revisions, versions);
    the letter PDF before the JSON letter, whose {matter} would take "AFTER.pdf"."""
    paths = list(create_app(Settings(chengnuo_env="development")).openapi()["paths"])  # in the order routes match
    page = paths.index("/catalogue/{code}")
    assert all(n < page for n, p in enumerate(paths) if p.startswith("/catalogue/") and p != "/catalogue/{code}")
    assert paths.index("/applications/{application_id}/letters/{matter}.pdf") < paths.index(
        "/applications/{application_id}/letters/{matter}"
    )


async def test_the_letter_of_a_case_as_a_pdf(http: Client) -> None:
    case = {
        "application_id": "pdf-1",
        "applicant": {"id": COMPANY, "name": "湛河测试商贸有限公司", "kind": "company"},
        "service": "食品经营许可",
        "matters": [AFTER],
    }
    opened = await http.post("/applications", json=case, headers=CASEWORKER)
    assert opened.status_code == 201, opened.text
    sha = opened.json()["matters"][0]["letter_sha256"]
    url = f"/applications/pdf-1/letters/{AFTER}"
    notified = (await http.get(url, headers=APPLICANT)).json()  # the JSON letter still answers
    assert notified["sha256"] == sha

    response = await http.get(f"{url}.pdf", headers=APPLICANT)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    text = squeeze(pdf_text(response.content))
    assert text.count(squeeze(notified["text"])) == 2  # both copies carry the letter as notified
    for value in ["湛河测试商贸有限公司", f"测试证明{AFTER}（{AFTER}）", "食品经营许可", "第1版清单，本事项第1版", sha, *COPIES]:
        assert squeeze(value) in text, value
    assert (await http.get(f"{url}.pdf", headers=CASEWORKER)).status_code == 200  # staff of the case

    other = {"Authorization": "Bearer dev-applicant:91110000600037342X"}
    refused = await http.get(f"{url}.pdf", headers=other)
    assert refused.status_code == 403 and refused.json()["detail"] == "申请人只能查看本人的申请"
    assert (await http.get(f"{url}.pdf")).status_code == 401  # a case is not public
    assert (await http.get(f"/applications/pdf-1/letters/{OTHER}.pdf", headers=APPLICANT)).status_code == 404
    unknown = await http.get(f"/applications/no-such/letters/{AFTER}.pdf", headers=APPLICANT)
    assert unknown.status_code == 404 and "申请 no-such 不存在" in unknown.json()["detail"]
    assert COMPANY in pdf_text(response.content)  # the applicant's own credit code, as the letter gives it


async def test_a_case_letter_keeps_the_version_it_was_notified_under(http: Client, case: Harness) -> None:
    """An entry changed and a new catalogue version published after the letter: the case's PDF
    still names the version the letter followed; the blank letter names the new one."""
    entry = {
        "application_id": "pdf-2",
        "applicant": {"id": COMPANY, "name": "湛河测试商贸有限公司", "kind": "company"},
        "service": "测试事项",
        "matters": [AFTER],
    }
    assert (await http.post("/applications", json=entry, headers=CASEWORKER)).status_code == 201
    with Session(case.engine) as session:  # what publishing a change of AFTER does (catalogue/versions.py)
        first = session.exec(select(CatalogueVersion).order_by(CatalogueVersion.number)).first()  # type: ignore[arg-type]
        assert first is not None and first.number == 1
        row = session.get(Matter, AFTER)
        assert row is not None
        row.version, row.content = 2, "申请人符合修订后的测试条件"
        session.add(row)
        entries = [e | {"version": 2, "content": row.content} if e["code"] == AFTER else e for e in first.entries]
        session.add(CatalogueVersion(number=2, published_at=datetime.now(timezone.utc), published_by="bureau-1", entries=entries))
        session.commit()

    pdf = await http.get(f"/applications/pdf-2/letters/{AFTER}.pdf", headers=APPLICANT)
    assert pdf.status_code == 200
    text = squeeze(pdf_text(pdf.content))
    assert "第1版清单，本事项第1版" in text and "修订后" not in text
    blank = squeeze(pdf_text((await http.get(f"/matters/{AFTER}/letter.pdf")).content))
    assert "第2版清单，本事项第2版" in blank and "申请人符合修订后的测试条件" in blank


def test_the_public_guide_reads_the_law_not_the_editors_notes() -> None:
    """The 办事指南's time-limit basis: the legal text without where it was checked (a mirror, a
    reprint), and a limit not verified against the law says so instead of guessing."""
    from activities.catalogue import _services, public_time_limit_basis

    for service, entry in _services().items():
        shown = public_time_limit_basis(service)
        assert not any(note in shown for note in ("LawRefBook", "http", "镜像", "转载", "全文已阅")), (service, shown)
        if entry.get("basis_verified"):
            assert "《" in shown, (service, shown)  # a law is named
        else:
            assert shown == "法定期限尚待核实，暂按此期限办理，以受理窗口告知为准"
    assert "第四十三条第一款" in public_time_limit_basis("法律援助申请")
