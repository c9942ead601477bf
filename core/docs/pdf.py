"""Open and check an input PDF before anything is done with it.

Every way a file can be wrong becomes a :class:`DocumentError` with a message that
names the file and says what is wrong. The input is only ever read.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from kyso.core.errors import DocumentError

__all__ = ["PdfCheck", "check_pdf", "open_mupdf", "read_pdf_bytes"]


@dataclass(frozen=True)
class PdfCheck:
    """What the pre-flight learned about a PDF."""

    path: Path
    sha256: str
    page_count: int
    signature_count: int
    locked: bool
    """A certification signature forbids further changes (DocMDP P=1)."""
    signature_fields: frozenset[str] = frozenset()
    """Names of all signature fields, signed or empty."""
    signed_fields: frozenset[str] = frozenset()
    """Names of the signature fields that hold a signature."""


def read_pdf_bytes(path: Path) -> bytes:
    """The file's bytes, refusing missing, empty and non-PDF files."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DocumentError(f"Không tìm thấy tệp: {path}") from None
    except IsADirectoryError:
        raise DocumentError(f"Đây là thư mục, không phải tệp PDF: {path}") from None
    except PermissionError:
        raise DocumentError(f"Không có quyền đọc tệp: {path}") from None
    except OSError as exc:
        raise DocumentError(f"Không đọc được tệp {path}: {exc.strerror}") from None
    if not data:
        raise DocumentError(f"Tệp rỗng (0 byte): {path}")
    if b"%PDF-" not in data[:1024]:
        raise DocumentError(f"Không phải tệp PDF: {path}")
    return data


def open_reader(data: bytes, path: Path):
    """A pyHanko reader over ``data``; broken and encrypted files are refused."""
    from io import BytesIO

    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
    except (PdfReadError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise DocumentError(f"Tệp PDF bị hỏng, không đọc được: {path} ({exc})") from None
    if reader.encrypted:
        raise DocumentError(f"Tệp PDF đã mã hoá (có mật khẩu), không ký được: {path}")
    try:
        reader.root  # noqa: B018 — forces the catalog and xref to be read
        _ = reader.root["/Pages"]["/Count"]
    except Exception as exc:  # any failure here means a broken file
        raise DocumentError(f"Tệp PDF bị hỏng, không đọc được: {path} ({exc})") from None
    return reader


def check_pdf(path: Path, data: bytes | None = None) -> PdfCheck:
    """Pre-flight one file: readable, a PDF, not broken, not encrypted, not locked."""
    path = Path(path)
    if data is None:
        data = read_pdf_bytes(path)
    reader = open_reader(data, path)
    page_count = int(reader.root["/Pages"]["/Count"])
    signatures = reader.embedded_signatures
    locked = False
    try:
        from pyhanko.sign.fields import MDPPerm

        perms = [s.docmdp_level for s in signatures]
        locked = any(p == MDPPerm.NO_CHANGES for p in perms if p is not None)
    except Exception:  # a damaged DocMDP dictionary is caught at signing
        locked = False
    from pyhanko.sign.fields import enumerate_sig_fields

    names, signed = set(), set()
    for name, value, _ref in enumerate_sig_fields(reader):
        names.add(name)
        if value is not None:
            signed.add(name)
    return PdfCheck(
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        page_count=page_count,
        signature_count=len(signatures),
        locked=locked,
        signature_fields=frozenset(names),
        signed_fields=frozenset(signed),
    )


def open_mupdf(source):
    """A PyMuPDF document over PDF bytes (an already open document is returned as is)."""
    import pymupdf

    if isinstance(source, pymupdf.Document):
        return source
    try:
        return pymupdf.open(stream=source, filetype="pdf")
    except Exception as exc:  # MuPDF raises its own types
        raise DocumentError(f"Không mở được tài liệu PDF: {exc}") from None
