"""Small formatting helpers for Vietnamese display.

Text that someone else wrote (a trích yếu, an opinion, a file or person name) is shown
through :func:`plain` / :func:`labelled`: a Rich ``Text`` is never parsed as markup, so
"[/b]" cannot crash a screen and "[@click=app.quit]" stays text; control and bidi
characters are made visible (:mod:`kyso.core.textsafe`).
"""

from __future__ import annotations

import datetime as dt

from rich.text import Text

from kyso.core.clock import VN_TZ
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


def _parse(value: str | dt.datetime | dt.date | None) -> dt.datetime | dt.date | None:
    """An ISO string (or a date/datetime) as Vietnam time; a plain date stays a date."""
    if not value:
        return None
    if isinstance(value, str):
        try:
            value = (
                dt.date.fromisoformat(value)
                if len(value) == 10
                else dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            )
        except ValueError:
            return None
    if isinstance(value, dt.datetime):
        # Naive times are the station's own (Vietnam); aware ones are moved to +07:00.
        return value.replace(tzinfo=VN_TZ) if value.tzinfo is None else value.astimezone(VN_TZ)
    return value


def date_vn(value: str | dt.date | None) -> str:
    """``2022-05-05T…`` → ``05/05/2022``; empty or unparsable → the input or ``""``."""
    parsed = _parse(value)
    return parsed.strftime("%d/%m/%Y") if parsed else str(value or "")


def datetime_vn(value: str | dt.datetime | None) -> str:
    """``2022-05-05T01:30:00Z`` → ``05/05/2022 08:30`` (Vietnam time, +07:00); a plain
    date → ``05/05/2022``."""
    parsed = _parse(value)
    if isinstance(parsed, dt.datetime):
        return parsed.strftime("%d/%m/%Y %H:%M")
    return parsed.strftime("%d/%m/%Y") if parsed else str(value or "")


def time_vn(value: str | dt.datetime | None) -> str:
    """``…T01:30:00Z`` → ``08:30`` (Vietnam time); empty when unknown or a plain date."""
    parsed = _parse(value)
    return parsed.strftime("%H:%M") if isinstance(parsed, dt.datetime) else ""


def shorten(text: str, width: int) -> str:
    """Cut ``text`` to ``width`` characters with an ellipsis."""
    text = " ".join(safe_line(text or "").split())
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"
