"""The HTTP side: an administrator imports a spreadsheet, the bureau takes it through review to
publication; versions, diffs, exports and the history page are public; roles and departments
are checked; a malformed file is refused row by row."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest_asyncio
from openpyxl import load_workbook
from sqlmodel import Session

from activities.revisions import revision_workflow_id
from api.main import create_app
from catalogue.columns import HEADERS
from config import Settings
from security import tokens
from tests.catalogue.support import TEST_DEPARTMENT
from tests.support.factories import AFTER, OTHER, OTHER_DEPARTMENT
from tests.support.harness import Harness
from workflows.types import Role

Client = httpx.AsyncClient
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def dev(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer dev-{role}"}


@pytest_asyncio.fixture
async def http(case: Harness) -> AsyncIterator[Client]:
    app = create_app(Settings(task_queue=case.task_queue, chengnuo_env="development"), case.env.client, case.engine)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            yield client
            for r in (await client.get("/catalogue/revisions", headers=dev("auditor"))).json():  # stopped and replayed
                case.handles.append(case.env.client.get_workflow_handle(revision_workflow_id(r["id"])))


def officer(case: Harness, department: str) -> dict[str, str]:
    with Session(case.engine) as session:
        token, _ = tokens.issue(session, Role.department, f"officer@{department}", department)
    return {"Authorization": f"Bearer {token}"}


def edited(data: bytes, edits: dict[tuple[int, str], Any], append: list[Any] | None = None) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    ws = wb.active
    assert ws is not None
    for (row, header), value in edits.items():
        ws.cell(row=row, column=HEADERS.index(header) + 1, value=value)
    if append:
        ws.append(append)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def row_of(data: bytes, code: str) -> int:
    ws = load_workbook(io.BytesIO(data)).active
    assert ws is not None
    column = HEADERS.index("事项编码")
    return next(i for i, r in enumerate(ws.iter_rows(values_only=True), 1) if r[column] == code)


async def test_import_review_publish_and_public_reads(http: Client) -> None:
    versions = (await http.get("/catalogue/versions")).json()  # no token: a public legal document
    assert [v["number"] for v in versions] == [1]
    exported = await http.get("/catalogue/versions/1/export.xlsx")
    assert exported.status_code == 200 and exported.headers["content-type"] == XLSX
    row = row_of(exported.content, AFTER)
    new_row = [
        "",
        "<script>alert(1)</script>新证明",
        "《测试条例》第二条",
        "测试开具单位",
        "申请人符合条件",
        "书面核查",
        "事后核查，作出决定后15个工作日内；核查期限5个工作日",
        "材料一致",
        "否",
        "承诺不实的，撤销行政决定",
        TEST_DEPARTMENT,
        "测试事项",
        "T-IMPORTED",
        "是",
        "",
        90,
    ]
    upload = edited(exported.content, {(row, "核查标准"): "与登记信息一致"}, new_row)

    files = {"file": ("清单.xlsx", upload, XLSX)}
    assert (await http.post("/catalogue/revisions/import", files=files, headers=dev("caseworker"))).status_code == 403
    created = await http.post("/catalogue/revisions/import", files=files, headers=dev("admin"))
    assert created.status_code == 201, created.text
    revision = created.json()
    assert revision["status"] == "draft" and revision["source"] == "import" and revision["status_label"] == "起草中"
    assert {(c["action"], c["code"]) for c in revision["changes"]} == {("change", AFTER), ("add", "T-IMPORTED")}
    assert [v["number"] for v in (await http.get("/catalogue/versions")).json()] == [1]  # a draft, never published

    base = f"/catalogue/revisions/{revision['id']}"
    assert (await http.post(f"{base}/submit", json={}, headers=dev("admin"))).json()["status"] == "submitted"
    refused = await http.post(f"{base}/review", json={"approve": True}, headers=dev("department"))
    assert refused.status_code == 403 and "无权" in refused.json()["detail"]
    early = await http.post(f"{base}/publish", json={}, headers=dev("bureau"))
    assert early.status_code == 409 and "已上报" in early.json()["detail"]
    assert (await http.post(f"{base}/review", json={"approve": True}, headers=dev("bureau"))).json()["status"] == "approved"
    assert (await http.post(f"{base}/file", json={"note": "已报市司法局备案"}, headers=dev("bureau"))).json()["status"] == "filed"
    published = (await http.post(f"{base}/publish", json={}, headers=dev("bureau"))).json()
    assert published["status"] == "published" and published["published_version"] == 2
    assert [s["action"] for s in published["steps"]] == ["create", "submit", "approve", "file", "publish"]
    assert published["steps"][3]["note"] == "已报市司法局备案" and published["steps"][4]["actor_id"] == "dev-bureau"

    d = (await http.get("/catalogue/versions/1/diff/2")).json()
    assert [e["code"] for e in d["added"]] == ["T-IMPORTED"] and d["removed"] == []
    (changed,) = d["changed"]
    assert changed["code"] == AFTER and changed["fields"] == [
        {"field": "verification_standard", "label": "核查标准", "old": "信息一致", "new": "与登记信息一致"}
    ]
    assert (await http.get("/catalogue/versions/2")).json()["revision_id"] == revision["id"]
    assert (await http.get("/catalogue/versions/9")).status_code == 404
    csv = await http.get("/catalogue/versions/2/export.csv")
    assert csv.headers["content-type"].startswith("text/csv") and "T-IMPORTED" in csv.content.decode("utf-8-sig")
    assert (await http.get(f"/matters/{AFTER}")).json()["version"] == 2

    page = await http.get("/catalogue/history")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "第2版" in page.text and "新增 1 项" in page.text and "与登记信息一致" in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;新证明" in page.text and "<script>alert" not in page.text

    again = await http.post(
        "/catalogue/revisions/import", files={"file": ("v2.csv", csv.content, "text/csv")}, headers=dev("admin")
    )
    assert again.status_code == 422 and "没有需要调整的内容" in again.text  # an export of the current version changes nothing


async def test_a_malformed_file_is_refused_row_by_row(http: Client) -> None:
    exported = (await http.get("/catalogue/versions/1/export.xlsx")).content
    bad = edited(exported, {(3, "核查时间"): "随时", (5, "所属部门"): "", (6, "是否免于核查"): "不确定"})
    answer = await http.post("/catalogue/revisions/import", files={"file": ("bad.xlsx", bad, XLSX)}, headers=dev("admin"))
    assert answer.status_code == 422
    detail = answer.json()["detail"]
    assert [(d["loc"][1], d["loc"][2]) for d in detail] == [(3, "核查时间"), (5, "所属部门"), (6, "是否免于核查")]
    assert detail[0]["msg"].startswith("第3行「核查时间」：格式应为")
    assert (await http.get("/catalogue/revisions", headers=dev("auditor"))).json() == []  # nothing imported
    other = await http.post("/catalogue/revisions/import", files={"file": ("x.txt", b"abc", "text/plain")}, headers=dev("admin"))
    assert other.status_code == 422 and "xlsx" in other.text
    broken = await http.post(
        "/catalogue/revisions/import", files={"file": ("x.xlsx", b"not a workbook", XLSX)}, headers=dev("admin")
    )
    assert broken.status_code == 422 and "无法读取" in broken.text


async def test_a_department_drafts_only_its_own_and_sees_only_its_own(http: Client, case: Harness) -> None:
    mine, theirs = officer(case, TEST_DEPARTMENT), officer(case, OTHER_DEPARTMENT)
    other_entry = (await http.get(f"/matters/{OTHER}")).json()
    foreign = {"changes": [{"action": "change", "code": OTHER, "entry": {**other_entry, "name": "改名"}}]}
    refused = await http.post("/catalogue/revisions", json=foreign, headers=mine)
    assert refused.status_code == 422 and "只能调整本部门" in refused.text
    excluded = {**(await http.get(f"/matters/{AFTER}")).json(), "commitment_allowed": False, "exclusion_reason": None}
    no_reason = await http.post(
        "/catalogue/revisions", json={"changes": [{"action": "change", "code": AFTER, "entry": excluded}]}, headers=mine
    )
    assert no_reason.status_code == 422 and "不适用理由" in no_reason.text

    body = {"revision_id": "dept-r1", "changes": [{"action": "retire", "code": AFTER, "reason": "该证明已取消"}]}
    created = await http.post("/catalogue/revisions", json=body, headers=mine)
    assert created.status_code == 201 and created.json()["department"] == TEST_DEPARTMENT
    same = await http.post("/catalogue/revisions", json=body, headers=mine)  # idempotent on the revision id
    assert same.status_code == 200 and same.json()["id"] == "dept-r1"
    assert (await http.get("/catalogue/revisions", headers=theirs)).json() == []
    assert [r["id"] for r in (await http.get("/catalogue/revisions", headers=mine)).json()] == ["dept-r1"]
    assert (await http.get("/catalogue/revisions/dept-r1", headers=theirs)).status_code == 403
    assert (await http.get("/catalogue/revisions/dept-r1")).status_code == 401  # revisions are not public
    assert (await http.post("/catalogue/revisions/dept-r1/withdraw", json={}, headers=theirs)).status_code == 403

    edit = {"changes": [{"action": "change", "code": AFTER, "entry": {**excluded, "exclusion_reason": "直接涉及公共安全"}}]}
    edited_ = await http.put("/catalogue/revisions/dept-r1/entries", json=edit, headers=mine)
    assert edited_.status_code == 200 and edited_.json()["changes"][0]["entry"]["exclusion_reason"] == "直接涉及公共安全"
    withdrawn = await http.post("/catalogue/revisions/dept-r1/withdraw", json={"note": "暂不调整"}, headers=mine)
    assert withdrawn.json()["status"] == "withdrawn"
    late = await http.post("/catalogue/revisions/dept-r1/submit", json={}, headers=mine)
    assert late.status_code == 409 and "已撤回" in late.json()["detail"]
    assert (await http.get("/catalogue/revisions/nope", headers=mine)).status_code == 404
