"""The demo shows the clerk's job: the seed has documents waiting for the văn thư whose
leader signature is visible and prepared, and one of them issues through the real
server with the SoftHSM token."""

from __future__ import annotations

from checks import page_text, pdfsig, qpdf_check
from issuance_helpers import client_for

from kyso.core.clock import vn_today
from kyso.core.docs.issuance import NUMBER_FIELD, format_date_line, leader_widget
from kyso.core.docs.issue_check import rendered_text
from kyso.core.docs.seal import make_seal_png
from kyso.core.docs.verify import verify_pdf
from kyso.core.issue_service import clerk_inbox, issue


def _fields(data: bytes) -> set[str]:
    from io import BytesIO

    from pyhanko.pdf_utils.reader import PdfFileReader

    form = PdfFileReader(BytesIO(data)).root["/AcroForm"]
    return {str(f.get_object()["/T"]) for f in form["/Fields"]}


def test_the_clerk_has_two_issuable_documents_and_issues_one(demo_server, signing_key):
    from kyso.server.demo_pki import demo_pki

    # The seed's leader signed with his demo key: bind it back to him as the demo does
    # (the test template binds the session token's certificate to every signer).
    ldso = next(i for i in demo_pki(demo_server.data_dir).issued if i.identity.label == "ldso")
    demo_server.bind("user:ldso", ldso.cert_der)
    with client_for(demo_server, "vanthu") as vt:
        waiting = clerk_inbox(vt.store)
        assert len(waiting) >= 2
        with_appendix = []
        for doc in waiting:
            main = next(a for a in doc["attachments"] if a["is_main"])
            data = vt.fetch_attachment(doc["id"], main["id"]).read_bytes()
            assert leader_widget(data) is not None, doc["trich_yeu"]  # visible signature
            assert NUMBER_FIELD in _fields(data), doc["trich_yeu"]  # prepared at signing
            assert verify_pdf(data).ok
            if len(doc["attachments"]) > 1:
                with_appendix.append(doc)
        assert with_appendix, "one waiting document has an appendix"

        doc = with_appendix[0]
        result = issue(vt, doc["id"], key=signing_key, seal_png=make_seal_png("Sở TTTT"))
    assert result.signed and len(result.appendices) == 1
    day = vn_today()
    assert result.date == day
    date_line = format_date_line("Đắk Nông", day)
    shown = rendered_text(result.main.read_bytes())
    assert f"Số: {result.so_ky_hieu}" in shown and date_line in shown
    assert f"Số: {result.so_ky_hieu}" in " ".join(page_text(result.main, 1).split())
    assert pdfsig(result.main).count("Signature is Valid") == 2
    pdfsig(result.appendices[0])
    qpdf_check(result.main)
    qpdf_check(result.appendices[0])
    assert result.document["state"] == "da_ban_hanh"
