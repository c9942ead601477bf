"""Thông tin văn bản đi: the seed's four tabs and the attachment actions."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import (
    DataTable,
    Static,
    TabbedContent,
    TabPane,
    Tree,
)

from kyso.core.errors import KysoError
from kyso.core.service.model import ACTION_LABELS, STATE_LABELS, Attachment, Document
from kyso.tui.format import date_vn, datetime_vn, labelled, plain, shorten
from kyso.tui.messages import DocumentChanged, SyncStatusChanged, TokenStatusChanged
from kyso.tui.screens.base import KysoScreen
from kyso.tui.widgets.key_bar import KeyBar
from kyso.tui.widgets.status_bar import StatusBar

__all__ = ["TABS", "DocumentScreen"]

TABS: tuple[tuple[str, str], ...] = (
    ("tab-info", "Thông tin văn bản"),
    ("tab-opinions", "Tổng hợp ý kiến xử lý"),
    ("tab-opinion-detail", "Thông tin ý kiến"),
    ("tab-flow", "Sơ đồ luồng văn bản"),
)
"""The seed's four tabs (pane id, title), on keys 1–4 in this order."""

FOOTER_PRIORITY = (
    "document.sign",
    "document.view",
    "workflow.transition",
    "document.tab_next",
    "document.opinion",
    "document.close",
)
"""The keys the footer shows first (the rest follow while they fit)."""


class DocumentScreen(KysoScreen):
    """One document: fields, attachments, related documents, opinions and flow."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Đóng", id="document.close"),
        Binding("x", "view", "Xem", id="document.view"),
        Binding("d", "download", "Tải file", id="document.download"),
        Binding("l", "history", "Lịch sử", id="document.history"),
        Binding("k", "sign", "Ký số token", id="document.sign"),
        Binding("t", "transition", "Chuyển", id="workflow.transition"),
        Binding("m", "mark", "Đánh dấu", id="document.mark"),
        Binding("y", "opinion", "Ý kiến", id="document.opinion"),
        Binding("ctrl+right", "next_tab(1)", "Thẻ sau", id="document.tab_next"),
        Binding("ctrl+left", "next_tab(-1)", "Thẻ trước", id="document.tab_previous"),
        *(
            Binding(str(n), f"tab({n})", title, id=f"document.tab{n}", show=False)
            for n, (_, title) in enumerate(TABS, start=1)
        ),
    ]

    def __init__(self, doc_id: int) -> None:
        super().__init__(id="document")
        self.doc_id = doc_id
        self.doc: Document | None = None
        self._related: dict[int, tuple[str, str] | None] = {}
        """Related document id → (số/ký hiệu, trích yếu), read with the document."""

    def compose(self) -> ComposeResult:
        yield Static("THÔNG TIN VĂN BẢN ĐI", id="document-title")
        with TabbedContent(id="document-tabs"):
            with TabPane(TABS[0][1], id=TABS[0][0]), VerticalScroll():
                yield Static("Đang tải…", id="document-fields")
                yield Static("File đính kèm", classes="section")
                yield DataTable(id="attachments", cursor_type="row")
                yield Static("", id="attachment-history")
                yield Static("Văn bản liên quan", classes="section")
                yield Static("", id="document-related")
            with TabPane(TABS[1][1], id=TABS[1][0]):
                yield DataTable(id="opinions", cursor_type="row", zebra_stripes=True)
            with TabPane(TABS[2][1], id=TABS[2][0]), VerticalScroll():
                yield Static("", id="opinion-detail")
            with TabPane(TABS[3][1], id=TABS[3][0]):
                yield Tree("Luồng văn bản", id="flow")
        yield StatusBar()
        yield KeyBar(FOOTER_PRIORITY, id="document-keys")

    def on_mount(self) -> None:
        table = self.query_one("#attachments", DataTable)
        table.add_columns("Tệp", "Phiên bản", "Ký số", "Người gửi", "Lúc")
        self.query_one("#opinions", DataTable).add_columns("Người cho ý kiến", "Ý kiến", "Lúc")
        status = self.query_one(StatusBar)
        status.user = self.service.user
        status.sync = self.service.sync_status()
        status.token = self.kyso.token_status
        self.reload()

    def reload(self) -> None:
        """Read the document from the store again."""
        self._load()

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="document-load",
        description="Đọc văn bản",
    )
    def _load(self) -> None:
        doc = self.service.document(self.doc_id)
        self._related = {rid: self._summary(rid) for rid in doc.related}
        self.post_message(DocumentChanged(doc))

    def _summary(self, doc_id: int) -> tuple[str, str] | None:
        """(số/ký hiệu, trích yếu) of a related document in the store, None if absent."""
        try:
            other = self.service.document(doc_id)
        except KysoError:
            return None
        return other.so_ky_hieu or "", other.trich_yeu

    def _related_text(self, related: tuple[int, ...]) -> Text:
        """One line per related document: số/ký hiệu — trích yếu."""
        if not related:
            return plain("(không có)")
        text = Text()
        for index, rid in enumerate(related):
            if index:
                text.append("\n")
            found = self._related.get(rid)
            if found is None:
                text.append_text(plain(f"• Văn bản {rid} (chưa đồng bộ)", style="dim"))
                continue
            so, trich_yeu = found
            text.append("• ")
            text.append_text(plain(so or "(chưa có số)", style="bold"))
            text.append(" — ")
            text.append_text(plain(shorten(trich_yeu, 100)))
        return text

    @on(DocumentChanged)
    def _changed(self, message: DocumentChanged) -> None:
        if message.document.id == self.doc_id:
            self.show(message.document)

    @on(SyncStatusChanged)
    def _sync_changed(self, message: SyncStatusChanged) -> None:
        self.query_one(StatusBar).sync = message.status

    @on(TokenStatusChanged)
    def _token_changed(self, message: TokenStatusChanged) -> None:
        self.query_one(StatusBar).token = message.status

    def _who(self, username: str | None) -> str:
        if not username:
            return "—"
        return self.kyso.user_names.get(username, username)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """ "Ký số" only for a document I may sign now (the server would refuse others)."""
        if action == "sign" and self.doc is not None:
            return not self.service.sign_refusal(self.doc)
        return True

    def show(self, doc: Document) -> None:
        """Fill every tab from ``doc``."""
        self.doc = doc
        self.refresh_bindings()
        star = "★ " if doc.marked else ""
        pending = " · chờ đồng bộ" if doc.pending else ""
        self.query_one("#document-title", Static).update(
            plain(star, "THÔNG TIN VĂN BẢN ĐI — ", STATE_LABELS.get(doc.state, ""), pending)
        )
        signed = any(v.signed for a in doc.attachments for v in a.versions)
        fields = [
            ("Trích yếu(*)", doc.trich_yeu),
            ("Hình thức(*)", doc.loai),
            ("Đơn vị soạn thảo", doc.don_vi_soan_thao),
            ("Người soạn", self._who(doc.nguoi_soan)),
            ("Đang xử lý", self._who(doc.holder)),
            ("Số/ký hiệu", doc.so_ky_hieu or "(cấp sau khi ký)"),
            ("Ngày ban hành", date_vn(doc.ngay_ban_hanh) or "—"),
            ("Chữ ký số", "✔ đã ký" if signed else "chưa ký"),
        ]
        self.query_one("#document-fields", Static).update(labelled(fields))

        table = self.query_one("#attachments", DataTable)
        cursor = table.cursor_row
        table.clear()
        for att in doc.attachments:
            last = att.latest
            main = " (chính)" if att.is_main else ""
            table.add_row(
                plain(att.name, main),
                plain(f"v{last.n if last else '?'}/{len(att.versions)}"),
                plain("✔ đã ký" if last and last.signed else "—"),
                plain(self._who(last.uploaded_by if last else None)),
                plain(datetime_vn(last.uploaded_at if last else None)),
                key=str(att.id),
            )
        if table.rows:
            table.move_cursor(row=min(max(cursor, 0), len(table.rows) - 1), animate=False)
        self.query_one("#document-related", Static).update(self._related_text(doc.related))

        opinions = self.query_one("#opinions", DataTable)
        opinions.clear()
        for op in doc.opinions:
            opinions.add_row(
                plain(self._who(op.author)),
                plain(op.text),
                plain(datetime_vn(op.at)),
            )
        detail = Text()
        for op in doc.opinions:
            if detail:
                detail.append("\n\n")
            detail.append_text(plain(self._who(op.author), style="bold"))
            detail.append(f" — {datetime_vn(op.at)}\n")
            detail.append_text(plain(op.text, lines=True))
        self.query_one("#opinion-detail", Static).update(detail or plain("(chưa có ý kiến)"))

        tree = self.query_one("#flow", Tree)
        tree.clear()
        tree.root.set_label(plain(f"{doc.loai}: {doc.trich_yeu[:60]}"))
        node = tree.root
        for step in doc.flow:
            label = ACTION_LABELS.get(step.action, step.action)
            node = node.add(
                plain(
                    f"{datetime_vn(step.at)}  {self._who(step.from_user)} → "
                    f"{self._who(step.to_user)}: {label}"
                ),
                expand=True,
            )
            if step.note:
                node.add_leaf(plain(f"“{step.note}”"))
        tree.root.expand_all()

    # -- attachment actions ----------------------------------------------------------

    def _attachment(self) -> Attachment | None:
        if self.doc is None:
            return None
        table = self.query_one("#attachments", DataTable)
        if not table.rows:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        for att in self.doc.attachments:
            if str(att.id) == key:
                return att
        return None

    def command_items(self) -> list:
        """Palette commands for this document's allowed transitions."""
        return self.kyso.flows.workflow_commands(self.doc) if self.doc is not None else []

    def action_tab(self, number: int) -> None:
        """Show tab ``number`` (1–4), wherever the focus is."""
        if 1 <= number <= len(TABS):
            self.query_one("#document-tabs", TabbedContent).active = TABS[number - 1][0]

    def action_next_tab(self, step: int) -> None:
        """The next (``1``) or previous (``-1``) tab, wrapping around."""
        tabs = self.query_one("#document-tabs", TabbedContent)
        ids = [pane for pane, _ in TABS]
        current = ids.index(tabs.active) if tabs.active in ids else 0
        tabs.active = ids[(current + step) % len(ids)]

    def action_back(self) -> None:
        """Back to the inbox."""
        self.dismiss(None)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="attachment-view",
        description="Mở tệp đính kèm",
    )
    def action_view(self) -> None:
        """Xem: preview the attachment's pages."""
        att = self._attachment()
        if att is None:
            self.app.call_from_thread(
                self.notify, "Văn bản không có tệp đính kèm", severity="warning"
            )
            return
        path = self.service.attachment_file(self.doc_id, att.id)
        from kyso.tui.screens.preview import PreviewScreen

        self.app.call_from_thread(self.app.push_screen, PreviewScreen(path, att.name, self.doc_id))

    def action_download(self) -> None:
        """Tải file: save a copy of the attachment."""
        att = self._attachment()
        if att is None:
            return
        from kyso.tui.screens.save import SaveScreen

        self.app.push_screen(
            SaveScreen(att.name or "tep.pdf"),
            lambda target: target and self._save(att, target),
        )

    @work(thread=True, exit_on_error=False, group="attachment", description="Tải file")
    def _save(self, att: Attachment, target: str) -> None:
        path = self.service.attachment_file(self.doc_id, att.id)
        dest = Path(target).expanduser()
        if dest.is_dir():
            dest = dest / (att.name or path.name)
        self.kyso.save_copy(path, dest)
        self.kyso.record("download", document_id=self.doc_id, file=str(dest))
        self.app.call_from_thread(self.notify, f"Đã lưu {dest}", title="Tải file")

    def action_history(self) -> None:
        """Lịch sử: every version of the attachment."""
        att = self._attachment()
        if att is None:
            return
        history = plain("Lịch sử: ", att.name, style="bold")
        for v in att.versions:
            sign = "✔ ký số" if v.signed else "bản thường"
            note = f" — {v.note}" if v.note else ""
            history.append("\n")
            history.append_text(
                plain(
                    f"v{v.n}  {datetime_vn(v.uploaded_at)}  "
                    f"{self._who(v.uploaded_by)}  {sign}  "
                    f"{v.size:,} byte{note}"
                )
            )
        self.query_one("#attachment-history", Static).update(history)

    def action_sign(self) -> None:
        """Ký số token on this document."""
        self.kyso.flows.start_signing([self.doc_id], choose_position=True)

    def action_transition(self) -> None:
        """Trình / chuyển this document."""
        self.kyso.flows.start_transition(self.doc_id)

    def action_opinion(self) -> None:
        """Thêm ý kiến xử lý."""
        from kyso.tui.screens.opinion import OpinionScreen

        title = self.doc.trich_yeu[:50] if self.doc is not None else ""
        self.app.push_screen(OpinionScreen(title), lambda text: text and self._add(text))

    @work(thread=True, exit_on_error=False, group="store-write", description="Thêm ý kiến")
    def _add(self, text: str) -> None:
        doc = self.service.add_opinion(self.doc_id, text)
        self.post_message(DocumentChanged(doc))
        self.app.call_from_thread(self.kyso.flows.sync_now)

    def action_mark(self) -> None:
        """Đánh dấu."""
        if self.doc is not None:
            self.kyso.flows.set_marked([self.doc_id], not self.doc.marked)
