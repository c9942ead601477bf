"""Where the number, the date line and the seal go on the leader-signed page.

Pure helpers of the issuance screen: the issuance date read and written as Vietnamese
text, the boxes of :func:`kyso.core.issue_service.seal_preview` laid on a character map
of the page and drawn on the thumbnail.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

__all__ = [
    "THUMB_WIDTH",
    "Box",
    "boxes_map",
    "date_words",
    "issue_date",
    "marked_png",
    "page_boxes",
    "page_text",
    "parse_date",
]

THUMB_WIDTH = 420
Box = tuple[float, float, float, float]


def parse_date(text: str) -> dt.date:
    """``27/11/2026`` (or ``2026-11-27``) → a date; :class:`ValueError` otherwise."""
    text = text.strip()
    if "/" in text:
        day, month, year = (int(part) for part in text.split("/"))
        return dt.date(year, month, day)
    return dt.date.fromisoformat(text)


def issue_date(text: str, today: dt.date) -> dt.date:
    """The issuance date typed in the box; :class:`ValueError` with the message to show
    when it is not a date or not in last year, this year or next year."""
    try:
        day = parse_date(text)
    except ValueError:
        raise ValueError(f"Ngày không hợp lệ: “{text}” (dạng dd/mm/yyyy)") from None
    if abs(day.year - today.year) > 1:
        raise ValueError("Ngày ban hành phải trong năm trước, năm nay hoặc năm sau")
    return day


def date_words(day: dt.date) -> str:
    """``ngày 05 tháng 02 năm 2026`` (leading zero for days < 10 and months 1–2)."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def boxes_map(
    boxes: list[tuple[Box, str]], size: tuple[float, float], cols: int = 20, rows: int = 12
) -> str:
    """A character map of a page with each box filled with its mark; where the seal
    (``█``) covers the leader's signature (``▒``) the cell shows ``▓``."""
    width, height = size
    lines = []
    for r in range(rows):
        top = height * (1 - r / rows)
        bottom = height * (1 - (r + 1) / rows)
        line = []
        for c in range(cols):
            left = width * c / cols
            right = width * (c + 1) / cols
            marks = [
                mark
                for (x0, y0, x1, y1), mark in boxes
                if left < x1 and right > x0 and bottom < y1 and top > y0
            ]
            if "█" in marks and "▒" in marks:
                line.append("▓")
            elif marks:
                line.append(marks[-1])
            else:
                line.append("·")
        lines.append("".join(line))
    return "\n".join(lines)


def page_boxes(
    preview: Any,
    page: int,
    *,
    only_number: bool,
    number_text: str,
    place: str,
    date: dt.date,
) -> list[tuple[Box, str, str]]:
    """(box, mark, label) of what goes on ``page`` of the previewed file."""
    if preview is None:
        return []
    found: list[tuple[Box, str, str]] = []
    if page == preview.page:
        found.append((preview.leader_box, "▒", "chữ ký lãnh đạo"))
        if not only_number:
            found.append((preview.seal_box, "█", "con dấu, chữ ký cơ quan"))
    if page == 0:
        if preview.number_box is not None:
            found.append((preview.number_box, "S", f"Số: {number_text}"))
        if preview.date_box is not None:
            where = f"{place}, " if place else "…, "
            found.append((preview.date_box, "N", where + date_words(date)))
    return found


def page_text(
    boxes: list[tuple[Box, str, str]],
    *,
    page: int,
    signed_page: int,
    page_count: int,
    page_size: tuple[float, float],
    text: str,
) -> str:
    """The page map with the boxes and their legend, then the page's text."""
    legend = [f"{mark} {label}" for _box, mark, label in boxes]
    if any(m == "█" for _b, m, _l in boxes):
        legend.append("▓ con dấu trùm lên chữ ký")
    where = "trang chữ ký" if page == signed_page else "trang đầu"
    if page not in (0, signed_page):
        where = "không có ô nào trên trang này"
    page_map = boxes_map([(b, m) for b, m, _l in boxes], page_size).splitlines()
    rows = [
        f"{line}  {legend[i] if i < len(legend) else ''}".rstrip()
        for i, line in enumerate(page_map)
    ]
    return f"Trang {page + 1}/{page_count} ({where})\n" + "\n".join(rows) + "\n\n" + text


def marked_png(
    base_png: bytes | None,
    page_size: tuple[float, float],
    boxes: list[tuple[Box, str, str]],
    seal_png: bytes | None,
) -> bytes | None:
    """The page thumbnail with the boxes outlined and the seal image laid in its box."""
    if base_png is None:
        return None
    from PIL import Image, ImageDraw

    image = Image.open(io.BytesIO(base_png)).convert("RGBA")
    scale = image.width / page_size[0]
    height = page_size[1]
    draw = ImageDraw.Draw(image)
    colours = {"▒": (30, 60, 220), "█": (220, 0, 0), "S": (0, 150, 60), "N": (0, 150, 60)}
    for (x0, y0, x1, y1), mark, _label in boxes:
        rect = (x0 * scale, (height - y1) * scale, x1 * scale, (height - y0) * scale)
        if mark == "█" and seal_png is not None:
            seal = Image.open(io.BytesIO(seal_png)).convert("RGBA")
            size = (max(1, int(rect[2] - rect[0])), max(1, int(rect[3] - rect[1])))
            seal = seal.resize(size)
            image.alpha_composite(seal, (int(rect[0]), int(rect[1])))
        draw.rectangle(rect, outline=colours.get(mark, (0, 0, 0)), width=2)
    out = io.BytesIO()
    image.convert("RGB").save(out, "PNG")
    return out.getvalue()
