"""Small formatting helpers for Vietnamese display."""

from __future__ import annotations

import datetime as dt

__all__ = ["date_vn", "datetime_vn", "shorten"]


def _parse(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


def date_vn(value: str | None) -> str:
    """``2022-05-05T…`` → ``05/05/2022``; empty or unparsable → the input or ``""``."""
    parsed = _parse(value)
    return parsed.strftime("%d/%m/%Y") if parsed else (value or "")


def datetime_vn(value: str | None) -> str:
    """``2022-05-05T08:30:00+07:00`` → ``05/05/2022 08:30``."""
    parsed = _parse(value)
    return parsed.strftime("%d/%m/%Y %H:%M") if parsed else (value or "")


def shorten(text: str, width: int) -> str:
    """Cut ``text`` to ``width`` characters with an ellipsis."""
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"
