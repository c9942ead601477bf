"""kyso.core.service driven from a plain script: the real server under uvicorn, a real
local store, the SoftHSM token; no Textual anywhere."""

from __future__ import annotations

import pytest
from fixtures_pdf import make_pdf
from issuance_helpers import signature_png

from kyso.config.settings import Settings, SigningSettings
from kyso.core.service import Document, InboxRow, Person, TokenStatus
from kyso.core.service.sign_plan import prepare_items
from kyso.core.service.signing import check_before_pin, run_batch, station_setup
from kyso.core.service.store_service import StoreService

PIN = "123456"
PASSWORD = "kyso-demo"


def _server_doc(demo_server, doc_id: int) -> dict:
    with demo_server.client("ldso") as client:
        response = client.get(f"/documents/{doc_id}")
        response.raise_for_status()
        return response.json()


def _draft(demo_server, tmp_path) -> int:
    """chuyenvien creates a draft through the API (set-up, not the client)."""
    pdf = make_pdf(tmp_path / "du-thao.pdf", title="Dự thảo kế hoạch")
    response = demo_server.client("chuyenvien").post(
        "/documents",
        files={"file": (pdf.name, pdf.read_bytes(), "application/pdf")},
        data={"trich_yeu": "Dự thảo kế hoạch chuyển đổi số", "loai_ky_hieu": "KH"},
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


@pytest.fixture
def leader(demo_server, softhsm, monkeypatch):
    monkeypatch.setenv("KYSO_MODULE", softhsm.module)
    service = StoreService.login(
        demo_server.url, "ldso", PASSWORD, key_label="signer", module=softhsm.module
    )
    yield service
    service.close()


def test_inbox_and_show_are_typed_documents(leader):
    rows = leader.documents("inbox")
    assert rows and all(isinstance(d, InboxRow) for d in rows)
    assert all(d.holder == "ldso" for d in rows)
    assert leader.first_documents("inbox", 2) == rows[:2]
    doc = leader.document(rows[0].id)
    assert isinstance(doc, Document)
    assert doc.id == rows[0].id and doc.trich_yeu == rows[0].trich_yeu
    main = doc.main_attachment
    assert main is not None and main.name.lower().endswith(".pdf") and main.versions
    assert leader.attachment_file(doc.id, main.id).read_bytes().startswith(b"%PDF")
    people = leader.users()
    assert people and all(isinstance(p, Person) for p in people)
    assert leader.user_names()["ldso"] == leader.user.full_name
    assert leader.user.role == "lanh_dao_so"


def test_a_transition_with_a_note_is_one_opinion_on_the_server(leader, demo_server):
    doc = leader.documents("inbox")[0]
    before = len(_server_doc(demo_server, doc.id)["opinions"])
    note = "Đề nghị sửa lại trích yếu cho rõ ý."
    assert "chuyen_tra_chuyen_vien" in leader.allowed_actions(doc)
    local = leader.transition(doc.id, "chuyen_tra_chuyen_vien", None, note)
    assert local.pending
    status = leader.sync()
    assert status.state == "synced" and status.queued == 0, status
    opinions = _server_doc(demo_server, doc.id)["opinions"]
    assert len(opinions) == before + 1
    assert [o["text"] for o in opinions].count(note) == 1
    assert [o.text for o in leader.document(doc.id).opinions].count(note) == 1


def test_a_chuyen_vien_is_told_before_the_pin_that_a_signed_version_would_be_refused(
    demo_server, tmp_path
):
    doc_id = _draft(demo_server, tmp_path)
    service = StoreService.login(demo_server.url, "chuyenvien", PASSWORD)
    try:
        assert doc_id in [d.id for d in service.documents("inbox")]
        (item,) = prepare_items(service, [doc_id])
        assert "Chuyên viên không ký số văn bản" in item.problem
        assert item.path is None  # stopped before the file was even looked at
    finally:
        service.close()


def test_checks_before_the_pin_stop_a_locked_token_and_a_missing_token():
    setup = station_setup(Settings(), None)
    locked = TokenStatus(True, "kyso-test", "Nguyễn Văn Ký", "01/01/2030", pin_state="locked")
    checked, refusal = check_before_pin(locked, setup)
    assert checked is None and "khoá" in refusal
    checked, refusal = check_before_pin(TokenStatus(message="Chưa cắm token"), setup)
    assert checked is None and refusal == "Chưa cắm token"


def test_sign_from_a_script_with_a_home_relative_image_uploads_a_verified_version(
    leader, demo_server, monkeypatch, tmp_path
):
    """Pre-flight, placement, the certificate check, one token session, sign, verify,
    queue, sync: the image given as ``~/chu-ky.png`` passes the pre-flight and the
    signer alike."""
    from kyso.core.docs.verify import verify_pdf

    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    signature_png(home)
    settings = Settings(signing=SigningSettings(image="~/chu-ky.png", level="B-B"))
    doc = leader.documents("inbox")[0]
    items = prepare_items(leader, [doc.id])
    assert [i.problem for i in items] == [""]
    assert items[0].placement is not None
    token = leader.token_status()
    assert token.present and token.pin_state, token
    setup = station_setup(settings, "signer")
    presigned, refusal = check_before_pin(token, setup)
    assert refusal == "", refusal
    outcome = run_batch(
        leader,
        items,
        pin=PIN,
        token_options=setup.token_options,
        image=setup.image,
        out_dir=tmp_path / "signed",
        presigned=presigned,
    )
    assert outcome.signed == 1, outcome.results
    assert leader.sync_status().queued == 1
    assert leader.sync().queued == 0
    server = _server_doc(demo_server, doc.id)
    main = next(a for a in server["attachments"] if a["is_main"])
    assert main["versions"][-1]["signed"] and main["versions"][-1]["uploaded_by"] == "ldso"
    local = leader.document(doc.id).main_attachment
    assert local is not None and local.latest is not None and local.latest.signed
    report = verify_pdf(leader.attachment_file(doc.id, local.id))
    assert report.ok and len(report.signatures) == 1


def test_sign_documents_then_chuyen_van_thu_in_one_call(leader, demo_server):
    """The whole use case from a script: two documents, one PIN (read once, after the
    checks), each verified, uploaded and sent on to the văn thư with one opinion."""
    from kyso.core.service.sign_documents import SignDocumentsRequest, sign_documents

    ids = [d.id for d in leader.documents("inbox")[:2]]
    note = "Đồng ý ban hành."
    asked = []
    setup = station_setup(Settings(signing=SigningSettings(level="B-B")), "signer")
    outcome = sign_documents(
        SignDocumentsRequest(tuple(ids), setup, then="chuyen_van_thu", note=note),
        read_pin=lambda: asked.append(1) or PIN,
        service=leader,
    )
    assert asked == [1]
    assert outcome.signed == 2, outcome.results
    assert [r.transition for r in outcome.results] == ["chuyen_van_thu"] * 2
    assert outcome.sync_note is None and leader.sync_status().queued == 0
    for doc_id in ids:
        server = _server_doc(demo_server, doc_id)
        assert (server["state"], server["holder"]) == ("cho_van_thu", "vanthu")
        main = next(a for a in server["attachments"] if a["is_main"])
        assert main["versions"][-1]["signed"]
        assert [o["text"] for o in server["opinions"]].count(note) == 1
    assert not {d.id for d in leader.documents("inbox")} & set(ids)


def test_sign_documents_refuses_before_the_pin_what_the_server_would_refuse(
    demo_server, softhsm, monkeypatch, tmp_path
):
    from kyso.core.errors import SigningError
    from kyso.core.service.sign_documents import SignDocumentsRequest, sign_documents

    monkeypatch.setenv("KYSO_MODULE", softhsm.module)
    doc_id = _draft(demo_server, tmp_path)
    service = StoreService.login(demo_server.url, "chuyenvien", PASSWORD, key_label="signer")
    try:
        with pytest.raises(SigningError, match="Chuyên viên không ký số văn bản"):
            sign_documents(
                SignDocumentsRequest((doc_id,), station_setup(Settings(), "signer")),
                read_pin=lambda: pytest.fail("the PIN was asked for"),
                service=service,
            )
        assert service.sync_status().queued == 0
        with demo_server.client("chuyenvien") as client:
            doc = client.get(f"/documents/{doc_id}").json()
        assert len(doc["attachments"][0]["versions"]) == 1  # nothing was signed
    finally:
        service.close()


def test_copy_of_an_issued_document_through_the_service(demo_server, signing_key, tmp_path):
    """Sao y from a script: the number from the copies book, signed as the organization
    (with the key the caller holds open), uploaded as a "Bản sao" related to the
    original."""
    from issuance_helpers import client_for, to_clerk_over_http

    from kyso.core.docs.seal import make_seal_png
    from kyso.core.docs.verify import verify_pdf
    from kyso.core.issue_service import issue

    [doc_id] = to_clerk_over_http(demo_server, signing_key, tmp_path, 1)
    with client_for(demo_server, "vanthu") as vt:
        issue(vt, doc_id, key=signing_key, seal_png=make_seal_png("Sở"))
    service = StoreService.login(demo_server.url, "vanthu", PASSWORD)
    try:
        assert service.document(doc_id).state == "da_ban_hanh"
        out = tmp_path / "sao-y.pdf"
        done = service.copy(
            doc_id, out, form="sao-y", organization="Sở Thông tin và Truyền thông", key=signing_key
        )
        assert done.so_ky_hieu.endswith("/SY-STTTT")
        assert done.document["loai"] == "Bản sao" and done.document["related"] == [doc_id]
        report = verify_pdf(out)
        assert report.ok and len(report.signatures) == 3  # leader, organization, copy
        assert any(d.loai == "Bản sao" for d in service.documents("all"))
    finally:
        service.close()
