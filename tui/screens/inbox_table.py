"""The inbox's table: which documents show (filter, sort), in which columns, a window
of rows at a time; a part of :class:`~kyso.tui.screens.inbox.InboxScreen`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.widgets import DataTable, Static

from kyso.core.service.model import SCOPES, STATE_LABELS, InboxRow
from kyso.tui.format import plain
from kyso.tui.inbox_rows import fold, haystack, received_at, row_texts
from kyso.tui.widgets.inbox_columns import Column, cell, inbox_columns

__all__ = ["SORTS", "WINDOW", "InboxTable"]

WINDOW = 120
"""Rows put in the table at a time."""

SORTS: list[tuple[str, str]] = [
    ("received", "ngày nhận"),
    ("so_ky_hieu", "số/ký hiệu"),
    ("trich_yeu", "trích yếu"),
    ("state", "trạng thái"),
]


class InboxTable:
    """Table building for the inbox screen (it holds the state this reads: ``documents``,
    ``selected``, ``filter_text``, ``sort_index``, ``scope``, and the row caches)."""

    _by_id: tuple[object, dict[int, InboxRow]] = (None, {})
    """``documents`` (the list object) and its documents by id."""

    if TYPE_CHECKING:  # pragma: no cover - provided by the screen
        documents: list[InboxRow]
        selected: set[int]
        filter_text: str
        sort_index: int
        scope: str
        _visible: list[InboxRow]
        _shown: int
        _complete: bool
        _fold_cache: dict[int, str]
        _rows: list[tuple[str, tuple[str, ...]]]
        _columns: tuple[Column, ...]
        kyso: Any
        app: Any

        def query_one(self, *args: Any) -> Any: ...

        def _follow_sign(self) -> None: ...

    def visible_documents(self) -> list[InboxRow]:
        """The documents after the filter and the sort (all of them, not just the rows
        in the table)."""
        docs = self.documents
        if self.filter_text:
            needle = fold(self.filter_text)
            docs = [d for d in docs if needle in self._folded(d)]
        key = SORTS[self.sort_index][0]
        if key == "received":
            return sorted(docs, key=received_at, reverse=True)
        if key == "state":
            return sorted(docs, key=lambda d: STATE_LABELS.get(d.state, ""))
        return sorted(docs, key=lambda d: fold(str(getattr(d, key, "") or "")))

    def _folded(self, doc: InboxRow) -> str:
        cached = self._fold_cache.get(doc.id)
        if cached is None:
            cached = self._fold_cache[doc.id] = fold(haystack(doc))
        return cached

    def _texts(self, doc: InboxRow) -> dict[str, str]:
        return row_texts(doc, doc.id in self.selected, self.kyso.user_names)

    def _row(self, doc: InboxRow) -> tuple[str, ...]:
        texts = self._texts(doc)
        return tuple(texts[c.source] for c in self._columns)

    def _lay_out(self, docs: list[InboxRow]) -> None:
        """Size the columns for ``docs`` (the rows about to be shown) and the width;
        rebuild the table's columns when that changes anything."""
        width = self.query_one(DataTable).size.width or self.app.size.width
        columns = inbox_columns(width, [self._texts(d) for d in docs])
        if columns == self._columns:
            return
        table = self.query_one(DataTable)
        table.clear(columns=True)
        for column in columns:
            table.add_column(column.header, width=column.width, key=column.key)
        self._columns = columns
        self._rows = []
        self._shown = 0

    def refresh_table(self) -> None:
        """Redraw the rows, keeping the cursor on the same document when possible.

        Only a window of :data:`WINDOW` rows is put in the table; more are appended as
        the cursor nears the end, so a 10,000-document inbox stays responsive.
        """
        table = self.query_one(DataTable)
        current = self.current_id()
        self._visible = self.visible_documents()
        index = None
        if current is not None:
            index = next((i for i, d in enumerate(self._visible) if d.id == current), None)
        count = max(WINDOW, (index or 0) + WINDOW // 2, self._shown)
        self._lay_out(self._visible[:count])
        rows = [(str(d.id), self._row(d)) for d in self._visible[:count]]
        if [key for key, _ in rows] == [key for key, _ in self._rows]:
            # The same documents in the same order (a reload, a sync, the full list after
            # the first screenful): change only the cells that differ.
            columns = list(table.columns)
            for (key, cells), (_, old) in zip(rows, self._rows, strict=True):
                for column, new, was in zip(columns, cells, old, strict=True):
                    if new != was:
                        table.update_cell(key, column, cell(new))
            self._rows = rows
        else:
            table.clear()
            self._rows = []
            self._shown = 0
            self._add_rows(rows)
            if index is not None:
                table.move_cursor(row=index, animate=False)
        self._update_header()

    def _add_rows(self, rows: list[tuple[str, tuple[str, ...]]]) -> None:
        table = self.query_one(DataTable)
        for key, cells in rows:
            # Plain Text, not str: no markup parsing of user text (faster, and a “[” in a
            # trích yếu stays a “[”).
            table.add_row(*map(cell, cells), key=key)
        self._rows.extend(rows)
        self._shown += len(rows)

    def _show_more(self, count: int = WINDOW) -> None:
        """Append the next ``count`` documents of the current view to the table."""
        chunk = self._visible[self._shown : self._shown + count]
        self._add_rows([(str(d.id), self._row(d)) for d in chunk])

    def _update_header(self) -> None:
        title = f"Hộp văn bản — {SCOPES[self.scope]}"
        self.query_one("#inbox-title", Static).update(title)
        shown = len(self._visible)
        total = len(self.documents) if self._complete else "…"
        info = f"{shown}/{total} văn bản · sắp xếp: {SORTS[self.sort_index][1]}"
        if self.selected:
            info += f" · đã chọn {len(self.selected)}"
        if self.filter_text:
            info += f" · lọc: “{self.filter_text}”"
        self.query_one("#inbox-info", Static).update(info)
        self._update_empty(shown)
        self._follow_sign()  # the documents or the selection changed

    def _update_empty(self, shown: int) -> None:
        """Say why the list is empty (a filter that matches nothing, an empty view)."""
        empty = self.query_one("#inbox-empty", Static)
        if shown:
            empty.display = False
            return
        if self.filter_text:
            text = plain(f"Không có văn bản khớp “{self.filter_text}” (Esc để bỏ lọc)")
        elif self._complete:
            text = plain(f"Không có văn bản nào trong “{SCOPES[self.scope]}”")
        else:
            text = plain("Đang tải…")
        empty.update(text)
        empty.display = True

    def document(self, doc_id: int) -> InboxRow | None:
        """The document with this id in the view (by id: a scan of 100,000 documents on
        every cursor move would be most of a keypress)."""
        source, by_id = self._by_id
        if source is not self.documents:
            by_id = {d.id: d for d in self.documents}
            self._by_id = (self.documents, by_id)
        return by_id.get(doc_id)

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
            order = [d.id for d in self._visible if d.id in self.selected]
            return order + sorted(self.selected - set(order))
        current = self.current_id()
        return [current] if current is not None else []
