"""Dates as Vietnamese readers write them: ``dd/mm/yyyy`` and ``dd/mm/yyyy HH:MM`` in
Vietnam time (+07:00), for every front end (the app shows the same through tui/format.py).

A value that cannot be read is shown as it came, never dropped.
"""

from __future__ import annotations

import datetime as dt

from kyso.core.clock import VN_TZ

__all__ = ["date_vn", "datetime_vn", "parse_vn"]


def parse_vn(value: str | dt.datetime | dt.date | None) -> dt.datetime | dt.date | None:
    """An ISO string (or a date/datetime) as Vietnam time; a plain date stays a date.

    Naive times are the station's own (Vietnam); aware ones are moved to +07:00.
    """
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
        return value.replace(tzinfo=VN_TZ) if value.tzinfo is None else value.astimezone(VN_TZ)
    return value


def date_vn(value: str | dt.date | None) -> str:
    """``2022-05-05T…`` → ``05/05/2022``; empty or unreadable → the input or ``""``."""
    parsed = parse_vn(value)
    return parsed.strftime("%d/%m/%Y") if parsed else str(value or "")


def datetime_vn(value: str | dt.datetime | None) -> str:
    """``2022-05-05T01:30:00Z`` → ``05/05/2022 08:30`` (Vietnam time); a plain date →
    ``05/05/2022``."""
    parsed = parse_vn(value)
    if isinstance(parsed, dt.datetime):
        return parsed.strftime("%d/%m/%Y %H:%M")
    return parsed.strftime("%d/%m/%Y") if parsed else str(value or "")
