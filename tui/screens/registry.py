"""Sổ đăng ký văn bản đi: the organization's registry book of one year (Decree 30/2020,
Art. 16, ten columns), switch the year, export to CSV or the printable PDF, and export
an issued document as an edXML package. Every export asks where to save (default: the
user's documents folder) and says where it went."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Static

from kyso.core.errors import KysoError
from kyso.tui.format import date_vn, datetime_vn, plain
from kyso.tui.screens.base import KysoScreen
from kyso.tui.widgets.key_bar import KeyBar

__all__ = [
    "COLUMNS",
    "RegistryScreen",
    "documents_folder",
    "edxml_name",
    "export_path",
    "registry_row",
]

COLUMNS: list[tuple[str, str, int]] = [
    ("so_ky_hieu", "Số, ký hiệu văn bản", 13),
    ("ngay", "Ngày tháng văn bản", 10),
    ("ten_loai_trich_yeu", "Tên loại và trích yếu nội dung", 34),
    ("nguoi_ky", "Người ký", 16),
    ("noi_nhan", "Nơi nhận văn bản", 22),
    ("noi_luu", "Đơn vị, người nhận bản lưu", 12),
    ("so_luong_ban", "Số lượng bản", 6),
    ("ngay_chuyen", "Ngày chuyển", 16),
    ("ky_nhan", "Ký nhận", 8),
    ("ghi_chu", "Ghi chú", 24),
]
"""The book's ten columns (field of ``RegistryEntry``, Vietnamese header, width)."""

_STATUS = {"pending": "đang giữ số", "cancelled": "bị huỷ", "issued": ""}


def registry_row(entry: Any) -> tuple[str, ...]:
    """One book row as shown: dates dd/mm/yyyy; a held number says so in Ghi chú."""
    raw = entry.raw
    cells = []
    for key, _header, _width in COLUMNS:
        value = raw.get(key)
        if key == "ngay":
            text = date_vn(str(value or ""))
        elif key == "ngay_chuyen":
            text = datetime_vn(str(value or ""))
        else:
            text = "" if value is None else " ".join(str(value).split())
        cells.append(text)
    status = _STATUS.get(entry.status, entry.status)
    if status and status not in cells[-1]:
        cells[-1] = f"{status}; {cells[-1]}" if cells[-1] else status
    return tuple(cells)


def documents_folder() -> Path:
    """The user's documents folder (platformdirs), where exports are offered to go."""
    import platformdirs

    return Path(platformdirs.user_documents_dir())


def export_path(year: int, fmt: str) -> Path:
    """The offered path of a book export: ``so-dang-ky-van-ban-di-<year>.<fmt>`` in the
    user's documents folder."""
    return documents_folder() / f"so-dang-ky-van-ban-di-{year}.{fmt}"


def edxml_name(so_ky_hieu: str) -> str:
    """``05/KH-STTTT`` → ``05-KH-STTTT.edxml.xml``."""
    return "-".join(so_ky_hieu.replace("/", " ").split()) + ".edxml.xml"


class BookLoaded(Message):
    """A worker read the book of ``year`` (or failed to)."""

    def __init__(self, year: int, entries: list[Any], error: str = "") -> None:
        super().__init__()
        self.year, self.entries, self.error = year, entries, error


class RegistryScreen(KysoScreen):
    """The book of one year in a table; `[` `]` change the year; CSV / PDF export."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Đóng", id="registry.close"),
        Binding("left_square_bracket", "year(-1)", "Năm trước", id="registry.previous_year"),
        Binding("right_square_bracket", "year(1)", "Năm sau", id="registry.next_year"),
        Binding("c", "export('csv')", "Xuất CSV", id="registry.csv"),
        Binding("p", "export('pdf')", "Xuất PDF", id="registry.pdf"),
        Binding("x", "edxml", "Xuất edXML", id="registry.edxml"),
        Binding("r", "reload", "Đọc lại", id="registry.reload"),
    ]

    def __init__(self, year: int | None = None) -> None:
        super().__init__(id="registry")
        self.year: int = year  # type: ignore[assignment]  # None → the service's year, in compose
        self.entries: list[Any] = []
        self.written: Path | None = None
        """The last exported file."""

    def compose(self) -> ComposeResult:
        if self.year is None:
            self.year = self.service.local_today().year
        yield Static("", id="registry-title")
        yield DataTable(id="registry-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="registry-status")
        yield KeyBar(id="registry-keys")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, header, width in COLUMNS:
            table.add_column(header, width=width, key=key)
        table.focus()
        self.reload()

    def reload(self) -> None:
        """Read the book of the current year again (in a worker)."""
        self._title("đang đọc…")
        self._load(self.year)

    def _title(self, info: str) -> None:
        org = self.service.user.org_name
        where = f" · {org}" if org else ""
        self.query_one("#registry-title", Static).update(
            f"Sổ đăng ký văn bản đi năm {self.year} · {info}{where}"
        )

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="registry-load",
        description="Đọc sổ đăng ký",
    )
    def _load(self, year: int) -> None:
        try:
            entries = self.service.registry(year)
        except KysoError as exc:
            self.post_message(BookLoaded(year, [], exc.message))
            return
        self.post_message(BookLoaded(year, entries))

    @on(BookLoaded)
    def _loaded(self, message: BookLoaded) -> None:
        if message.year != self.year:
            return
        self.entries = message.entries
        table = self.query_one(DataTable)
        table.clear()
        for entry in self.entries:
            table.add_row(*map(plain, registry_row(entry)), key=str(entry.id))
        if message.error:
            self._title("không đọc được")
            self.query_one("#registry-status", Static).update(plain(message.error, style="red"))
            return
        issued = sum(1 for e in self.entries if e.status == "issued")
        cancelled = sum(1 for e in self.entries if e.status == "cancelled")
        info = f"{len(self.entries)} số: {issued} đã phát hành"
        if cancelled:
            info += f", {cancelled} bị huỷ"
        self._title(info)
        if not self.entries:
            self.query_one("#registry-status", Static).update("Sổ năm này chưa có số nào.")
        elif self.written is None:
            self.query_one("#registry-status", Static).update(
                "[ ]: đổi năm · c: xuất CSV · p: xuất PDF (bản in) · x: xuất edXML văn bản"
            )

    def action_year(self, step: int) -> None:
        """Năm trước / năm sau."""
        self.year += step
        self.query_one(DataTable).clear()
        self.reload()

    def action_reload(self) -> None:
        """Đọc lại sổ từ máy chủ."""
        self.reload()

    def action_export(self, fmt: str) -> None:
        """Xuất sổ ra CSV hoặc PDF: hỏi nơi lưu (mặc định: thư mục Tài liệu)."""
        from kyso.tui.screens.save import SaveScreen

        year = self.year
        default = export_path(year, fmt)

        def chosen(path: str | None) -> None:
            if not path:
                self.query_one("#registry-status", Static).update("Đã huỷ xuất sổ.")
                return
            self.query_one("#registry-status", Static).update(f"Đang xuất {fmt.upper()}…")
            self._export(year, fmt, Path(path).expanduser())

        self.app.push_screen(
            SaveScreen(
                default.name, title=f"Xuất sổ {fmt.upper()} — lưu vào:", folder=default.parent
            ),
            chosen,
        )

    def action_edxml(self) -> None:
        """Xuất gói edXML của văn bản đã phát hành ở dòng đang chọn."""
        from kyso.tui.screens.save import SaveScreen

        table = self.query_one(DataTable)
        entry = (
            self.entries[table.cursor_row] if 0 <= table.cursor_row < len(self.entries) else None
        )
        if entry is None or entry.status != "issued":
            self.notify("Chọn một số đã phát hành để xuất edXML", severity="warning")
            return

        def chosen(path: str | None) -> None:
            if path:
                self.query_one("#registry-status", Static).update("Đang xuất edXML…")
                self._export_edxml(entry.doc_id, entry.so_ky_hieu, Path(path).expanduser())

        self.app.push_screen(
            SaveScreen(
                edxml_name(entry.so_ky_hieu),
                title=f"Xuất edXML văn bản {entry.so_ky_hieu} — lưu vào:",
                folder=documents_folder(),
            ),
            chosen,
        )

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="registry-export",
        description="Xuất sổ đăng ký",
    )
    def _export(self, year: int, fmt: str, path: Path) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path = self.service.export_registry(year, fmt, path)
        except OSError as exc:
            self.app.call_from_thread(self._exported, None, f"{path.parent}: {exc.strerror}")
            return
        except KysoError as exc:
            self.app.call_from_thread(self._exported, None, exc.message)
            return
        self.kyso.record("export_registry", year=year, format=fmt, file=str(path))
        self.app.call_from_thread(self._exported, path, "")

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="registry-export",
        description="Xuất edXML",
    )
    def _export_edxml(self, doc_id: int, so_ky_hieu: str, path: Path) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path = self.service.export_edxml(doc_id, path)
        except OSError as exc:
            self.app.call_from_thread(self._exported, None, f"{path.parent}: {exc.strerror}")
            return
        except KysoError as exc:
            self.app.call_from_thread(self._exported, None, exc.message)
            return
        self.kyso.record("export_edxml", document_id=doc_id, so=so_ky_hieu, file=str(path))
        self.app.call_from_thread(self._exported, path, "")

    def _exported(self, path: Path | None, error: str) -> None:
        status = self.query_one("#registry-status", Static)
        if path is None:
            status.update(plain("Không xuất được: ", error, style="red"))
            self.notify(error, title="Xuất", severity="error")
            return
        self.written = path
        status.update(plain("Đã ghi: ", path))
        self.notify(f"Đã ghi {path}", title="Xuất", timeout=8)

    def action_close(self) -> None:
        """Về hộp văn bản."""
        self.dismiss(None)
