"""Nhật ký máy trạm: the hash-chained local audit log, newest first, with its check."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Static

from kyso.tui.format import date_vn, datetime_vn, labelled, plain, shorten
from kyso.tui.screens.base import KysoScreen
from kyso.tui.widgets.key_bar import KeyBar

__all__ = ["AuditScreen", "detail_rows"]

_ACTIONS = {
    "view": "Xem trang",
    "sign": "Ký số",
    "sign_failed": "Ký số không thành công",
    "transition": "Chuyển",
    "mark": "Đánh dấu",
    "download": "Tải file",
    "issue": "Phát hành",
    "cancel_number": "Huỷ số",
    "export_registry": "Xuất sổ đăng ký",
    "kiosk_login": "Đăng nhập máy trạm",
    "kiosk_lock": "Khoá máy trạm",
    "kiosk_admin": "Mở quyền quản trị",
    "presign": "Ký trước",
}

_FIELDS = {
    "page": "Trang",
    "file": "Tệp",
    "marked": "Đánh dấu",
    "to": "Chuyển đến",
    "transition": "Thao tác",
    "note": "Ghi chú",
    "certificate": "Chứng thư",
    "serial": "Số sê-ri",
    "token": "Token",
    "verified": "Đã kiểm tra chữ ký",
    "so_ky_hieu": "Số/ký hiệu",
    "date": "Ngày",
    "only_number": "Chỉ cấp số",
    "year": "Năm",
    "format": "Định dạng",
    "reason": "Lý do",
    "output": "Tệp ký",
    "input": "Tệp gốc",
    "failure": "Loại lỗi",
    "retryable": "Ký lại được",
}
"""Detail keys → what the log screen calls them (others are shown as they are)."""


def _value(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "có" if value else "không"
    if value is None or value == "":
        return "—"
    if isinstance(value, list | tuple):
        return ", ".join(_value(key, v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_value(k, v)}" for k, v in value.items())
    if key == "date" or key.endswith("_at"):
        return datetime_vn(str(value)) if "T" in str(value) else date_vn(str(value))
    if key == "transition":
        from kyso.core.service.model import ACTION_LABELS

        return ACTION_LABELS.get(str(value), str(value))
    return str(value)


def detail_rows(detail: dict[str, Any]) -> list[tuple[str, str]]:
    """An entry's detail as (Vietnamese label, readable value) pairs, in its order."""
    return [(_FIELDS.get(key, key), _value(key, value)) for key, value in detail.items()]


class _Read(Message):
    def __init__(self, entries: list, ok: bool, summary: str) -> None:
        super().__init__()
        self.entries, self.ok, self.summary = entries, ok, summary


class AuditScreen(KysoScreen):
    """Read-only view; `r` reads the file again."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Đóng", id="audit.close"),
        Binding("r", "reload", "Đọc lại", id="audit.reload"),
    ]

    def __init__(self) -> None:
        super().__init__(id="audit")
        self._entries: dict[Any, Any] = {}

    def compose(self) -> ComposeResult:
        yield Static("Nhật ký máy trạm", id="audit-title")
        yield DataTable(id="audit-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="audit-detail")
        yield KeyBar(id="audit-keys")

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(
            "#", "Lúc", "Người", "Việc", "Văn bản", "Băm tệp", "Chi tiết", "Nơi"
        )
        self.action_reload()

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="audit-read",
        description="Đọc nhật ký",
    )
    def action_reload(self) -> None:
        """Đọc lại the log and check its chain."""
        log = self.kyso.audit
        ok, summary = log.verify()
        self.post_message(_Read(log.entries(), ok, summary))

    @on(_Read)
    def _show(self, message: _Read) -> None:
        mark = "✔" if message.ok else "✘"
        self.query_one("#audit-title", Static).update(
            f"Nhật ký máy trạm — {mark} {message.summary}"
        )
        table = self.query_one(DataTable)
        table.clear()
        self._entries = {}
        for e in reversed(message.entries):
            rows = detail_rows(e.detail)
            summary = " · ".join(f"{label}: {value}" for label, value in rows)
            key = table.add_row(
                str(e.seq),
                datetime_vn(e.at),
                plain(e.user),
                plain(_ACTIONS.get(e.action, e.action)),
                "" if e.document_id is None else f"#{e.document_id}",
                e.sha256[:12],
                plain(shorten(summary, 40)),
                plain(e.origin),
            )
            self._entries[key] = e
        self._show_detail(table.cursor_row)

    @on(DataTable.RowHighlighted, "#audit-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail(event.cursor_row)

    def _show_detail(self, row: int) -> None:
        """The highlighted entry in full: one ``label: value`` line each."""
        box = self.query_one("#audit-detail", Static)
        table = self.query_one(DataTable)
        if not table.rows or row < 0:
            box.update(plain("(nhật ký trống)"))
            return
        key = table.coordinate_to_cell_key((row, 0)).row_key
        e = self._entries.get(key)
        if e is None:
            return
        rows = [
            ("Mục", f"{e.seq} — {_ACTIONS.get(e.action, e.action)}"),
            ("Lúc", datetime_vn(e.at)),
            ("Người", e.user),
        ]
        if e.document_id is not None:
            rows.append(("Văn bản", f"#{e.document_id}"))
        if e.sha256:
            rows.append(("Băm tệp (SHA-256)", e.sha256))
        rows.extend(detail_rows(e.detail))
        rows.append(("Nơi", e.origin))
        box.update(labelled(rows))

    def action_back(self) -> None:
        """Đóng."""
        self.dismiss(None)
