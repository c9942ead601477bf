"""The registry book as files: CSV (UTF-8 with BOM, for spreadsheets) and a printable
A4 landscape PDF table with the Decree's ten columns and Vietnamese headers (PyMuPDF,
its bundled Noto Sans fonts).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

from kyso.server.registry import BOOK_COLUMNS

__all__ = ["book_cells", "book_csv", "book_pdf"]

_WIDTHS = (72, 56, 186, 72, 112, 74, 40, 62, 50, 62)
"""Column widths in points; they add up to the printable width of A4 landscape."""
_MARGIN = 28.0
_FONT_SIZE = 8.0
_LEADING = 10.0
_PAD = 3.0


def _date(value: str | None) -> str:
    if not value:
        return ""
    try:
        if "T" in value:
            return dt.datetime.fromisoformat(value).strftime("%d/%m/%Y %H:%M")
        return dt.date.fromisoformat(value).strftime("%d/%m/%Y")
    except ValueError:
        return value


def book_cells(entry: dict[str, Any]) -> list[str]:
    """The ten cells of one book row, as printed."""
    note = entry.get("ghi_chu") or ""
    if entry.get("status") == "pending":
        note = "Đang giữ số, chưa phát hành"
    elif entry.get("status") == "issued" and entry.get("only_number"):
        note = "; ".join(p for p in (note, "Chỉ điền số, ngày (không ký số cơ quan)") if p)
    cells = []
    for key, _header in BOOK_COLUMNS:
        value = entry.get(key)
        if key in ("ngay", "ngay_chuyen"):
            value = _date(value)
        elif key == "ghi_chu":
            value = note
        cells.append("" if value is None else str(value))
    return cells


def _no_formula(cell: str) -> str:
    """A cell a spreadsheet will not run as a formula (a trích yếu may start with "=")."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def book_csv(entries: Sequence[dict[str, Any]]) -> bytes:
    """The book as CSV: a header row with the ten Vietnamese headers, one row per number."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([header for _key, header in BOOK_COLUMNS])
    for entry in entries:
        writer.writerow([_no_formula(c) for c in book_cells(entry)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _wrap(font, text: str, width: float) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            trial = f"{line} {word}".strip()
            if line and font.text_length(trial, _FONT_SIZE) > width:
                lines.append(line)
                line = word
            else:
                line = trial
            while font.text_length(line, _FONT_SIZE) > width and len(line) > 1:
                cut = len(line)
                while cut > 1 and font.text_length(line[:cut], _FONT_SIZE) > width:
                    cut -= 1
                lines.append(line[:cut])
                line = line[cut:]
        lines.append(line)
    return lines or [""]


def book_pdf(entries: Sequence[dict[str, Any]], *, org_name: str, year: int) -> bytes:
    """The book as a printable PDF: A4 landscape, header repeated on every page."""
    import pymupdf

    regular, bold = pymupdf.Font("notos"), pymupdf.Font("notosbo")
    width, height = pymupdf.paper_size("a4-l")
    doc = pymupdf.open()
    page = None
    writer = None
    y = 0.0

    def flush() -> None:
        if page is not None and writer is not None:
            writer.write_text(page)

    def row(cells: list[str], font, shade: bool = False) -> None:
        nonlocal y
        wrapped = [_wrap(font, c, w - 2 * _PAD) for c, w in zip(cells, _WIDTHS, strict=True)]
        h = max(len(w) for w in wrapped) * _LEADING + 2 * _PAD
        if y + h > height - _MARGIN:
            new_page()
        x = _MARGIN
        for lines, w in zip(wrapped, _WIDTHS, strict=True):
            rect = pymupdf.Rect(x, y, x + w, y + h)
            page.draw_rect(
                rect, color=(0, 0, 0), fill=(0.92, 0.92, 0.92) if shade else None, width=0.5
            )
            ty = y + _PAD + _FONT_SIZE
            for line in lines:
                writer.append((x + _PAD, ty), line, font=font, fontsize=_FONT_SIZE)
                ty += _LEADING
            x += w
        y += h

    def new_page() -> None:
        nonlocal page, writer, y
        flush()
        page = doc.new_page(width=width, height=height)
        writer = pymupdf.TextWriter(page.rect)
        y = _MARGIN
        for text, font, size in (
            ("SỔ ĐĂNG KÝ VĂN BẢN ĐI", bold, 13.0),
            (f"{org_name} — năm {year}", regular, 10.0),
        ):
            tx = (width - font.text_length(text, size)) / 2
            writer.append((tx, y + size), text, font=font, fontsize=size)
            y += size + 6
        y += 4
        row([header for _key, header in BOOK_COLUMNS], bold, shade=True)
        row([f"({i})" for i in range(1, len(BOOK_COLUMNS) + 1)], regular, shade=True)

    new_page()
    if not entries:
        row(
            ["", "", "Chưa có văn bản nào được đăng ký trong năm.", "", "", "", "", "", "", ""],
            regular,
        )
    for entry in entries:
        row(book_cells(entry), regular)
    flush()
    total = doc.page_count
    for number, each in enumerate(doc, start=1):
        footer = pymupdf.TextWriter(each.rect)
        text = f"Trang {number}/{total}"
        footer.append(
            (width - _MARGIN - regular.text_length(text, _FONT_SIZE), height - _MARGIN / 2),
            text,
            font=regular,
            fontsize=_FONT_SIZE,
        )
        footer.write_text(each)
    data = doc.tobytes(garbage=3, deflate=True)
    doc.close()
    return data
