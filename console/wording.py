"""Deadlines and next steps in plain words: what happens next on a case, and by when.

Deadlines are kept as moments; one that falls at midnight (China time) ends the day before,
and is said so ("2026年5月20日（含当日）前").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from activities.calendar import WorkingCalendar
from activities.projection import hearing_of
from db.models import Application
from workflows.case import CHINA
from workflows.guards import statement_open
from workflows.types import ApplicationStatus as S, MatterMode, VerificationState as V


def moment(value: Any) -> datetime | None:
    """A datetime from the read model (JSON columns hold ISO strings); naive means UTC."""
    if value is None:
        return None
    at = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)


def by_when(value: Any) -> str:
    """A deadline as people say it: '2026年5月20日（含当日）前' or '2026年5月20日 14:30前'."""
    at = moment(value)
    if at is None:
        return "—"
    local = at.astimezone(CHINA)
    if (local.hour, local.minute) == (0, 0):
        day = local.date() - timedelta(days=1)
        return f"{day.year}年{day.month}月{day.day}日（含当日）前"
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}前"


def on_day(value: Any) -> str:
    """A moment as a date and time in China: '2026-05-20 14:30'."""
    at = moment(value)
    return at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if at else "—"


def last_day(deadline: datetime) -> date:
    """The last day a deadline allows (a midnight deadline ends the day before)."""
    local = deadline.astimezone(CHINA)
    return local.date() - timedelta(days=1) if (local.hour, local.minute, local.second) == (0, 0, 0) else local.date()


def working_days_left(deadline: Any, now: datetime, calendar: WorkingCalendar) -> int | None:
    """Working days from today (counted if a working day) to the deadline's last day; negative:
    working days overdue; None without a deadline."""
    at = moment(deadline)
    if at is None:
        return None
    today, end = now.astimezone(CHINA).date(), last_day(at)
    if at <= now:
        return -calendar.workdays(end + timedelta(days=1), today)
    return calendar.workdays(today, end)


@dataclass(frozen=True)
class NextStep:
    """What happens next, in plain words; `yours`: the applicant has something to do."""

    text: str
    by: datetime | None = None
    yours: bool = False


def next_step(row: Application, now: datetime) -> NextStep:
    """The case's status and deadlines as one plain sentence for the applicant."""
    status, matters = S(row.status), row.matters
    states = {V(m["verification"]) for m in matters}
    decision_by = moment(row.decision_due_at)
    decide = f"本机关将在{by_when(decision_by)}作出是否批准的决定。" if decision_by else "本机关将依法作出是否批准的决定。"
    if status in (S.opening, S.notified):
        open_ = [m["name"] for m in matters if m["mode"] == MatterMode.undecided and not m.get("proof_sha256")]
        return NextStep(
            f"请对{'、'.join(f'「{n}」' for n in open_)}作出选择：阅读告知承诺书后签署承诺，或者提交证明材料。"
            f"全部选择完毕后进入审查，{decide}",
            decision_by,
            yours=True,
        )
    if status == S.reviewing:
        pending = "其中承诺的事项正在进行事中核查，" if V.pending in states else ""
        return NextStep(f"材料已齐，正在审查，{pending}您现在无需再做什么。{decide}", decision_by)
    if status == S.approved:
        window = moment(row.window_ends_at)
        rest = f"监管期至{by_when(window).removesuffix('前')}。" if window else ""
        return NextStep(
            f"已准予许可。{rest}监管期内，本机关可能对您的承诺进行核查，请如实保持所承诺的条件；您现在无需再做什么。", window
        )
    if status == S.verifying:
        if V.untrue in states:
            return NextStep("核查发现您的承诺与实际情况不符，本机关将依法处置（例如责令限期整改），届时会告知您。")
        deadlines = [d for m in matters if V(m["verification"]) in (V.due, V.reverifying) if (d := moment(m.get("deadline_at")))]
        by = min(deadlines, default=None)
        when = f"，核查人员将在{by_when(by)}完成核查" if by else ""
        return NextStep(f"本机关正在核查您的承诺{when}。您现在无需再做什么；如需补充情况，请联系承办人。", by)
    if status == S.rectifying:
        names = [m["name"] for m in matters if m["verification"] == V.rectifying]
        bys = [d for m in matters if m["verification"] == V.rectifying if (d := moment(m.get("rectify_by")))]
        by = min(bys, default=None)
        when = by_when(by) if by else "收到《责令限期整改通知书》之日起的整改期限内（请先打开本页「送达文书」中的通知书）"
        return NextStep(
            f"请在{when}对{'、'.join(f'「{n}」' for n in names)}整改到位，并在本页提交整改材料。"
            "逾期未整改或整改不到位的，本机关将拟撤销行政决定。",
            by,
            yours=True,
        )
    if status == S.hearing:
        h = hearing_of(row)
        if h is not None and statement_open(h, now):
            when = by_when(h.statement_until) if h.statement_until else "收到《拟撤销行政许可告知书》之日起的陈述申辩期内"
            return NextStep(
                f"本机关拟撤销行政决定（理由：{h.grounds}）。您有权陈述、申辩：请在{when}在本页提出；期满后由负责人作出决定。",
                h.statement_until,
                yours=True,
            )
        return NextStep("陈述申辩已结束，负责人将作出是否撤销行政决定的决定，届时会告知您。")
    return NextStep(_final(row))


def _final(row: Application) -> str:
    """A closed (or finally decided) case, with the remedies of an adverse decision."""
    status = S(row.status)
    last = (row.decisions or [{}])[-1]
    remedies = f"{last['remedies']}" if last.get("remedies") else ""
    words = {
        S.fulfilled: "已办结：经核查，您履行了承诺。",
        S.rectified: "已办结：承诺不实的情形已整改到位。",
        S.no_finding: "已办结：监管期满，未发现承诺不实。",
        S.sanctioned: "已办结：不实承诺已依法处理。",
        S.granted: "已办结：本机关已作出准予决定；您各事项均提交了证明，无需核查。",
        S.rejected: f"本机关决定不予批准（理由：{row.decision_reason or ''}）。{remedies}",
        S.terminated: f"本申请已终止办理。{remedies}",
        S.revoked: f"本机关已撤销行政决定。{remedies}",
        S.cancelled: "您已撤回申请，本申请已结束。",
        S.aborted: "本申请的办理出现异常，工作人员将人工处理，请联系承办人。",
    }
    return words.get(status, "请联系承办人了解办理情况。")


def mode_of(m: dict[str, Any]) -> str:
    """commit / proof / excluded / barred: how a matter is being done, for the page's badge."""
    if m["mode"] == MatterMode.commitment:
        return "commit"
    if m["mode"] == MatterMode.proof or m.get("proof_sha256"):
        return "proof"
    if not m.get("eligible", True):
        reason = m.get("ineligible_reason") or ""  # workflows.rules.ineligibility's two wordings
        return "excluded" if reason.startswith("该证明事项不适用") else "barred"
    return "undecided"


MODE_BADGES = {
    "commit": "告知承诺",
    "proof": "提交证明",
    "excluded": "不适用承诺（须提交证明）",
    "barred": "因信用状况不适用承诺",
    "undecided": "待选择",
}
