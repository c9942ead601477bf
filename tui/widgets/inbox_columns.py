"""The inbox table's columns, sized from what they hold and from the terminal's width.

The trích yếu takes the slack; Số/ký hiệu is narrow when no document has one yet; the
columns that matter least give way first on a narrow terminal (Đơn vị, then Loại, then
Từ), the state becomes a short badge and the receive time a date — but Trạng thái is
always on screen. Cells that do not fit end in "…" (the table draws them with Rich's
ellipsis overflow; the cell keeps the whole text).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text

from kyso.core.textsafe import safe_line

__all__ = [
    "BADGE_LEGEND",
    "SELECTED",
    "STATE_SHORT",
    "Column",
    "cell",
    "inbox_columns",
    "legend",
]

SELECTED = "●"
"""The selection mark, in the header and in the rows."""

BADGE_LEGEND: tuple[tuple[str, str], ...] = (
    (SELECTED, "đã chọn"),
    ("★", "đánh dấu"),
    ("✍", "tôi đã ký"),
    ("✓", "người khác đã ký"),
    ("⏳", "chưa đồng bộ"),
)
"""The marks in the first columns (✍ ✓: the main file's newest version is signed)."""

STATE_SHORT: dict[str, str] = {
    "du_thao": "Dự thảo",
    "cho_lanh_dao_van_phong": "Chờ VP",
    "cho_lanh_dao_so": "Chờ ký",
    "cho_van_thu": "Chờ VT",
    "da_ban_hanh": "Đã BH",
    "tra_lai": "Trả lại",
    "ket_thuc": "Kết thúc",
}
"""Trạng thái as a badge for narrow terminals (the legend spells each out)."""

PADDING = 2
"""Cells the table adds around each column (``cell_padding`` 1 on each side)."""
SCROLLBAR = 2
"""Kept free for the vertical scrollbar."""
MIN_TRICH_YEU = 36
"""Fewer cells than this for the trích yếu, and a less useful column gives way."""

_CAPS = {"loai": 12, "don_vi": 18, "from": 16, "so": 16, "state": 24}


@dataclass(frozen=True)
class Column:
    """One column as laid out now."""

    key: str
    header: str
    width: int
    source: str
    """Which of a row's texts it shows (``state`` or ``state_short``…)."""


@dataclass(frozen=True)
class _Plan:
    short_state: bool
    short_date: bool
    drop: frozenset[str]


_PLANS = (
    _Plan(False, False, frozenset()),
    _Plan(False, False, frozenset({"don_vi"})),
    _Plan(True, False, frozenset({"don_vi"})),
    _Plan(True, False, frozenset({"don_vi", "loai"})),
    _Plan(True, True, frozenset({"don_vi", "loai"})),
    _Plan(True, True, frozenset({"don_vi", "loai", "from"})),
    _Plan(True, True, frozenset({"don_vi", "loai", "from", "received"})),
)
"""From the widest layout to the narrowest; the first that leaves the trích yếu
:data:`MIN_TRICH_YEU` cells is used."""


def _natural(rows: Sequence[Mapping[str, str]], source: str, header: str, cap: int) -> int:
    widest = max((cell_len(row.get(source, "")) for row in rows), default=0)
    return min(max(widest, cell_len(header)), cap)


def _columns(plan: _Plan, rows: Sequence[Mapping[str, str]]) -> list[Column]:
    numbered = any(row.get("so", "—") != "—" for row in rows)
    so_header = "Số/ký hiệu" if numbered else "Số"
    state = "state_short" if plan.short_state else "state"
    received = "received_short" if plan.short_date else "received"
    wanted = [
        ("sel", SELECTED, "sel", 1),
        ("mark", "★", "mark", 2),
        ("so", so_header, "so", _CAPS["so"]),
        ("trich_yeu", "Trích yếu", "trich_yeu", 0),
        ("loai", "Loại", "loai", _CAPS["loai"]),
        ("don_vi", "Đơn vị", "don_vi", _CAPS["don_vi"]),
        ("from", "Từ", "from", _CAPS["from"]),
        ("received", "Nhận lúc", received, 16),
        ("state", "Trạng thái", state, _CAPS["state"]),
    ]
    columns = []
    for key, header, source, cap in wanted:
        if key in plan.drop:
            continue
        width = 0 if key == "trich_yeu" else _natural(rows, source, header, cap)
        if key in ("sel", "mark"):
            width = cap
        columns.append(Column(key, header, width, source))
    return columns


def inbox_columns(width: int, rows: Sequence[Mapping[str, str]]) -> tuple[Column, ...]:
    """The columns for a table ``width`` cells wide showing ``rows`` (each a mapping of
    source → full text: ``sel``, ``mark``, ``so``, ``trich_yeu``, ``loai``, ``don_vi``,
    ``from``, ``received``, ``received_short``, ``state``, ``state_short``)."""
    room = width - SCROLLBAR
    columns: list[Column] = []
    for plan in _PLANS:
        columns = _columns(plan, rows)
        others = sum(c.width + PADDING for c in columns if c.key != "trich_yeu")
        slack = room - others - PADDING
        if slack >= MIN_TRICH_YEU:
            break
    others = sum(c.width + PADDING for c in columns if c.key != "trich_yeu")
    slack = max(room - others - PADDING, 8)
    return tuple(
        Column(c.key, c.header, slack, c.source) if c.key == "trich_yeu" else c for c in columns
    )


def cell(text: str) -> Text:
    """A table cell: plain text (no markup parsed, no control, C1 or bidi character), one
    line, "…" where it is cut."""
    return Text(safe_line(text), no_wrap=True, overflow="ellipsis", end="")


def legend(short_states: bool = True) -> str:
    """What the inbox's marks and short badges mean (the `?` screen, the tooltips)."""
    from kyso.core.service.model import STATE_LABELS

    lines = ["  ".join(f"{mark} {meaning}" for mark, meaning in BADGE_LEGEND)]
    if short_states:
        spelled = []
        for state, badge in STATE_SHORT.items():
            label = STATE_LABELS.get(state, state)
            if badge.lower() not in label.lower():  # "Trả lại" needs no spelling out
                spelled.append(f"{badge} = {label[0].lower()}{label[1:]}")
        lines.append(" · ".join(spelled))
    return "\n".join(lines)
