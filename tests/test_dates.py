"""core/dates.py: the dd/mm/yyyy (HH:MM, Vietnam time) every front end prints."""

from __future__ import annotations

import datetime as dt

from kyso.core.clock import VN_TZ, vn_now
from kyso.core.dates import date_vn, datetime_vn, parse_vn


def test_utc_is_shown_in_vietnam_time():
    assert datetime_vn("2022-05-04T20:30:00Z") == "05/05/2022 03:30"  # next day in Hà Nội
    assert date_vn("2022-05-04T20:30:00+00:00") == "05/05/2022"


def test_naive_times_are_the_stations_own_and_dates_stay_dates():
    assert datetime_vn("2022-05-05T08:30:00") == "05/05/2022 08:30"
    assert datetime_vn("2022-05-05") == "05/05/2022"
    assert isinstance(parse_vn("2022-05-05"), dt.date)


def test_now_round_trips():
    now = vn_now()
    assert datetime_vn(now.astimezone(dt.UTC).isoformat()) == now.strftime("%d/%m/%Y %H:%M")
    assert parse_vn(now.isoformat()).tzinfo is not None  # type: ignore[union-attr]
    assert parse_vn(now).utcoffset() == VN_TZ.utcoffset(None)  # type: ignore[union-attr]


def test_unreadable_values_are_shown_as_they_came():
    assert date_vn("hôm qua") == "hôm qua"
    assert datetime_vn(None) == "" and date_vn("") == ""
