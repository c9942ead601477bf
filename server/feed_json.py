"""The changes feed's ``Document`` objects as JSON text, built by SQLite.

The same objects :func:`kyso.server.db.load_documents` builds as dicts (same keys, same
order, same values), but SQLite's JSON functions write them in C: a first sync of
100,000 documents spent most of the server's time making dicts and encoding them.

Each object is written in two parts around ``marked``, the one field that depends on who
asks: :func:`document_parts` gives them, :func:`join` puts a document together for one
user. The feed's cache (:mod:`kyso.server.feed_cache`) keeps the joined text of an
unmarked document, so a page is read rather than built.
"""

from __future__ import annotations

import json
import sqlite3

__all__ = ["MARKED_AT", "document_parts", "documents_json", "join", "marked_ids"]


def _bool(column: str) -> str:
    return f"json(CASE WHEN {column} THEN 'true' ELSE 'false' END)"


# The fields before "marked" and those after it, each as a JSON object.
# A list from a scalar subquery keeps SQLite's JSON subtype, so json_object embeds it as
# JSON without json() parsing it again (tests/test_server_feed_json.py compares).
_HEAD = """json_object(
    'id', d.id, 'version', d.version, 'trich_yeu', d.trich_yeu, 'loai', d.loai,
    'loai_ky_hieu', d.loai_ky_hieu, 'don_vi_soan_thao', d.don_vi_soan_thao,
    'nguoi_soan', d.nguoi_soan, 'holder', d.holder, 'state', d.state, 'so', d.so,
    'ky_hieu', d.ky_hieu, 'so_ky_hieu', d.so_ky_hieu, 'ngay_ban_hanh', d.ngay_ban_hanh)"""
_TAIL = f"""json_object(
    'related', ((SELECT json_group_array(related_id) FROM
        (SELECT related_id FROM related WHERE doc_id = d.id ORDER BY related_id))),
    'created_at', d.created_at, 'updated_at', d.updated_at,
    'attachments', ((SELECT json_group_array(json_object(
        'id', a.id, 'name', a.name, 'is_main', {_bool("a.is_main")},
        'versions', ((SELECT json_group_array(json_object(
            'n', v.n, 'sha256', v.sha256, 'size', v.size, 'uploaded_by', v.uploaded_by,
            'uploaded_at', v.uploaded_at, 'signed', {_bool("v.signed")}, 'note', v.note))
            FROM (SELECT * FROM versions WHERE attachment_id = a.id ORDER BY n) AS v))))
        FROM (SELECT * FROM attachments WHERE doc_id = d.id ORDER BY id) AS a)),
    'opinions', ((SELECT json_group_array(json_object(
        'id', o.id, 'author', o.author, 'text', o.text, 'at', o.at))
        FROM (SELECT * FROM opinions WHERE doc_id = d.id ORDER BY id) AS o)),
    'flow', ((SELECT json_group_array(json_object(
        'from', f.from_user, 'to', f.to_user, 'action', f.action, 'note', f.note, 'at', f.at))
        FROM (SELECT * FROM flow WHERE doc_id = d.id ORDER BY id) AS f)))"""

_PARTS = f"""
SELECT d.id, d.change_seq, {_HEAD}, {_TAIL}
FROM documents AS d WHERE d.id IN (SELECT value FROM json_each(?))
"""

_MARK = ',"marked":'
MARKED_AT = len(_MARK)
"""Where ``true``/``false`` starts after the head's fields (see :func:`join`)."""


def document_parts(conn: sqlite3.Connection, ids: list[int]) -> list[tuple[int, int, str, str]]:
    """``(id, change_seq, head, tail)`` of each of ``ids`` that exists: the document's
    fields before ``marked`` and after it, each a JSON object."""
    return [(int(i), int(s), h, t) for i, s, h, t in conn.execute(_PARTS, (json.dumps(ids),))]


def join(head: str, tail: str, marked: bool) -> str:
    """One ``Document`` object from its parts: ``head``'s fields, ``marked``, ``tail``'s
    (``false`` or ``true`` starts at ``len(head) - 1 + MARKED_AT``)."""
    return head[:-1] + _MARK + ("true," if marked else "false,") + tail[1:]


def marked_ids(conn: sqlite3.Connection, ids: list[int], username: str) -> set[int]:
    """Which of ``ids`` ``username`` has marked."""
    rows = conn.execute(
        "SELECT doc_id FROM marks WHERE username = ?"
        " AND doc_id IN (SELECT value FROM json_each(?))",
        (username, json.dumps(ids)),
    )
    return {int(r[0]) for r in rows}


def documents_json(conn: sqlite3.Connection, ids: list[int], username: str) -> dict[int, str]:
    """The ``Document`` JSON text of each of ``ids`` as seen by ``username`` (marks)."""
    marked = marked_ids(conn, ids, username)
    return {
        doc_id: join(head, tail, doc_id in marked)
        for doc_id, _seq, head, tail in document_parts(conn, ids)
    }
