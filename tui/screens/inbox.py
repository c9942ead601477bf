"""Hộp văn bản: documents waiting for me, signed by me, or all of them."""

from __future__ import annotations

import contextlib
from typing import Any, ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import DataTable, Input, Static
from textual.worker import get_current_worker

from kyso.core.errors import KysoError
from kyso.core.service.model import SCOPES, InboxRow, SyncStatus
from kyso.tui.clerk import ClerkKeys
from kyso.tui.commands import screen_area
from kyso.tui.inbox_rows import fold, haystack, signature_badge
from kyso.tui.messages import DocumentsLoaded, SyncStatusChanged, TokenStatusChanged
from kyso.tui.screens.inbox_sign import InboxSign
from kyso.tui.screens.inbox_table import SORTS, WINDOW, InboxTable
from kyso.tui.widgets.inbox_columns import SELECTED, Column, cell, legend
from kyso.tui.widgets.key_bar import KeyBar
from kyso.tui.widgets.row_table import RowTable
from kyso.tui.widgets.status_bar import StatusBar

__all__ = ["FILTER_DELAY", "WINDOW", "InboxScreen", "fold", "signature_badge"]

FOOTER_PRIORITY = (
    "inbox.open",
    "document.sign",
    "workflow.transition",
    "inbox.filter",
    "sync.now",
    "inbox.select",
    "document.mark",
    "inbox.scope",
)
"""The inbox's keys in the order the footer keeps them when it is narrow."""
FILTER_DELAY = 0.12
"""Seconds after the last keystroke in the filter box before the list is filtered."""


class InboxScreen(InboxTable, InboxSign, ClerkKeys):
    """The documents table with filter, sort, multi-select and three views (and, for the
    văn thư, Phát hành and Sổ đăng ký: :class:`~kyso.tui.clerk.ClerkKeys`)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Mở", id="inbox.open"),
        Binding("slash", "filter", "Lọc", id="inbox.filter"),
        Binding("o", "sort", "Sắp xếp", id="inbox.sort"),
        Binding("space", "toggle_select", "Chọn", id="inbox.select"),
        Binding("v", "next_scope", "Đổi hộp", id="inbox.scope"),
        Binding("m", "mark", "Đánh dấu", id="document.mark"),
        Binding("k", "sign", "Ký số", id="document.sign"),
        Binding("t", "transition", "Chuyển", id="workflow.transition"),
        Binding("r", "sync", "Đồng bộ", id="sync.now"),
        Binding("c", "conflicts", "Xung đột", id="sync.conflicts"),
        Binding("escape", "clear", "Bỏ lọc/chọn", show=False, id="inbox.clear"),
    ]

    def __init__(self) -> None:
        super().__init__(id="inbox")
        self.scope = "inbox"
        self.sort_index = 0
        self.documents: list[InboxRow] = []
        self.selected: set[int] = set()
        self.filter_text = ""
        self._visible: list[InboxRow] = []
        self._shown = 0
        self._fold_cache: dict[int, str] = {}
        self._rows: list[tuple[str, tuple[str, ...]]] = []
        """What the table shows now: (row key, cells) in order."""
        self._complete = True
        self._resumed = False
        self._columns: tuple[Column, ...] = ()
        self._width = 0
        """The width the table's columns were last sized for."""

    def compose(self) -> ComposeResult:
        with Horizontal(id="inbox-header"):
            yield Static("", id="inbox-title")
            yield Static("", id="inbox-info")
        yield Input(
            placeholder="Lọc: số, trích yếu, loại, đơn vị… (Esc để bỏ)",
            id="inbox-filter",
            disabled=True,  # until shown: a hidden box must not take keys
        )
        yield Static("", id="inbox-empty")
        yield RowTable(id="inbox-table", cursor_type="row", zebra_stripes=True)
        yield StatusBar(id="status-bar")
        yield KeyBar(FOOTER_PRIORITY, id="inbox-keys")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.tooltip = legend()
        status = self.query_one(StatusBar)
        status.user = self.service.user
        status.sync = self.service.sync_status()
        status.token = self.kyso.token_status
        self._update_header()
        self._width = table.size.width or self.app.size.width  # as refresh_table sizes
        table.focus()
        # The first screenful is one indexed read of ~1 ms, done here so it is in the first
        # frame: a worker would wait for the GIL behind that frame (~100 ms). The rest of
        # the view is read in a worker once this is drawn (see _loaded).
        try:
            first = self.service.first_documents(self.scope, WINDOW)
        except KysoError:
            first = None
        if first is None:
            self.reload()
        else:
            self._loaded(DocumentsLoaded(self.scope, first, complete=False))

    # -- data ------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the current view from the store again (in a worker)."""
        # A first screenful only helps when it is the top of the list as shown: the
        # store's order (newest first), no filter.
        quick = not self.documents and self.sort_index == 0 and not self.filter_text
        self._load(self.scope, first=quick)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="inbox-load",
        description="Đọc hộp văn bản",
    )
    def _load(self, scope: str, first: bool = False) -> None:
        """Read one view; with ``first``, only its first screenful when the service can
        (the rest is read once that is on screen)."""
        if first:
            documents = self.service.first_documents(scope, WINDOW)
            if documents is not None:
                self.post_message(DocumentsLoaded(scope, documents, complete=False))
                return
        self.post_message(DocumentsLoaded(scope, self.service.documents(scope)))

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="inbox-fold",
        description="Chuẩn bị bộ lọc",
    )
    def _fold_all(self, documents: list[InboxRow]) -> None:
        """Fold every summary for the filter, off the UI thread, after the rows show."""
        folded = {d.id: fold(haystack(d)) for d in documents}
        self.app.call_from_thread(lambda: self._fold_cache.update(folded))

    @on(DocumentsLoaded)
    def _loaded(self, message: DocumentsLoaded) -> None:
        if message.scope != self.scope:
            return
        if not message.complete and self._complete and self.documents:
            return  # a first screenful that arrived after the whole view
        self.documents = message.documents
        self._complete = message.complete
        self._fold_cache = {}
        if message.complete:
            known = {d.id for d in self.documents}
            self.selected &= known
        self.refresh_table()
        if not message.complete:
            # The rest once the first screenful is drawn (not competing with drawing it).
            self.call_after_refresh(self._load, message.scope)
        elif self.filter_text:
            self._fold_all(self.documents)

    @on(SyncStatusChanged)
    def _sync_changed(self, message: SyncStatusChanged) -> None:
        self.query_one(StatusBar).sync = message.status

    @on(TokenStatusChanged)
    def _token_changed(self, message: TokenStatusChanged) -> None:
        self.query_one(StatusBar).token = message.status

    def on_resize(self, event: events.Resize) -> None:
        if self._columns:  # once the table has its new size
            self.call_after_refresh(self._fit_width)

    def _fit_width(self) -> None:
        # The resize that comes with the mount finds the width the first rows were laid
        # out for: the table is not rebuilt for it (nor before the first frame).
        width = self.query_one(DataTable).size.width or self.app.size.width
        if width != self._width:
            self._width = width
            self.refresh_table()

    @on(DataTable.RowHighlighted, "#inbox-table")
    def _near_end(self, event: DataTable.RowHighlighted) -> None:
        self._follow_sign()
        if event.cursor_row >= self._shown - 5 and self._shown < len(self._visible):
            self._show_more()

    # -- actions ---------------------------------------------------------------------

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        """Open the document under the cursor."""
        doc_id = self.current_id()
        if doc_id is not None:
            from kyso.tui.screens.document import DocumentScreen

            self.app.push_screen(DocumentScreen(doc_id))

    def action_filter(self) -> None:
        """Show and focus the filter box."""
        box = self.query_one("#inbox-filter", Input)
        box.disabled = False
        box.add_class("-visible")
        box.focus()
        if self._complete and len(self._fold_cache) < len(self.documents):
            self._fold_all(self.documents)  # while the user types

    @on(Input.Changed, "#inbox-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        if event.value.strip() == self.filter_text:
            self._cancel_filter()  # back to what is shown (or cleared by Esc)
        else:
            self._debounce_filter()

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="inbox-filter",
        description="Lọc hộp văn bản",
    )
    def _debounce_filter(self) -> None:
        """Filter once typing pauses for :data:`FILTER_DELAY`, not on every keystroke.

        Each keystroke replaces the waiting worker (``exclusive``); only the last one wakes
        up to apply the filter, in one go on the UI thread.
        """
        worker = get_current_worker()
        # Wakes early when cancelled (a newer keystroke, Esc, Enter, the app closing).
        if not worker.cancelled_event.wait(FILTER_DELAY):
            with contextlib.suppress(RuntimeError):  # the app is closing
                self.app.call_from_thread(self._apply_filter)

    def _apply_filter(self) -> None:
        """Filter the list by what the box holds now."""
        text = self.query_one("#inbox-filter", Input).value.strip()
        if text != self.filter_text:
            self.filter_text = text
            self.refresh_table()

    def _cancel_filter(self) -> None:
        self.workers.cancel_group(self, "inbox-filter")

    @on(Input.Submitted, "#inbox-filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        self._cancel_filter()
        self._apply_filter()
        self.query_one(DataTable).focus()
        if not event.value.strip():
            event.input.remove_class("-visible")
            event.input.disabled = True

    def action_clear(self) -> None:
        """Clear the filter, then the selection."""
        box = self.query_one("#inbox-filter", Input)
        self._cancel_filter()
        if self.filter_text or box.has_class("-visible"):
            box.value = ""
            box.remove_class("-visible")
            box.disabled = True
            self.filter_text = ""
            self.query_one(DataTable).focus()
        elif self.selected:
            self.selected.clear()
        self.refresh_table()

    def action_sort(self) -> None:
        """Cycle the sort order."""
        self.sort_index = (self.sort_index + 1) % len(SORTS)
        self.refresh_table()
        self.notify(f"Sắp xếp theo {SORTS[self.sort_index][1]}", timeout=2)

    def action_toggle_select(self) -> None:
        """Select or unselect the document under the cursor, then move down."""
        doc_id = self.current_id()
        if doc_id is None:
            return
        self.selected ^= {doc_id}
        table = self.query_one(DataTable)
        row = table.cursor_row
        mark = SELECTED if doc_id in self.selected else ""
        table.update_cell(str(doc_id), "sel", cell(mark))
        if row < len(self._rows) and self._rows[row][0] == str(doc_id):
            key, cells = self._rows[row]
            self._rows[row] = (key, (mark, *cells[1:]))
        else:
            self._rows = []  # out of step: the next refresh rebuilds the table
        if row + 1 < len(table.rows):
            table.move_cursor(row=row + 1, animate=False)
        self._update_header()

    def action_next_scope(self) -> None:
        """Switch between: waiting for me, signed by me, all."""
        scopes = list(SCOPES)
        self.scope = scopes[(scopes.index(self.scope) + 1) % len(scopes)]
        self.selected.clear()
        self.documents = []
        self._complete = True
        self.refresh_table()
        self.reload()

    def action_mark(self) -> None:
        """Đánh dấu: star or unstar the documents."""
        ids = self.target_ids()
        if ids:
            docs = {d.id: d for d in self.documents}
            marked = not all(i in docs and docs[i].marked for i in ids)
            self.kyso.flows.set_marked(ids, marked)

    def action_transition(self) -> None:
        """Chuyển / trình the document under the cursor."""
        doc_id = self.current_id()
        if doc_id is not None:
            self.kyso.flows.start_transition(doc_id)

    def action_sync(self) -> None:
        """Đồng bộ ngay."""
        self.query_one(StatusBar).sync = SyncStatus(state="syncing")
        self.kyso.flows.sync_now()

    def action_conflicts(self) -> None:
        """Xung đột: what the server refused."""
        from kyso.tui.screens.conflicts import ConflictsScreen

        self.app.push_screen(ConflictsScreen())

    def on_screen_resume(self) -> None:
        if self._resumed:
            self.reload()  # back from another screen: something may have changed
        self._resumed = True  # the first resume comes with the mount, which loads already

    def legend_text(self) -> str:
        """What the marks and the short state badges mean (shown by `?`)."""
        return legend()

    def command_items(self) -> list[tuple[str, str, Any]]:
        """Extra palette commands: switch directly to a view."""
        items = []
        for key, label in SCOPES.items():
            name = f"{screen_area(self)}: {label}"
            items.append((name, f"Xem hộp “{label}”", lambda k=key: self._goto(k)))
        current = self.current_id()
        doc = next((d for d in self._visible if d.id == current), None)
        if doc is not None:
            items.extend(self.kyso.flows.workflow_commands(doc))
        return items

    def _goto(self, scope: str) -> None:
        self.scope = scope
        self.selected.clear()
        self.documents = []
        self._complete = True
        self.refresh_table()
        self.reload()
