"""The empty poll of the changes feed, answered before FastAPI (kyso.server.empty_poll),
against the real server: the same answer as the route, and every other case left to it."""

from __future__ import annotations

import sqlite3

import httpx
import pytest

from kyso.server.empty_poll import _bearer, _cursor


def _newest(demo_server) -> str:
    with sqlite3.connect(demo_server.data_dir / "kyso-server.sqlite3") as conn:
        row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'changes'").fetchone()
    return str(row[0])


def _answer(response: httpx.Response) -> tuple[int, bytes, str, str]:
    return (
        response.status_code,
        response.content,
        response.headers["content-type"],
        response.headers["content-length"],
    )


def test_an_empty_poll_answers_as_the_route_does(demo_server):
    ld = demo_server.client("ldso")
    newest = _newest(demo_server)
    plain = ld.get(f"/changes?since={newest}")
    assert plain.json() == {"changes": [], "cursor": newest, "has_more": False}
    # The same polls in forms the middleware leaves to the route.
    for query in (
        f"since={newest}&x=1",
        f"since=%3{newest[0]}{newest[1:]}",
        f"since={newest}&limit=0500",
        f"since=1&since={newest}",
    ):
        assert _answer(ld.get(f"/changes?{query}")) == _answer(plain), query
    with_limit = ld.get(f"/changes?limit=2&since=000{newest}")
    assert _answer(with_limit) == _answer(plain)


def test_a_user_with_nothing_sees_an_empty_first_poll(demo_server):
    demo_server.add_user("moi", "chuyen_vien", org_ky_hieu="KHAC", org_name="Đơn vị khác")
    fresh = demo_server.client("moi")
    assert fresh.get("/changes").content == b'{"changes":[],"cursor":"0","has_more":false}'
    assert fresh.get("/changes?since=0&limit=5000").json()["cursor"] == "0"


def test_a_poll_with_changes_is_the_route_page(demo_server):
    ld = demo_server.client("ldso")
    newest = int(_newest(demo_server))
    page = ld.get(f"/changes?since={newest - 1}&limit=1").json()
    assert len(page["changes"]) == 1
    assert page["cursor"] == str(newest)


def test_the_route_still_refuses_what_it_refused(demo_server):
    ld = demo_server.client("ldso")
    newest = _newest(demo_server)
    assert ld.get(f"/changes?since={newest}&limit=0").status_code == 400
    assert ld.get(f"/changes?since={newest}&limit=5001").status_code == 400
    assert ld.get(f"/changes?since={newest}&limit=5000").status_code == 200
    assert ld.get(f"/changes?since={'0' * 19}{newest}").status_code == 400
    ahead = ld.get(f"/changes?since={int(newest) + 1}")
    assert ahead.status_code == 410
    assert "đồng bộ lại" in ahead.json()["detail"]
    assert ld.post(f"/changes?since={newest}").status_code == 405


@pytest.mark.parametrize(
    ("authorization", "status"),
    [
        (None, 401),
        ("Basic bGRzbzpreXNv", 401),
        ("Bearer", 401),
        ("Bearer not-a-token", 401),
        ("bearer {token}", 200),
        ("Bearer   {token}", 200),
    ],
)
def test_a_poll_is_authenticated_as_before(demo_server, authorization, status):
    newest = _newest(demo_server)
    headers = {}
    if authorization is not None:
        headers["Authorization"] = authorization.format(token=demo_server.token("ldso"))
    response = httpx.get(f"{demo_server.api}/changes?since={newest}", headers=headers)
    assert response.status_code == status
    if status == 401:
        assert response.headers["www-authenticate"] == "Bearer"


def test_an_expired_token_cannot_poll(demo_server):
    ld = demo_server.client("ldso")
    newest = _newest(demo_server)
    assert ld.get(f"/changes?since={newest}").status_code == 200
    with sqlite3.connect(demo_server.data_dir / "kyso-server.sqlite3") as conn:
        conn.execute("UPDATE tokens SET expires_at = '2000-01-01T00:00:00+07:00'")
    response = ld.get(f"/changes?since={newest}")
    assert response.status_code == 401
    assert "hết hạn" in response.json()["detail"]


@pytest.mark.parametrize(
    ("query", "cursor"),
    [
        (b"", 0),
        (b"since=0", 0),
        (b"since=42", 42),
        (b"since=0042&limit=500", 42),
        (b"limit=5000&since=7", 7),
        (b"limit=1", 0),
        (b"since=" + b"9" * 18, int("9" * 18)),
        (b"since=" + b"9" * 19, None),
        (b"since=", None),
        (b"since=-1", None),
        (b"since=%31", None),
        (b"since=1&since=2", None),
        (b"since=1&limit=0", None),
        (b"since=1&limit=5001", None),
        (b"since=1&limit=05", None),
        (b"since=1&limit=1&limit=2", None),
        (b"since=1&x=1", None),
        (b"since=1&", None),
    ],
)
def test_which_queries_the_middleware_answers(query, cursor):
    assert _cursor(query) == cursor


@pytest.mark.parametrize(
    ("headers", "token"),
    [
        ([(b"authorization", b"Bearer abc")], "abc"),
        ([(b"authorization", b"bEaReR  abc ")], "abc"),
        ([(b"authorization", b"Bearer a"), (b"authorization", b"Bearer b")], "a"),
        ([(b"authorization", b"Basic abc")], None),
        ([(b"authorization", b"Bearer ")], None),
        ([(b"authorization", b"")], None),
        ([(b"x-authorization", b"Bearer abc")], None),
        ([], None),
    ],
)
def test_which_tokens_the_middleware_reads(headers, token):
    assert _bearer({"headers": headers}) == token
