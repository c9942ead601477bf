"""The changes feed: every document visible to me that changed after a cursor."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from kyso.server import feed_cache
from kyso.server.params import Me
from kyso.server.schemas import ChangesPage, Error
from kyso.server.writes import json_response

__all__ = ["CURSOR_AHEAD", "DEFAULT_LIMIT", "MAX_LIMIT", "cursor_ahead", "empty_page", "router"]

router = APIRouter(tags=["changes"])
DEFAULT_LIMIT = 500
MAX_LIMIT = 5000
"""A first sync asks for big pages: fewer round trips and transactions."""
CURSOR_AHEAD = "Con trỏ vượt quá thay đổi mới nhất của máy chủ; hãy đồng bộ lại từ đầu."


def _newest(conn) -> int:
    row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'changes'").fetchone()
    return int(row[0]) if row else 0


# CROSS JOIN keeps documents as the outer loop, so SQLite walks the change_seq index from
# the cursor and stops at LIMIT; "+d.org_id" keeps it from picking the org index instead.
# A plain JOIN scanned and sorted every doc_access row of the user on each poll (~170 →
# ~550 requests/s at 10k).
_FROM = "FROM documents d CROSS JOIN doc_access a ON a.doc_id = d.id"
_WHERE = (
    "WHERE a.username = :username AND +d.org_id = :org_id AND d.change_seq > :cursor"
    " ORDER BY d.change_seq LIMIT :limit"
)
_PAGE_ROWS = f"SELECT d.id, d.change_seq {_FROM} {_WHERE}"
_PAGE = f"SELECT d.id, d.change_seq, {feed_cache.COLUMNS} {_FROM} {feed_cache.JOIN} {_WHERE}"
"""A page with each document's cached feed entry (:mod:`kyso.server.feed_cache`)."""


def _params(username: str, org_id: int, cursor: int, limit: int) -> dict[str, object]:
    return {"username": username, "org_id": org_id, "cursor": cursor, "limit": limit}


@router.get(
    "/changes",
    response_model=ChangesPage,
    responses={c: {"model": Error} for c in (400, 401, 410)},
)
async def get_changes(
    user: Me,
    request: Request,
    since: Annotated[str, Query(max_length=40, description="Con trỏ trước đó; 0 = từ đầu.")] = "0",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Response:
    """Thay đổi sau con trỏ ``since``, cũ trước mới sau; mỗi văn bản một lần, bản mới nhất.

    Con trỏ vượt quá thay đổi mới nhất (máy chủ được khôi phục từ bản sao lưu cũ hơn):
    410 — máy khách đồng bộ lại từ 0.
    """
    since = since.strip() or "0"
    if not (since.isascii() and since.isdigit()) or len(since) > 18:
        raise HTTPException(400, "Con trỏ không hợp lệ.")
    cursor = int(since)
    db = request.app.state.db
    # An empty poll (the common case) is two indexed reads, answered on the event loop;
    # a page with documents is built in the thread pool. A plain empty poll does not get
    # here: kyso.server.empty_poll answers it with the same two functions.
    with db.connect() as conn:
        if cursor_ahead(conn, cursor):
            raise HTTPException(410, CURSOR_AHEAD)
        if (empty := empty_page(conn, user.username, user.org_id, cursor)) is not None:
            return json_response(200, empty)
    body = await run_in_threadpool(_page, db, user.username, user.org_id, cursor, limit)
    return json_response(200, body)


def cursor_ahead(conn, cursor: int) -> bool:
    """Whether ``cursor`` is past the server's newest change (the 410 case)."""
    return bool(cursor) and cursor > _newest(conn)


def empty_page(conn, username: str, org_id: int, cursor: int) -> bytes | None:
    """The body of the page after ``cursor`` when nothing ``username`` sees changed after
    it; ``None`` when something did."""
    if conn.execute(_PAGE_ROWS, _params(username, org_id, cursor, 1)).fetchone():
        return None
    return b'{"changes":[],"cursor":"%d","has_more":false}' % cursor


def _page(db, username: str, org_id: int, cursor: int, limit: int) -> bytes:
    """The page of changes after ``cursor`` as the response body."""
    with db.connect() as conn:
        conn.execute("BEGIN")  # one snapshot for the page and its documents
        try:
            cur = conn.cursor()
            cur.row_factory = None  # plain tuples: 2,000 rows a page
            rows = cur.execute(_PAGE, _params(username, org_id, cursor, limit + 1)).fetchall()
            if cursor and cursor > _newest(conn):
                raise HTTPException(410, CURSOR_AHEAD)
            has_more = len(rows) > limit
            rows = rows[:limit]
            changes = feed_cache.entries(conn, rows, username)
        finally:
            conn.execute("COMMIT")
    # The entries are JSON already (kept by kyso.server.feed_cache, or written by SQLite
    # now): the page is put together around them rather than parsed and encoded again.
    next_cursor = rows[-1][1] if rows else cursor
    more = b"true" if has_more else b"false"
    return b'{"changes":[%b],"cursor":"%d","has_more":%b}' % (
        b",".join(changes),
        next_cursor,
        more,
    )
