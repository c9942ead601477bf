"""Vietnam's clock: the one time zone kyso's dates are read in (UTC+07:00, no DST)."""

from __future__ import annotations

import datetime as dt

__all__ = ["VN_TZ", "vn_now", "vn_today"]

VN_TZ = dt.timezone(dt.timedelta(hours=7), "+07:00")


def vn_now() -> dt.datetime:
    """The current time in Vietnam, aware."""
    return dt.datetime.now(VN_TZ)


def vn_today() -> dt.date:
    """Today's date in Vietnam (documents are numbered and dated by it)."""
    return vn_now().date()
