"""The changes feed's ``Document`` objects as JSON text, built by SQLite.

The same objects :func:`kyso.server.db.load_documents` builds as dicts (same keys, same
order, same values), but SQLite's JSON functions write them in C: a first sync of
100,000 documents spent most of the server's time making dicts and encoding them.
"""

from __future__ import annotations

import sqlite3

__all__ = ["documents_json"]


def _bool(column: str) -> str:
    return f"json(CASE WHEN {column} THEN 'true' ELSE 'false' END)"


# A list from a scalar subquery keeps SQLite's JSON subtype, so json_object embeds it as
# JSON without json() parsing it again (tests/test_server_feed_json.py compares).
_DOCUMENT = f"""
SELECT d.id, json_object(
    'id', d.id, 'version', d.version, 'trich_yeu', d.trich_yeu, 'loai', d.loai,
    'loai_ky_hieu', d.loai_ky_hieu, 'don_vi_soan_thao', d.don_vi_soan_thao,
    'nguoi_soan', d.nguoi_soan, 'holder', d.holder, 'state', d.state, 'so', d.so,
    'ky_hieu', d.ky_hieu, 'so_ky_hieu', d.so_ky_hieu, 'ngay_ban_hanh', d.ngay_ban_hanh,
    'marked', {_bool("EXISTS(SELECT 1 FROM marks AS m WHERE m.username = ? AND m.doc_id = d.id)")},
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
        FROM (SELECT * FROM flow WHERE doc_id = d.id ORDER BY id) AS f))
)
FROM documents AS d WHERE d.id IN (SELECT value FROM json_each(?))
"""


def documents_json(conn: sqlite3.Connection, ids: list[int], username: str) -> dict[int, str]:
    """The ``Document`` JSON text of each of ``ids`` as seen by ``username`` (marks)."""
    import json

    rows = conn.execute(_DOCUMENT, (username, json.dumps(ids)))
    return {int(doc_id): text for doc_id, text in rows}
