"""Snapshots of each screen at 80×24 and 120×40, with Vietnamese text.

Update after a deliberate change with ``pytest tests/test_tui_snapshots.py --snapshot-update``
and look at the report before committing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from fixtures_app import make_app
from textual.widgets import Input
from tui_helpers import settle

from kyso.core.service.sign_items import SignItem
from kyso.tui.screens.batch import BatchScreen
from kyso.tui.screens.pin import PinScreen
from kyso.tui.screens.placement import PlacementScreen
from kyso.tui.screens.sign_plan import SignPlanScreen

SIZES = [(80, 24), (120, 40)]


def _steps(*keys: str, push: Callable[[Any], Any] | None = None) -> Callable[[Any], Awaitable]:
    async def run_before(pilot: Any) -> None:
        app = pilot.app
        await settle(app, pilot)
        if push is not None:
            app.push_screen(push(app))
            await settle(app, pilot)
        for key in keys:
            await pilot.press(key)
            await settle(app, pilot)
        app.clear_notifications()
        # A blinking cursor is drawn or not depending on when the frame is taken (a busy
        # machine shifts it): hold it steady so a snapshot compares layout and text only.
        for box in app.screen.query(Input):
            box.cursor_blink = False
        await pilot.pause()

    return run_before


def _placement(app: Any) -> PlacementScreen:
    path = app.service.files[(1, 101)]
    return PlacementScreen(path, None, title="Kế hoạch trồng cây", loai="Kế hoạch")


def _pin(app: Any) -> PinScreen:
    return PinScreen(app.service.token_status(), 3, pin_state="count_low")


def _batch(app: Any) -> BatchScreen:
    items = [
        SignItem(1, 101, "Kế hoạch tham gia hưởng ứng", problem="Tệp đã được chứng thực khoá"),
        SignItem(2, 102, "Công văn đôn đốc chữ ký số", problem="Văn bản không có tệp đính kèm"),
    ]
    return BatchScreen(items, None, None)


def _sign_plan(app: Any) -> SignPlanScreen:
    from kyso.core.docs.placement import Placement

    items = [
        SignItem(1, 101, "Kế hoạch tham gia hưởng ứng", "Kế hoạch", page_count=2),
        SignItem(2, 102, "Công văn đôn đốc chữ ký số", "Công văn", page_count=1),
        SignItem(3, 103, "Quyết định thành lập Tổ", "Quyết định", problem="Tệp PDF bị hỏng"),
    ]
    items[0].placement = Placement(1, (355.0, 508.0, 555.0, 588.0), rule="below")
    items[1].placement = Placement(0, (72.0, 420.0, 272.0, 500.0), rule="remembered")
    items[1].overlap = "Con dấu ở trang 1 che chữ của văn bản: «Điều 2. Giao Văn phòng Sở»"
    return SignPlanScreen(items)


SCREENS: dict[str, Callable[[Any], Awaitable]] = {
    "inbox": _steps(),
    "inbox_selected_filtered": _steps("space", "space", "slash", "k", "e", "enter"),
    "inbox_signed_by_me": _steps("v"),
    "document": _steps("enter"),
    "document_flow": _steps("enter", "right", "right", "right"),
    "preview": _steps("enter", "x"),
    "placement": _steps(push=_placement),
    "pin": _steps(push=_pin),
    "batch": _steps(push=_batch),
    "sign_plan": _steps(push=_sign_plan),
    "transition": _steps("t"),
    "help": _steps("question_mark"),
    "settings": _steps("comma"),
}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", sorted(SCREENS))
def test_screen_snapshot(snap_compare, tmp_path, name, size):
    app = make_app(tmp_path)
    assert snap_compare(app, terminal_size=size, run_before=SCREENS[name])


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_inbox_with_long_text_snapshot(snap_compare, tmp_path, size):
    """Long trích yếu, a long name and a long số/ký hiệu: cut with "…", Trạng thái shown."""
    from test_tui_layout import _long_app

    assert snap_compare(_long_app(tmp_path), terminal_size=size, run_before=_steps("v", "v"))
