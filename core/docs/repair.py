"""Damaged input: tell a repairable file from a sound one, and rewrite it (``--repair``).

Two kinds of damage are common in files from mail gateways and old converters: bytes
before ``%PDF-`` and a cross-reference table whose offsets are wrong. Readers cope by
rebuilding the table, but an incremental signature appended to such a file would sign
bytes whose structure other readers rebuild differently. So such a file is refused,
or, with ``--repair``, rewritten first by qpdf — a full rewrite with a fresh xref
whose objects keep their content; PyMuPDF's repair would do too, but qpdf keeps the
object structure closer to the original and its output passes ``qpdf --check``, a
clean base for the incremental update. A file that already holds a signature is never
rewritten: that would break the signature. The input file is never touched; the
rewrite happens on a copy in a temporary folder.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from kyso.core.errors import DocumentError

__all__ = ["REPAIR_TOOL", "damage", "damage_and_document", "looks_signed", "repair_bytes"]

REPAIR_TOOL = "qpdf"
"""What ``--repair`` rewrites with; the CLI names it when it does."""

_SIGNATURE = re.compile(rb"/ByteRange\s*\[|/Type\s*/Sig\b|/FT\s*/Sig\b")


def looks_signed(data: bytes) -> bool:
    """True when the bytes hold a signature dictionary or field, read without trusting
    the (possibly broken) structure."""
    return _SIGNATURE.search(data) is not None


def damage(data: bytes) -> str | None:
    """What is wrong with a readable but damaged PDF, in Vietnamese, or None."""
    problem, doc = damage_and_document(data)
    if doc is not None:
        doc.close()
    return problem


def damage_and_document(data: bytes):
    """:func:`damage`, and for a sound file the PyMuPDF document it opened (the caller
    closes it), so placement and the blanks need not parse the file again."""
    if not data.startswith(b"%PDF-"):
        return "có dữ liệu lạ trước %PDF-", None
    import pymupdf

    doc = None
    try:
        doc = pymupdf.open(stream=data, filetype="pdf")
        repaired = doc.is_repaired
    except Exception:
        if doc is not None:
            doc.close()
        return "cấu trúc PDF hỏng", None
    if repaired:
        doc.close()
        return "bảng xref hỏng", None
    return None, doc


def repair_bytes(data: bytes, path: Path) -> bytes:
    """``data`` rewritten by qpdf; :class:`DocumentError` when it cannot be."""
    if looks_signed(data):
        raise DocumentError(
            f"Tệp {path.name} đã có chữ ký nên không sửa được (sửa sẽ làm hỏng chữ ký cũ)"
        )
    qpdf = shutil.which(REPAIR_TOOL)
    if qpdf is None:
        raise DocumentError("Không sửa được tệp: chưa cài qpdf (apt install qpdf)")
    with tempfile.TemporaryDirectory(prefix="kyso-repair-") as folder:
        source, target = Path(folder) / "in.pdf", Path(folder) / "out.pdf"
        source.write_bytes(data)
        # Exit 3 means "repaired with warnings" — the case this is for.
        done = subprocess.run(
            [qpdf, "--object-streams=preserve", str(source), str(target)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode not in (0, 3) or not target.exists():
            reason = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["?"]
            raise DocumentError(f"qpdf không sửa được tệp {path.name}: {reason[0]}")
        return target.read_bytes()
