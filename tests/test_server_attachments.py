"""Attachments on the real server: versions, download, rename, names, size limit, and the
verification of signed uploads (signed with the SoftHSM token)."""

from __future__ import annotations

import hashlib
import socket

import httpx
import pytest
from fixtures_pdf import make_pdf

MB = 1024 * 1024


@pytest.fixture
def pdf_bytes(tmp_path) -> bytes:
    return make_pdf(tmp_path / "du-thao.pdf", pages=2).read_bytes()


def new_draft(cv: httpx.Client, pdf: bytes) -> dict:
    response = cv.post(
        "/documents",
        files={"file": ("Kế hoạch trồng cây.pdf", pdf, "application/pdf")},
        data={"trich_yeu": "Kế hoạch trồng cây", "loai_ky_hieu": "KH"},
    )
    assert response.status_code == 201, response.text
    return response.json()


def upload(client: httpx.Client, doc: dict, data: bytes, *, signed: bool, att: int | None = None):
    att_id = att if att is not None else doc["attachments"][0]["id"]
    return client.post(
        f"/documents/{doc['id']}/attachments/{att_id}/versions",
        files={"file": ("ban-ky.pdf", data, "application/pdf")},
        data={"signed": "true" if signed else "false", "note": "Bản ký"},
    )


def content(client: httpx.Client, doc: dict, n: int, att: int | None = None) -> httpx.Response:
    att_id = att if att is not None else doc["attachments"][0]["id"]
    return client.get(f"/documents/{doc['id']}/attachments/{att_id}/versions/{n}/content")


def test_versions_history_download_and_rename(demo_server, pdf_bytes, tmp_path):
    cv = demo_server.client("chuyenvien")
    doc = new_draft(cv, pdf_bytes)
    v2 = make_pdf(tmp_path / "v2.pdf", pages=3, title="Bản sửa").read_bytes()
    r = upload(cv, doc, v2, signed=False)
    assert r.status_code == 200, r.text
    versions = r.json()["attachments"][0]["versions"]
    assert [v["n"] for v in versions] == [1, 2]
    assert versions[1]["sha256"] == hashlib.sha256(v2).hexdigest()
    assert versions[1]["size"] == len(v2)
    assert versions[1]["uploaded_by"] == "chuyenvien"
    assert versions[1]["signed"] is False
    assert versions[1]["note"] == "Bản ký"
    assert content(cv, doc, 1).content == pdf_bytes
    got = content(cv, doc, 2)
    assert got.content == v2
    assert got.headers["content-type"] == "application/pdf"
    assert (
        "Kế%20hoạch" in got.headers["content-disposition"]
        or "filename*" in (got.headers["content-disposition"])
    )
    assert content(cv, doc, 3).status_code == 404
    # files are stored by content, not by name
    blob = demo_server.data_dir / "blobs" / versions[1]["sha256"][:2]
    assert (blob / f"{versions[1]['sha256']}.bin").read_bytes() == v2

    appendix = cv.post(
        f"/documents/{doc['id']}/attachments",
        files={"file": ("Phụ lục 1.pdf", pdf_bytes, "application/pdf")},
    )
    assert appendix.status_code == 201
    atts = appendix.json()["attachments"]
    assert [(a["name"], a["is_main"]) for a in atts] == [
        ("Kế hoạch trồng cây.pdf", True),
        ("Phụ lục 1.pdf", False),
    ]
    renamed = cv.patch(
        f"/documents/{doc['id']}/attachments/{atts[1]['id']}", json={"name": "Phụ lục I.pdf"}
    )
    assert renamed.status_code == 200
    assert renamed.json()["attachments"][1]["name"] == "Phụ lục I.pdf"
    assert renamed.json()["version"] == 4  # upload, add, rename


def _multipart(file_name: str, data: bytes, **fields: str) -> dict:
    """A multipart body written by hand: httpx percent-encodes control characters in file
    names, and the server must see the raw bytes a hostile client can send."""
    boundary = "kyso-test-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
        "Content-Type: application/pdf\r\n\r\n".encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    return {"content": b"".join(parts), "headers": headers}


@pytest.mark.parametrize(
    "name", ["../../etc/passwd", "a/b.pdf", "a\\b.pdf", "..", "x..pdf", "bad\x00.pdf", " "]
)
def test_path_traversal_and_bad_names_are_400(demo_server, pdf_bytes, name):
    cv = demo_server.client("chuyenvien")
    doc = new_draft(cv, pdf_bytes)
    att = doc["attachments"][0]["id"]
    r = cv.patch(f"/documents/{doc['id']}/attachments/{att}", json={"name": name})
    assert r.status_code == 400, r.text
    r = cv.post(f"/documents/{doc['id']}/attachments", **_multipart(name, pdf_bytes))
    assert r.status_code == 400
    r = cv.post("/documents", **_multipart(name, pdf_bytes, trich_yeu="x", loai_ky_hieu="KH"))
    assert r.status_code == 400
    assert cv.get(f"/documents/{doc['id']}").json()["attachments"][0]["name"] == (
        "Kế hoạch trồng cây.pdf"
    )
    assert not (demo_server.data_dir.parent / "passwd").exists()


def test_only_the_holder_edits_files(demo_server, pdf_bytes):
    cv, ld = demo_server.client("chuyenvien"), demo_server.client("ldso")
    doc = new_draft(cv, pdf_bytes)
    cv.post(f"/documents/{doc['id']}/transitions", json={"action": "trinh_lanh_dao_so"})
    assert upload(cv, doc, pdf_bytes, signed=False).status_code == 403
    att = doc["attachments"][0]["id"]
    r = cv.patch(f"/documents/{doc['id']}/attachments/{att}", json={"name": "moi.pdf"})
    assert r.status_code == 403
    # the holder (the leader) may correct the draft before signing
    assert upload(ld, doc, pdf_bytes + b"\n", signed=False).status_code == 200


def test_upload_over_50_mb_is_413_while_streaming(demo_server, pdf_bytes):
    cv = demo_server.client("chuyenvien")
    doc = new_draft(cv, pdf_bytes)
    boundary = "kyso-test-boundary"
    chunk = bytes(MB)

    def body():
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="lon.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
        ).encode()
        for _ in range(50):
            yield chunk
        yield b"x"  # one byte over
        yield f"\r\n--{boundary}--\r\n".encode()

    att = doc["attachments"][0]["id"]
    r = cv.post(
        f"/documents/{doc['id']}/attachments/{att}/versions",
        content=body(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert r.status_code == 413
    assert r.json()["detail"] == "Tệp vượt quá 50 MB."
    assert len(cv.get(f"/documents/{doc['id']}").json()["attachments"][0]["versions"]) == 1
    assert list((demo_server.data_dir / "blobs" / "tmp").iterdir()) == []


def test_declared_length_over_the_limit_is_413_before_reading(demo_server, pdf_bytes):
    token = demo_server.token("chuyenvien")
    request = (
        "POST /api/v1/documents HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{demo_server.port}\r\n"
        f"Authorization: Bearer {token}\r\n"
        "Content-Type: multipart/form-data; boundary=x\r\n"
        f"Content-Length: {60 * MB}\r\n\r\n"
    ).encode()
    with socket.create_connection((demo_server.host, demo_server.port), timeout=30) as sock:
        sock.sendall(request)
        reply = b""
        while b"\r\n\r\n" not in reply:
            data = sock.recv(4096)
            if not data:
                break
            reply += data
    assert reply.startswith(b"HTTP/1.1 413")


# --- signed uploads ---------------------------------------------------------------------------


@pytest.fixture
def waiting_for_leader(demo_server, pdf_bytes) -> dict:
    cv = demo_server.client("chuyenvien")
    doc = new_draft(cv, pdf_bytes)
    r = cv.post(f"/documents/{doc['id']}/transitions", json={"action": "trinh_lanh_dao_so"})
    assert r.status_code == 200
    return r.json()


def sign_bytes(data: bytes, key, tmp_path, name: str = "ky") -> bytes:
    from kyso.core.docs.sign import SignOptions, sign_file

    src, dst = tmp_path / f"{name}-in.pdf", tmp_path / f"{name}-out.pdf"
    src.write_bytes(data)
    sign_file(src, dst, key, SignOptions())
    return dst.read_bytes()


def test_signed_upload_is_verified_and_then_sent_to_the_clerk(
    demo_server, waiting_for_leader, signing_key, tmp_path
):
    ld, vt = demo_server.client("ldso"), demo_server.client("vanthu")
    doc = waiting_for_leader
    current = content(ld, doc, 1).content
    signed = sign_bytes(current, signing_key, tmp_path)
    r = upload(ld, doc, signed, signed=True)
    assert r.status_code == 200, r.text
    latest = r.json()["attachments"][0]["versions"][-1]
    assert (latest["n"], latest["signed"], latest["uploaded_by"]) == (2, True, "ldso")
    r = ld.post(f"/documents/{doc['id']}/transitions", json={"action": "chuyen_van_thu"})
    assert r.status_code == 200, r.text
    assert (r.json()["state"], r.json()["holder"]) == ("cho_van_thu", "vanthu")
    # the clerk adds the organization's signature: the leader's stays intact
    twice = sign_bytes(content(vt, doc, 2).content, signing_key, tmp_path, "vt")
    r = upload(vt, doc, twice, signed=True)
    assert r.status_code == 200, r.text
    from kyso.core.docs.verify import verify_pdf

    report = verify_pdf(content(vt, doc, 3).content)
    assert len(report.signatures) == 2
    assert report.ok


def test_a_long_term_signature_is_accepted(
    demo_server, waiting_for_leader, signing_key, tmp_path, pki
):
    """B-LT/B-LTA add validation data and a document timestamp after the signature: it no
    longer covers the whole file, and the server must still take it as the newest."""
    import io

    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign.signers import PdfTimeStamper
    from pyhanko.sign.timestamps import DummyTimeStamper
    from test_timestamp import _tsa_identity

    from kyso.core.docs.verify import verify_pdf

    ld = demo_server.client("ldso")
    doc = waiting_for_leader
    signed = sign_bytes(content(ld, doc, 1).content, signing_key, tmp_path)
    cert, key = _tsa_identity(pki)
    stamper = PdfTimeStamper(DummyTimeStamper(tsa_cert=cert, tsa_key=key))
    stamped = stamper.timestamp_pdf(IncrementalPdfFileWriter(io.BytesIO(signed)), "sha256")
    data = stamped.getvalue()
    [sig] = verify_pdf(data).signatures
    assert not sig.covers_whole_document and sig.is_final  # only a timestamp after it
    r = upload(ld, doc, data, signed=True)
    assert r.status_code == 200, r.text
    assert content(ld, doc, 2).content == data
    # Content added after the signature and its timestamp is still refused.
    from tamper import text_added

    (tmp_path / "lta.pdf").write_bytes(data)
    tampered = text_added(tmp_path / "lta.pdf", tmp_path / "changed.pdf").read_bytes()
    r = upload(ld, doc, tampered, signed=True)
    assert r.status_code in (409, 422), r.text


def test_unsigned_upload_claimed_signed_is_422(demo_server, waiting_for_leader, pdf_bytes):
    ld = demo_server.client("ldso")
    r = upload(ld, waiting_for_leader, pdf_bytes + b"\n", signed=True)
    assert r.status_code == 422
    assert "không có chữ ký số" in r.json()["detail"]
    r = upload(ld, waiting_for_leader, b"khong phai PDF", signed=True)
    assert r.status_code == 422
    assert "không phải PDF" in r.json()["detail"]
    doc = ld.get(f"/documents/{waiting_for_leader['id']}").json()
    assert len(doc["attachments"][0]["versions"]) == 1


def test_tampered_signed_upload_is_422(demo_server, waiting_for_leader, signing_key, tmp_path):
    ld = demo_server.client("ldso")
    doc = waiting_for_leader
    good = sign_bytes(content(ld, doc, 1).content, signing_key, tmp_path)
    signed = bytearray(good)
    # change one character of the signed text (the title in the page's content stream is
    # compressed, so alter the document information instead: bytes covered by the signature)
    original = content(ld, doc, 1).content
    position = original.index(b"/Producer") if b"/Producer" in original else len(original) // 2
    signed[position + 2] ^= 0x01
    r = upload(ld, doc, bytes(signed), signed=True)
    assert r.status_code == 422, r.text
    assert "không còn nguyên vẹn" in r.json()["detail"]
    # bytes appended after the signature, outside any revision: refused, and said
    r = upload(ld, doc, good + b"% them sau khi ky\n", signed=True)
    assert r.status_code == 422
    assert "sau cuối tệp, ngoài mọi chữ ký" in r.json()["detail"]
    assert len(ld.get(f"/documents/{doc['id']}").json()["attachments"][0]["versions"]) == 1


def test_signed_upload_of_another_file_is_422(
    demo_server, waiting_for_leader, signing_key, tmp_path
):
    ld = demo_server.client("ldso")
    other = make_pdf(tmp_path / "khac.pdf", pages=1, title="Văn bản khác").read_bytes()
    r = upload(ld, waiting_for_leader, sign_bytes(other, signing_key, tmp_path), signed=True)
    assert r.status_code == 422
    assert "phiên bản hiện tại" in r.json()["detail"]


def test_signer_must_match_the_registered_certificate(
    demo_server, waiting_for_leader, signing_key, pki, tmp_path
):
    from kyso.core.token.provision import Identity, make_pki
    from kyso.server.demo_pki import demo_pki
    from kyso.server.seed import sign_demo_pdf

    ld = demo_server.client("ldso")
    doc = waiting_for_leader
    draft = content(ld, doc, 1).content
    signed = sign_bytes(draft, signing_key, tmp_path)
    # ldso's certificate was bound by the administrator: no self-service swap, even for
    # another certificate of the same trusted CA.
    someone_else = next(i for i in pki.issued if i.identity.label == "nosign").cert_der
    r = ld.put("/me/certificate", content=someone_else)
    assert r.status_code == 403 and "quản trị" in r.json()["detail"]
    # Without a binding: a signed upload is refused and says why.
    demo_server.unbind("ldso")
    r = upload(ld, doc, signed, signed=True)
    assert r.status_code == 422
    assert "chưa được gắn chứng thư số" in r.json()["detail"]
    # Registration: another name (trusted CA) and an untrusted CA are refused...
    r = ld.put("/me/certificate", content=someone_else)
    assert r.status_code == 422 and "Phạm Không Ký" in r.json()["detail"]
    stranger = make_pki([Identity("ld", "Phạm Quốc Hùng")], ca_name="CA lạ")
    r = ld.put("/me/certificate", content=stranger.issued[0].cert_der)
    assert r.status_code == 422 and "nơi cấp tin cậy" in r.json()["detail"]
    assert ld.put("/me/certificate", content=b"rac").status_code == 400
    # ...his own certificate from the trusted demo CA (the CN is his name) is accepted.
    demo = demo_pki(demo_server.data_dir)
    own = next(i for i in demo.issued if i.identity.label == "ldso")
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    pem = x509.load_der_x509_certificate(own.cert_der).public_bytes(Encoding.PEM)
    assert ld.put("/me/certificate", content=pem).status_code == 204
    # Now the token's signer certificate is not his: refused; his own key: accepted.
    r = upload(ld, doc, signed, signed=True)
    assert r.status_code == 422
    assert "chứng thư số bạn đã đăng ký" in r.json()["detail"]
    r = upload(ld, doc, sign_demo_pdf(draft, own, demo.ca_cert_pem), signed=True)
    assert r.status_code == 200, r.text


def test_only_leader_or_clerk_upload_signed_versions(demo_server, pdf_bytes, signing_key, tmp_path):
    cv, vp = demo_server.client("chuyenvien"), demo_server.client("ldvanphong")
    doc = new_draft(cv, pdf_bytes)
    signed = sign_bytes(pdf_bytes, signing_key, tmp_path)
    r = upload(cv, doc, signed, signed=True)
    assert r.status_code == 403
    assert "lãnh đạo Sở" in r.json()["detail"]
    cv.post(f"/documents/{doc['id']}/transitions", json={"action": "trinh_lanh_dao_van_phong"})
    assert upload(vp, doc, signed, signed=True).status_code == 403
    # the clerk cannot sign in the leader's place while it waits for the leader
    vp.post(f"/documents/{doc['id']}/transitions", json={"action": "luan_chuyen", "to": "vanthu"})
    vt = demo_server.client("vanthu")
    assert upload(vt, doc, signed, signed=True).status_code == 403  # not the holder


@pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")
def test_the_body_limit_stops_a_chunked_body_while_it_streams():
    """The middleware itself, with a small limit, on a real Starlette app."""
    from fastapi import HTTPException
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from kyso.server.uploads import BodyLimitMiddleware

    received = []

    async def up(request):
        async for chunk in request.stream():
            received.append(len(chunk))
        return JSONResponse({"ok": True})

    async def too_large(request, exc):
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)

    app = Starlette(
        routes=[Route("/up", up, methods=["POST"])],
        exception_handlers={HTTPException: too_large},
    )
    app.add_middleware(BodyLimitMiddleware, limit=1000)

    def chunks(n):
        for _ in range(n):
            yield b"x" * 100

    with TestClient(app) as client:
        assert client.post("/up", content=chunks(5)).status_code == 200
        streamed = client.post("/up", content=chunks(50))
        assert streamed.status_code == 413
        assert streamed.json()["detail"] == "Tệp vượt quá 50 MB."
        declared = client.post("/up", content=b"x" * 5000)
        assert declared.status_code == 413
    assert sum(received) <= 500 + 1000
