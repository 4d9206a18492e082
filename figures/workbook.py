"""The figures as an .xlsx (openpyxl): a summary sheet, one sheet per breakdown with Chinese
column headers, the query in a header row and a totals row, and the definitions."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from figures.definitions import FIGURES, KEY_LABELS, Query

TITLE = "证明事项告知承诺制工作统计（法治政府建设考评）"
SHEETS: tuple[tuple[str, str, tuple[str, ...]], ...] = (  # (sheet, breakdown, key columns)
    ("按部门", "by_department", ("department",)),
    ("按证明事项", "by_matter", ("matter", "matter_name", "department")),
    ("按月份", "by_month", ("month",)),
)
SUMMARY_SHEET = "汇总"
TOTAL_LABEL = "合计"
OVERLAP_NOTE = "注：一件申请涉及多个部门或证明事项的，分别计入各行；“合计”行按申请去重统计，可能小于各行之和。"
FORMATS = {"rate": "0.00%", "days": "0.00", "count": "0"}
HEADER_ROW = 3  # row 1: title; row 2: the query; row 3: column headers; data from row 4


def _header(ws: Any, query: Query, width: int) -> None:
    ws.cell(row=1, column=1, value=TITLE).font = Font(bold=True, size=14)
    ws.cell(row=2, column=1, value=query.describe())
    if width > 1:
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)


def _put(ws: Any, row: int, column: int, value: Any, kind: str = "count") -> None:
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, int | float):
        cell.number_format = FORMATS[kind]


def workbook(data: dict[str, Any], query: Query) -> bytes:
    """The report as an .xlsx: a summary sheet, a sheet per breakdown (Chinese headers, the query in
    a header row, a totals row), and the definitions."""
    wb = Workbook()
    summary = wb.active
    assert summary is not None
    summary.title = SUMMARY_SHEET
    _header(summary, query, 3)
    for column, text in enumerate(("指标", "数值", "口径说明"), 1):
        summary.cell(row=HEADER_ROW, column=column, value=text).font = Font(bold=True)
    for n, f in enumerate(FIGURES, HEADER_ROW + 1):
        summary.cell(row=n, column=1, value=f.label)
        _put(summary, n, 2, data["totals"][f.key], f.kind)
        summary.cell(row=n, column=3, value=f.definition)
    summary.column_dimensions["A"].width = 28
    summary.column_dimensions["B"].width = 14
    summary.column_dimensions["C"].width = 80

    for title, breakdown, keys in SHEETS:
        ws = wb.create_sheet(title)
        width = len(keys) + len(FIGURES)
        _header(ws, query, width)
        headers = [KEY_LABELS[k] for k in keys] + [f.label for f in FIGURES]
        for column, text in enumerate(headers, 1):
            cell = ws.cell(row=HEADER_ROW, column=column, value=text)
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        rows = data[breakdown]
        for n, item in enumerate(rows, HEADER_ROW + 1):
            for column, k in enumerate(keys, 1):
                ws.cell(row=n, column=column, value=item[k])
            for column, f in enumerate(FIGURES, len(keys) + 1):
                _put(ws, n, column, item[f.key], f.kind)
        total_row = HEADER_ROW + 1 + len(rows)
        ws.cell(row=total_row, column=1, value=TOTAL_LABEL).font = Font(bold=True)
        for column, f in enumerate(FIGURES, len(keys) + 1):
            _put(ws, total_row, column, data["totals"][f.key], f.kind)
            ws.cell(row=total_row, column=column).font = Font(bold=True)
        if breakdown != "by_month":
            ws.cell(row=total_row + 1, column=1, value=OVERLAP_NOTE)
        ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=len(keys) + 1)
        for column in range(1, width + 1):
            ws.column_dimensions[get_column_letter(column)].width = 16
        ws.row_dimensions[HEADER_ROW].height = 45

    notes = wb.create_sheet("口径说明")
    _header(notes, query, 3)
    for column, text in enumerate(("字段", "指标", "口径说明"), 1):
        notes.cell(row=HEADER_ROW, column=column, value=text).font = Font(bold=True)
    for n, f in enumerate(FIGURES, HEADER_ROW + 1):
        notes.cell(row=n, column=1, value=f.key)
        notes.cell(row=n, column=2, value=f.label)
        notes.cell(row=n, column=3, value=f.definition)
    last = HEADER_ROW + len(FIGURES) + 1
    notes.cell(row=last, column=1, value="统计区间")
    notes.cell(
        row=last,
        column=3,
        value="按申请受理时间（opened_at）统计，北京时间（UTC+8），起止日期均含当日；各项数字为该期间受理的申请至今的情况。",
    )
    notes.cell(row=last + 1, column=1, value="说明")
    notes.cell(row=last + 1, column=3, value=OVERLAP_NOTE.removeprefix("注："))
    notes.column_dimensions["A"].width = 28
    notes.column_dimensions["B"].width = 28
    notes.column_dimensions["C"].width = 90

    out = BytesIO()
    wb.save(out)
    return out.getvalue()
