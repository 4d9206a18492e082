"""Import and export in the form catalogues are published: .xlsx and CSV.

The usual columns (序号, 证明事项名称, 设定依据, 开具单位, 证明内容/用途, 核查方式, 核查时间, 核查标准,
是否免于核查, 不实承诺的法律责任, 所属部门, 适用的行政事项) come first; after them the extra columns
(catalogue/columns.py EXTRA_COLUMNS: 事项编码, 是否适用告知承诺, 不适用理由, 监管期（日）, …) carry
what an entry needs that those cannot. 核查时间 is written as
「事后核查，作出决定后20个工作日内；核查期限5个工作日」.

Reading checks every row and reports each problem by its row number (as the spreadsheet shows
it) and column; the entries are good only when no row has a problem. An export read back gives
the same entries.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font

from catalogue.checks import entry_problems
from catalogue.columns import (
    COLUMNS,
    EXTRA_COLUMNS,
    FIELD_LABELS,
    HEADERS,
    METHOD_BY_LABEL,
    METHODS,
    NO,
    REQUIRED_HEADERS,
    SERVICE_SEPARATORS,
    TIME_EXAMPLE,
    YES,
    parse_verification_time,
    verification_time,
    yes_no,
)
from workflows.catalogue_types import CatalogueEntry

SHEET = "证明事项告知承诺制清单"
HEADER_SEARCH_ROWS = 5  # a title row or two may stand above the header
# entry fields that 核查时间 and 核查方式 stand for, for reporting problems by column
COLUMN_OF_FIELD = {
    "verification_stage": "核查时间",
    "verification_days": "核查时间",
    "verification_deadline_days": "核查时间",
    "verification_method": "核查方式",
    **{f: h for h, f in COLUMNS},
}


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"第{self.row}行「{self.column}」：{self.message}"


@dataclass
class ImportResult:
    entries: list[CatalogueEntry] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    """Each entry's row number in the file."""
    problems: list[RowProblem] = field(default_factory=list)


class UnreadableFile(ValueError):
    """Not a spreadsheet this module can read at all."""


# ---- export -----------------------------------------------------------------------------


def cells(n: int, e: CatalogueEntry) -> list[Any]:
    """One entry as a row of the published columns."""
    values: dict[str, Any] = {
        "row_number": n,
        "verification_method": e.verification_method_label or METHODS.get(e.verification_method, e.verification_method),
        "verification_time": verification_time(e.verification_stage, e.verification_days, e.verification_deadline_days),
        "verification_exempt": yes_no(e.verification_exempt),
        "services": "；".join(e.services),
        "commitment_allowed": yes_no(e.commitment_allowed),
        "exclusion_reason": e.exclusion_reason or "",
        "basis_verified": yes_no(e.basis_verified),
    }
    return [values[f] if f in values else getattr(e, f) for _, f in COLUMNS]


def to_xlsx(entries: list[CatalogueEntry], title: str = SHEET) -> bytes:
    """A workbook: a title row, the header, one row per entry."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(HEADERS)
    for c in ws[2]:
        c.font = Font(bold=True)
        c.alignment = Alignment(wrap_text=True, vertical="center")
    for n, e in enumerate(entries, 1):
        ws.append(cells(n, e))
    for i, header in enumerate(HEADERS, 1):
        ws.column_dimensions[ws.cell(row=2, column=i).column_letter].width = 8 if header == "序号" else 24
    ws.freeze_panes = "A3"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def to_csv(entries: list[CatalogueEntry]) -> bytes:
    """CSV in UTF-8 with a byte-order mark, so that Excel opens the Chinese text as such."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for n, e in enumerate(entries, 1):
        writer.writerow(cells(n, e))
    return out.getvalue().encode("utf-8-sig")


# ---- import -----------------------------------------------------------------------------


def read_xlsx(data: bytes) -> ImportResult:
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many kinds for a file that is not a workbook
        raise UnreadableFile("无法读取该 .xlsx 文件（文件已损坏或不是 Excel 工作簿）") from err
    ws = wb.worksheets[0]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    wb.close()
    return read_rows(rows)


def read_csv(data: bytes) -> ImportResult:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK unless told otherwise
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UnreadableFile("无法识别 CSV 文件的编码（应为 UTF-8 或 GBK）")
    return read_rows([list(r) for r in csv.reader(io.StringIO(text))])


def read_rows(rows: list[list[Any]]) -> ImportResult:
    """Entries from rows of cells (the header row found among the first few); every problem of
    every row reported by row number and column."""
    result = ImportResult()
    header_at = next((i for i, r in enumerate(rows[:HEADER_SEARCH_ROWS]) if "证明事项名称" in [_text(c) for c in r]), None)
    if header_at is None:
        result.problems.append(RowProblem(1, "证明事项名称", "找不到表头行（应含「证明事项名称」等列）"))
        return result
    index = {_text(c): i for i, c in enumerate(rows[header_at]) if _text(c)}
    missing = [h for h in REQUIRED_HEADERS if h not in index]
    for h in missing:
        result.problems.append(RowProblem(header_at + 1, h, "缺少该列"))
    if missing:
        return result
    seen: dict[str, int] = {}
    for i, raw in enumerate(rows[header_at + 1 :], start=header_at + 2):
        values = {h: _text(raw[j]) if j < len(raw) else "" for h, j in index.items()}
        if not any(values.values()):
            continue  # blank lines between entries
        entry, problems = _entry(i, values)
        code = values.get("事项编码", "")
        if code and code in seen:
            problems.append(RowProblem(i, "事项编码", f"与第{seen[code]}行的事项编码重复"))
        seen.setdefault(code, i)
        result.problems.extend(problems)
        if entry is not None and not problems:
            result.entries.append(entry)
            result.rows.append(i)
    if not result.entries and not result.problems:
        result.problems.append(RowProblem(header_at + 2, "证明事项名称", "文件中没有任何事项"))
    if result.problems:
        result.entries, result.rows = [], []  # nothing is imported when any row is wrong
    return result


def _entry(row: int, v: dict[str, str]) -> tuple[CatalogueEntry | None, list[RowProblem]]:
    problems: list[RowProblem] = []

    def flag(column: str) -> bool:
        text = v.get(column, "")
        if text not in (YES, NO):
            problems.append(RowProblem(row, column, f"应填「{YES}」或「{NO}」"))
        return text == YES

    method = METHOD_BY_LABEL.get(v["核查方式"])
    if method is None:
        problems.append(RowProblem(row, "核查方式", f"应为以下之一：{'、'.join(METHOD_BY_LABEL)}"))
    timing = parse_verification_time(v["核查时间"])
    if timing is None:
        problems.append(RowProblem(row, "核查时间", f"格式应为「{TIME_EXAMPLE}」"))
    supervision = v["监管期（日）"]
    if not supervision.isdigit():
        problems.append(RowProblem(row, "监管期（日）", "应为天数（正整数）"))
    exempt, allowed = flag("是否免于核查"), flag("是否适用告知承诺")
    verified = flag("依据已核对") if v.get("依据已核对") else False
    if problems:
        return None, problems
    assert method is not None and timing is not None
    stage, days, deadline = timing
    entry = CatalogueEntry(
        code=v["事项编码"],
        name=v["证明事项名称"],
        department=v["所属部门"],
        issuing_unit=v["开具单位"],
        basis=v["设定依据"],
        content=v["证明内容/用途"],
        commitment_allowed=allowed,
        exclusion_reason=v["不适用理由"] or None,
        verification_exempt=exempt,
        verification_stage=stage,
        verification_days=days,
        verification_deadline_days=deadline,
        verification_method=method,
        verification_method_label=v["核查方式"],
        verification_standard=v["核查标准"],
        supervision_days=int(supervision),
        consequences=v["不实承诺的法律责任"],
        services=[s.strip() for s in SERVICE_SEPARATORS.split(v["适用的行政事项"]) if s.strip()],
        **{
            f: v.get(h, "")
            for h, f in EXTRA_COLUMNS
            if f in ("basis_rank", "act_type", "conditions", "publication", "basis_source")
        },
        basis_verified=verified,
    )
    problems = [RowProblem(row, COLUMN_OF_FIELD.get(f, FIELD_LABELS.get(f, f)), m) for f, m in entry_problems(entry)]
    return (None if problems else entry), problems


def _text(cell: Any) -> str:
    """A cell as text: numbers as Excel shows them (180, not 180.0)."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()
