"""Pre-flight of one input file for signing, on its own: a bad file in a batch becomes
one clear :class:`DocumentError`, never a traceback that stops the others.

Checked: readable PDF, no damage (or repaired on a copy with ``repair``), page tree
(cycles, a lying /Count), encryption (owner-password-only files pass when their
permissions allow a signature), existing signatures and DocMDP locking.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from kyso.core.docs.pdf import PdfCheck, check_pdf_reader, read_pdf_bytes, signing_allowed
from kyso.core.errors import DocumentError, KysoError

__all__ = ["Loaded", "load_for_signing", "open_for_signing"]


@dataclass(frozen=True)
class Loaded:
    """What the pre-flight parsed, kept so the later steps do not parse it again."""

    data: bytes = field(repr=False)
    check: PdfCheck
    reader: Any = field(default=None, repr=False)
    """The pyHanko reader of the checks; it has only read the file."""
    doc: Any = field(default=None, repr=False)
    """The PyMuPDF document the damage check opened (None after a repair); the caller
    closes it."""


def load_for_signing(
    path: Path, *, repair: bool = False, field_name: str | None = None
) -> tuple[bytes, PdfCheck]:
    """The bytes to sign (the input's, or a repaired copy's) and what the pre-flight
    learned. Any failure is a :class:`DocumentError` naming the file."""
    loaded = open_for_signing(path, repair=repair, field_name=field_name)
    if loaded.doc is not None:
        loaded.doc.close()
    return loaded.data, loaded.check


def open_for_signing(path: Path, *, repair: bool = False, field_name: str | None = None) -> Loaded:
    """:func:`load_for_signing`, keeping the parsed reader and PyMuPDF document (each
    file is parsed once by each library). The caller closes ``doc``."""
    from kyso.core.docs.repair import REPAIR_TOOL, damage_and_document, looks_signed, repair_bytes

    path = Path(path)
    data = read_pdf_bytes(path)
    repaired_with = doc = None
    try:
        problem, doc = damage_and_document(data)
        if problem is not None:
            if not repair:
                hint = "" if looks_signed(data) else "; dùng --repair để sửa rồi ký"
                raise DocumentError(f"Tệp PDF bị hỏng ({problem}): {path}{hint}")
            data = repair_bytes(data, path)
            repaired_with = REPAIR_TOOL
        check, reader = check_pdf_reader(path, data)
        if check.locked:
            raise DocumentError(f"Tài liệu đã được chứng thực và khoá, không cho ký thêm: {path}")
        existing = bool(field_name) and field_name in check.signature_fields
        if not signing_allowed(check.permissions, new_field=not existing):
            raise DocumentError(
                f"Tệp PDF bị chủ sở hữu giới hạn quyền (mật khẩu chủ sở hữu): không cho "
                f"phép thêm chữ ký hay sửa đổi: {path}"
            )
    except BaseException as exc:
        if doc is not None:
            doc.close()
        if isinstance(exc, KysoError):
            raise
        if isinstance(exc, RecursionError):
            raise DocumentError(f"Cấu trúc tệp PDF lồng vòng (tệp hỏng): {path}") from None
        if isinstance(exc, Exception):  # whatever a hostile file does, one line for it
            raise DocumentError(f"Tệp PDF bị hỏng, không đọc được: {path} ({exc})") from None
        raise
    return Loaded(data, replace(check, repaired_with=repaired_with), reader, doc)
