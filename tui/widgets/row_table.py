"""A row-cursor DataTable whose cursor move redraws two rows, not the whole screenful.

Textual's DataTable puts the cursor and hover coordinates in the cache keys of every
rendered line and row, so moving the cursor (or scrolling one line to follow it) renders
every visible line again: ~37 lines at 120×40, most of a keypress. With a row cursor only
the row under the cursor (and the one under the mouse, while the hover cursor shows)
looks different, so here the other rows are cached without those coordinates and a move
renders just the old and the new cursor row (and a scroll, the line that came into view).
Those two are rendered ahead too, once a frame is out (the rows a move up or down would
need), so a keypress mostly finds its rows drawn.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from rich.style import Style
from textual._segment_tools import line_crop
from textual.coordinate import Coordinate
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import DataTable

__all__ = ["RowTable"]

_ELSEWHERE = Coordinate(-2, -2)
"""A cursor location that is on no row, not even the header (-1)."""


@dataclass(frozen=True)
class _Frame:
    """What every line of one frame shares, read once per frame (Textual's reactive
    attributes and styles cost more to read than a cached line costs to find)."""

    style: Style
    top: int
    """Lines at the top that do not scroll (the header)."""
    scroll_y: int
    x1: int
    x2: int
    width: int
    cursor: Coordinate
    hover: Coordinate
    key: tuple[object, ...]
    """The rest of a line's cache key."""


class RowTable(DataTable):
    """A :class:`~textual.widgets.DataTable` for ``cursor_type="row"`` that renders only
    the rows the cursor touches when it moves (any other cursor type: as DataTable)."""

    _frame: _Frame | None = None

    def render_lines(self, crop: Region) -> list[Strip]:
        if self.cursor_type != "row" or self.fixed_rows:
            return super().render_lines(crop)
        self._pseudo_class_state = self.get_pseudo_class_state()
        self._frame = self._frame_now(self.rich_style)
        try:
            return super().render_lines(crop)
        finally:
            self._frame = None

    def _frame_now(self, style: Style) -> _Frame:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        key = (
            style,
            self.cursor_type,
            self._show_hover_cursor,
            self._update_count,
            self._pseudo_class_state,
        )
        top = self.header_height if self.show_header else 0
        return _Frame(
            style,
            top,
            scroll_y,
            scroll_x,
            scroll_x + width,
            width,
            self.cursor_coordinate,
            self.hover_coordinate,
            key,
        )

    def render_line(self, y: int) -> Strip:
        frame = self._frame
        if frame is None:
            return super().render_line(y)
        if y >= frame.top:
            y += frame.scroll_y
        return self._line(y, frame, frame.cursor, frame.hover)

    def _render_line(self, y: int, x1: int, x2: int, base_style: Style) -> Strip:
        if self.cursor_type != "row":
            return super()._render_line(y, x1, x2, base_style)
        frame = replace(self._frame_now(base_style), x1=x1, x2=x2)
        return self._line(y, frame, frame.cursor, frame.hover)

    def _line(self, y: int, frame: _Frame, cursor: Coordinate, hover: Coordinate) -> Strip:
        """Line ``y`` (from the top of the table, header included) as drawn in ``frame``
        with the cursor and the mouse at ``cursor`` and ``hover``."""
        try:
            row_key, line_in_row = self._get_offsets(y)
        except LookupError:
            return Strip.blank(frame.width, frame.style)
        row = self._row_locations.get(row_key)
        if row is None:  # the header
            row = -1
        # How a row looks depends on the cursor only through "is the cursor on me?".
        if cursor.row != row:
            cursor = _ELSEWHERE
        if hover.row != row:
            hover = _ELSEWHERE
        cache_key = (y, frame.x1, frame.x2, frame.width, cursor, hover, frame.key)
        cached = self._line_cache.get(cache_key)
        if cached is not None:
            return cached
        fixed, scrollable = self._render_line_in_row(
            row_key, line_in_row, frame.style, cursor_location=cursor, hover_location=hover
        )
        fixed_width = sum(
            column.get_render_width(self) for column in self.ordered_columns[: self.fixed_columns]
        )
        segments = [segment for line in fixed for segment in line]
        scrollable_line = [segment for line in scrollable for segment in line]
        segments += line_crop(scrollable_line, frame.x1 + fixed_width, frame.x2, frame.width)
        strip = Strip(segments).adjust_cell_length(frame.width, frame.style).simplify()
        self._line_cache[cache_key] = strip
        return strip

    def _get_row_region(self, row_index: int) -> Region:
        # DataTable sums the heights of every row above (a few times per cursor move: slow
        # deep in a long list); with one line per row that sum is the index.
        if not self.is_valid_row_index(row_index) or len(self._y_offsets) != self.row_count:
            return super()._get_row_region(row_index)
        width = sum(column.get_render_width(self) for column in self.columns.values())
        width += self._row_label_column_width
        y = row_index + (self.header_height if self.show_header else 0)
        return Region(0, y, max(self.size.width, width), 1)

    def watch_cursor_coordinate(self, old: Coordinate, new: Coordinate) -> None:
        super().watch_cursor_coordinate(old, new)
        if old != new and self.cursor_type == "row":
            self.call_after_refresh(self._render_ahead)

    def _render_ahead(self) -> None:
        """Once the frame is out, render what the next move up or down will draw: the
        cursor's row as a plain row, and the rows above and below it under the cursor."""
        if self.cursor_type != "row" or not self.is_mounted or not self.row_count:
            return
        frame = self._frame_now(self.rich_style)
        row, column = frame.cursor
        for index, cursor in (
            (row, _ELSEWHERE),
            (row + 1, Coordinate(row + 1, column)),
            (row - 1, Coordinate(row - 1, column)),
        ):
            region = self._get_row_region(index)
            for y in range(region.y, region.bottom):
                self._line(y, frame, cursor, frame.hover)
