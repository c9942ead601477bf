"""Hộp văn bản: documents waiting for me, signed by me, or all of them."""

from __future__ import annotations

import unicodedata
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Input, Static

from kyso.tui.backend import SCOPES, STATE_LABELS, Document, SyncStatus
from kyso.tui.clerk import ClerkKeys
from kyso.tui.format import datetime_vn, shorten
from kyso.tui.messages import DocumentsLoaded, SyncStatusChanged, TokenStatusChanged
from kyso.tui.widgets.status_bar import StatusBar

__all__ = ["WINDOW", "InboxScreen", "fold"]

WINDOW = 120
"""Rows put in the table at a time."""

_SORTS: list[tuple[str, str]] = [
    ("received", "ngày nhận"),
    ("so_ky_hieu", "số/ký hiệu"),
    ("trich_yeu", "trích yếu"),
    ("state", "trạng thái"),
]


def fold(text: str) -> str:
    """Lower case without diacritics (``Đắk Nông`` → ``dak nong``) for filtering."""
    text = (text or "").replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def received_at(doc: Document) -> str:
    """When the document reached its current holder (the last flow step)."""
    flow = doc.get("flow") or []
    return (flow[-1].get("at") if flow else None) or doc.get("updated_at") or ""


def sender(doc: Document) -> str:
    """Who sent the document to its current holder."""
    flow = doc.get("flow") or []
    return (flow[-1].get("from") if flow else None) or doc.get("nguoi_soan") or ""


class InboxScreen(ClerkKeys):
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
        self.documents: list[Document] = []
        self.selected: set[int] = set()
        self.filter_text = ""
        self._visible: list[Document] = []
        self._shown = 0
        self._fold_cache: dict[int, str] = {}

    def compose(self) -> ComposeResult:
        with Horizontal(id="inbox-header"):
            yield Static("", id="inbox-title")
            yield Static("", id="inbox-info")
        yield Input(
            placeholder="Lọc: số, trích yếu, loại, đơn vị… (Esc để bỏ)",
            id="inbox-filter",
            disabled=True,  # until shown: a hidden box must not take keys
        )
        yield DataTable(id="inbox-table", cursor_type="row", zebra_stripes=True)
        yield StatusBar(id="status-bar")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("✓", width=1, key="sel")
        table.add_column("★", width=1, key="mark")
        table.add_column("Số/ký hiệu", width=12, key="so")
        table.add_column("Trích yếu", width=34, key="trich_yeu")
        table.add_column("Loại", width=10, key="loai")
        table.add_column("Đơn vị soạn thảo", width=16, key="don_vi")
        table.add_column("Từ", width=11, key="from")
        table.add_column("Nhận lúc", width=16, key="received")
        table.add_column("Trạng thái", width=16, key="state")
        status = self.query_one(StatusBar)
        status.user = self.backend.user
        status.sync = self.backend.sync_status()
        status.token = self.kyso.token_status
        self._update_header()
        table.focus()
        self.reload()

    # -- data ------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the current view from the store again (in a worker)."""
        self._load(self.scope)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="inbox-load",
        description="Đọc hộp văn bản",
    )
    def _load(self, scope: str) -> None:
        self.post_message(DocumentsLoaded(scope, self.backend.documents(scope)))

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="inbox-fold",
        description="Chuẩn bị bộ lọc",
    )
    def _fold_all(self, documents: list[Document]) -> None:
        """Fold every summary for the filter, off the UI thread, after the rows show."""
        folded = {d["id"]: fold(self._haystack(d)) for d in documents}
        self.app.call_from_thread(lambda: self._fold_cache.update(folded))

    @on(DocumentsLoaded)
    def _loaded(self, message: DocumentsLoaded) -> None:
        if message.scope != self.scope:
            return
        self.documents = message.documents
        self._fold_cache = {}
        known = {d["id"] for d in self.documents}
        self.selected &= known
        self.refresh_table()
        self._fold_all(self.documents)

    @on(SyncStatusChanged)
    def _sync_changed(self, message: SyncStatusChanged) -> None:
        self.query_one(StatusBar).sync = message.status

    @on(TokenStatusChanged)
    def _token_changed(self, message: TokenStatusChanged) -> None:
        self.query_one(StatusBar).token = message.status

    def visible_documents(self) -> list[Document]:
        """The documents after the filter and the sort (all of them, not just the rows
        in the table)."""
        docs = self.documents
        if self.filter_text:
            needle = fold(self.filter_text)
            docs = [d for d in docs if needle in self._folded(d)]
        key = _SORTS[self.sort_index][0]
        if key == "received":
            return sorted(docs, key=received_at, reverse=True)
        if key == "state":
            return sorted(docs, key=lambda d: STATE_LABELS.get(d.get("state", ""), ""))
        return sorted(docs, key=lambda d: fold(str(d.get(key) or "")))

    def _folded(self, doc: Document) -> str:
        cached = self._fold_cache.get(doc["id"])
        if cached is None:
            cached = self._fold_cache[doc["id"]] = fold(self._haystack(doc))
        return cached

    def _haystack(self, doc: Document) -> str:
        fields = ("so_ky_hieu", "trich_yeu", "loai", "don_vi_soan_thao", "nguoi_soan")
        parts = [str(doc.get(name) or "") for name in fields]
        parts.append(sender(doc))
        parts.append(STATE_LABELS.get(doc.get("state", ""), ""))
        return " ".join(parts)

    def _row(self, doc: Document) -> tuple[str, ...]:
        names = self.kyso.user_names
        who = sender(doc)
        return (
            "●" if doc["id"] in self.selected else "",
            "★" if doc.get("marked") else "",
            doc.get("so_ky_hieu") or "—",
            shorten(doc.get("trich_yeu", ""), 80),
            doc.get("loai", ""),
            doc.get("don_vi_soan_thao", ""),
            names.get(who, who),
            datetime_vn(received_at(doc)),
            STATE_LABELS.get(doc.get("state", ""), doc.get("state", ""))
            + (" ⏳" if doc.get("pending") else ""),
        )

    def refresh_table(self) -> None:
        """Redraw the rows, keeping the cursor on the same document when possible.

        Only a window of :data:`WINDOW` rows is put in the table; more are appended as
        the cursor nears the end, so a 10,000-document inbox stays responsive.
        """
        table = self.query_one(DataTable)
        current = self.current_id()
        table.clear()
        self._visible = self.visible_documents()
        self._shown = 0
        index = None
        if current is not None:
            index = next((i for i, d in enumerate(self._visible) if d["id"] == current), None)
        self._show_more(max(WINDOW, (index or 0) + WINDOW // 2))
        if index is not None:
            table.move_cursor(row=index, animate=False)
        self._update_header()

    def _show_more(self, count: int = WINDOW) -> None:
        """Append the next ``count`` documents of the current view to the table."""
        table = self.query_one(DataTable)
        chunk = self._visible[self._shown : self._shown + count]
        for doc in chunk:
            table.add_row(*self._row(doc), key=str(doc["id"]))
        self._shown += len(chunk)

    @on(DataTable.RowHighlighted, "#inbox-table")
    def _near_end(self, event: DataTable.RowHighlighted) -> None:
        if event.cursor_row >= self._shown - 5 and self._shown < len(self._visible):
            self._show_more()

    def _update_header(self) -> None:
        title = f"Hộp văn bản — {SCOPES[self.scope]}"
        self.query_one("#inbox-title", Static).update(title)
        shown = len(self._visible)
        info = f"{shown}/{len(self.documents)} văn bản · sắp xếp: {_SORTS[self.sort_index][1]}"
        if self.selected:
            info += f" · đã chọn {len(self.selected)}"
        if self.filter_text:
            info += f" · lọc: “{self.filter_text}”"
        self.query_one("#inbox-info", Static).update(info)

    def current_id(self) -> int | None:
        """The id of the document under the cursor."""
        table = self.query_one(DataTable)
        if not table.rows:
            return None
        try:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        except Exception:
            return None
        return int(key.value) if key.value is not None else None

    def target_ids(self) -> list[int]:
        """The selected documents, or the one under the cursor."""
        if self.selected:
            order = [d["id"] for d in self._visible if d["id"] in self.selected]
            return order + sorted(self.selected - set(order))
        current = self.current_id()
        return [current] if current is not None else []

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

    @on(Input.Changed, "#inbox-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self.refresh_table()

    @on(Input.Submitted, "#inbox-filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        self.query_one(DataTable).focus()
        if not event.value.strip():
            event.input.remove_class("-visible")
            event.input.disabled = True

    def action_clear(self) -> None:
        """Clear the filter, then the selection."""
        box = self.query_one("#inbox-filter", Input)
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
        self.sort_index = (self.sort_index + 1) % len(_SORTS)
        self.refresh_table()
        self.notify(f"Sắp xếp theo {_SORTS[self.sort_index][1]}", timeout=2)

    def action_toggle_select(self) -> None:
        """Select or unselect the document under the cursor, then move down."""
        doc_id = self.current_id()
        if doc_id is None:
            return
        self.selected ^= {doc_id}
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.update_cell(str(doc_id), "sel", "●" if doc_id in self.selected else "")
        if row + 1 < len(table.rows):
            table.move_cursor(row=row + 1, animate=False)
        self._update_header()

    def action_next_scope(self) -> None:
        """Switch between: waiting for me, signed by me, all."""
        scopes = list(SCOPES)
        self.scope = scopes[(scopes.index(self.scope) + 1) % len(scopes)]
        self.selected.clear()
        self.documents = []
        self.refresh_table()
        self.reload()

    def action_mark(self) -> None:
        """Đánh dấu: star or unstar the documents."""
        ids = self.target_ids()
        if ids:
            docs = {d["id"]: d for d in self.documents}
            marked = not all(docs.get(i, {}).get("marked") for i in ids)
            self.kyso.set_marked(ids, marked)

    def action_sign(self) -> None:
        """Ký số token: sign the selected documents (or the one under the cursor)."""
        ids = self.target_ids()
        if not ids:
            self.notify("Chưa chọn văn bản nào", severity="warning")
            return
        self.kyso.start_signing(ids)

    def action_transition(self) -> None:
        """Chuyển / trình the document under the cursor."""
        doc_id = self.current_id()
        if doc_id is not None:
            self.kyso.start_transition(doc_id)

    def action_sync(self) -> None:
        """Đồng bộ ngay."""
        self.query_one(StatusBar).sync = SyncStatus(state="syncing")
        self.kyso.sync_now()

    def action_conflicts(self) -> None:
        """Xung đột: what the server refused."""
        from kyso.tui.screens.conflicts import ConflictsScreen

        self.app.push_screen(ConflictsScreen())

    def on_screen_resume(self) -> None:
        self.reload()

    def command_items(self) -> list[tuple[str, str, Any]]:
        """Extra palette commands: switch directly to a view."""
        items = []
        for key, label in SCOPES.items():
            items.append((f"inbox: {label}", f"Xem hộp “{label}”", lambda k=key: self._goto(k)))
        current = self.current_id()
        doc = next((d for d in self._visible if d["id"] == current), None)
        if doc is not None:
            items.extend(self.kyso.workflow_commands(doc))
        return items

    def _goto(self, scope: str) -> None:
        self.scope = scope
        self.selected.clear()
        self.documents = []
        self.refresh_table()
        self.reload()
