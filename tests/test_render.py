"""kyso.core.docs.render: opening PDFs, text, thumbnails, the LRU cache, bad files."""

from __future__ import annotations

import struct

import pytest

from kyso.core.docs.render import (
    CacheKey,
    Renderer,
    ThumbnailCache,
    file_sha256,
    open_pdf,
)
from kyso.core.errors import DocumentError


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_open_counts_pages_and_reads_vietnamese_text(pdf_path):
    with open_pdf(pdf_path) as doc:
        assert doc.page_count == 3
        assert doc.sha256 == file_sha256(pdf_path)
        text = doc.page_text(0)
        assert "SỞ THÔNG TIN VÀ TRUYỀN THÔNG" in text
        assert "trang 1" in text
        assert "GIÁM ĐỐC" in doc.page_text(2)
        info = doc.page_info(0)
        assert (round(info.width), round(info.height)) == (595, 842)
    assert doc.closed


def test_thumbnail_has_requested_width_and_page_proportions(pdf_path):
    with open_pdf(pdf_path) as doc:
        png = doc.render_png(1, 200)
    width, height = _png_size(png)
    assert width == 200
    assert height == pytest.approx(200 * 842 / 595, abs=1)


def test_page_out_of_range_is_a_document_error(pdf_path):
    with open_pdf(pdf_path) as doc, pytest.raises(DocumentError, match="Trang 4"):
        doc.page_text(3)


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("not_pdf", "không phải là PDF"),
        ("empty", "rỗng"),
        ("truncated", "bị hỏng"),
        ("encrypted", "mã hoá"),
        ("missing", "Không tìm thấy"),
    ],
)
def test_bad_files_are_refused_with_a_clear_message(bad_pdfs, name, words):
    with pytest.raises(DocumentError) as info:
        open_pdf(bad_pdfs[name])
    assert words in info.value.message
    assert bad_pdfs[name].name in info.value.message
    assert info.value.title == "Tài liệu"


def test_pdf_header_after_garbage_but_no_body_is_broken(tmp_path):
    path = tmp_path / "header-only.pdf"
    path.write_bytes(b"%PDF-1.7\n%%EOF\n")
    with pytest.raises(DocumentError):
        open_pdf(path)


def test_renderer_caches_by_hash_page_and_width(pdf_path):
    renderer = Renderer()
    with renderer.session():
        first = renderer.thumbnail(pdf_path, 0, 120)
        assert renderer.cache.misses == 1
        again = renderer.thumbnail(pdf_path, 0, 120)
        assert again == first
        assert renderer.cache.hits == 1
        other = renderer.thumbnail(pdf_path, 0, 160)
        assert _png_size(other)[0] == 160
        assert renderer.cache.misses == 2
        key = CacheKey(file_sha256(pdf_path), 0, 120)
        assert key in renderer.cache


def test_same_bytes_under_another_name_share_the_cache(pdf_path, tmp_path):
    copy = tmp_path / "ban-sao.pdf"
    copy.write_bytes(pdf_path.read_bytes())
    renderer = Renderer()
    with renderer.session():
        renderer.thumbnail(pdf_path, 1, 100)
        renderer.thumbnail(copy, 1, 100)
    assert renderer.cache.hits == 1


def test_lru_evicts_least_recently_used():
    cache = ThumbnailCache(max_bytes=25)
    a, b, c = (CacheKey("h", n, 10) for n in range(3))
    cache.put(a, b"\x89PNGaaaaaa")
    cache.put(b, b"\x89PNGbbbbbb")
    assert cache.get(a) is not None  # a is now the most recent
    cache.put(c, b"\x89PNGcccccc")
    assert a in cache and c in cache
    assert b not in cache
    assert cache.size <= 25


def test_disk_cache_survives_a_new_renderer(pdf_path, tmp_path):
    folder = tmp_path / "thumbs"
    first = Renderer(ThumbnailCache(folder=folder))
    with first.session():
        png = first.thumbnail(pdf_path, 2, 90)
    assert list(folder.rglob("*.png"))
    second = Renderer(ThumbnailCache(folder=folder))
    with second.session():
        assert second.thumbnail(pdf_path, 2, 90) == png
    assert second.cache.hits == 1 and second.cache.misses == 0


def test_disk_cache_under_kyso_home(pdf_path, _isolated_home):
    renderer = Renderer(disk=True)
    with renderer.session():
        renderer.thumbnail(pdf_path, 0, 64)
    assert list((_isolated_home / "cache").rglob("0-64.png"))


def test_prefetch_renders_next_pages_only(pdf_path):
    renderer = Renderer()
    with renderer.session():
        assert renderer.prefetch(pdf_path, 0, 100, count=5) == [1, 2]
        assert renderer.prefetch(pdf_path, 0, 100, count=5) == []  # already cached
        renderer.thumbnail(pdf_path, 1, 100)
        assert renderer.cache.hits >= 1
        assert renderer.page_count(pdf_path) == 3


def test_forget_reopens_a_replaced_file(pdf_path, tmp_path):
    from fixtures_pdf import make_pdf

    renderer = Renderer()
    with renderer.session():
        assert renderer.page_count(pdf_path) == 3
        make_pdf(pdf_path, pages=5)
        renderer.forget(pdf_path)
        assert renderer.page_count(pdf_path) == 5
