"""`kyso sign` of a batch at B-LT with forked workers (the default for several files):
every output is a valid B-LT signature for pdfsig, qpdf and pyHanko's AdES process."""

from __future__ import annotations

from checks import pdfsig, qpdf_check
from test_presign_cli import _ades_with_time, sign_b_lt_batch

from kyso.core.docs.parallel import default_workers

FILES = 8


def test_a_parallel_batch_signs_valid_b_lt(
    ltv_token, ltv_pki, ocsp_responder, ltv_tsa, pdf_path, tmp_path
):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.ades.report import AdESPassed

    workers = default_workers(FILES)
    assert workers >= 2, "this machine would sign the batch in one process"
    out = tmp_path / "out"
    before = ocsp_responder.requests()
    result = sign_b_lt_batch(ltv_token, ltv_pki, ltv_tsa, pdf_path, out, FILES)
    assert result.returncode == 0, result.stderr
    outputs = sorted(out.glob("*.pdf"))
    assert len(outputs) == FILES
    # The signer's answer is fetched once, before the PIN, and inherited by the
    # workers; the TSA's certificate is first seen by a worker: once per worker at most.
    assert ocsp_responder.requests() - before <= 1 + workers
    for path in outputs:
        with open(path, "rb") as fh:
            reader = PdfFileReader(fh)
            assert len(reader.root["/DSS"]["/OCSPs"]) >= 2
        with_time = _ades_with_time(path, ltv_pki.ca_pem)
        assert with_time.ades_subindic == AdESPassed.OK, (path, with_time.failure_msg)
        pdfsig(path)
        qpdf_check(path)
