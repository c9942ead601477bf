"""The server against hostile or unlucky clients (issue 14): control characters, logout,
token lifetimes, login throttling, refused uploads, Idempotency-Key reuse, a cursor
from the future. Real uvicorn on 127.0.0.1."""

from __future__ import annotations

import time
import uuid

import pytest
from fixtures_pdf import make_pdf

from kyso.server.settings import ServerSettings


@pytest.fixture
def pdf_bytes(tmp_path) -> bytes:
    return make_pdf(tmp_path / "du-thao.pdf", pages=1).read_bytes()


def _draft(cv, pdf: bytes, trich_yeu: str = "Kế hoạch thử") -> dict:
    response = cv.post(
        "/documents",
        files={"file": ("a.pdf", pdf, "application/pdf")},
        data={"trich_yeu": trich_yeu, "loai_ky_hieu": "KH"},
    )
    assert response.status_code == 201, response.text
    return response.json()


def _blob_files(server) -> set[str]:
    return {p.name for p in (server.data_dir / "blobs").glob("*/*.bin")}


# --- control characters -------------------------------------------------------------------

CONTROLS = ["\x00", "\x1b[2J", "\x1b]52;c;aGk=\x07", "\x9b31m", "\x7f"]


@pytest.mark.parametrize("bad", CONTROLS)
def test_control_characters_are_refused_in_text_fields(demo_server, pdf_bytes, bad):
    cv = demo_server.client("chuyenvien")
    created = cv.post(
        "/documents",
        files={"file": ("a.pdf", pdf_bytes, "application/pdf")},
        data={"trich_yeu": f"Kế hoạch {bad} thử", "loai_ky_hieu": "KH"},
    )
    assert created.status_code == 400
    detail = created.json()["detail"]
    assert "ký tự điều khiển" in detail and "\n" not in detail
    doc = _draft(cv, pdf_bytes)
    url = f"/documents/{doc['id']}"
    assert cv.post(f"{url}/opinions", json={"text": f"Ý kiến {bad}"}).status_code == 400
    moved = cv.post(f"{url}/transitions", json={"action": "trinh_lanh_dao_so", "note": bad})
    assert moved.status_code == 400
    att = doc["attachments"][0]["id"]
    renamed = cv.patch(f"{url}/attachments/{att}", json={"name": f"a{bad}.pdf"})
    assert renamed.status_code == 400
    assert cv.get(url).json()["version"] == doc["version"]  # nothing was written


def test_newlines_and_tabs_are_kept_in_opinions_and_notes(demo_server, pdf_bytes):
    cv = demo_server.client("chuyenvien")
    doc = _draft(cv, pdf_bytes)
    url = f"/documents/{doc['id']}"
    text = "Dòng một\n\tDòng hai"
    assert cv.post(f"{url}/opinions", json={"text": text}).json()["opinions"][-1]["text"] == text
    moved = cv.post(f"{url}/transitions", json={"action": "trinh_lanh_dao_so", "note": text})
    assert moved.status_code == 200
    assert moved.json()["flow"][-1]["note"] == text


# --- sessions -----------------------------------------------------------------------------


def test_logout_revokes_the_token(demo_server):
    token = demo_server.token("ldso")
    other = demo_server.token("ldso")
    anon = demo_server.client()
    auth = {"Authorization": f"Bearer {token}"}
    assert anon.get("/me", headers=auth).status_code == 200
    assert anon.post("/auth/logout", headers=auth).status_code == 204
    assert anon.get("/me", headers=auth).status_code == 401
    assert anon.post("/auth/logout", headers=auth).status_code == 204  # a retry is harmless
    assert anon.get("/me", headers={"Authorization": f"Bearer {other}"}).status_code == 200
    assert anon.post("/auth/logout").status_code == 401


def test_kiosk_tokens_live_shorter(demo_server_factory):
    server = demo_server_factory(settings=ServerSettings(kiosk_token_hours=1 / 3600))
    anon = server.client()
    kiosk = anon.post(
        "/auth/login", json={"username": "ldso", "password": "kyso-demo", "kiosk": True}
    ).json()["token"]
    normal = server.token("ldso")
    time.sleep(2.2)
    assert anon.get("/me", headers={"Authorization": f"Bearer {kiosk}"}).status_code == 401
    assert anon.get("/me", headers={"Authorization": f"Bearer {normal}"}).status_code == 200


def test_login_is_throttled_with_a_growing_delay(demo_server_factory):
    settings = ServerSettings(login_free_failures=3, login_delay_seconds=1.0)
    server = demo_server_factory(settings=settings)
    anon = server.client()
    wrong = {"username": "ldso", "password": "sai"}
    right = {"username": "ldso", "password": "kyso-demo"}
    for _ in range(3):
        assert anon.post("/auth/login", json=wrong).status_code == 401
    refused = anon.post("/auth/login", json=right)  # even the right password waits
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert "thử lại sau" in refused.json()["detail"]
    # another user from another name is not delayed by this user's failures
    assert anon.post("/auth/login", json={**right, "username": "vanthu"}).status_code == 200
    time.sleep(int(refused.headers["retry-after"]) + 0.1)
    assert anon.post("/auth/login", json=wrong).status_code == 401  # 4th failure: 2 s now
    again = anon.post("/auth/login", json=right)
    assert again.status_code == 429 and int(again.headers["retry-after"]) == 2
    time.sleep(2.1)
    assert anon.post("/auth/login", json=right).status_code == 200
    # the success started the count again
    assert anon.post("/auth/login", json=wrong).status_code == 401
    assert anon.post("/auth/login", json=right).status_code == 200


def test_login_is_throttled_per_client_address(demo_server_factory):
    settings = ServerSettings(address_free_failures=4, login_delay_seconds=30)
    server = demo_server_factory(settings=settings)
    anon = server.client()
    for name in ("a1", "a2", "a3", "a4"):
        assert anon.post("/auth/login", json={"username": name, "password": "x"}).status_code == 401
    spray = anon.post("/auth/login", json={"username": "ldso", "password": "kyso-demo"})
    assert spray.status_code == 429
    assert 1 <= int(spray.headers["retry-after"]) <= 30


# --- uploads, idempotency, cursor --------------------------------------------------------


def test_refused_uploads_leave_no_blob(demo_server, pdf_bytes):
    cv = demo_server.client("chuyenvien")
    ld = demo_server.client("ldso")
    doc = _draft(cv, pdf_bytes)
    att = doc["attachments"][0]["id"]
    before = _blob_files(demo_server)
    for i in range(100):
        body = pdf_bytes + f"\n% {i}\n".encode()  # new bytes every time
        files = {"file": ("x.pdf", body, "application/pdf")}
        if i % 4 == 0:  # not the holder
            r = ld.post(f"/documents/{doc['id']}/attachments/{att}/versions", files=files)
        elif i % 4 == 1:  # no such document
            r = cv.post("/documents/999999/attachments", files=files)
        elif i % 4 == 2:  # a "signed" upload that is not signed → 403 for a chuyên viên
            r = cv.post(
                f"/documents/{doc['id']}/attachments/{att}/versions",
                files=files,
                data={"signed": "true"},
            )
        else:  # a note with a control character
            r = cv.post(
                f"/documents/{doc['id']}/attachments", files=files, data={"note": "\x1b[2J"}
            )
        assert 400 <= r.status_code < 500, r.text
    assert _blob_files(demo_server) == before
    assert not list((demo_server.data_dir / "blobs" / "tmp").iterdir())


def test_refused_signed_upload_after_verification_leaves_no_blob(demo_server):
    ld = demo_server.client("ldso")
    waiting = [d for d in ld.get("/documents").json() if d["holder"] == "ldso"]
    assert waiting, "the demo data has documents waiting for the leader"
    doc = waiting[0]
    att = doc["attachments"][0]["id"]
    before = _blob_files(demo_server)
    r = ld.post(
        f"/documents/{doc['id']}/attachments/{att}/versions",
        files={"file": ("x.pdf", b"%PDF-1.7\nkhong phai ban ky\n", "application/pdf")},
        data={"signed": "true"},
    )
    assert r.status_code == 422
    assert "<" not in r.json()["detail"]
    assert _blob_files(demo_server) == before


def test_sweep_removes_unreferenced_blobs_at_start(demo_server):
    stray = demo_server.data_dir / "blobs" / "ab" / ("ab" + "0" * 62 + ".bin")
    stray.parent.mkdir(exist_ok=True)
    stray.write_bytes(b"left by a crash")
    import os

    os.utime(stray, (time.time() - 7200, time.time() - 7200))
    before = _blob_files(demo_server)
    demo_server.restart()
    assert _blob_files(demo_server) == before - {stray.name}
    # referenced blobs survive: every version can still be downloaded
    ld = demo_server.client("ldso")
    doc = ld.get("/documents").json()[0]
    att = doc["attachments"][0]
    n = att["versions"][-1]["n"]
    url = f"/documents/{doc['id']}/attachments/{att['id']}/versions/{n}/content"
    assert ld.get(url).status_code == 200


def test_idempotency_key_reused_with_another_body_is_422(demo_server, pdf_bytes):
    cv = demo_server.client("chuyenvien")
    doc = _draft(cv, pdf_bytes)
    url = f"/documents/{doc['id']}/opinions"
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = cv.post(url, json={"text": "Bản thứ nhất"}, headers=key)
    assert first.status_code == 200
    second = cv.post(url, json={"text": "Bản thứ hai"}, headers=key)
    assert second.status_code == 422
    assert "Idempotency-Key" in second.json()["detail"]
    same = cv.post(url, json={"text": "Bản thứ nhất"}, headers=key)
    assert same.status_code == 200 and same.content == first.content
    # a multipart retry (new random boundary, same form and file) is still a replay
    created_key = {"Idempotency-Key": str(uuid.uuid4())}
    files = {"file": ("b.pdf", pdf_bytes, "application/pdf")}
    form = {"trich_yeu": "Tạo một lần", "loai_ky_hieu": "KH"}
    a = cv.post("/documents", files=files, data=form, headers=created_key)
    b = cv.post("/documents", files=files, data=form, headers=created_key)
    assert a.status_code == b.status_code == 201 and a.json()["id"] == b.json()["id"]
    other = {"trich_yeu": "Một trích yếu khác", "loai_ky_hieu": "KH"}
    c = cv.post("/documents", files=files, data=other, headers=created_key)
    assert c.status_code == 422


def test_cursor_beyond_the_newest_change_is_410(demo_server):
    ld = demo_server.client("ldso")
    page = ld.get("/changes").json()
    newest = int(page["cursor"])
    assert ld.get("/changes", params={"since": newest}).status_code == 200
    ahead = ld.get("/changes", params={"since": newest + 1000})
    assert ahead.status_code == 410
    assert "đồng bộ lại" in ahead.json()["detail"]
