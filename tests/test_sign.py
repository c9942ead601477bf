"""Signing against the real token; outputs checked by pyHanko, pdfsig and qpdf."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest
from checks import page_text, pdfsig, qpdf_check
from fixtures_pdf import TITLE_LINE, make_pdf
from fixtures_token import SIGNER_CN

from kyso.core.docs.sign import SignJob, SignOptions, sign_batch, sign_file
from kyso.core.docs.verify import verify_pdf
from kyso.core.errors import DocumentError, OutputError, PlacementError

ORG = "Sở Thông tin và Truyền thông tỉnh Đắk Nông"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _widget_rects(path: Path) -> list[tuple[int, tuple[float, float, float, float]]]:
    """(page index, /Rect) of every signature widget, read straight from the PDF."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    with path.open("rb") as fh:
        reader = PdfFileReader(fh)
        out = []
        for index in range(int(reader.root["/Pages"]["/Count"])):
            page_obj = reader.find_page_for_modification(index)[0].get_object()
            for annot in page_obj.get("/Annots", []):
                annot = annot.get_object()
                if annot.get("/FT") == "/Sig":
                    out.append((index, tuple(float(v) for v in annot["/Rect"])))
        return out


def test_signed_copy_is_valid_for_pyhanko_poppler_and_qpdf(pdf_path, tmp_path, signing_key, ca_pem):
    before = _sha(pdf_path)
    out = tmp_path / "signed.pdf"
    result = sign_file(pdf_path, out, signing_key, SignOptions(reason="Phê duyệt"))
    assert _sha(pdf_path) == before, "the input must never change"
    report = verify_pdf(out, trust=[ca_pem.read_bytes()])
    assert report.ok
    [sig] = report.signatures
    assert sig.signer_name == SIGNER_CN and sig.covers_whole_document and sig.trusted
    assert sig.pades_level == "B-B"
    assert "Signature is Valid" in pdfsig(out)
    qpdf_check(out)
    assert result.field_name == "Signature1" and result.placement.page == 2


def test_stamp_sits_in_the_requested_box_and_its_vietnamese_text_reads_back(
    pdf_path, tmp_path, signing_key
):
    out = tmp_path / "boxed.pdf"
    box = (60.0, 100.0, 300.0, 190.0)
    sign_file(pdf_path, out, signing_key, SignOptions(page=2, box=box))
    assert _widget_rects(out) == [(1, box)]
    text = page_text(out, 2)
    assert f"Ký bởi: {SIGNER_CN}" in text
    assert f"Cơ quan: {ORG}" in text
    assert "Thời gian ký: " in text and "+07:00" in text


def test_anchor_places_the_box_under_the_title_line(pdf_path, tmp_path, signing_key):
    import pymupdf

    out = tmp_path / "anchored.pdf"
    result = sign_file(pdf_path, out, signing_key, SignOptions(anchor=TITLE_LINE))
    with pymupdf.open(pdf_path) as doc:
        page = doc[-1]
        [hit] = page.search_for(TITLE_LINE)
        title_bottom_pdf = page.rect.height - hit.y1
    x0, _y0, x1, y1 = result.placement.box
    assert result.placement.page == 2
    assert y1 <= title_bottom_pdf and y1 > title_bottom_pdf - 20
    assert x0 < (hit.x0 + hit.x1) / 2 < x1


def test_second_signature_leaves_the_first_intact(pdf_path, tmp_path, signing_key):
    once, twice = tmp_path / "once.pdf", tmp_path / "twice.pdf"
    sign_file(pdf_path, once, signing_key)
    sign_file(once, twice, signing_key, SignOptions(page=1, box=(50, 50, 250, 130)))
    first, second = verify_pdf(twice).signatures
    assert first.intact and first.valid and not first.covers_whole_document
    assert first.changes_after == "FORM_FILLING"
    assert second.covers_whole_document and second.field == "Signature2"
    assert pdfsig(twice).count("Signature is Valid") == 2
    qpdf_check(twice)


def test_image_stamp_embeds_the_png(pdf_path, tmp_path, signing_key):
    from PIL import Image

    png = tmp_path / "chu-ky.png"
    Image.new("RGBA", (300, 120), (0, 0, 255, 0)).save(png)
    out = tmp_path / "img.pdf"
    sign_file(pdf_path, out, signing_key, SignOptions(image=png))
    assert verify_pdf(out).ok
    pdfsig(out)


@pytest.mark.parametrize("kind", ["not_pdf", "empty", "truncated", "encrypted", "missing"])
def test_bad_inputs_are_refused_and_nothing_is_written(bad_pdfs, tmp_path, signing_key, kind):
    out = tmp_path / "out" / f"{kind}.pdf"
    out.parent.mkdir()
    with pytest.raises(DocumentError) as info:
        sign_file(bad_pdfs[kind], out, signing_key)
    assert "\n" not in info.value.message
    assert list(out.parent.iterdir()) == []


def test_image_that_is_not_a_png_is_refused(pdf_path, tmp_path, signing_key):
    fake = tmp_path / "anh.png"
    fake.write_bytes(b"GIF89a not really")
    with pytest.raises(DocumentError, match="PNG"):
        sign_file(pdf_path, tmp_path / "o.pdf", signing_key, SignOptions(image=fake))


def test_page_out_of_range_and_missing_anchor(pdf_path, tmp_path, signing_key):
    with pytest.raises(PlacementError, match="Trang 7 không có"):
        sign_file(pdf_path, tmp_path / "a.pdf", signing_key, SignOptions(page=7))
    with pytest.raises(PlacementError, match="Không tìm thấy chữ 'PHÓ CHỦ TỊCH'"):
        sign_file(pdf_path, tmp_path / "b.pdf", signing_key, SignOptions(anchor="PHÓ CHỦ TỊCH"))
    assert not (tmp_path / "a.pdf").exists() and not (tmp_path / "b.pdf").exists()


def test_output_that_cannot_be_written(pdf_path, tmp_path, signing_key):
    with pytest.raises(OutputError, match="không tồn tại"):
        sign_file(pdf_path, tmp_path / "khong-co" / "o.pdf", signing_key)
    with pytest.raises(OutputError, match="Không ghi đè tệp gốc"):
        sign_file(pdf_path, pdf_path, signing_key)
    with pytest.raises(OutputError):
        sign_file(pdf_path, Path("/proc/kyso-signed.pdf"), signing_key)


def test_batch_goes_on_past_a_bad_file(tmp_path, signing_key):
    good = [make_pdf(tmp_path / f"vb{i}.pdf", pages=1) for i in range(3)]
    broken = tmp_path / "hong.pdf"
    broken.write_bytes(b"%PDF-1.7\n garbage")
    out = tmp_path / "out"
    out.mkdir()
    jobs = [SignJob(p, out / p.name) for p in [good[0], broken, good[1], good[2]]]
    seen = []
    result = sign_batch(jobs, signing_key, SignOptions(), on_result=lambda r, d, t: seen.append(d))
    assert seen == [1, 2, 3, 4]
    assert [r.ok for r in result.results] == [True, False, True, True]
    assert isinstance(result.failed[0].error, DocumentError)
    assert sorted(p.name for p in out.iterdir()) == ["vb0.pdf", "vb1.pdf", "vb2.pdf"]


def test_a_failed_write_is_reported_for_its_own_file_in_order(tmp_path, signing_key):
    """A folder gone after the pre-flight fails that file's write alone, reported in
    job order; the others are written (their folders flushed once for the batch)."""
    import shutil

    from kyso.core.docs.sign import preflight

    files = [make_pdf(tmp_path / f"w{i}.pdf", pages=1) for i in range(3)]
    outs = [tmp_path / f"out{i}" for i in range(3)]
    for folder in outs:
        folder.mkdir()
    ready, failed = preflight(
        [SignJob(p, o / p.name) for p, o in zip(files, outs, strict=True)], SignOptions()
    )
    assert not failed
    shutil.rmtree(outs[1])  # gone after the pre-flight: only the write can notice
    seen = []
    result = sign_batch(ready, signing_key, SignOptions(), on_result=lambda r, d, t: seen.append(r))
    assert [r.job.source.name for r in seen] == ["w0.pdf", "w1.pdf", "w2.pdf"]
    assert [r.ok for r in result.results] == [True, False, True]
    assert isinstance(result.results[1].error, OutputError)
    for index in (0, 2):
        assert verify_pdf(outs[index] / files[index].name).ok


def test_prepared_job_signs_after_a_retry_and_in_another_process(tmp_path, signing_key):
    """The pre-flight's reader is taken by one signature only (a writer changes what it
    read); a retry and a copy sent to a worker process parse the bytes again."""
    import pickle

    from kyso.core.docs.sign import prepare, sign_prepared

    source = make_pdf(tmp_path / "r.pdf", pages=2)
    prepared = prepare(SignJob(source, tmp_path / "r1.pdf"), SignOptions())
    assert prepared.parsed
    copy = pickle.loads(pickle.dumps(prepared))
    assert copy.parsed == [] and copy.data == prepared.data
    sign_prepared(prepared, signing_key, SignOptions())
    assert not prepared.parsed
    again = sign_prepared(prepared, signing_key, SignOptions())
    assert again.field_name == "Signature1"
    elsewhere = tmp_path / "r2.pdf"
    sign_prepared(
        type(copy)(**{**copy.__dict__, "job": SignJob(source, elsewhere)}),
        signing_key,
        SignOptions(),
    )
    for path in (tmp_path / "r1.pdf", elsewhere):
        report = verify_pdf(path)
        assert report.ok and len(report.signatures) == 1
    qpdf_check(elsewhere)


def test_batch_cancel_stops_cleanly(tmp_path, signing_key):
    files = [make_pdf(tmp_path / f"c{i}.pdf", pages=1) for i in range(4)]
    out = tmp_path / "out"
    out.mkdir()
    cancel = threading.Event()

    def stop_after_first(result, done, total):
        if done == 1:
            cancel.set()

    jobs = [SignJob(p, out / p.name) for p in files]
    result = sign_batch(jobs, signing_key, SignOptions(), on_result=stop_after_first, cancel=cancel)
    assert [r.ok for r in result.results] == [True, False, False, False]
    assert all(r.skipped for r in result.results[1:])
    assert result.stopped is not None
    assert [p.name for p in out.iterdir()] == ["c0.pdf"]
    assert verify_pdf(out / "c0.pdf").ok


def test_parallel_preflight_matches_the_sequential_one(tmp_path):
    """The CLI's checks before the PIN, spread over forked workers: the same verdicts,
    notes and placements, in job order."""
    from kyso.core.docs.parallel import preflight_parallel
    from kyso.core.docs.sign import preflight

    files = [make_pdf(tmp_path / f"p{i}.pdf", pages=2) for i in range(9)]
    files[4].write_bytes(b"%PDF-1.7\n garbage")
    out = tmp_path / "out"
    out.mkdir()
    jobs = [SignJob(p, out / p.name) for p in files]
    options = SignOptions(page=1, box=(60.0, 690.0, 300.0, 780.0))  # over the heading
    ready, failed = preflight(jobs, options, notes=True)
    spread, spread_failed = preflight_parallel(jobs, options, workers=2, notes=True)
    assert [r.job for r in spread] == [r.job for r in ready] and len(spread) == 8
    assert [(r.placement, r.field_name, r.overlap, r.check) for r in spread] == [
        (r.placement, r.field_name, r.overlap, r.check) for r in ready
    ]
    assert all("che chữ" in r.overlap for r in spread)
    assert [f.job.source.name for f in spread_failed] == ["p4.pdf"]
    assert isinstance(spread_failed[0].error, DocumentError)
    assert str(spread_failed[0].error) == str(failed[0].error)


def test_parallel_batch_uses_one_session_and_keeps_job_order(tmp_path, signing_key, ca_pem):
    from kyso.core.docs.parallel import sign_batch_parallel

    files = [make_pdf(tmp_path / f"p{i}.pdf", pages=1) for i in range(7)]
    broken = tmp_path / "hong.pdf"
    broken.write_bytes(b"%PDF-1.7\n garbage")
    files.insert(3, broken)
    out = tmp_path / "out"
    out.mkdir()
    seen = []
    jobs = [SignJob(p, out / p.name) for p in files]
    result = sign_batch_parallel(
        jobs, signing_key, SignOptions(), workers=2, on_result=lambda r, d, t: seen.append(d)
    )
    assert seen == list(range(1, 9))
    assert [r.job.source for r in result.results] == files
    assert [r.ok for r in result.results] == [True, True, True, False, True, True, True, True]
    assert isinstance(result.results[3].error, DocumentError)
    for path in out.iterdir():
        report = verify_pdf(path, trust=[ca_pem.read_bytes()])
        assert report.ok and report.signatures[0].signer_name == SIGNER_CN
    pdfsig(out / "p6.pdf")


def test_parallel_batch_cancel_leaves_the_rest_unsigned(tmp_path, signing_key):
    from kyso.core.docs.parallel import sign_batch_parallel

    files = [make_pdf(tmp_path / f"q{i}.pdf", pages=1) for i in range(10)]
    out = tmp_path / "out"
    out.mkdir()
    cancel = threading.Event()
    jobs = [SignJob(p, out / p.name) for p in files]
    result = sign_batch_parallel(
        jobs,
        signing_key,
        SignOptions(),
        workers=2,
        on_result=lambda r, d, t: cancel.set(),
        cancel=cancel,
    )
    signed = [r for r in result.results if r.ok]
    assert 1 <= len(signed) <= 3  # the ones in flight when cancelled
    assert all(r.skipped for r in result.results if not r.ok)
    assert len(list(out.iterdir())) == len(signed)


def test_parallel_batch_interrupted_while_answering_a_worker_does_not_hang(
    tmp_path, signing_key, monkeypatch
):
    """Ctrl-C landing between a worker's signature request and its answer: the worker
    is still answered (refused), the batch ends, nothing further is signed."""
    import kyso.core.docs.parallel as parallel

    calls = []

    def interrupted(key, data, algorithm):
        calls.append(algorithm)
        raise KeyboardInterrupt

    monkeypatch.setattr(parallel, "_sign_raw", interrupted)
    files = [make_pdf(tmp_path / f"k{i}.pdf", pages=1) for i in range(6)]
    out = tmp_path / "out"
    out.mkdir()
    jobs = [SignJob(p, out / p.name) for p in files]
    box: dict = {}
    runner = threading.Thread(
        target=lambda: box.update(
            result=parallel.sign_batch_parallel(jobs, signing_key, SignOptions(), workers=2)
        ),
        daemon=True,
    )
    runner.start()
    runner.join(timeout=120)
    assert not runner.is_alive(), "the batch hung after the interrupt"
    result = box["result"]
    assert calls and "Ctrl-C" in result.stopped.message
    assert not any(r.ok for r in result.results)
    assert list(out.iterdir()) == []
