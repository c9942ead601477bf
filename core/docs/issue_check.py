"""Issuance checks its own output before it is uploaded.

A file can be "signed" and still show nothing: widgets that are in /AcroForm but not in
the page's /Annots are never drawn, a stamp placed off the visible page is cut away. So
the issued bytes are read back the way a reader meets them: the fields hold the number
and date, their widgets are on page 1, MuPDF *drawing* page 1's annotations shows the
text, and every mark lies inside its page's CropBox (rotation included).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from io import BytesIO

from kyso.core.docs.issue_geometry import inside, page_frame
from kyso.core.docs.placement import Box
from kyso.core.errors import DocumentError

__all__ = [
    "IssuanceCheckError",
    "Mark",
    "annotation_text",
    "check_issued",
    "issued_problems",
    "rendered_text",
    "widget_marks",
]


class IssuanceCheckError(DocumentError):
    """The issued file failed kyso's own check (nothing was uploaded)."""

    title = "Kiểm tra bản phát hành"


@dataclass(frozen=True)
class Mark:
    """Something issuance drew: where, and what to call it in a message."""

    page: int
    box: Box
    what: str


def _flat(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def rendered_text(data: bytes, page: int = 0) -> str:
    """The text of a page as rendered, annotation appearances included (whitespace
    collapsed, NFC)."""
    import pymupdf

    with pymupdf.open(stream=data, filetype="pdf") as doc:
        # PyMuPDF hands back MuPDF's raw text page here; its own wrapper reads it.
        raw = doc[page].get_displaylist(annots=True).get_textpage()
        return _flat(pymupdf.TextPage(raw).extractText())


def annotation_text(data: bytes, page: int = 0) -> str:
    """The text MuPDF draws for a page's annotations and widgets (from the page's
    /Annots, hidden ones left out): what issuance added, without running the page's
    own content, which costs ten times as much."""
    import pymupdf
    from pymupdf import mupdf

    with pymupdf.open(stream=data, filetype="pdf") as doc:
        fz_page = doc[page].this
        if isinstance(fz_page, mupdf.PdfPage):
            fz_page = fz_page.super()
        textpage = mupdf.FzStextPage(mupdf.fz_bound_page(fz_page))
        device = mupdf.fz_new_stext_device(textpage, mupdf.FzStextOptions(0))
        try:
            mupdf.fz_run_page_annots(fz_page, device, mupdf.FzMatrix(), mupdf.FzCookie())
            mupdf.fz_run_page_widgets(fz_page, device, mupdf.FzMatrix(), mupdf.FzCookie())
        finally:
            mupdf.fz_close_device(device)
        return _flat(pymupdf.TextPage(textpage).extractText())


def _annot_ids(page) -> set[int]:
    annots = page.get("/Annots")  # pyHanko dereferences an indirect array here
    if annots is None:
        return set()
    return {ref.idnum for ref in annots.get_object() if hasattr(ref, "idnum")}


def widget_marks(data: bytes, fields: dict[str, str]) -> tuple[tuple[Mark, ...], tuple[str, ...]]:
    """The widgets of the named fields found in the pages' /Annots, as marks.

    ``fields``: field name → what to call its mark in a message. Returns the marks and
    the names of fields with no widget on any page (they cannot be seen). This is how
    the server finds what to check in a file it did not draw.
    """
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(BytesIO(data), strict=False)
    count = int(reader.root["/Pages"]["/Count"])
    marks: list[Mark] = []
    seen: set[str] = set()
    for index in range(count):
        annots = reader.find_page_for_modification(index)[0].get_object().get("/Annots")
        for ref in annots.get_object() if annots is not None else ():
            annot = ref.get_object()
            name = annot.get("/T")
            if name is None and "/Parent" in annot:
                name = annot["/Parent"].get_object().get("/T")
            if name is None or str(name) not in fields or "/Rect" not in annot:
                continue
            x0, y0, x1, y1 = (float(v) for v in annot["/Rect"])
            box = (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
            marks.append(Mark(index, box, fields[str(name)]))
            seen.add(str(name))
    return tuple(marks), tuple(n for n in fields if n not in seen)


def issued_problems(
    data: bytes,
    *,
    fields: dict[str, str] | None = None,
    texts: tuple[str, ...] = (),
    marks: tuple[Mark, ...] = (),
) -> list[str]:
    """Every problem of the issued ``data`` (empty when it passes), in Vietnamese.

    ``fields``: form field name → the value it must hold, its widget on page 1.
    ``texts``: what page 1 must show when rendered. ``marks``: boxes that must lie inside
    their page's visible area. The client (before uploading) and the server (before
    accepting) both run this.
    """
    from pyhanko.pdf_utils.reader import PdfFileReader

    problems: list[str] = []
    reader = PdfFileReader(BytesIO(data), strict=False)
    first_ref = reader.find_page_for_modification(0)[0]
    on_first = _annot_ids(first_ref.get_object())
    if fields:
        form = reader.root.get("/AcroForm")
        listed = form.get_object().get("/Fields") if form is not None else None
        found = {}
        for ref in listed.get_object() if listed is not None else ():
            found[str(ref.get_object().get("/T"))] = ref
        for field, value in fields.items():
            ref = found.get(field)
            if ref is None:
                problems.append(f"thiếu ô {field}")
                continue
            if _flat(str(ref.get_object().get("/V", ""))) != _flat(value):
                problems.append(f"ô {field} không chứa “{value}”")
            if getattr(ref, "idnum", None) not in on_first:
                problems.append(f"ô {field} không nằm trong chú thích (/Annots) của trang 1")
    for mark in marks:
        frame = page_frame(reader.find_page_for_modification(mark.page)[0].get_object())
        if not inside(frame, mark.box):
            box = ", ".join(f"{v:g}" for v in mark.box)
            crop = ", ".join(f"{v:g}" for v in frame.crop)
            problems.append(
                f"{mark.what} ({box}) ra ngoài vùng hiển thị của trang {mark.page + 1} ({crop})"
            )
    if texts:
        shown = annotation_text(data, 0)
        for text in texts:
            if _flat(text) not in shown:
                problems.append(f"trang 1 khi hiển thị không có chữ “{text}”")
    return problems


def check_issued(
    data: bytes,
    *,
    name: str,
    fields: dict[str, str] | None = None,
    texts: tuple[str, ...] = (),
    marks: tuple[Mark, ...] = (),
) -> None:
    """Raise :class:`IssuanceCheckError` listing every problem of the issued ``data``
    (see :func:`issued_problems`)."""
    problems = issued_problems(data, fields=fields, texts=texts, marks=marks)
    if problems:
        raise IssuanceCheckError(
            f"Bản phát hành {name} không đạt kiểm tra, không gửi lên: " + "; ".join(problems) + "."
        )
