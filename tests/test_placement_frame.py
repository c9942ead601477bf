"""Placement as the reader sees the page: /Rotate, CropBox, MediaBox off the origin.

Real one-page PDFs are signed on the SoftHSM token; the widget /Rect is read back and
checked against the CropBox, the appearance's /Matrix and /MK /R against the page's
rotation, and PyMuPDF's reading of the signed page shows the stamp text upright.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from checks import pdfsig, qpdf_check
from fixtures_odd_pdf import TITLE, geometry_pdf
from fixtures_token import SIGNER_CN

from kyso.core.docs.page_frame import PageFrame
from kyso.core.docs.placement import resolve_placement
from kyso.core.docs.sign import SignOptions, sign_file
from kyso.core.errors import PlacementError

GEOMETRIES = {
    "plain": {},
    "inherited": {"inherited": True},
    "cropbox-inset": {"cropbox": (50, 60, 545, 800)},
    "mediabox-offset": {"mediabox": (100, 200, 695, 1042)},
}


def _widget(path: Path):
    """(/Rect, /MK /R, appearance /Matrix) of the one signature widget."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    with path.open("rb") as fh:
        reader = PdfFileReader(fh)
        page = reader.root["/Pages"]["/Kids"][0].get_object()
        [annot] = [a.get_object() for a in page["/Annots"] if a.get_object()["/FT"] == "/Sig"]
        mk = annot.get("/MK")
        rotation = int(mk.get_object().get("/R", 0)) if mk is not None else 0
        appearance = annot["/AP"]["/N"].get_object()
        matrix = tuple(float(v) for v in appearance.get("/Matrix", (1, 0, 0, 1, 0, 0)))
        return tuple(float(v) for v in annot["/Rect"]), rotation, matrix


def _stamp_lines(path: Path) -> list[tuple[str, tuple[float, float]]]:
    """Lines of the signed page with "Ký bởi" in them, with their direction as the
    reader sees them (PyMuPDF reports the unrotated page; turned back here)."""
    import pymupdf

    with pymupdf.open(path) as doc:
        page = doc[0]
        turn = page.rotation_matrix
        linear = pymupdf.Matrix(turn.a, turn.b, turn.c, turn.d, 0, 0)
        found = []
        for block in page.get_text("dict", flags=0)["blocks"]:
            for line in block.get("lines", []):
                text = "".join(s["text"] for s in line["spans"])
                if "Ký bởi" in text:
                    d = pymupdf.Point(line["dir"]) * linear
                    found.append((text, (round(d.x, 3), round(d.y, 3))))
        return found


@pytest.mark.parametrize("rotate", [0, 90, 180, 270])
@pytest.mark.parametrize("geometry", list(GEOMETRIES))
def test_anchor_stamp_lands_in_the_cropbox_and_reads_upright(
    tmp_path, signing_key, rotate, geometry
):
    at = (300, 600) if rotate in (0, 180) else (450, 350)
    source = geometry_pdf(tmp_path / "in.pdf", rotate=rotate, anchor_at=at, **GEOMETRIES[geometry])
    out = tmp_path / "out.pdf"
    signed = sign_file(source, out, signing_key, SignOptions(anchor=TITLE))
    placement = signed.placement
    assert placement.rule == "below" and placement.rotation == rotate
    rect, mk_rotation, matrix = _widget(out)
    import pymupdf

    with pymupdf.open(source) as doc:
        frame = PageFrame.from_page(doc[0])
        [hit] = doc[0].search_for(TITLE)
        title = frame.from_mupdf(hit)
    cx0, cy0, cx1, cy1 = frame.crop
    assert cx0 <= rect[0] < rect[2] <= cx1 and cy0 <= rect[1] < rect[3] <= cy1, (rect, frame)
    assert rect == pytest.approx(placement.pdf_box, abs=0.01)
    # In the reader's frame: the stamp's size as given, right under the title line.
    box = frame.to_reader(rect)
    assert (box[2] - box[0], box[3] - box[1]) == pytest.approx((200, 80), abs=0.05)
    assert box[3] <= title[1] and title[1] - box[3] < 10
    assert mk_rotation == rotate
    assert matrix == pytest.approx(frame.appearance_matrix)
    lines = _stamp_lines(out)
    assert lines and all(direction == (1.0, 0.0) for _, direction in lines), lines
    assert any(SIGNER_CN in text for text, _ in lines)
    pdfsig(out)
    qpdf_check(out)


@pytest.mark.parametrize("rotate", [0, 90, 270])
def test_default_corner_and_box_are_in_the_reader_frame(tmp_path, signing_key, rotate):
    source = geometry_pdf(tmp_path / "in.pdf", rotate=rotate, cropbox=(40, 40, 555, 802))
    placement = resolve_placement(source.read_bytes())
    frame = PageFrame((40, 40, 555, 802), rotate)
    assert placement.rule == "default"
    # Bottom-right of the page as shown, 36 pt in from the visible edges.
    assert placement.box == pytest.approx((frame.width - 236, 36, frame.width - 36, 116), abs=0.01)
    assert placement.pdf_box == pytest.approx(frame.to_pdf(placement.box), abs=0.01)
    # A box inside the MediaBox but outside the CropBox is refused.
    with pytest.raises(PlacementError, match="ngoài phần nhìn thấy"):
        resolve_placement(source.read_bytes(), box=(frame.width - 100, 10, frame.width + 20, 90))
    out = tmp_path / "out.pdf"
    box = (20.0, 20.0, 220.0, 100.0)
    sign_file(source, out, signing_key, SignOptions(page=1, box=box))
    rect, _, _ = _widget(out)
    assert frame.to_reader(rect) == pytest.approx(box, abs=0.01)


def test_page_frame_round_trips_every_rotation():
    for rotate in (0, 90, 180, 270):
        frame = PageFrame.from_boxes((10, 20, 610, 820), (30, 50, 580, 800), rotate)
        box = (12.5, 40.0, 212.5, 120.0)
        assert frame.to_reader(frame.to_pdf(box)) == pytest.approx(box)
        pdf = frame.to_pdf(frame.reader_box)
        assert pdf == pytest.approx(frame.crop)
    assert PageFrame.from_boxes((0, 0, 100, 100), None, -90).rotation == 270
    assert PageFrame.from_boxes((0, 0, 100, 100), (200, 200, 300, 300)).crop == (0, 0, 100, 100)


@pytest.mark.parametrize(("doc_form", "anchor_form"), [("NFD", "NFC"), ("NFC", "NFD")])
def test_anchor_matches_across_unicode_forms(tmp_path, doc_form, anchor_form):
    source = geometry_pdf(tmp_path / "in.pdf", anchor_at=(300, 500), text_form=doc_form)
    raw = source.read_bytes()
    anchor = unicodedata.normalize(anchor_form, TITLE)
    placement = resolve_placement(raw, anchor=anchor)
    assert placement.rule == "below"
    assert 842 - 500 - 80 - 10 < placement.box[1] < 842 - 500


@pytest.mark.parametrize(
    ("at", "rule"),
    [((300, 800), "right"), ((20, 800), "right"), ((420, 800), "left"), ((300, 30), "below")],
)
def test_anchor_near_an_edge_moves_the_stamp_beside_it_never_off_the_page(tmp_path, at, rule):
    source = geometry_pdf(tmp_path / "in.pdf", anchor_at=at)
    placement = resolve_placement(source.read_bytes(), anchor=TITLE)
    assert placement.rule == rule, placement
    frame = PageFrame((0, 0, 595, 842))
    assert frame.contains(placement.box)
    assert placement.size == pytest.approx((200, 80))


def test_anchor_with_no_room_falls_back_to_the_minimum_size_then_says_so(tmp_path):
    source = geometry_pdf(tmp_path / "in.pdf", anchor_at=(40, 60), mediabox=(0, 0, 260, 100))
    placement = resolve_placement(source.read_bytes(), anchor=TITLE)
    assert placement.size == pytest.approx((140, 56)) and placement.rule == "right"
    assert PageFrame((0, 0, 260, 100)).contains(placement.box)
    tiny = geometry_pdf(tmp_path / "tiny.pdf", anchor_at=(10, 40), mediabox=(0, 0, 150, 60))
    with pytest.raises(PlacementError, match="Không đủ chỗ"):
        resolve_placement(tiny.read_bytes(), anchor=TITLE)


def test_word_match_runs_across_text_runs_and_unicode_forms(tmp_path):
    import pymupdf
    from fixtures_odd_pdf import per_glyph_pdf

    from kyso.core.docs.placement import find_text

    with pymupdf.open(per_glyph_pdf(tmp_path / "g.pdf")) as doc:
        [hit] = find_text(doc[0], unicodedata.normalize("NFD", "chủ tịch ubnd"))
        assert 70 < hit[0] < 75 and hit[1] < 120 < hit[3]
    nfd = geometry_pdf(tmp_path / "nfd.pdf", anchor_at=(300, 500), text_form="NFD")
    with pymupdf.open(nfd) as doc:
        [hit] = find_text(doc[0], TITLE)
        assert hit[0] == pytest.approx(300, abs=1) and hit[1] < 500 < hit[3]
