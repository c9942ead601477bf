"""Vị trí chữ ký của cả lô: before the PIN, each document with its own page, box and
the rule that placed it, and what the stamp would cover. Enter opens the highlighted
document to move its box; `k` goes on to the PIN; Esc cancels."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from kyso.core.service.sign_items import SignItem
from kyso.tui.format import plain
from kyso.tui.screens.base import KysoScreen
from kyso.tui.widgets.key_bar import KeyBar

__all__ = ["SignPlanScreen", "describe_placement"]


def describe_placement(item: SignItem) -> str:
    """``trang 2/2 · 359,36–559,116 · dưới dòng chữ neo`` (empty without a placement)."""
    p = item.placement
    if p is None:
        return ""
    x0, y0, x1, y1 = p.box
    where = f"trang {p.page + 1}/{item.page_count}" if item.page_count else f"trang {p.page + 1}"
    return f"{where} · {x0:.0f},{y0:.0f}–{x1:.0f},{y1:.0f} · {p.rule_text}"


class SignPlanScreen(KysoScreen):
    """Dismisses with True (sign these) or None (cancelled). ``items`` are changed in
    place when the signer moves a box."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("k", "sign", "Ký (nhập PIN)", id="plan.sign"),
        Binding("enter", "adjust", "Chỉnh vị trí", id="plan.adjust"),
        Binding("escape", "cancel", "Huỷ", id="plan.cancel"),
    ]

    def __init__(self, items: list[SignItem]) -> None:
        super().__init__(id="sign-plan")
        self.items = items

    def compose(self) -> ComposeResult:
        ready = sum(1 for i in self.items if not i.problem)
        yield Static(
            f"Vị trí chữ ký — {ready} văn bản sẽ ký · Enter: chỉnh vị trí · k: ký",
            id="plan-title",
        )
        yield DataTable(id="plan-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="plan-detail")
        yield KeyBar(id="sign-plan-keys")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Văn bản", width=24, key="doc")
        table.add_column("Lưu ý", width=12, key="note")
        table.add_column("Loại", width=10, key="loai")
        table.add_column("Vị trí", key="where")
        for n, item in enumerate(self.items):
            table.add_row(*self._cells(item), key=str(n))
        self._show_detail(0)

    def _cells(self, item: SignItem) -> list[Any]:
        """Short cells; the pane under the table has the whole warning."""
        if item.problem:
            note = "✘ không ký"
        elif item.overlap:
            note = "⚠ che chữ"
        else:
            note = "⚠ xem dưới" if item.notes else "✔"
        return [plain(item.title), plain(note), plain(item.loai), plain(describe_placement(item))]

    def _current(self) -> int:
        return max(0, min(self.query_one(DataTable).cursor_row, len(self.items) - 1))

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail(event.cursor_row)

    def _show_detail(self, row: int) -> None:
        if not self.items:
            return
        item = self.items[max(0, min(row, len(self.items) - 1))]
        lines = [item.title, describe_placement(item)]
        lines += [f"✘ {item.problem}"] if item.problem else [f"⚠ {n}" for n in item.notes]
        text = plain("\n".join(x for x in lines if x), lines=True)
        self.query_one("#plan-detail", Static).update(text)

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_adjust()

    def action_adjust(self) -> None:
        """Open the highlighted document on its page to move its box."""
        from kyso.tui.screens.placement import PlacementScreen

        row = self._current()
        item = self.items[row]
        if item.problem or item.path is None:
            self.notify(item.problem or "Không có tệp", severity="warning")
            return

        def moved(placement: Any) -> None:
            if placement is not None:
                self._replan(row, placement)

        screen = PlacementScreen(item.path, item.placement, title=item.title, loai=item.loai)
        self.app.push_screen(screen, moved)

    @work(thread=True, exit_on_error=False, group="sign-plan", description="Kiểm tra vị trí")
    def _replan(self, row: int, placement: Any) -> None:
        """Keep the moved box for this document; others of the same type and page count
        take the newly remembered box too."""
        from kyso.core.placements import page_bucket
        from kyso.core.service.sign_plan import plan_item, replan_item

        item = self.items[row]
        replan_item(self.service, item, placement)
        bucket = page_bucket(item.page_count)
        for other in self.items:
            same = other.loai == item.loai and page_bucket(other.page_count) == bucket
            if other is not item and same and not other.problem:
                plan_item(self.service, other)
        self.app.call_from_thread(self._refresh_rows)

    def _refresh_rows(self) -> None:
        table = self.query_one(DataTable)
        for n, item in enumerate(self.items):
            cells = zip(("doc", "note", "loai", "where"), self._cells(item), strict=True)
            for column, value in cells:
                table.update_cell(str(n), column, value)
        self._show_detail(self._current())

    def action_sign(self) -> None:
        """Go on to the PIN with these placements (covered text accepted)."""
        self.dismiss(True)

    def action_cancel(self) -> None:
        """Huỷ ký số."""
        self.dismiss(None)
