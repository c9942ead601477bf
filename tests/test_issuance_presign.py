"""The clerk's issuance checks the organisation's certificate before the PIN (and so
before a number is taken from the book), and signs B-LTA when a TSA is configured: `kyso
issue` run as a clerk runs it, on the LTV token of fixtures_revocation.py, against the
real server with that token's certificate bound as the organisation's."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from checks import pdfsig, qpdf_check
from fixtures_revocation import ltv_env
from issuance_helpers import (
    api,
    kehoach_pdfs,
    session_for,
    signature_png,
    to_clerk_over_http,
    vn_today,
)

KYSO = Path(sys.executable).with_name("kyso")


def kyso(*args, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(KYSO), *map(str, args)],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _book(server) -> list[dict]:
    """The organisation's registry book for this year, every number in it."""
    r = api(server, "vanthu").get(f"/registry/{vn_today().year}")
    assert r.status_code == 200, r.text
    return r.json()["entries"]


def _org_certificate(server, ltv_pki, label: str | None) -> None:
    """The administrator trusts the LTV CA and binds ``label`` as the organisation's."""
    server.trust(ltv_pki.ca_pem.read_bytes())
    if label is not None:
        server.bind("org:STTTT", ltv_pki.cert(label))


@pytest.mark.parametrize(
    ("label", "bound", "reason"),
    [
        # The server binds no expired certificate: the organisation's old binding stays.
        ("expired", None, "đã hết hạn"),
        # Bound while good, revoked since.
        ("revoked", "revoked", "đã bị thu hồi"),
    ],
)
def test_a_bad_organisation_certificate_is_refused_before_the_pin_and_the_number(
    demo_server, signing_key, ltv_token, ltv_pki, ocsp_responder, tmp_path, label, bound, reason
):
    _org_certificate(demo_server, ltv_pki, bound)
    [doc_id] = to_clerk_over_http(demo_server, signing_key, tmp_path, 1, with_appendix=True)
    session_for(demo_server, "vanthu")
    env = ltv_env(ltv_token)
    assert kyso("trust", "add", ltv_pki.ca_pem, env=env).returncode == 0
    before = _book(demo_server)
    # No KYSO_PIN and no terminal: reaching the PIN would fail with "Cần PIN".
    result = kyso("issue", doc_id, "--key", label, env=env)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.startswith("kyso:")]
    assert len(lines) == 1 and reason in lines[0] and "chưa hỏi PIN" in lines[0], result.stderr
    assert "Cần PIN" not in result.stderr and "Lấy số" not in result.stderr
    assert _book(demo_server) == before, "no number may be taken (or burnt)"
    doc = api(demo_server, "vanthu").get(f"/documents/{doc_id}").json()
    assert doc["state"] == "cho_van_thu" and not doc.get("so_ky_hieu")
    number = api(demo_server, "vanthu").get(f"/documents/{doc_id}/number").json()
    assert number["pending"] is None and not number["entries"]


def test_issuance_with_a_tsa_is_b_lta_and_the_strict_verdict_accepts_it(
    ltv_module, ltv_pki, ocsp_responder, ltv_tsa, tmp_path
):
    """The core of the issuance (fill, seal, sign main and appendix) at the planned
    level, in this process on the LTV token; the leader signed with the same token."""
    from kyso.config.settings import SigningSettings
    from kyso.core.docs.issue import IssueRequest, issue_appendix, issue_main_document
    from kyso.core.docs.presign import presign_issuance
    from kyso.core.docs.seal import make_seal_png
    from kyso.core.docs.sign import SignOptions, sign_file
    from kyso.core.docs.verify import verify_pdf
    from kyso.core.token.session import TokenOptions, open_token

    main_pdf, appendix_pdf = kehoach_pdfs()
    (tmp_path / "draft.pdf").write_bytes(main_pdf)
    (tmp_path / "appendix.pdf").write_bytes(appendix_pdf)
    options = TokenOptions(module=ltv_module.module, key_label="good")
    checked = presign_issuance(options, SigningSettings(timestamp_url=ltv_tsa))
    assert checked.plan.level == "B-LTA" and not checked.warnings, checked.warnings
    main, appendix = tmp_path / "main.pdf", tmp_path / "phu-luc.pdf"
    with open_token(options, "123456") as session:
        key = session.signing_key("good")
        leader = SignOptions(anchor="GIÁM ĐỐC", image=signature_png(tmp_path))
        sign_file(tmp_path / "draft.pdf", tmp_path / "signed.pdf", key, leader)
        request = IssueRequest("07/KH-STTTT", vn_today(), "Sở TTTT", make_seal_png("Sở TTTT"))
        issue_main_document(tmp_path / "signed.pdf", main, key, request, ltv=checked.plan)
        issue_appendix(tmp_path / "appendix.pdf", appendix, key, "07/KH-STTTT", ltv=checked.plan)

    trust = [ltv_pki.ca_pem.read_bytes()]
    report = verify_pdf(main, trust=trust)
    leader_sig, org = report.signatures
    assert leader_sig.ok, leader_sig.reasons  # the number and date filled, the seal added
    assert leader_sig.modifications in ("form_filling", "signatures"), leader_sig.modifications
    assert org.ok and org.pades_level == "B-LTA", (org.pades_level, org.reasons)
    assert org.revocation == "good"
    assert len(report.timestamps) == 1 and report.timestamps[0].ok, report.timestamps
    [appendix_sig] = verify_pdf(appendix, trust=trust).signatures
    assert appendix_sig.ok and appendix_sig.pades_level == "B-LTA", appendix_sig.reasons
    for path, signatures in ((main, 2), (appendix, 1)):
        qpdf_check(path)
        _pdfsig_signatures_valid(path, signatures)


def _pdfsig_signatures_valid(path: Path, count: int) -> None:
    """poppler checks every signature but leaves the document timestamp (B-LTA)
    "not yet verified": it does not check RFC 3161 document timestamps."""
    out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout
    assert out.count("Signature Validation: Signature is Valid.") == count, out
    assert out.count("Signature #") == count + 1, out


def test_issuance_without_revocation_data_is_lowered_with_a_warning_and_issued(
    demo_server,
    signing_key,
    ca_pem,
    ltv_token,
    ltv_pki,
    ltv_tsa,
    tmp_path,
    _isolated_home,
):
    """`kyso issue` end to end with a TSA but the revocation check off: the plan lowers
    B-LTA to B-T and says so; the server takes the issued files."""
    from kyso.core.docs.verify import verify_pdf

    _org_certificate(demo_server, ltv_pki, "good")
    [doc_id] = to_clerk_over_http(demo_server, signing_key, tmp_path, 1, with_appendix=True)
    session_for(demo_server, "vanthu")
    (_isolated_home / "config.toml").write_text(
        f'[signing]\ntimestamp_url = "{ltv_tsa}"\nrevocation = "off"\n', encoding="utf-8"
    )
    env = ltv_env(ltv_token, KYSO_PIN="123456")
    assert kyso("trust", "add", ltv_pki.ca_pem, env=env).returncode == 0
    result = kyso("issue", doc_id, "--key", "good", env=env)
    assert result.returncode == 0, result.stderr
    assert "Ký mức B-T thay vì B-LTA" in result.stderr
    main = Path(result.stdout.split("Tệp chính:")[1].split()[0])
    lines = result.stdout.splitlines()
    [appendix] = [Path(line.split()[-1]) for line in lines if "Phụ lục:" in line]
    trust = [ltv_pki.ca_pem.read_bytes(), Path(ca_pem).read_bytes()]
    leader, org = verify_pdf(main, trust=trust).signatures
    assert leader.ok and leader.signer_name.startswith("Nguyễn Văn Ký"), leader.reasons
    assert org.ok and org.pades_level == "B-T", (org.pades_level, org.reasons)
    [appendix_sig] = verify_pdf(appendix, trust=trust).signatures
    assert appendix_sig.ok and appendix_sig.pades_level == "B-T", appendix_sig.reasons
    pdfsig(main)
    qpdf_check(main)
    doc = api(demo_server, "vanthu").get(f"/documents/{doc_id}").json()
    assert doc["state"] == "da_ban_hanh" and doc["so_ky_hieu"]
    assert [e["status"] for e in _book(demo_server) if e["doc_id"] == doc_id] == ["issued"]


@pytest.fixture
def anyio_backend() -> str:
    """Textual runs on asyncio."""
    return "asyncio"


@pytest.mark.anyio
async def test_the_app_refuses_a_revoked_organisation_certificate_before_the_pin(
    demo_server, ltv_module, ltv_pki, ocsp_responder, tmp_path
):
    """The issuance screen's Áp dụng: the certificate check comes before the PIN dialog;
    a revoked organisation certificate stops there, one line, no number taken."""
    import asyncio

    from textual.notifications import Notify
    from textual.widgets import DataTable
    from tui_helpers import settle

    from kyso.config.settings import Settings, UiSettings
    from kyso.core.service.store_service import StoreService
    from kyso.core.sync import login
    from kyso.core.sync import sync as run_sync
    from kyso.core.token.session import TokenOptions, open_token
    from kyso.tui.app import KysoApp
    from kyso.tui.screens.issuance import IssuanceScreen
    from kyso.tui.screens.pin import PinScreen

    def leader_signs() -> int:
        demo_server.trust(ltv_pki.ca_pem.read_bytes())
        demo_server.bind("user:ldso", ltv_pki.cert("good"))  # the leader signs on this token
        demo_server.bind("org:STTTT", ltv_pki.cert("revoked"))  # bound while good
        with open_token(TokenOptions(module=ltv_module.module), "123456") as session:
            return to_clerk_over_http(demo_server, session.signing_key("good"), tmp_path, 1)[0]

    # pyHanko's blocking API (the server's binding check too) runs its own event loop:
    # prepare outside the test's loop.
    doc_id = await asyncio.to_thread(leader_signs)
    before = _book(demo_server)
    session = login(demo_server.url, "vanthu", "kyso-demo")
    run_sync(session)
    service = StoreService(session, key_label="revoked", module=ltv_module.module)
    settings = Settings(ui=UiSettings(images="off"))
    app = KysoApp(service, settings=settings, images="off", key_label="revoked")
    posted = []
    async with app.run_test(size=(120, 40), message_hook=posted.append) as pilot:
        await settle(app, pilot)
        inbox = app.screen
        for _ in range(inbox.query_one(DataTable).row_count):
            if inbox.current_id() == doc_id:
                break
            await pilot.press("down")
        await pilot.press("p")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, IssuanceScreen)
        await pilot.press("enter")  # Áp dụng
        await settle(app, pilot)
        await settle(app, pilot)
        assert app.screen is screen and not isinstance(app.screen, PinScreen)
        assert screen.result is None and not screen.running
    messages = [m.notification.message for m in posted if isinstance(m, Notify)]
    refusals = [m for m in messages if "chưa hỏi PIN" in m]
    assert len(refusals) == 1 and "đã bị thu hồi" in refusals[0], messages
    assert "\n" not in refusals[0]
    assert _book(demo_server) == before, "no number may be taken (or burnt)"
