"""RowTable (the inbox's table) draws exactly what Textual's DataTable draws, while a
cursor move renders only the rows it touches."""

from __future__ import annotations

import asyncio

from rich.text import Text
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.widgets import DataTable

from kyso.tui.widgets.row_table import RowTable

ROWS = 80
SIZE = (70, 20)


class _TableApp(App[None]):
    def __init__(self, table_class: type[DataTable]) -> None:
        super().__init__()
        self.table_class = table_class

    def compose(self) -> ComposeResult:
        yield self.table_class(id="t", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Số", width=8, key="so")
        table.add_column("Trích yếu", width=40, key="ty")
        for i in range(ROWS):
            table.add_row(Text(f"{i}/KH"), Text(f"Kế hoạch số {i} — trồng cây"), key=str(i))
        table.focus()


def _lines(app: App[None]) -> list[list[tuple[str, object]]]:
    """The table's lines as drawn now: each a list of (text, style) segments."""
    table = app.query_one(DataTable)
    strips = table.render_lines(Region(0, 0, table.size.width, table.size.height))
    return [[(s.text, s.style) for s in strip] for strip in strips]


# Down past the bottom (each move scrolls), back up past the top, a jump, the mouse over
# a row (the hover cursor) and the keyboard again.
_STEPS: list[tuple[str, ...]] = [
    *[("down",)] * 25,
    *[("up",)] * 22,
    ("pagedown",),
    ("end",),
    ("home",),
    ("hover", "3"),
    ("down",),
    ("down",),
    ("up",),
]


async def _frames(table_class: type[DataTable]) -> tuple[list, list[int]]:
    app = _TableApp(table_class)
    frames, cursors = [], []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        frames.append(_lines(app))
        for step in _STEPS:
            if step[0] == "hover":
                await pilot.hover("#t", offset=(5, int(step[1]) + 1))
            else:
                await pilot.press(step[0])
            await pilot.pause()
            frames.append(_lines(app))
            cursors.append(app.query_one(DataTable).cursor_row)
    return frames, cursors


def test_row_table_draws_what_data_table_draws() -> None:
    """After every move (down and scrolling, up, jumps, mouse hover) each line of the
    table is the same segments in the same styles as Textual's own DataTable's."""
    expected, cursors = asyncio.run(_frames(DataTable))
    got, got_cursors = asyncio.run(_frames(RowTable))
    assert got_cursors == cursors
    assert len(set(cursors)) > 10  # the steps did move it around
    for n, (want, have) in enumerate(zip(expected, got, strict=True)):
        assert have == want, f"frame {n} differs (cursor row {([0, *cursors])[n]})"


def test_one_row_highlighted_after_down_and_up() -> None:
    """Down then up: the cursor row alone has the cursor's background; the row it left is
    drawn plain again (its zebra background)."""

    async def run() -> None:
        app = _TableApp(RowTable)
        async with app.run_test(size=SIZE) as pilot:
            table = app.query_one(RowTable)
            cursor_bg = table.get_component_styles("datatable--cursor").rich_style.bgcolor
            await pilot.press("down", "down", "down", "up")
            await pilot.pause()
            assert table.cursor_row == 2
            lines = _lines(app)[1:]  # below the header
            lit = [i for i, line in enumerate(lines) if line[1][1].bgcolor == cursor_bg]
            assert lit == [2]
            row_bg = table.get_component_styles("datatable--odd-row").rich_style.bgcolor
            assert lines[3][1][1].bgcolor != cursor_bg
            assert lines[3][1][1].bgcolor == row_bg or row_bg is None

    asyncio.run(run())


def test_row_regions_are_data_tables() -> None:
    """The one-line-per-row shortcut gives the regions DataTable computes."""

    async def run() -> None:
        app = _TableApp(RowTable)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            table = app.query_one(RowTable)
            for index in (-1, 0, 1, 17, ROWS - 1, ROWS):
                assert table._get_row_region(index) == DataTable._get_row_region(table, index)

    asyncio.run(run())
