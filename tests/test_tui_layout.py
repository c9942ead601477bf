"""The inbox, its footer and the transition dialog fit the terminal: 80×24 and 120×40,
with long trích yếu and long names (read from what the app draws, through Pilot)."""

from __future__ import annotations

import pytest
from fixtures_app import make_app
from rich.cells import cell_len
from textual.widgets import Button, DataTable
from tui_helpers import settle

from kyso.tui.screens.help import HelpScreen
from kyso.tui.screens.transition import TransitionScreen
from kyso.tui.widgets.inbox_columns import PADDING, SELECTED, STATE_SHORT
from kyso.tui.widgets.key_bar import KeyBar, fit_keys

pytestmark = pytest.mark.anyio

LONG_NAME = "Phạm Quốc Hùng Nguyễn Thị Minh Khai"
LONG_TITLE = (
    "Về việc triển khai thực hiện Nghị định số 68/2024/NĐ-CP của Chính phủ quy định về "
    "chữ ký số chuyên dùng công vụ và các văn bản hướng dẫn có liên quan đến toàn tỉnh"
)


@pytest.fixture
def anyio_backend() -> str:
    """Textual runs on asyncio."""
    return "asyncio"


def _long_app(tmp_path):
    app = make_app(tmp_path)
    for person in app.service.people:
        if person["username"] == "ldvanphong":
            person["full_name"] = LONG_NAME
    for doc in app.service.docs:
        doc["trich_yeu"] = f"{LONG_TITLE} ({doc['id']})"
    app.service.docs[0]["so_ky_hieu"] = "1234/QĐ-UBND-STTTT"
    return app


def _drawn(table: DataTable) -> list[str]:
    """The table's lines as drawn (header first)."""
    return [table.render_line(y).text for y in range(min(table.size.height, table.row_count + 1))]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_inbox_columns_fit_with_long_text(tmp_path, size):
    app = _long_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await pilot.press("v", "v")  # Tất cả: one document has a số/ký hiệu
        await settle(app, pilot)
        table = app.screen.query_one("#inbox-table", DataTable)
        keys = [str(key.value) for key in table.columns]
        assert keys[:4] == ["sel", "mark", "so", "trich_yeu"] and keys[-1] == "state"
        used = sum(c.width + PADDING for c in table.columns.values())
        assert used <= size[0] - 2  # no horizontal scrolling, room for the scrollbar
        lines = _drawn(table)
        header, rows = lines[0], lines[1:]
        assert header.split()[:2] == [SELECTED, "★"]  # the same mark as the rows'
        assert "Trạng thái" in header and "Trích yếu" in header
        docs = app.screen.visible_documents()
        assert len(rows) == len(docs) == 6
        for line, doc in zip(rows, docs, strict=True):
            # Trạng thái always on screen (a short badge when the width is short)…
            assert line.rstrip().endswith(STATE_SHORT[doc.state]), line
            # …and the trích yếu cut with an ellipsis, not mid-word without a sign.
            assert "Về việc triển khai thực hiện Nghị định" in line and "…" in line, line
            if size[0] >= 120:
                assert "Phạm Quốc Hùng …" in line or "Phạm Quốc Hùng…" in line, line
        assert any("1234/QĐ-UBND" in r for r in rows)


async def test_selection_mark_is_the_same_in_header_and_rows(static_app):
    async with static_app.run_test(size=(80, 24)) as pilot:
        await settle(static_app, pilot)
        await pilot.press("space")
        await settle(static_app, pilot)
        table = static_app.screen.query_one("#inbox-table", DataTable)
        header = str(table.columns[next(iter(table.columns))].label)
        assert header == SELECTED
        assert str(table.get_row_at(0)[0]) == SELECTED
        assert _drawn(table)[1].split()[0] == SELECTED


async def test_badges_have_a_legend_in_help_and_as_a_tooltip(static_app):
    async with static_app.run_test(size=(80, 24)) as pilot:
        await settle(static_app, pilot)
        table = static_app.screen.query_one("#inbox-table", DataTable)
        assert "✍ tôi đã ký" in str(table.tooltip) and "✓ người khác đã ký" in str(table.tooltip)
        await pilot.press("question_mark")
        await settle(static_app, pilot)
        assert isinstance(static_app.screen, HelpScreen)
        text = str(static_app.screen.query_one("#help-legend").render())
        for words in ("● đã chọn", "★ đánh dấu", "✍ tôi đã ký", "⏳ chưa đồng bộ"):
            assert words in text
        assert "Chờ ký = chờ lãnh đạo Sở ký" in text


@pytest.mark.parametrize("width", [80, 120])
async def test_footer_keeps_help_and_quit_visible(static_app, width):
    async with static_app.run_test(size=(width, 24)) as pilot:
        await settle(static_app, pilot)
        bar = static_app.screen.query_one(KeyBar)
        line = bar.render_line(0).text
        assert cell_len(line) <= width
        assert line.rstrip().endswith("? Phím tắt  q Thoát"), line
        assert "k Ký số" in line  # the screen's main keys come first
        assert "▏" not in line


def test_fit_keys_drops_whole_keys_never_help_and_quit():
    keys = [("k", "Ký số"), ("t", "Chuyển"), ("/", "Lọc")]
    always = [("?", "Phím tắt"), ("q", "Thoát")]
    shown, right = fit_keys(keys, always, 30)
    assert right == always
    assert shown == [("k", "Ký số")]
    assert fit_keys(keys, always, 10) == ([], always)


async def test_transition_dialog_fits_80x24(static_app):
    async with static_app.run_test(size=(80, 24)) as pilot:
        await settle(static_app, pilot)
        await pilot.press("t")
        await settle(static_app, pilot)
        screen = static_app.screen
        assert isinstance(screen, TransitionScreen)
        box = screen.query_one("#transition-box")
        assert box.max_scroll_y == 0  # nothing hidden below
        for button in screen.query(Button):
            region = button.region
            assert region.height >= 1 and region.y >= 0 and region.bottom <= 24, button.id
            assert box.region.contains_region(region), button.id
