"""A row-cursor DataTable whose cursor move redraws two rows, not the whole screenful.

Textual's DataTable puts the cursor and hover coordinates in the cache keys of every
rendered line and row, so moving the cursor (or scrolling one line to follow it) renders
every visible line again: ~37 lines at 120×40, most of a keypress. With a row cursor only
the row under the cursor (and the one under the mouse, while the hover cursor shows)
looks different, so here the other rows are cached without those coordinates and a move
renders just the old and the new cursor row (and a scroll, the line that came into view).
"""

from __future__ import annotations

from rich.style import Style
from textual._segment_tools import line_crop
from textual.coordinate import Coordinate
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import DataTable

__all__ = ["RowTable"]

_ELSEWHERE = Coordinate(-2, -2)
"""A cursor location that is on no row, not even the header (-1)."""


class RowTable(DataTable):
    """A :class:`~textual.widgets.DataTable` for ``cursor_type="row"`` that renders only
    the rows the cursor touches when it moves (any other cursor type: as DataTable)."""

    _frame_style: Style | None = None

    def render_lines(self, crop: Region) -> list[Strip]:
        # The widget's style walks its ancestors: once per frame, not once per line.
        self._frame_style = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._frame_style = None

    def render_line(self, y: int) -> Strip:
        style = self._frame_style
        if style is None or self.fixed_rows:
            return super().render_line(y)
        scroll_x, scroll_y = self.scroll_offset
        if not self.show_header or y >= self.header_height:
            y += scroll_y
        return self._render_line(y, scroll_x, scroll_x + self.size.width, style)

    def _render_line(self, y: int, x1: int, x2: int, base_style: Style) -> Strip:
        if self.cursor_type != "row":
            return super()._render_line(y, x1, x2, base_style)
        width = self.size.width
        try:
            row_key, line_in_row = self._get_offsets(y)
        except LookupError:
            return Strip.blank(width, base_style)
        row = self._row_locations.get(row_key)
        if row is None:  # the header
            row = -1
        cursor = self.cursor_coordinate
        hover = self.hover_coordinate
        # How a row looks depends on the cursor only through "is the cursor on me?".
        if cursor.row != row:
            cursor = _ELSEWHERE
        if hover.row != row:
            hover = _ELSEWHERE
        cache_key = (
            y,
            x1,
            x2,
            width,
            cursor,
            hover,
            base_style,
            self.cursor_type,
            self._show_hover_cursor,
            self._update_count,
            self._pseudo_class_state,
        )
        cached = self._line_cache.get(cache_key)
        if cached is not None:
            return cached
        fixed, scrollable = self._render_line_in_row(
            row_key, line_in_row, base_style, cursor_location=cursor, hover_location=hover
        )
        fixed_width = sum(
            column.get_render_width(self) for column in self.ordered_columns[: self.fixed_columns]
        )
        segments = [segment for line in fixed for segment in line]
        scrollable_line = [segment for line in scrollable for segment in line]
        segments += line_crop(scrollable_line, x1 + fixed_width, x2, width)
        strip = Strip(segments).adjust_cell_length(width, base_style).simplify()
        self._line_cache[cache_key] = strip
        return strip
