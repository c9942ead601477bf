"""Pre-flight of one input file for signing, on its own: a bad file in a batch becomes
one clear :class:`DocumentError`, never a traceback that stops the others.

Checked: readable PDF, no damage (or repaired on a copy with ``repair``), page tree
(cycles, a lying /Count), encryption (owner-password-only files pass when their
permissions allow a signature), existing signatures and DocMDP locking.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from kyso.core.docs.pdf import PdfCheck, check_pdf, read_pdf_bytes, signing_allowed
from kyso.core.errors import DocumentError, KysoError

__all__ = ["load_for_signing"]


def load_for_signing(
    path: Path, *, repair: bool = False, field_name: str | None = None
) -> tuple[bytes, PdfCheck]:
    """The bytes to sign (the input's, or a repaired copy's) and what the pre-flight
    learned. Any failure is a :class:`DocumentError` naming the file."""
    from kyso.core.docs.repair import REPAIR_TOOL, damage, looks_signed, repair_bytes

    path = Path(path)
    data = read_pdf_bytes(path)
    repaired_with = None
    try:
        problem = damage(data)
        if problem is not None:
            if not repair:
                hint = "" if looks_signed(data) else "; dùng --repair để sửa rồi ký"
                raise DocumentError(f"Tệp PDF bị hỏng ({problem}): {path}{hint}")
            data = repair_bytes(data, path)
            repaired_with = REPAIR_TOOL
        check = check_pdf(path, data)
    except KysoError:
        raise
    except RecursionError:
        raise DocumentError(f"Cấu trúc tệp PDF lồng vòng (tệp hỏng): {path}") from None
    except Exception as exc:  # whatever a hostile file does, one line for this file
        raise DocumentError(f"Tệp PDF bị hỏng, không đọc được: {path} ({exc})") from None
    if check.locked:
        raise DocumentError(f"Tài liệu đã được chứng thực và khoá, không cho ký thêm: {path}")
    existing = bool(field_name) and field_name in check.signature_fields
    if not signing_allowed(check.permissions, new_field=not existing):
        raise DocumentError(
            f"Tệp PDF bị chủ sở hữu giới hạn quyền (mật khẩu chủ sở hữu): không cho phép "
            f"thêm chữ ký hay sửa đổi: {path}"
        )
    return data, replace(check, repaired_with=repaired_with)
