"""Import and export in the published form: an export reads back to the same entries, a
malformed file is reported row by row and column by column, and diffs between versions."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook, load_workbook
from sqlmodel import Session, select

from catalogue.columns import HEADERS, USUAL_COLUMNS
from catalogue.diff import diff, in_force
from catalogue.io import read_csv, read_xlsx, to_csv, to_xlsx
from catalogue.versions import entry_of
from db.migrate import init_db
from db.models import CatalogueVersion, Matter
from db.session import make_engine


def starter_version(tmp_path: Path) -> CatalogueVersion:
    """Version 1 as a fresh database gets it: the starter catalogue (activities/data/catalogue.json)."""
    engine = make_engine(f"sqlite:///{tmp_path}/io.db")
    init_db(engine)
    init_db(engine)  # a second start writes no second version
    with Session(engine) as s:
        (version,) = s.exec(select(CatalogueVersion)).all()
        rows = list(s.exec(select(Matter)))
    assert version.number == 1 and version.revision_id is None
    assert {e["code"] for e in version.entries} == {m.code for m in rows}
    return version


def test_an_exported_version_imports_back_to_the_same_entries(tmp_path: Path) -> None:
    version = starter_version(tmp_path)
    entries = [entry_of(e) for e in in_force(version.entries).values()]
    assert len(entries) > 20
    data = to_xlsx(entries, "湛河区证明事项告知承诺制清单（第1版）")
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    header = [c.value for c in sheet[2]]
    assert header[: len(USUAL_COLUMNS)] == [
        "序号",
        "证明事项名称",
        "设定依据",
        "开具单位",
        "证明内容/用途",
        "核查方式",
        "核查时间",
        "核查标准",
        "是否免于核查",
        "不实承诺的法律责任",
        "所属部门",
        "适用的行政事项",
    ]
    assert header[len(USUAL_COLUMNS)] == "事项编码"  # the extra columns come after the usual ones
    back = read_xlsx(data)
    assert back.problems == [] and back.entries == entries
    assert back.rows == list(range(3, 3 + len(entries)))  # under the title row and the header

    csv_back = read_csv(to_csv(entries))
    assert csv_back.problems == [] and csv_back.entries == entries
    gbk = to_csv(entries).decode("utf-8-sig").encode("gb18030")  # as Excel in China saves CSV
    assert read_csv(gbk).entries == entries


def test_every_problem_of_a_malformed_file_is_reported_and_nothing_imported(tmp_path: Path) -> None:
    version = starter_version(tmp_path)
    good = [entry_of(e) for e in in_force(version.entries).values()][:6]
    wb = load_workbook(io.BytesIO(to_xlsx(good)))
    ws = wb.active
    assert ws is not None
    col = {h: i + 1 for i, h in enumerate(HEADERS)}
    ws.cell(row=3, column=col["证明事项名称"], value="")  # row 3: no name
    ws.cell(row=4, column=col["核查时间"], value="事后随时核查")  # row 4: not the form
    ws.cell(row=4, column=col["是否免于核查"], value="可能")  # row 4 again: not 是/否
    ws.cell(row=5, column=col["核查方式"], value="电话核查")  # row 5: an unknown method
    ws.cell(row=6, column=col["是否适用告知承诺"], value="否")  # row 6: excluded without a reason
    ws.cell(row=6, column=col["不适用理由"], value="")
    ws.cell(row=7, column=col["事项编码"], value=good[0].code)  # row 7: the code of row 3 again
    ws.cell(row=8, column=col["监管期（日）"], value="半年")  # row 8: not a number
    out = io.BytesIO()
    wb.save(out)

    result = read_xlsx(out.getvalue())
    assert result.entries == [] and result.rows == []  # nothing, though some rows were fine
    found = {(p.row, p.column) for p in result.problems}
    assert found == {
        (3, "证明事项名称"),
        (4, "核查时间"),
        (4, "是否免于核查"),
        (5, "核查方式"),
        (6, "不适用理由"),
        (7, "事项编码"),
        (8, "监管期（日）"),
    }, result.problems
    messages = {str(p) for p in result.problems}
    assert "第3行「证明事项名称」：不能为空" in messages
    assert any(m.startswith("第7行「事项编码」：与第3行的事项编码重复") for m in messages)


def test_a_file_without_the_published_columns_is_refused() -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["序号", "证明事项名称", "设定依据"])
    ws.append([1, "某证明", "某法第一条"])
    out = io.BytesIO()
    wb.save(out)
    result = read_xlsx(out.getvalue())
    assert result.entries == []
    assert {p.column for p in result.problems} >= {"开具单位", "核查时间", "事项编码", "所属部门"}
    assert all(p.row == 1 and p.message == "缺少该列" for p in result.problems)


def test_diff_of_two_versions() -> None:
    def entry(code: str, **kw: object) -> dict[str, object]:
        return {
            "code": code,
            "name": f"证明{code}",
            "department": "湛河区测试局",
            "verification_days": 10,
            "version": 1,
            "retired": False,
            "retired_reason": None,
            **kw,
        }

    v1 = [entry("A"), entry("B"), entry("C")]
    v2 = [
        entry("A", verification_days=30, name="证明A（修订）", version=2),
        entry("B", retired=True, retired_reason="已取消"),
        entry("C"),
        entry("D"),
    ]
    d = diff(v1, v2)
    assert [e["code"] for e in d["added"]] == ["D"]
    assert d["removed"] == [{"code": "B", "name": "证明B", "department": "湛河区测试局", "retired": True, "reason": "已取消"}]
    (changed,) = d["changed"]
    assert changed["code"] == "A" and (changed["old_version"], changed["new_version"]) == (1, 2)
    assert {(f["field"], f["label"], f["old"], f["new"]) for f in changed["fields"]} == {
        ("name", "证明事项名称", "证明A", "证明A（修订）"),
        ("verification_days", "核查到期（工作日）", 10, 30),
    }
    back = diff(v2, v1)  # the other way round
    assert [e["code"] for e in back["added"]] == ["B"] and [e["code"] for e in back["removed"]] == ["D"]
    assert diff(v1, v1) == {"added": [], "removed": [], "changed": []}
