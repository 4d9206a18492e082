"""Charts as inline SVG, made on the server: horizontal bars, stacked bars, grouped columns.

No script, no library: each chart is a small SVG string with its title, an `aria-label`
describing it, and each bar's value as text (and a `<title>` tooltip). Every text is escaped;
the result is `Markup` so the autoescaping template puts it in as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

TONES = {
    "blue": "#0b57a4",
    "green": "#1a7f3c",
    "red": "#a61b1b",
    "amber": "#c07a00",
    "grey": "#8c959f",
    "teal": "#137c7c",
    "purple": "#6f42c1",
}
WIDTH = 560
LABEL_W = 180  # room for a department's or a status's name
VALUE_W = 120  # room for the value at the bar's end, e.g. "承诺率 66.7%"
ROW_H = 24
FONT = 'font-family="inherit" font-size="12"'


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    tone: str = "blue"
    text: str = ""
    """The value as shown; by default the number itself."""


@dataclass(frozen=True)
class Part:
    """One segment of a stacked bar, or one series of a grouped column."""

    label: str
    tone: str


def _shown(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _scale(largest: float, room: float) -> float:
    return room / largest if largest > 0 else 0.0


def _svg(height: int, label: str, body: list[str], width: int = WIDTH) -> Markup:
    return Markup(
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="{escape(label)}"'
        f' xmlns="http://www.w3.org/2000/svg"><title>{escape(label)}</title>{"".join(body)}</svg>'
    )


def _label(x: float, y: float, text: str, anchor: str = "end", extra: str = "") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" {FONT} fill="#1f2328"{extra}>{escape(text)}</text>'


def bars(title: str, items: Sequence[Bar], maximum: float | None = None) -> Markup:
    """One horizontal bar per item, its label on the left and its value on the right; a bar of
    value 0 is a hairline, so a zero is seen as a zero and not as a missing row."""
    room = WIDTH - LABEL_W - VALUE_W
    scale = _scale(maximum if maximum is not None else max((b.value for b in items), default=0), room)
    body: list[str] = []
    for i, b in enumerate(items):
        y = 6 + i * ROW_H
        w = max(b.value * scale, 1.5)
        shown = b.text or _shown(b.value)
        body.append(_label(LABEL_W - 8, y + 13, b.label))
        body.append(
            f'<rect x="{LABEL_W}" y="{y + 2}" width="{w:.1f}" height="{ROW_H - 8}" rx="2" fill="{TONES[b.tone]}">'
            f"<title>{escape(b.label)}：{escape(shown)}</title></rect>"
        )
        body.append(_label(LABEL_W + w + 6, y + 13, shown, "start"))
    return _svg(12 + len(items) * ROW_H, title, body)


def _legend(parts: Sequence[Part], y: float) -> list[str]:
    out, x = [], float(LABEL_W)
    for p in parts:
        out.append(f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="10" height="10" fill="{TONES[p.tone]}"/>')
        out.append(_label(x + 14, y, p.label, "start"))
        x += 24 + 13 * len(p.label)
    return out


def stacked(title: str, parts: Sequence[Part], rows: Sequence[tuple[str, Sequence[float], str]]) -> Markup:
    """One horizontal bar per row, split into the parts; `rows` are (label, values per part,
    text at the bar's end)."""
    room = WIDTH - LABEL_W - VALUE_W
    scale = _scale(max((sum(v) for _, v, _ in rows), default=0), room)
    body = _legend(parts, 14)
    for i, (label, values, text) in enumerate(rows):
        y = 24 + i * ROW_H
        body.append(_label(LABEL_W - 8, y + 13, label))
        x = float(LABEL_W)
        for part, value in zip(parts, values, strict=True):
            w = value * scale
            if w > 0:
                body.append(
                    f'<rect x="{x:.1f}" y="{y + 2}" width="{w:.1f}" height="{ROW_H - 8}" fill="{TONES[part.tone]}">'
                    f"<title>{escape(label)} · {escape(part.label)}：{_shown(value)}</title></rect>"
                )
            x += w
        body.append(_label(x + 6, y + 13, text, "start"))
    return _svg(30 + len(rows) * ROW_H, title, body)


def columns(title: str, parts: Sequence[Part], groups: Sequence[tuple[str, Sequence[float]]]) -> Markup:
    """Grouped vertical columns (e.g. per month), one per part, with a baseline and values on top."""
    height, top, bottom, left = 220, 34, 26, 10
    room = height - top - bottom
    scale = _scale(max((v for _, vs in groups for v in vs), default=0), room - 14)
    slot = (WIDTH - 2 * left) / max(len(groups), 1)
    col_w = min(28.0, (slot - 8) / max(len(parts), 1))
    body = _legend(parts, 14)
    base = height - bottom
    body.append(f'<line x1="{left}" y1="{base}" x2="{WIDTH - left}" y2="{base}" stroke="#8c959f"/>')
    for i, (label, values) in enumerate(groups):
        x0 = left + i * slot + (slot - col_w * len(parts)) / 2
        for j, (part, value) in enumerate(zip(parts, values, strict=True)):
            h = value * scale
            x = x0 + j * col_w
            body.append(
                f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{col_w - 2:.1f}" height="{h:.1f}" fill="{TONES[part.tone]}">'
                f"<title>{escape(label)} · {escape(part.label)}：{_shown(value)}</title></rect>"
            )
            body.append(_label(x + (col_w - 2) / 2, base - h - 3, _shown(value), "middle"))
        body.append(_label(left + i * slot + slot / 2, base + 16, label, "middle"))
    return _svg(height, title, body)


def percent(rate: float | None) -> str:
    """A rate as people read it: 12.5%; no denominator: —."""
    return "—" if rate is None else f"{rate * 100:.1f}%"
