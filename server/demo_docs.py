"""Demo outgoing documents as real PDFs, laid out as Decree 30/2020/NĐ-CP asks.

A4; the organization's header on the left ("UBND TỈNH ĐẮK NÔNG" / "SỞ THÔNG TIN VÀ
TRUYỀN THÔNG"), the national motto on the right, the number line ("Số:      /KH-STTTT")
and the italic place-and-date line left blank for the clerk until the document is
issued, the type and summary as the title (or "V/v …" for a công văn), justified body
paragraphs, then "Nơi nhận:" on the left and the signature block on the right — the
title line ("GIÁM ĐỐC"), room for the signature, and the signer's name. Pages after the
first are numbered at the top. An appendix (phụ lục) is a separate PDF with a table.

The font is Noto Sans from the ``pymupdf-fonts`` package (a Unicode font shipped on
PyPI), so Vietnamese diacritics render everywhere without system fonts.

Public API: :class:`DemoOrg`, :class:`DemoDocument`, :func:`render_document`,
:func:`render_appendix`, and :data:`DEMO_ORG` / :data:`DEMO_DOCUMENTS` (the seed data).
"""

from __future__ import annotations

import datetime as dt
import functools

from kyso.server.demo_content import DEMO_DOCUMENTS, DEMO_ORG, DemoDocument, DemoOrg

__all__ = [
    "DEMO_DOCUMENTS",
    "DEMO_ORG",
    "DemoDocument",
    "DemoOrg",
    "date_line",
    "render_appendix",
    "render_document",
]

PAGE_W, PAGE_H = 595.28, 841.89  # A4 in points
MM = 72 / 25.4
LEFT, RIGHT = 30 * MM, PAGE_W - 15 * MM
TOP, BOTTOM = 20 * MM, PAGE_H - 20 * MM
BODY_SIZE = 12.5
LEADING = 1.4


@functools.cache
def _fonts() -> dict[str, object]:
    import pymupdf

    return {
        "r": pymupdf.Font("notos"),
        "b": pymupdf.Font("notosbo"),
        "i": pymupdf.Font("notosit"),
        "bi": pymupdf.Font("notosbi"),
    }


@functools.cache
def _advances(style: str) -> dict[str, float]:
    return {}


def date_line(place: str, day: dt.date | None, year: int) -> str:
    """``"Đắk Nông, ngày 05 tháng 02 năm 2026"``, or with blanks when ``day`` is None.

    Days below 10 and months 1–2 get a leading 0 (Decree 30).
    """
    if day is None:
        return f"{place}, ngày      tháng      năm {year}"
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


class _Pages:
    """A tiny line layout engine over PyMuPDF pages (text writers flushed at the end)."""

    def __init__(self) -> None:
        import pymupdf

        self._pymupdf = pymupdf
        self.doc = pymupdf.open()
        self.fonts = _fonts()
        self.pages = 0
        self.page = None
        self.writer = None
        self.y = TOP
        self.new_page()

    def new_page(self) -> None:
        self._flush()
        self.page = self.doc.new_page(width=PAGE_W, height=PAGE_H)
        self.writer = self._pymupdf.TextWriter(self.page.rect)
        self.pages += 1
        number = self.pages
        self.y = TOP
        if number > 1:
            self.center(PAGE_W / 2, TOP - 8, str(number), "r", 11)
            self.y = TOP + 16

    def width(self, text: str, style: str, size: float) -> float:
        advances = _advances(style)
        font = self.fonts[style]
        total = 0.0
        for ch in text:
            adv = advances.get(ch)
            if adv is None:
                adv = advances[ch] = font.glyph_advance(ord(ch))
            total += adv
        return total * size

    def put(self, x: float, y: float, text: str, style: str, size: float) -> None:
        self.writer.append((x, y), text, font=self.fonts[style], fontsize=size)

    def center(self, cx: float, y: float, text: str, style: str, size: float) -> float:
        w = self.width(text, style, size)
        self.put(cx - w / 2, y, text, style, size)
        return w

    def rule(self, cx: float, y: float, length: float) -> None:
        self.page.draw_line((cx - length / 2, y), (cx + length / 2, y), width=0.6)

    def wrap(self, text: str, style: str, size: float, width: float, indent: float = 0) -> list:
        lines: list[list[str]] = []
        current: list[str] = []
        used = 0.0
        space = self.width(" ", style, size)
        limit = width - indent
        for word in text.split(" "):
            if not word:
                continue
            w = self.width(word, style, size)
            if current and used + space + w > limit:
                lines.append(current)
                current, used, limit = [word], w, width
            else:
                used += (space if current else 0) + w
                current.append(word)
        if current:
            lines.append(current)
        return lines

    def ensure(self, height: float) -> None:
        if self.y + height > BOTTOM:
            self.new_page()

    def paragraph(
        self,
        text: str,
        *,
        style: str = "r",
        size: float = BODY_SIZE,
        indent: float = 10 * MM,
        left: float = LEFT,
        right: float = RIGHT,
        align: str = "justify",
        after: float = 4,
    ) -> None:
        lead = size * LEADING
        lines = self.wrap(text, style, size, right - left, indent)
        for number, words in enumerate(lines):
            self.ensure(lead)
            self.y += lead
            x0 = left + (indent if number == 0 else 0)
            line = " ".join(words)
            if align == "center":
                self.center((left + right) / 2, self.y, line, style, size)
            elif align == "justify" and number < len(lines) - 1 and len(words) > 1:
                widths = [self.width(w, style, size) for w in words]
                gap = (right - x0 - sum(widths)) / (len(words) - 1)
                x = x0
                for word, w in zip(words, widths, strict=True):
                    self.put(x, self.y, word, style, size)
                    x += w + gap
            else:
                self.put(x0, self.y, line, style, size)
        self.y += after

    def _flush(self) -> None:
        if self.writer is not None:
            self.writer.write_text(self.page)
            self.writer = None

    def finish(self) -> bytes:
        self._flush()
        self.doc.subset_fonts()
        data = self.doc.tobytes(garbage=1, deflate=True)
        self.doc.close()
        return data


def _header(p: _Pages, doc: DemoDocument, org: DemoOrg) -> None:
    size = 11.5
    left_lines = [(org.parent.upper(), "r"), (org.name.upper(), "b")]
    right_lines = [
        ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "b"),
        ("Độc lập - Tự do - Hạnh phúc", "b"),
    ]
    wl = max(p.width(t, s, size) for t, s in left_lines)
    wr = max(p.width(t, s, size + 0.5) for t, s in right_lines)
    cl = LEFT - 12 * MM + wl / 2
    cr = RIGHT + 5 * MM - wr / 2
    y = TOP + 4
    p.center(cl, y, left_lines[0][0], "r", size)
    p.center(cr, y, right_lines[0][0], "b", size)
    y += size * 1.3
    org_w = p.center(cl, y, left_lines[1][0], "b", size)
    motto_w = p.center(cr, y, right_lines[1][0], "b", size + 0.5)
    p.rule(cl, y + 4, org_w / 3)
    p.rule(cr, y + 4, motto_w)
    y += 28
    ky_hieu = doc.ky_hieu(org)
    number = f"{doc.so:02d}" if doc.so else "      "
    p.center(cl, y, f"Số: {number}/{ky_hieu}", "r", 12.5)
    p.center(cr, y, date_line(org.place, doc.ngay_ban_hanh, doc.year), "i", 12.5)
    p.y = y
    if doc.loai_ky_hieu == "CV":
        half = (cl - LEFT + 12 * MM) + 10
        p.paragraph(
            f"V/v {doc.trich_yeu}",
            size=11.5,
            indent=0,
            left=cl - half,
            right=cl + half,
            align="center",
        )
        p.y += 14
        if doc.kinh_gui:
            p.paragraph("Kính gửi:", style="r", size=13, indent=0, align="center", after=0)
            for recipient in doc.kinh_gui:
                p.paragraph(
                    f"- {recipient};" if len(doc.kinh_gui) > 1 else recipient,
                    size=13,
                    indent=0,
                    left=LEFT + 55 * MM if len(doc.kinh_gui) > 1 else LEFT,
                    align="left" if len(doc.kinh_gui) > 1 else "center",
                    after=0,
                )
            p.y += 8
    else:
        p.y += 26
        p.paragraph(doc.loai.upper(), style="b", size=13.5, indent=0, align="center", after=0)
        p.paragraph(
            doc.title_line or doc.trich_yeu,
            style="b",
            size=13,
            indent=0,
            left=LEFT + 12 * MM,
            right=RIGHT - 12 * MM,
            align="center",
            after=0,
        )
        p.rule(PAGE_W / 2 + (LEFT - (PAGE_W - RIGHT)) / 2, p.y + 6, 45 * MM)
        p.y += 14


def _body(p: _Pages, doc: DemoDocument) -> None:
    for block in doc.body:
        if block.startswith("# "):
            p.y += 2
            p.paragraph(block[2:], style="b", indent=10 * MM, after=2)
        elif block.startswith("^ "):
            p.y += 4
            p.paragraph(block[2:], style="b", size=13, indent=0, align="center", after=4)
        elif block.startswith("## "):
            p.paragraph(block[3:], style="b", indent=10 * MM, after=2)
        else:
            p.paragraph(block)


def _signature(p: _Pages, doc: DemoDocument) -> None:
    signature_h = 16 + (13 * 1.3 if doc.signer_on_behalf else 0) + 100 + 6
    recipients_h = 16 + len(doc.noi_nhan) * 11 * 1.35 + 6
    p.ensure(10 + max(signature_h, recipients_h))
    p.y += 10
    top = p.y
    sig_cx = RIGHT - 38 * MM
    y = top + 16
    if doc.signer_on_behalf:
        p.center(sig_cx, y, doc.signer_on_behalf, "b", 13)
        y += 13 * 1.3
    p.center(sig_cx, y, doc.signer_title, "b", 13)
    p.center(sig_cx, y + 100, doc.signer_name, "b", 13)
    ny = top + 16
    p.put(LEFT, ny, "Nơi nhận:", "bi", 12)
    for recipient in doc.noi_nhan:
        ny += 11 * 1.35
        p.put(LEFT, ny, f"- {recipient}", "r", 11)
    p.y = max(y + 100, ny) + 10


def render_document(doc: DemoDocument, org: DemoOrg = DEMO_ORG) -> bytes:
    """The document as a PDF (bytes), Decree 30 layout, number and date blank until issued."""
    p = _Pages()
    _header(p, doc, org)
    _body(p, doc)
    _signature(p, doc)
    return p.finish()


def render_appendix(doc: DemoDocument, org: DemoOrg = DEMO_ORG) -> bytes | None:
    """The document's appendix (a separate PDF with a table), or ``None`` if it has none."""
    appendix = doc.appendix
    if appendix is None:
        return None
    p = _Pages()
    p.y = TOP + 10
    p.paragraph(appendix.title.upper(), style="b", size=13, indent=0, align="center", after=0)
    p.paragraph(appendix.subtitle, style="b", size=12.5, indent=0, align="center", after=0)
    blank = "\u00a0" * 8  # a blank to fill in; never collapsed by the line wrapper
    when = f"ngày{blank}tháng{blank}năm {doc.year}"
    if doc.ngay_ban_hanh:
        when = date_line("", doc.ngay_ban_hanh, doc.year).removeprefix(", ")
    number = f"{doc.so:02d}" if doc.so else blank
    p.paragraph(
        f"(Kèm theo {doc.loai} số {number}/{doc.ky_hieu(org)} {when} của {org.name})",
        style="i",
        size=12,
        indent=0,
        align="center",
        after=12,
    )
    _table(p, appendix.columns, appendix.widths, appendix.rows)
    return p.finish()


def _table(
    p: _Pages,
    columns: tuple[str, ...],
    widths: tuple[float, ...],
    rows: tuple[tuple[str, ...], ...],
) -> None:
    size = 11
    lead = size * 1.35
    total = RIGHT - LEFT
    xs = [LEFT]
    for w in widths:
        xs.append(xs[-1] + total * w / sum(widths))

    def draw_row(cells: tuple[str, ...], style: str) -> None:
        wrapped = [p.wrap(c, style, size, xs[i + 1] - xs[i] - 8) for i, c in enumerate(cells)]
        height = max(len(w) for w in wrapped) * lead + 8
        if p.y + height > BOTTOM:
            p.new_page()
        top = p.y
        for i, lines in enumerate(wrapped):
            y = top + 4
            for words in lines:
                y += lead
                text = " ".join(words)
                if style == "b" or i == 0:
                    p.center((xs[i] + xs[i + 1]) / 2, y - 3, text, style, size)
                else:
                    p.put(xs[i] + 4, y - 3, text, style, size)
        for x in xs:
            p.page.draw_line((x, top), (x, top + height), width=0.5)
        p.page.draw_line((xs[0], top), (xs[-1], top), width=0.5)
        p.page.draw_line((xs[0], top + height), (xs[-1], top + height), width=0.5)
        p.y = top + height

    draw_row(columns, "b")
    for row in rows:
        draw_row(row, "r")
