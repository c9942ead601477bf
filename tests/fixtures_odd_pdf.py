"""PDFs that no one at kyso wrote: odd page geometry, other text-run splitting, damage.

Each maker writes a real file (PyMuPDF, hand-written PDF syntax, qpdf) for the
placement, preview-text and pre-flight tests.
"""

from __future__ import annotations

import subprocess
import unicodedata
from pathlib import Path

TITLE = "GIÁM ĐỐC"


def _noto(page):
    import pymupdf

    page.insert_font(fontname="noto", fontbuffer=pymupdf.Font("notos").buffer)


def geometry_pdf(
    path: Path,
    *,
    rotate: int = 0,
    inherited: bool = False,
    mediabox: tuple[float, float, float, float] = (0, 0, 595, 842),
    cropbox: tuple[float, float, float, float] | None = None,
    anchor_at: tuple[float, float] | None = None,
    text_form: str = "NFC",
) -> Path:
    """One page with a given /MediaBox, /CropBox and /Rotate (on the page or, with
    ``inherited``, on the /Pages node). ``anchor_at`` puts the title line at that
    point of the shown page (top-left origin), with body text above it."""
    import pymupdf

    doc = pymupdf.open()
    w, h = mediabox[2] - mediabox[0], mediabox[3] - mediabox[1]
    page = doc.new_page(width=w, height=h)
    if anchor_at is not None:
        # Written through the page's own rotation so it reads upright to the reader.
        page.set_rotation(rotate)
        _noto(page)
        x, y = anchor_at
        title = unicodedata.normalize(text_form, TITLE)
        body = unicodedata.normalize(text_form, "Nơi nhận: như trên; lưu VT.")
        for point, text in (((x - 200, y - 60), body), ((x, y), title)):
            p = pymupdf.Point(point) * page.derotation_matrix
            page.insert_text(p, text, fontname="noto", fontsize=12, rotate=rotate)
        doc.xref_set_key(page.xref, "Rotate", "null")
    xref = page.xref
    doc.xref_set_key(xref, "MediaBox", " ".join(f"{v:g}" for v in mediabox).join("[]"))
    if cropbox is not None:
        doc.xref_set_key(xref, "CropBox", " ".join(f"{v:g}" for v in cropbox).join("[]"))
    if rotate:
        if inherited:
            pages = doc.pdf_catalog()
            pages_xref = int(doc.xref_get_key(pages, "Pages")[1].split()[0])
            doc.xref_set_key(pages_xref, "Rotate", str(rotate))
        else:
            doc.xref_set_key(xref, "Rotate", str(rotate))
    if mediabox[:2] != (0, 0):
        # Move the content with the MediaBox so the text stays on the page.
        for content in page.get_contents():
            data = doc.xref_stream(content)
            doc.update_stream(content, b"q 1 0 0 1 %g %g cm\n" % mediabox[:2] + data + b"\nQ")
    doc.subset_fonts()
    doc.save(path, garbage=3, deflate=True)
    doc.close()
    return path


def _write_raw_pdf(path: Path, objects: list[bytes], *, junk: bytes = b"") -> Path:
    """A PDF from numbered object bodies (1-based), with a correct xref table."""
    out = bytearray(junk + b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out) - len(junk))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_at = len(out) - len(junk)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref_at,
    )
    path.write_bytes(bytes(out))
    return path


def _stream(data: bytes) -> bytes:
    return b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


TEX_LINES = [
    "The quick brown fox jumps over the lazy dog.",
    "Typeset the way TeX does it: no space characters at all,",
    "only kerning numbers in TJ arrays between the words.",
    "Section 2.1 Signing keys and the token (page 3).",
]


def tex_like_pdf(path: Path) -> Path:
    """A page set the way pdfTeX sets it: words in TJ arrays, the spaces between them
    are kerning numbers, never space characters; several lines per text object."""
    ops = [b"BT /F1 11 Tf 14 TL 72 720 Td"]
    for line in TEX_LINES:
        words = (w.replace("(", r"\(").replace(")", r"\)") for w in line.split(" "))
        parts = b" -333 ".join(b"(" + w.encode() + b")" for w in words)
        ops.append(b"[" + parts + b"] TJ T*")
    ops.append(b"ET")
    content = b"\n".join(ops)
    return _write_raw_pdf(
        path,
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            _stream(content),
        ],
    )


GLYPH_TEXT = [
    "Kế hoạch số 35/KH-UBND ngày 12/01/2026",
    "Chủ tịch UBND tỉnh về việc Sở Thông tin",
]


def per_glyph_pdf(path: Path) -> Path:
    """Every glyph its own text run (as some scanners' OCR layers and converters
    write), spaces only as gaps."""
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    _noto(page)
    font = pymupdf.Font("notos")
    y = 100.0
    for line in GLYPH_TEXT:
        x = 72.0
        for ch in line:
            if ch != " ":
                page.insert_text((x, y), ch, fontname="noto", fontsize=12)
            x += font.text_length(ch, fontsize=12)
        y += 20
    doc.save(path)
    doc.close()
    return path


def page_tree_cycle_pdf(path: Path) -> Path:
    """/Pages whose kid is the /Pages node itself."""
    return _write_raw_pdf(
        path,
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R 2 0 R] /Count 2 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        ],
    )


def lying_count_pdf(path: Path) -> Path:
    """/Count says 5 pages, the tree holds 1."""
    return _write_raw_pdf(
        path,
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 5 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        ],
    )


def leading_junk_pdf(source: Path, path: Path) -> Path:
    """``source`` with bytes before %PDF- (as some mail gateways leave)."""
    path.write_bytes(b"Content-Type: application/pdf\r\n\r\n" + source.read_bytes())
    return path


def broken_xref_pdf(source: Path, path: Path) -> Path:
    """``source`` with its xref offsets shifted: readers must rebuild the table."""
    data = source.read_bytes()
    if b"\nxref\n" not in data:  # an xref stream: make a classic table first
        tmp = path.with_suffix(".classic.pdf")
        subprocess.run(["qpdf", "--object-streams=disable", str(source), str(tmp)], check=True)
        data = tmp.read_bytes()
        tmp.unlink()
    head, _, tail = data.rpartition(b"\nxref\n")
    lines = tail.split(b"\n")
    fixed = [lines[0]]
    for line in lines[1:]:
        if len(line) >= 18 and line[17:18] == b"n" and line[:10].isdigit():
            line = b"%010d" % (int(line[:10]) + 7) + line[10:]
        fixed.append(line)
    path.write_bytes(head + b"\nxref\n" + b"\n".join(fixed))
    return path


def owner_password_pdf(
    source: Path, path: Path, *, allow_changes: bool, tool: str = "qpdf"
) -> Path:
    """``source`` encrypted with an owner password only (opens without a password,
    AES-128), with or without the permissions signing needs; by qpdf (an indirect
    /Encrypt) or PyMuPDF (an /Encrypt written inline in the trailer)."""
    if tool == "pymupdf":
        import pymupdf

        perms = pymupdf.PDF_PERM_PRINT | pymupdf.PDF_PERM_COPY | pymupdf.PDF_PERM_ACCESSIBILITY
        if allow_changes:
            perms |= pymupdf.PDF_PERM_MODIFY | pymupdf.PDF_PERM_ANNOTATE | pymupdf.PDF_PERM_FORM
        with pymupdf.open(source) as doc:
            doc.save(
                path,
                encryption=pymupdf.PDF_ENCRYPT_AES_128,
                owner_pw="chu-so-huu",
                user_pw="",
                permissions=perms,
            )
        return path
    restrict = [] if allow_changes else ["--modify=none", "--annotate=n", "--form=n"]
    subprocess.run(
        ["qpdf", "--encrypt", "", "chu-so-huu", "128", "--use-aes=y", *restrict, "--",
         str(source), str(path)],
        check=True,
    )  # fmt: skip
    return path
