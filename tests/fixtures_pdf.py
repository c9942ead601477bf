"""PDF files for tests: good ones with Vietnamese text, and every kind of bad one."""

from __future__ import annotations

from pathlib import Path

import pytest

TITLE_LINE = "GIÁM ĐỐC"


def make_pdf(path: Path, pages: int = 3, *, title: str = "Kế hoạch thử nghiệm") -> Path:
    """A small A4 PDF with Vietnamese text and a signature block on the last page."""
    import pymupdf

    doc = pymupdf.open()
    for number in range(1, pages + 1):
        page = doc.new_page(width=595, height=842)
        page.insert_font(fontname="noto", fontbuffer=pymupdf.Font("notos").buffer)
        page.insert_text((72, 80), "SỞ THÔNG TIN VÀ TRUYỀN THÔNG", fontname="noto", fontsize=12)
        page.insert_text((72, 110), f"{title} — trang {number}", fontname="noto", fontsize=12)
        page.insert_text(
            (72, 140), "Tết trồng cây đời đời nhớ ơn Bác Hồ", fontname="noto", fontsize=11
        )
        if number == pages:
            page.insert_text((360, 600), TITLE_LINE, fontname="noto", fontsize=12)
            page.insert_text((350, 720), "Nguyễn Văn Ký", fontname="noto", fontsize=12)
    doc.subset_fonts()
    doc.save(path, garbage=3, deflate=True)
    doc.close()
    return path


@pytest.fixture
def pdf_path(tmp_path) -> Path:
    """A fresh three-page PDF."""
    return make_pdf(tmp_path / "van-ban.pdf")


@pytest.fixture
def bad_pdfs(tmp_path, pdf_path) -> dict[str, Path]:
    """Files that must be refused with a clear message: name → path."""
    import pymupdf

    files = {}
    files["not_pdf"] = tmp_path / "not.pdf"
    files["not_pdf"].write_text("Đây không phải PDF\n", encoding="utf-8")
    files["empty"] = tmp_path / "empty.pdf"
    files["empty"].write_bytes(b"")
    data = pdf_path.read_bytes()
    files["truncated"] = tmp_path / "truncated.pdf"
    files["truncated"].write_bytes(data[: len(data) // 3])
    files["encrypted"] = tmp_path / "encrypted.pdf"
    doc = pymupdf.open(pdf_path)
    doc.save(
        files["encrypted"],
        encryption=pymupdf.PDF_ENCRYPT_AES_256,
        owner_pw="owner",
        user_pw="user",
    )
    doc.close()
    files["missing"] = tmp_path / "khong-co.pdf"
    return files
