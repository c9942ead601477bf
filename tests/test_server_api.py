"""The reference server's API over HTTP: auth, roles, organizations, workflow, replay,
versions and the changes feed (real uvicorn on 127.0.0.1)."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fixtures_pdf import make_pdf

KH_TET = "Kế hoạch tham gia hưởng ứng “Tết trồng cây đời đời nhớ ơn Bác Hồ”"


@pytest.fixture
def pdf_bytes(tmp_path) -> bytes:
    return make_pdf(tmp_path / "du-thao.pdf", pages=2).read_bytes()


def new_draft(cv: httpx.Client, pdf: bytes, trich_yeu: str = "Kế hoạch thử nghiệm") -> dict:
    response = cv.post(
        "/documents",
        files={"file": ("Dự thảo kế hoạch.pdf", pdf, "application/pdf")},
        data={"trich_yeu": trich_yeu, "loai_ky_hieu": "KH"},
    )
    assert response.status_code == 201, response.text
    return response.json()


def act(client: httpx.Client, doc_id: int, action: str, **body) -> httpx.Response:
    return client.post(f"/documents/{doc_id}/transitions", json={"action": action, **body})


# --- auth -------------------------------------------------------------------------------


def test_login_gives_token_and_user(demo_server):
    anon = demo_server.client()
    response = anon.post("/auth/login", json={"username": "ldso", "password": "kyso-demo"})
    assert response.status_code == 200
    body = response.json()
    assert len(body["token"]) >= 32
    assert body["user"]["role"] == "lanh_dao_so"
    assert body["user"]["title"] == "Giám đốc"
    assert body["user"]["org"]["ky_hieu"] == "STTTT"
    me = anon.get("/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert me.json()["username"] == "ldso"


@pytest.mark.parametrize(
    ("username", "password"),
    [("ldso", "sai-mat-khau"), ("khongco", "kyso-demo"), ("ldso", "KYSO-DEMO")],
)
def test_bad_login_is_401(demo_server, username, password):
    response = demo_server.client().post(
        "/auth/login", json={"username": username, "password": password}
    )
    assert response.status_code == 401
    assert response.json()["detail"] == "Sai tên đăng nhập hoặc mật khẩu."


def test_passwords_and_tokens_are_not_stored_plain(demo_server):
    token = demo_server.token("vanthu")
    raw = b"".join(p.read_bytes() for p in demo_server.data_dir.glob("kyso-server.sqlite3*"))
    assert b"kyso-demo" not in raw
    assert token.encode() not in raw
    assert b"scrypt$" in raw


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/me"),
        ("GET", "/users"),
        ("GET", "/documents"),
        ("GET", "/documents/1"),
        ("GET", "/documents/1/attachments/1/versions/1/content"),
        ("POST", "/documents/1/transitions"),
        ("POST", "/documents/1/opinions"),
        ("PUT", "/documents/1/mark"),
        ("PATCH", "/documents/1/attachments/1"),
        ("POST", "/documents/1/attachments"),
        ("POST", "/documents/1/attachments/1/versions"),
        ("POST", "/documents"),
        ("PUT", "/me/certificate"),
        ("GET", "/changes"),
        ("GET", "/documents/1/number"),
        ("POST", "/documents/1/number"),
        ("POST", "/documents/1/number/cancel"),
        ("POST", "/documents/1/issue"),
        ("GET", "/registry/2026"),
        ("GET", "/registry/2026/book.csv"),
        ("GET", "/registry/2026/book.pdf"),
        ("POST", "/documents/1/copies/number"),
        ("POST", "/documents/1/copies/number/cancel"),
        ("POST", "/documents/1/copies"),
        ("GET", "/copies/2026"),
    ],
)
def test_every_endpoint_needs_a_token(demo_server, method, path):
    anon = demo_server.client()
    assert anon.request(method, path).status_code == 401
    bad = anon.request(method, path, headers={"Authorization": "Bearer khong-hop-le"})
    assert bad.status_code == 401
    assert bad.headers["www-authenticate"] == "Bearer"


def test_every_route_in_the_schema_is_covered_by_the_token_test(demo_server):
    schema = demo_server.client().get(f"{demo_server.url}/openapi.json").json()
    routes = {path.removeprefix("/api/v1") for path in schema["paths"]}
    assert routes == {
        "/auth/login",
        "/auth/logout",
        "/me",
        "/me/certificate",
        "/users",
        "/documents",
        "/documents/{doc_id}",
        "/documents/{doc_id}/attachments/{att_id}/versions/{n}/content",
        "/documents/{doc_id}/attachments/{att_id}/versions",
        "/documents/{doc_id}/number",
        "/documents/{doc_id}/number/cancel",
        "/documents/{doc_id}/issue",
        "/registry/{year}",
        "/registry/{year}/book.csv",
        "/registry/{year}/book.pdf",
        "/documents/{doc_id}/copies/number",
        "/documents/{doc_id}/copies/number/cancel",
        "/documents/{doc_id}/copies",
        "/copies/{year}",
        "/documents/{doc_id}/attachments",
        "/documents/{doc_id}/attachments/{att_id}",
        "/documents/{doc_id}/transitions",
        "/documents/{doc_id}/opinions",
        "/documents/{doc_id}/mark",
        "/changes",
    }


def test_users_of_my_organization(demo_server):
    users = demo_server.client("chuyenvien").get("/users").json()
    assert [u["username"] for u in users] == ["chuyenvien", "ldvanphong", "ldso", "vanthu"]
    assert {u["role"] for u in users} == {
        "chuyen_vien",
        "lanh_dao_van_phong",
        "lanh_dao_so",
        "van_thu",
    }


# --- organizations ------------------------------------------------------------------------


def test_another_organization_sees_nothing(demo_server, pdf_bytes):
    demo_server.add_user("cv.snv", "chuyen_vien", org_ky_hieu="SNV", org_name="Sở Nội vụ")
    other = demo_server.client("cv.snv")
    ldso_docs = demo_server.client("ldso").get("/documents", params={"scope": "all"}).json()
    assert ldso_docs
    doc = ldso_docs[0]
    att = doc["attachments"][0]
    assert other.get(f"/documents/{doc['id']}").status_code == 404
    content = f"/documents/{doc['id']}/attachments/{att['id']}/versions/1/content"
    assert other.get(content).status_code == 404
    assert other.post(f"/documents/{doc['id']}/opinions", json={"text": "xem"}).status_code == 404
    assert other.put(f"/documents/{doc['id']}/mark", json={"marked": True}).status_code == 404
    assert act(other, doc["id"], "luan_chuyen", to="cv.snv").status_code == 404
    assert other.get("/documents", params={"scope": "all"}).json() == []
    assert other.get("/changes").json()["changes"] == []
    assert [u["username"] for u in other.get("/users").json()] == ["cv.snv"]
    # and the other way round
    own = new_draft(other, pdf_bytes, "Văn bản của Sở Nội vụ")
    assert demo_server.client("chuyenvien").get(f"/documents/{own['id']}").status_code == 404


def test_a_colleague_who_was_never_sent_the_document_gets_404(demo_server, pdf_bytes):
    demo_server.add_user("chuyenvien2", "chuyen_vien")
    doc = new_draft(demo_server.client("chuyenvien"), pdf_bytes)
    assert demo_server.client("chuyenvien2").get(f"/documents/{doc['id']}").status_code == 404
    assert demo_server.client("ldso").get(f"/documents/{doc['id']}").status_code == 404


# --- workflow -------------------------------------------------------------------------------


def test_full_flow_with_opinions_and_history(demo_server, pdf_bytes):
    cv, vp = demo_server.client("chuyenvien"), demo_server.client("ldvanphong")
    doc = new_draft(cv, pdf_bytes)
    assert (doc["state"], doc["holder"], doc["version"]) == ("du_thao", "chuyenvien", 1)
    assert doc["attachments"][0]["is_main"] is True

    r = act(cv, doc["id"], "trinh_lanh_dao_van_phong", note="Kính trình anh xem.")
    assert r.status_code == 200, r.text
    assert (r.json()["state"], r.json()["holder"]) == ("cho_lanh_dao_van_phong", "ldvanphong")

    r = act(vp, doc["id"], "chuyen_tra_chuyen_vien", note="Sửa lại phần kinh phí.")
    assert (r.json()["state"], r.json()["holder"]) == ("tra_lai", "chuyenvien")

    r = act(cv, doc["id"], "trinh_lanh_dao_so", note="Đã sửa, trình thẳng Giám đốc.")
    body = r.json()
    assert (body["state"], body["holder"]) == ("cho_lanh_dao_so", "ldso")
    assert [(f["from"], f["to"], f["action"]) for f in body["flow"]] == [
        ("chuyenvien", "ldvanphong", "trinh_lanh_dao_van_phong"),
        ("ldvanphong", "chuyenvien", "chuyen_tra_chuyen_vien"),
        ("chuyenvien", "ldso", "trinh_lanh_dao_so"),
    ]
    assert [f["note"] for f in body["flow"]][1] == "Sửa lại phần kinh phí."
    assert [(o["author"], o["text"]) for o in body["opinions"]] == [
        ("chuyenvien", "Kính trình anh xem."),
        ("ldvanphong", "Sửa lại phần kinh phí."),
        ("chuyenvien", "Đã sửa, trình thẳng Giám đốc."),
    ]
    assert all(f["at"].endswith("+07:00") for f in body["flow"])
    assert body["version"] == 4
    # the leader now sees it in the inbox; the office head still sees it (was in the flow)
    inbox = demo_server.client("ldso").get("/documents").json()
    assert doc["id"] in [d["id"] for d in inbox]
    assert vp.get(f"/documents/{doc['id']}").status_code == 200


def test_opinion_and_mark(demo_server, pdf_bytes):
    cv, ld = demo_server.client("chuyenvien"), demo_server.client("ldso")
    doc = new_draft(cv, pdf_bytes)
    r = cv.post(f"/documents/{doc['id']}/opinions", json={"text": "Ghi chú của người soạn"})
    assert r.status_code == 200
    assert r.json()["opinions"][-1]["text"] == "Ghi chú của người soạn"
    assert r.json()["version"] == 2
    r = cv.put(f"/documents/{doc['id']}/mark", json={"marked": True})
    assert r.status_code == 200
    assert r.json()["marked"] is True
    assert r.json()["version"] == 2  # a mark is personal: no new version
    act(cv, doc["id"], "trinh_lanh_dao_so")
    assert ld.get(f"/documents/{doc['id']}").json()["marked"] is False  # marks are per user
    r = cv.put(f"/documents/{doc['id']}/mark", json={"marked": False})
    assert r.json()["marked"] is False
    assert cv.post(f"/documents/{doc['id']}/opinions", json={"text": "  "}).status_code == 400


def test_roles_are_enforced(demo_server, pdf_bytes):
    cv, ld, vt = (demo_server.client(u) for u in ("chuyenvien", "ldso", "vanthu"))
    doc = new_draft(cv, pdf_bytes)
    # a chuyên viên cannot send to the clerk, issue, or create as somebody else
    r = act(cv, doc["id"], "chuyen_van_thu")
    assert r.status_code == 403
    assert "Chuyên viên" in r.json()["detail"]
    assert act(cv, doc["id"], "ban_hanh").status_code == 403
    assert (
        ld.post(
            "/documents",
            files={"file": ("a.pdf", pdf_bytes, "application/pdf")},
            data={"trich_yeu": "x", "loai_ky_hieu": "KH"},
        ).status_code
        == 403
    )
    act(cv, doc["id"], "trinh_lanh_dao_so")
    # the drafter no longer holds it: no more transitions for him
    assert act(cv, doc["id"], "trinh_lanh_dao_so").status_code == 409
    assert act(cv, doc["id"], "ket_thuc").status_code == 409
    # the clerk cannot act on it either (not in the flow yet → not even visible)
    assert act(vt, doc["id"], "ban_hanh").status_code == 404


def test_states_are_enforced(demo_server, pdf_bytes):
    cv, ld = demo_server.client("chuyenvien"), demo_server.client("ldso")
    doc = new_draft(cv, pdf_bytes)
    act(cv, doc["id"], "trinh_lanh_dao_so")
    # chuyển văn thư needs a signed main file
    r = act(ld, doc["id"], "chuyen_van_thu")
    assert r.status_code == 409
    assert "chưa được ký số" in r.json()["detail"]
    # the drafter cannot submit again while it waits for the leader
    r = act(cv, doc["id"], "trinh_lanh_dao_van_phong")
    assert r.status_code == 409
    assert "Chờ lãnh đạo Sở ký" in r.json()["detail"]
    # after the leader returns it, the leader can no longer return it
    assert act(ld, doc["id"], "chuyen_tra_chuyen_vien").status_code == 200
    assert act(ld, doc["id"], "chuyen_tra_chuyen_vien").status_code == 409
    # an unknown action is bad input
    assert act(cv, doc["id"], "ky_ten").status_code == 400


def test_recipients(demo_server, pdf_bytes):
    cv = demo_server.client("chuyenvien")
    doc = new_draft(cv, pdf_bytes)
    # a named recipient must have the role of the step
    r = act(cv, doc["id"], "trinh_lanh_dao_so", to="vanthu")
    assert r.status_code == 400
    assert act(cv, doc["id"], "trinh_lanh_dao_so", to="khongco").status_code == 400
    # luân chuyển needs somebody; state and holder stay
    assert act(cv, doc["id"], "luan_chuyen").status_code == 400
    r = act(cv, doc["id"], "luan_chuyen", to="vanthu", note="Để biết")
    assert (r.json()["state"], r.json()["holder"]) == ("du_thao", "chuyenvien")
    assert r.json()["flow"][-1]["to"] == "vanthu"
    # … and the person it was sent to can now read it
    assert demo_server.client("vanthu").get(f"/documents/{doc['id']}").status_code == 200


def test_ket_thuc_of_a_draft(demo_server, pdf_bytes):
    cv = demo_server.client("chuyenvien")
    doc = new_draft(cv, pdf_bytes)
    r = act(cv, doc["id"], "ket_thuc", note="Bỏ dự thảo")
    assert r.json()["state"] == "ket_thuc"
    assert doc["id"] not in [d["id"] for d in cv.get("/documents").json()]
    assert doc["id"] in [d["id"] for d in cv.get("/documents", params={"scope": "all"}).json()]
    assert cv.post(f"/documents/{doc['id']}/opinions", json={"text": "x"}).status_code == 409


def test_ban_hanh_points_to_the_registry_book(demo_server):
    vt = demo_server.client("vanthu")
    waiting = [d for d in vt.get("/documents").json() if d["state"] == "cho_van_thu"]
    assert waiting, "the demo has a signed document waiting for the clerk"
    doc = waiting[0]
    for body in ({}, {"so": 1}, {"so": 77}):
        r = act(vt, doc["id"], "ban_hanh", **body)
        assert r.status_code == 409
        assert "sổ đăng ký" in r.json()["detail"]
        assert f"/documents/{doc['id']}/issue" in r.json()["detail"]
    after = vt.get(f"/documents/{doc['id']}").json()
    assert (after["state"], after["so"], after["so_ky_hieu"]) == ("cho_van_thu", None, None)
    numbers = [d["so"] for d in vt.get("/documents", params={"scope": "all"}).json() if d["so"]]
    assert len(numbers) == len(set(numbers))


# --- idempotency and versions -------------------------------------------------------------------


def test_idempotent_replay_returns_the_first_response(demo_server, pdf_bytes):
    cv = demo_server.client("chuyenvien")
    doc = new_draft(cv, pdf_bytes)
    key = {"Idempotency-Key": str(uuid.uuid4())}
    url = f"/documents/{doc['id']}/opinions"
    first = cv.post(url, json={"text": "Một lần thôi"}, headers=key)
    second = cv.post(url, json={"text": "Một lần thôi"}, headers=key)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert first.headers["etag"] == second.headers["etag"]
    now = cv.get(f"/documents/{doc['id']}").json()
    assert [o["text"] for o in now["opinions"]] == ["Một lần thôi"]
    assert now["version"] == 2
    # a transition replayed after the state moved on still answers as the first time
    tkey = {"Idempotency-Key": str(uuid.uuid4())}
    t1 = cv.post(
        f"/documents/{doc['id']}/transitions",
        json={"action": "trinh_lanh_dao_so"},
        headers=tkey,
    )
    t2 = cv.post(
        f"/documents/{doc['id']}/transitions",
        json={"action": "trinh_lanh_dao_so"},
        headers=tkey,
    )
    assert t1.status_code == t2.status_code == 200
    assert t1.json() == t2.json()
    assert len(cv.get(f"/documents/{doc['id']}").json()["flow"]) == 1
    # keys belong to users: the same key from someone else is a new request
    ld = demo_server.client("ldso")
    other = ld.post(url, json={"text": "Ý kiến lãnh đạo"}, headers=key)
    assert other.status_code == 200
    assert [o["text"] for o in other.json()["opinions"]][-1] == "Ý kiến lãnh đạo"


def test_idempotent_create_and_refusals(demo_server, pdf_bytes):
    cv = demo_server.client("chuyenvien")
    key = {"Idempotency-Key": "tao-du-thao-1"}
    files = {"file": ("a.pdf", pdf_bytes, "application/pdf")}
    data = {"trich_yeu": "Tạo một lần", "loai_ky_hieu": "KH"}
    a = cv.post("/documents", files=files, data=data, headers=key)
    b = cv.post("/documents", files=files, data=data, headers=key)
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] == b.json()["id"]
    mine = [d for d in cv.get("/documents").json() if d["trich_yeu"] == "Tạo một lần"]
    assert len(mine) == 1
    # a refusal is remembered too
    rkey = {"Idempotency-Key": "tu-choi-1"}
    r1 = cv.post(
        f"/documents/{a.json()['id']}/transitions",
        json={"action": "chuyen_van_thu"},
        headers=rkey,
    )
    r2 = cv.post(
        f"/documents/{a.json()['id']}/transitions",
        json={"action": "chuyen_van_thu"},
        headers=rkey,
    )
    assert r1.status_code == r2.status_code == 403
    assert r1.json() == r2.json()
    # the same key on another endpoint is refused
    r3 = cv.post(f"/documents/{a.json()['id']}/opinions", json={"text": "x"}, headers=rkey)
    assert r3.status_code == 422
    bad = cv.post(
        f"/documents/{a.json()['id']}/opinions",
        json={"text": "x"},
        headers={"Idempotency-Key": "co dau"},
    )
    assert bad.status_code == 400


def test_if_match(demo_server, pdf_bytes):
    cv = demo_server.client("chuyenvien")
    doc = new_draft(cv, pdf_bytes)
    got = cv.get(f"/documents/{doc['id']}")
    assert got.headers["etag"] == '"1"'
    url = f"/documents/{doc['id']}/opinions"
    ok = cv.post(url, json={"text": "a"}, headers={"If-Match": '"1"'})
    assert ok.status_code == 200
    assert ok.headers["etag"] == '"2"'
    stale = cv.post(url, json={"text": "b"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert "phiên bản hiện tại: 2" in stale.json()["detail"]
    stale_t = cv.post(
        f"/documents/{doc['id']}/transitions",
        json={"action": "trinh_lanh_dao_so"},
        headers={"If-Match": '"1"'},
    )
    assert stale_t.status_code == 412
    assert cv.get(f"/documents/{doc['id']}").json()["state"] == "du_thao"
    assert cv.post(url, json={"text": "c"}, headers={"If-Match": 'W/"2"'}).status_code == 200
    assert cv.post(url, json={"text": "d"}, headers={"If-Match": "abc"}).status_code == 400
    assert cv.post(url, json={"text": "e"}, headers={"If-Match": "*"}).status_code == 200


# --- changes feed ---------------------------------------------------------------------------------


def test_changes_feed_order_and_pagination(demo_server, pdf_bytes):
    ld = demo_server.client("ldso")
    everything, cursor, pages = [], "0", 0
    while True:
        page = ld.get("/changes", params={"since": cursor, "limit": 3}).json()
        pages += 1
        everything += page["changes"]
        assert len(page["changes"]) <= 3
        if not page["has_more"]:
            break
        cursor = page["cursor"]
    seqs = [c["seq"] for c in everything]
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == len(seqs)
    ids = [c["document"]["id"] for c in everything]
    assert len(ids) == len(set(ids))  # each document once, newest state
    visible = ld.get("/documents", params={"scope": "all"}).json()
    assert sorted(ids) == sorted(d["id"] for d in visible)
    assert pages >= 3
    final = page["cursor"]
    assert ld.get("/changes", params={"since": final}).json() == {
        "changes": [],
        "cursor": final,
        "has_more": False,
    }
    # a new change shows up after the cursor, once, with the newest state
    cv = demo_server.client("chuyenvien")
    doc = new_draft(cv, pdf_bytes)
    act(cv, doc["id"], "trinh_lanh_dao_so", note="Trình Giám đốc")
    page = ld.get("/changes", params={"since": final}).json()
    assert [c["document"]["id"] for c in page["changes"]] == [doc["id"]]
    assert page["changes"][0]["document"]["state"] == "cho_lanh_dao_so"
    assert int(page["cursor"]) > int(final)
    # the drafter's own feed has it too
    assert doc["id"] in [c["document"]["id"] for c in cv.get("/changes").json()["changes"]]


@pytest.mark.parametrize("since", ["abc", "-1", "1.5", "²", "1" * 30])
def test_changes_bad_cursor(demo_server, since):
    assert demo_server.client("ldso").get("/changes", params={"since": since}).status_code == 400


def test_changes_limit_bounds(demo_server):
    ld = demo_server.client("ldso")
    assert ld.get("/changes", params={"limit": 0}).status_code == 400
    assert ld.get("/changes", params={"limit": 5001}).status_code == 400
    assert ld.get("/changes", params={"limit": 5000}).status_code == 200


# --- restart ------------------------------------------------------------------------------------


def test_data_survives_a_restart_and_tokens_stay_valid(demo_server, pdf_bytes):
    cv = demo_server.client("chuyenvien")
    doc = new_draft(cv, pdf_bytes, KH_TET)
    demo_server.restart()
    again = cv.get(f"/documents/{doc['id']}")
    assert again.status_code == 200
    assert again.json()["trich_yeu"] == KH_TET
    demo_server.kill()
    with pytest.raises(httpx.TransportError):
        cv.get("/me")
    demo_server.start()
    assert cv.get("/me").status_code == 200


def test_an_expired_token_is_401(demo_server):
    import sqlite3

    cv = demo_server.client("chuyenvien")
    assert cv.get("/me").status_code == 200
    with sqlite3.connect(demo_server.data_dir / "kyso-server.sqlite3") as conn:
        conn.execute("UPDATE tokens SET expires_at = '2000-01-01T00:00:00+07:00'")
    response = cv.get("/me")
    assert response.status_code == 401
    assert "hết hạn" in response.json()["detail"]
