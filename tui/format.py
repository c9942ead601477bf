"""Small formatting helpers for Vietnamese display.

Text that someone else wrote (a trích yếu, an opinion, a file or person name) is shown
through :func:`plain` / :func:`labelled`: a Rich ``Text`` is never parsed as markup, so
"[/b]" cannot crash a screen and "[@click=app.quit]" stays text; control and bidi
characters are made visible (:mod:`kyso.core.textsafe`).
"""

from __future__ import annotations

import datetime as dt

from rich.text import Text

from kyso.core.dates import date_vn, datetime_vn
from kyso.core.dates import parse_vn as _parse
from kyso.core.textsafe import safe_line, safe_lines

__all__ = ["date_vn", "datetime_vn", "labelled", "plain", "shorten", "time_vn"]


def plain(*parts: object, lines: bool = False, style: str = "") -> Text:
    """The parts joined as literal text (no markup); newlines kept only with ``lines``."""
    joined = "".join("" if p is None else str(p) for p in parts)
    return Text(safe_lines(joined) if lines else safe_line(joined), style=style)


def labelled(rows: list[tuple[str, object]]) -> Text:
    """``label: value`` lines, the label bold, the value literal text."""
    text = Text()
    for index, (label, value) in enumerate(rows):
        if index:
            text.append("\n")
        text.append(f"{label}:", style="bold")
        text.append(" ")
        text.append_text(plain(value))
    return text


def time_vn(value: str | dt.datetime | None) -> str:
    """``…T01:30:00Z`` → ``08:30`` (Vietnam time); empty when unknown or a plain date."""
    parsed = _parse(value)
    return parsed.strftime("%H:%M") if isinstance(parsed, dt.datetime) else ""


def shorten(text: str, width: int) -> str:
    """Cut ``text`` to ``width`` characters with an ellipsis."""
    text = " ".join(safe_line(text or "").split())
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"
