"""Ways to change a signed PDF after the fact, each as a real tool would do it.

PyMuPDF for what a user's PDF editor does (incremental save after adding text or an
annotation), pyHanko's IncrementalPdfFileWriter for precise object surgery. Each
function reads ``signed`` and writes a new file ``out``; the signed file is not touched.
"""

from __future__ import annotations

import shutil
from io import BytesIO
from pathlib import Path


def _mupdf_incremental(signed: Path, out: Path, change) -> Path:
    import pymupdf

    shutil.copyfile(signed, out)
    with pymupdf.open(out) as doc:
        change(doc)
        doc.saveIncr()
    return out


def text_added(signed: Path, out: Path) -> Path:
    """A line of text written onto page 1, saved incrementally (PyMuPDF)."""
    return _mupdf_incremental(
        signed, out, lambda doc: doc[0].insert_text((72, 72), "Sửa sau khi ký", fontsize=14)
    )


def annotation_added(signed: Path, out: Path) -> Path:
    """A sticky-note annotation on page 1, saved incrementally (PyMuPDF)."""
    return _mupdf_incremental(
        signed, out, lambda doc: doc[0].add_text_annot((100, 100), "Ghi chú thêm")
    )


def _pyhanko_edit(signed: Path, out: Path, change) -> Path:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(BytesIO(signed.read_bytes()), strict=False)
    change(writer)
    buf = BytesIO()
    writer.write(buf)
    out.write_bytes(buf.getvalue())
    return out


def _stream(writer, data: bytes):
    from pyhanko.pdf_utils import generic

    return writer.add_object(generic.StreamObject(stream_data=data))


def contents_replaced(signed: Path, out: Path) -> Path:
    """Page 1's /Contents pointed at a new stream (pyHanko)."""

    def change(writer):
        page_ref, _res = writer.find_page_for_modification(0)
        page = page_ref.get_object()
        page["/Contents"] = _stream(writer, b"BT /F1 24 Tf 72 700 Td (GIA MAO) Tj ET")
        writer.update_container(page)

    return _pyhanko_edit(signed, out, change)


def _signature_widget(writer):
    from pyhanko.sign.fields import enumerate_sig_fields

    [(_name, _value, field_ref)] = list(enumerate_sig_fields(writer, filled_status=True))[:1]
    return field_ref.get_object()


def appearance_blanked(signed: Path, out: Path) -> Path:
    """The signature widget's normal appearance replaced by an empty form XObject."""
    from pyhanko.pdf_utils import generic

    def change(writer):
        widget = _signature_widget(writer)
        blank = generic.StreamObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/XObject"),
                generic.NameObject("/Subtype"): generic.NameObject("/Form"),
                generic.NameObject("/BBox"): generic.ArrayObject([generic.NumberObject(0)] * 4),
            },
            stream_data=b"",
        )
        widget["/AP"] = generic.DictionaryObject(
            {generic.NameObject("/N"): writer.add_object(blank)}
        )
        writer.update_container(widget)

    return _pyhanko_edit(signed, out, change)


def signature_removed(signed: Path, out: Path) -> Path:
    """The last revision drops the signature field from the form and from its page."""
    from pyhanko.pdf_utils import generic

    def change(writer):
        acroform = writer.root["/AcroForm"]
        acroform["/Fields"] = generic.ArrayObject()
        writer.update_container(acroform)
        for index in range(int(writer.root["/Pages"]["/Count"])):
            page_ref, _res = writer.find_page_for_modification(index)
            page = page_ref.get_object()
            if "/Annots" in page:
                page["/Annots"] = generic.ArrayObject()
                writer.update_container(page)

    return _pyhanko_edit(signed, out, change)


def info_changed(signed: Path, out: Path) -> Path:
    """The document information dictionary (/Info) rewritten (title changed)."""
    from pyhanko.pdf_utils import generic

    def change(writer):
        info = generic.DictionaryObject(
            {generic.NameObject("/Title"): generic.TextStringObject("Tiêu đề đã sửa")}
        )
        writer.trailer["/Info"] = writer.add_object(info)
        writer.update_root()

    return _pyhanko_edit(signed, out, change)


def bytes_appended(signed: Path, out: Path) -> Path:
    """Junk appended after the final %%EOF (not a revision)."""
    out.write_bytes(signed.read_bytes() + b"\nTHEM DU LIEU LA SAU KHI KY\n")
    return out


CASES = {
    "text_added": text_added,
    "contents_replaced": contents_replaced,
    "annotation_added": annotation_added,
    "appearance_blanked": appearance_blanked,
    "signature_removed": signature_removed,
    "info_changed": info_changed,
    "bytes_appended": bytes_appended,
}


def annotation_added_cleanly(signed: Path, out: Path) -> Path:
    """A square annotation added to page 1's /Annots and nothing else (pyHanko)."""
    from pyhanko.pdf_utils import generic

    def change(writer):
        page_ref, _res = writer.find_page_for_modification(0)
        page = page_ref.get_object()
        annot = generic.DictionaryObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/Annot"),
                generic.NameObject("/Subtype"): generic.NameObject("/Square"),
                generic.NameObject("/Rect"): generic.ArrayObject(
                    [generic.NumberObject(v) for v in (100, 100, 200, 200)]
                ),
                generic.NameObject("/P"): page_ref,
            }
        )
        annots = generic.ArrayObject(list(page.raw_get("/Annots")) if "/Annots" in page else [])
        annots.append(writer.add_object(annot))
        page["/Annots"] = annots
        writer.update_container(page)

    return _pyhanko_edit(signed, out, change)


CASES["annotation_added_cleanly"] = annotation_added_cleanly
