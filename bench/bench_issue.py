"""Issuance benchmark: the clerk's issuance of one document vs one signature.

Both run in-process on the same fresh SoftHSM token (one logged-in session), on the
seed's Kế hoạch after the leader signed it (signature image under "GIÁM ĐỐC", issuance
fields prepared). "Issue" is what :func:`kyso.core.issue_service.issue` does locally:
fill the number and date, the organization's signature with the seal over the leader's
image, and the organization's signature on one appendix, each file checked by kyso's own
self-check before it would be uploaded (fields, page 1 rendered, marks inside the
CropBox). "Sign" is one
:func:`kyso.core.docs.sign.sign_file` of the same file with the same image. Figures are
medians after two warm-up rounds, the two interleaved so both see the same machine.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import statistics
import time
from pathlib import Path

PIN = "123456"
ROUNDS = 12
ORG = "Sở Thông tin và Truyền thông tỉnh Đắk Nông"


def _token(work: Path):
    """The token and its CA (PEM), the trust anchor the server's check is given."""
    from kyso.core.token.provision import Identity, make_pki, make_softhsm_token

    pki = make_pki([Identity("signer", "Nguyễn Văn Ký", title="Giám đốc")])
    return make_softhsm_token(work / "token", pki, pin=PIN), pki.ca_cert_pem


def _inputs(work: Path) -> tuple[Path, Path, Path]:
    from PIL import Image, ImageDraw

    from kyso.server.demo_content import DEMO_DOCUMENTS
    from kyso.server.demo_docs import render_appendix, render_document

    doc = next(d for d in DEMO_DOCUMENTS if "Tết trồng cây" in d.trich_yeu)
    main = work / "ke-hoach.pdf"
    main.write_bytes(render_document(doc))
    appendix = work / "phu-luc.pdf"
    appendix.write_bytes(render_appendix(doc) or b"")
    image = work / "chu-ky.png"
    picture = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
    ImageDraw.Draw(picture).line(
        [(10, 100), (80, 20), (150, 90), (290, 30)], fill=(20, 40, 200, 255), width=6
    )
    picture.save(image)
    return main, appendix, image


def _median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def run(work: Path) -> list[dict]:
    """Run the issuance benchmark; rows of name, value, unit, target, pass."""
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    token, ca_pem = _token(work)
    os.environ.update(token.env)
    from kyso.core.docs.issue import IssueRequest, issue_appendix, issue_main_document
    from kyso.core.docs.seal import make_seal_png
    from kyso.core.docs.sign import SignOptions, sign_file
    from kyso.core.token.session import TokenOptions, open_token
    from kyso.server.issued import check_issued_main

    draft, appendix, image = _inputs(work)
    out = work / "out"
    out.mkdir()
    seal = make_seal_png("Sở Thông tin và Truyền thông", "Đắk Nông")
    day = dt.date.today()
    options = SignOptions(anchor="GIÁM ĐỐC", image=image)
    sign_times: list[float] = []
    issue_times: list[float] = []
    main_times: list[float] = []
    appendix_times: list[float] = []
    check_times: list[float] = []
    with open_token(TokenOptions(module=token.module), pin=PIN) as session:
        key = session.signing_key("signer")
        leader = work / "leader-signed.pdf"
        sign_file(draft, leader, key, options)
        for index in range(ROUNDS + 2):
            so = f"{index + 1:02d}/KH-STTTT"
            start = time.perf_counter()
            sign_file(leader, out / f"sign-{index}.pdf", key, options)
            signed_s = time.perf_counter() - start

            start = time.perf_counter()
            issue_main_document(
                leader, out / f"issue-{index}.pdf", key, IssueRequest(so, day, ORG, seal)
            )
            middle = time.perf_counter()
            issue_appendix(appendix, out / f"pl-{index}.pdf", key, so)
            end = time.perf_counter()

            start_check = time.perf_counter()
            check_issued_main(
                (out / f"issue-{index}.pdf").read_bytes(),
                previous=leader.read_bytes(),
                so_ky_hieu=so,
                day=day,
                only_number=False,
                cert_der=key.certificate.der,
                anchors=[ca_pem],
            )
            checked_s = time.perf_counter() - start_check
            if index < 2:
                continue  # warm-up: fonts, images, the token's first operations
            sign_times.append(signed_s)
            issue_times.append(end - start)
            main_times.append(middle - start)
            appendix_times.append(end - middle)
            check_times.append(checked_s)
    sign_ms, issue_ms = _median_ms(sign_times), _median_ms(issue_times)
    ratio = issue_ms / sign_ms
    return [
        {
            "name": "sign_file of the leader-signed Kế hoạch (image)",
            "value": sign_ms,
            "unit": "ms",
            "what": "one in-process sign_file, token already logged in",
        },
        {
            "name": "issue, local steps only: number + date + org signature and seal"
            " + one appendix",
            "value": issue_ms,
            "unit": "ms",
            "what": "issue_main_document + issue_appendix in-process; no number reservation, "
            "upload or server check (no server in this row)",
        },
        {
            "name": "  of which the main document",
            "value": _median_ms(main_times),
            "unit": "ms",
            "what": "fill số and ngày, org signature with the seal",
        },
        {
            "name": "  of which the appendix",
            "value": _median_ms(appendix_times),
            "unit": "ms",
            "what": "số on the appendix, org signature",
        },
        {
            "name": "issue (local steps) / sign_file",
            "value": ratio,
            "unit": "×",
            "target": "≤ 1.5×",
            "pass": ratio <= 1.5,
            "what": "the two rows above, medians of the same interleaved rounds (two "
            "signatures against one: see the per-signature row below)",
        },
        {
            "name": "issue (local steps) per signature / sign_file",
            "value": ratio / 2,
            "unit": "×",
            "what": "like with like: the issue row makes two organisation signatures (main "
            "document and appendix), sign_file one; the issue row's time / 2 / sign_file",
        },
        {
            "name": "issue of the main document alone / sign_file",
            "value": _median_ms(main_times) / sign_ms,
            "unit": "×",
            "what": "one signature each; the main document's also fills số and ngày and "
            "draws the seal, and both check their output before writing it",
        },
        {
            "name": "server check of the issued main document (verify + fields)",
            "value": _median_ms(check_times),
            "unit": "ms",
            "what": "check_issued_main in-process, the server's step after upload (no HTTP)",
        },
    ]


if __name__ == "__main__":
    for row in run(Path(__file__).resolve().parent / "_work" / "bench_issue"):
        print(row)
