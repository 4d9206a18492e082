"""Assessment figures (法治政府建设考评 / 年底效能目标考核): JSON and an .xlsx download.

The figures and their definitions are in figures/definitions.py, counted by figures/counting.py;
here only the query is checked and the answer shaped. The period is the applications' opening (`opened_at`), in China
time (UTC+8), both days included.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query as Param, Response
from pydantic import BaseModel, Field, create_model

from api.deps import CurrentActor, SessionDep
from figures import counting
from figures.definitions import FIGURES, Query
from services import statistics
from services.statistics import ROLES, XLSX
from workflows.rules import ROLE_LABELS
from workflows.types import Actor


def statistics_reader(actor: CurrentActor) -> Actor:
    """督查审计、负责人、管理员 only."""
    if actor.role not in ROLES:
        allowed = "、".join(ROLE_LABELS[r] for r in sorted(ROLES))
        raise HTTPException(403, f"{ROLE_LABELS[actor.role]}无权查看统计数据（仅限{allowed}）")
    return actor


router = APIRouter(tags=["statistics"], dependencies=[Depends(statistics_reader)])

_TYPES: dict[str, Any] = {"count": int, "rate": float | None, "days": float | None}
Figures: type[BaseModel] = create_model(  # type: ignore[call-overload]
    "StatisticsFigures",
    **{f.key: (_TYPES[f.kind], Field(description=f"{f.label}：{f.definition}")) for f in FIGURES},
)


class StatisticsQueryOut(BaseModel):
    from_: str | None = Field(alias="from", description="统计起始日（含），按受理时间，北京时间")
    to: str | None = Field(description="统计截止日（含）")
    department: str | None
    matter: str | None
    period_by: str = Field(description="统计区间所依据的时间：opened_at（受理时间）")
    timezone: str


DepartmentRow = create_model("StatisticsByDepartment", __base__=Figures, department=(str, Field(description="部门")))
MatterRow = create_model(
    "StatisticsByMatter",
    __base__=Figures,
    matter=(str, Field(description="证明事项编码")),
    matter_name=(str, Field(description="证明事项名称")),
    department=(str, Field(description="部门")),
)
MonthRow = create_model("StatisticsByMonth", __base__=Figures, month=(str, Field(description="月份（YYYY-MM，北京时间）")))


class StatisticsOut(BaseModel):
    query: StatisticsQueryOut
    totals: Figures
    by_department: list[DepartmentRow]
    by_matter: list[MatterRow]
    by_month: list[MonthRow]
    labels: dict[str, str] = Field(description="每个字段的中文名称")
    definitions: dict[str, str] = Field(description="每项指标的统计口径")


DAY = r"^\d{4}-\d{2}-\d{2}$"
From = Annotated[
    str | None,
    Param(
        alias="from",
        pattern=DAY,
        description="起始日 YYYY-MM-DD（含当日），按受理时间 opened_at，北京时间",
        examples=["2026-01-01"],
    ),
]
To = Annotated[
    str | None, Param(alias="to", pattern=DAY, description="截止日 YYYY-MM-DD（含当日），不得早于起始日", examples=["2026-12-31"])
]
Department = Annotated[str | None, Param(min_length=1, max_length=200, description="只统计该部门的证明事项及涉及它们的申请")]
MatterCode = Annotated[str | None, Param(min_length=1, max_length=100, description="只统计该证明事项及涉及它的申请")]


def checked_query(
    session: SessionDep, date_from: From = None, date_to: To = None, department: Department = None, matter: MatterCode = None
) -> Query:
    """The query, or 422 (services/statistics.py `checked`)."""
    return statistics.checked(session, date_from, date_to, department, matter)


QueryDep = Annotated[Query, Depends(checked_query)]


@router.get("/statistics", response_model=StatisticsOut, response_model_by_alias=True)
def get_statistics(session: SessionDep, query: QueryDep) -> dict[str, Any]:
    """考评统计: applications opened in the period (`opened_at`, China time, both days included),
    commitment uptake, proofs saved, verification, outcomes, withdrawals and the median time to
    decision; in total and by department, by matter and by month. `labels` gives each field's
    Chinese name, `definitions` each figure's definition. Auditors, supervisors and admins."""
    return counting.report(session, query)


@router.get(
    "/statistics.xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}, "description": "The .xlsx workbook"}},
)
def get_statistics_xlsx(session: SessionDep, query: QueryDep) -> Response:
    """The same figures as an .xlsx (openpyxl): a summary sheet, one sheet per breakdown with
    Chinese column headers, the query in a header row and a totals row, and the definitions."""
    content, name = statistics.workbook_of(session, query)
    return Response(content, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})
