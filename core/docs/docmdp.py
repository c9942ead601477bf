"""The certification (DocMDP) permission of a PDF: what its author allows after signing.

P=1 no changes at all (only DSS and document timestamps), P=2 form filling and signing,
P=3 also annotations. ``None`` when the document is not certified. The pre-sign check
refuses to sign a P=1 document before asking for the PIN; the verdict reports it.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["DOCMDP_WORDS", "docmdp_permission"]

DOCMDP_WORDS = {
    1: "không cho phép thay đổi gì (P=1)",
    2: "chỉ cho phép điền biểu mẫu và ký (P=2)",
    3: "cho phép điền biểu mẫu, ký và thêm chú thích (P=3)",
}


def docmdp_permission(source) -> int | None:
    """The DocMDP P value (1, 2 or 3) of a certified PDF, or ``None``.

    ``source`` is a pyHanko ``PdfFileReader``, the file's bytes, or a path."""
    from pyhanko.sign.validation.pdf_embedded import read_certification_data

    reader = source
    if isinstance(source, bytes | bytearray | Path | str):
        from kyso.core.docs.pdf import open_reader, read_pdf_bytes

        if isinstance(source, bytes | bytearray):
            reader = open_reader(bytes(source), Path("<bytes>"))
        else:
            reader = open_reader(read_pdf_bytes(Path(source)), Path(source))
    try:
        info = read_certification_data(reader)
    except Exception:  # a damaged /Perms: treat as the strictest, it cannot be trusted
        return 1
    if info is None:
        return None
    return int(info.permission.value)
