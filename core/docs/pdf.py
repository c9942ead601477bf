"""Open and check an input PDF before anything is done with it.

Every way a file can be wrong becomes a :class:`DocumentError` with a message that
names the file and says what is wrong. The input is only ever read.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from kyso.core.errors import DocumentError

__all__ = [
    "PdfCheck",
    "check_pdf",
    "check_pdf_reader",
    "count_pages",
    "open_mupdf",
    "open_writer",
    "read_pdf_bytes",
    "signing_allowed",
]


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
    permissions: int | None = None
    """/P flags of a file encrypted with an owner password only; None if not encrypted."""
    repaired_with: str | None = None
    """The tool that rewrote a damaged file before signing (``--repair``), if any."""


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


# /P permission bits (ISO 32000-1, Table 22), 1-based as the standard counts them.
_MODIFY, _ANNOTATE, _FILL_FORMS = 1 << 3, 1 << 5, 1 << 8
_MAX_PAGES_NODES = 1_000_000


def open_reader(data: bytes, path: Path):
    """A pyHanko reader over ``data``; broken files and files that need a password to
    open are refused. An owner-password-only file (empty user password) is opened."""
    from io import BytesIO

    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
    except (PdfReadError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise DocumentError(f"Tệp PDF bị hỏng, không đọc được: {path} ({exc})") from None
    if reader.encrypted:
        from pyhanko.pdf_utils.crypt import AuthStatus

        try:
            status = reader.decrypt("").status
        except Exception:  # an unknown security handler (certificates, DRM)
            status = AuthStatus.FAILED
        if status == AuthStatus.FAILED:
            raise DocumentError(f"Tệp PDF có mật khẩu mở, không ký được: {path}")
    try:
        reader.root  # noqa: B018 — forces the catalog and xref to be read
        _ = reader.root["/Pages"]["/Count"]
    except Exception as exc:  # any failure here means a broken file
        raise DocumentError(f"Tệp PDF bị hỏng, không đọc được: {path} ({exc})") from None
    return reader


def permissions(reader) -> int | None:
    """The /P flags of an encrypted file, None when it is not encrypted."""
    if not reader.encrypted:
        return None
    try:
        return int(reader.encrypt_dict["/P"])
    except (KeyError, TypeError, ValueError):
        return 0


def signing_allowed(flags: int | None, *, new_field: bool) -> bool:
    """Whether /P lets a signature in: a new field needs "modify" and "annotate/fill
    forms"; signing an existing empty field needs "fill forms" (or "annotate")."""
    if flags is None:
        return True
    if new_field:
        return bool(flags & _MODIFY and flags & _ANNOTATE)
    return bool(flags & (_ANNOTATE | _FILL_FORMS))


def count_pages(reader, path: Path) -> int:
    """Walk the page tree: a cycle or a /Count that lies is a clear error, not a hang
    or a traceback later in signing."""
    from pyhanko.pdf_utils import generic

    root = reader.root.raw_get("/Pages")
    stack, seen, leaves = [root], set(), 0
    while stack:
        node_ref = stack.pop()
        key = (
            (node_ref.idnum, node_ref.generation)
            if isinstance(node_ref, generic.IndirectObject)
            else id(node_ref)
        )
        if key in seen:
            raise DocumentError(f"Cây trang của tệp PDF bị vòng lặp (tệp hỏng): {path}")
        seen.add(key)
        if len(seen) > _MAX_PAGES_NODES:
            raise DocumentError(f"Cây trang của tệp PDF quá lớn hoặc hỏng: {path}")
        node = node_ref.get_object()
        if not isinstance(node, generic.DictionaryObject):
            raise DocumentError(f"Cây trang của tệp PDF bị hỏng: {path}")
        kids = node.raw_get("/Kids") if "/Kids" in node else None
        if node.get("/Type") == "/Page" or kids is None:
            leaves += 1
            continue
        kids = kids.get_object()
        if not isinstance(kids, generic.ArrayObject):
            raise DocumentError(f"Cây trang của tệp PDF bị hỏng (/Kids): {path}")
        stack.extend(reversed([kids.raw_get(i) for i in range(len(kids))]))
    try:
        declared = int(reader.root["/Pages"]["/Count"])
    except (KeyError, TypeError, ValueError):
        declared = -1
    if declared != leaves:
        raise DocumentError(
            f"Tệp PDF khai báo {declared} trang (/Count) nhưng cây trang có {leaves} "
            f"trang (tệp hỏng): {path}"
        )
    if leaves == 0:
        raise DocumentError(f"Tệp PDF không có trang nào: {path}")
    return leaves


def check_pdf(path: Path, data: bytes | None = None) -> PdfCheck:
    """Pre-flight one file: readable, a PDF, not broken, opens without a password,
    page tree sound, not locked; what its signatures and permissions are."""
    path = Path(path)
    if data is None:
        data = read_pdf_bytes(path)
    return check_pdf_reader(path, data)[0]


def check_pdf_reader(path: Path, data: bytes):
    """:func:`check_pdf` and the pyHanko reader it parsed, which only read the file, so
    an incremental writer can take it over (:func:`open_writer`) instead of parsing the
    same bytes again."""
    reader = open_reader(data, path)
    try:
        page_count = count_pages(reader, path)
    except DocumentError:
        raise
    except Exception as exc:  # a damaged node pyHanko cannot even resolve
        raise DocumentError(f"Cây trang của tệp PDF bị hỏng: {path} ({exc})") from None
    try:
        signatures = reader.embedded_signatures
    except Exception as exc:
        raise DocumentError(f"Chữ ký có sẵn trong tệp bị hỏng: {path} ({exc})") from None
    locked = False
    try:
        from pyhanko.sign.fields import MDPPerm

        perms = [s.docmdp_level for s in signatures]
        locked = any(p == MDPPerm.NO_CHANGES for p in perms if p is not None)
    except Exception:  # a damaged DocMDP dictionary is caught at signing
        locked = False
    from pyhanko.sign.fields import enumerate_sig_fields

    names, signed = set(), set()
    try:
        for name, value, _ref in enumerate_sig_fields(reader):
            names.add(name)
            if value is not None:
                signed.add(name)
    except Exception as exc:
        raise DocumentError(f"Biểu mẫu (AcroForm) của tệp bị hỏng: {path} ({exc})") from None
    check = PdfCheck(
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        page_count=page_count,
        signature_count=len(signatures),
        locked=locked,
        signature_fields=frozenset(names),
        signed_fields=frozenset(signed),
        permissions=permissions(reader),
    )
    return check, reader


def open_mupdf(source):
    """A PyMuPDF document over PDF bytes (an already open document is returned as is)."""
    import pymupdf

    if isinstance(source, pymupdf.Document):
        return source
    try:
        return pymupdf.open(stream=source, filetype="pdf")
    except Exception as exc:  # MuPDF raises its own types
        raise DocumentError(f"Không mở được tài liệu PDF: {exc}") from None


def open_writer(data: bytes, reader=None):
    """pyHanko's incremental writer over ``data``; an owner-password-only file is opened
    with its empty user password so the update is encrypted the same way. ``reader``: an
    unencrypted pyHanko reader over the same bytes that nothing has written through yet
    (the pre-flight's), taken over instead of parsing again."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    if reader is not None and not reader.encrypted:
        return IncrementalPdfFileWriter.from_reader(reader)
    writer = IncrementalPdfFileWriter(BytesIO(data), strict=False)
    if writer.prev.encrypted:
        writer.encrypt("")
        encrypt = writer._encrypt
        if isinstance(encrypt, generic.DictionaryObject):
            # MuPDF writes /Encrypt inline in the trailer; pyHanko's writer needs it as
            # an object of its own (it must not encrypt that one object). The update
            # carries the same dictionary as an object, which readers accept.
            writer._encrypt = writer.add_object(encrypt)
    return writer
