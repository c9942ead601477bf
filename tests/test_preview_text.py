"""The text preview keeps word spaces: the word sequence equals pdftotext's on the
seed documents, a TeX-like PDF (TJ kerning, no space characters) and a PDF with one
text run per glyph."""

from __future__ import annotations

import subprocess

import pytest
from fixtures_odd_pdf import GLYPH_TEXT, TEX_LINES, per_glyph_pdf, tex_like_pdf

from kyso.core.docs.render import open_pdf


def _pdftotext(path, page: int) -> list[str]:
    out = subprocess.run(
        ["pdftotext", "-layout", "-f", str(page + 1), "-l", str(page + 1), str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.split()


def _seed(tmp_path, index: int):
    from kyso.server.demo_content import DEMO_DOCUMENTS
    from kyso.server.demo_docs import render_document

    path = tmp_path / f"seed-{index}.pdf"
    path.write_bytes(render_document(DEMO_DOCUMENTS[index]))
    return path


@pytest.mark.parametrize("index", [0, 1, 3])
def test_seed_documents_read_word_for_word_like_pdftotext(tmp_path, index):
    path = _seed(tmp_path, index)
    with open_pdf(path) as doc:
        for page in range(doc.page_count):
            assert doc.page_text(page).split() == _pdftotext(path, page)


def test_the_words_that_used_to_be_glued_are_apart(tmp_path):
    with open_pdf(_seed(tmp_path, 0)) as doc:
        text = doc.page_text(0)
    assert "Kế hoạch số 35/KH-UBND" in text and "Chủ tịch" in text
    assert "Kếhoạch" not in text and "Chủtịch" not in text


def test_third_party_text_runs(tmp_path):
    tex = tex_like_pdf(tmp_path / "tex.pdf")
    glyphs = per_glyph_pdf(tmp_path / "glyphs.pdf")
    for path, lines in ((tex, TEX_LINES), (glyphs, GLYPH_TEXT)):
        with open_pdf(path) as doc:
            text = doc.page_text(0)
        assert text.split() == _pdftotext(path, 0)
        assert [" ".join(line.split()) for line in text.splitlines() if line.strip()] == lines


def test_rotated_page_text_reads_in_lines(tmp_path):
    from fixtures_odd_pdf import TITLE, geometry_pdf

    path = geometry_pdf(tmp_path / "r.pdf", rotate=90, anchor_at=(450, 350))
    with open_pdf(path) as doc:
        text = doc.page_text(0)
    assert TITLE in text.splitlines()[-1]
    assert text.split() == _pdftotext(path, 0)


def test_an_owner_password_only_file_previews(tmp_path):
    from fixtures_odd_pdf import owner_password_pdf

    path = owner_password_pdf(
        _seed(tmp_path, 2), tmp_path / "owner.pdf", allow_changes=False, tool="pymupdf"
    )
    with open_pdf(path) as doc:
        assert doc.page_text(0).split() == _pdftotext(path, 0)
