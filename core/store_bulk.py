"""One page of the changes feed written to the cache by SQLite itself.

The page arrives as JSON text; SQLite's JSON functions take it apart in C and the rows go
straight into the tables, so no Python dict, tuple or re-encoded JSON is made per
document (at 100,000 documents that per-document Python work was most of a first sync).
The rows are the ones :meth:`kyso.core.store.Store.apply_page` writes from parsed
documents; that path stays for pages whose documents have queued actions to re-apply.

A document's parts (attachments and their versions, opinions, flow) are read from its JSON
and no longer copied into tables of their own: nothing read those rows but the writer
itself and one version lookup, and writing them was a third of a first sync.

A first sync makes each page's rows beforehand, elsewhere (:func:`stage_page`, in
:mod:`kyso.core.stage_worker`'s process), and the store only copies them in
(:func:`put_staged`).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator

from kyso.core.errors import SyncError

__all__ = [
    "BAD_PAGE",
    "STAGE",
    "ListOrder",
    "can_stage",
    "drop_staged",
    "load_staged",
    "page_text",
    "put_page_json",
    "put_staged",
    "stage_page",
]

BAD_PAGE = "Máy chủ trả về dữ liệu thay đổi không hợp lệ."
"""Said when a page is not JSON, or a change has no document with an integer id (nothing
of the page is kept)."""

# The page's documents in feed order, each rendered once as text (a co-routine: LIMIT -1
# keeps SQLite from flattening it into the statement below, which would render the
# document again for every column read from it). Straight from the page: copying them
# into a table first cost a third of storing a page. Rows go in the page's order, so of a
# document sent twice the later copy stays.
_CHANGES = """(SELECT c.value -> '$.document' AS doc FROM json_each(:page, '$.changes') AS c
       LIMIT -1)"""

_PARTS = ("attachments", "versions", "opinions", "flow")
_OLD_PARTS = "SELECT " + " OR ".join(f"EXISTS(SELECT 1 FROM {t})" for t in _PARTS)
"""Whether an older cache still has rows of documents' parts (removed as pages replace them)."""

# The newest flow entry to the holder (inbox_sender / inbox_received), the main
# attachment's newest version (main_signed) and a version signed by me (signed_by_me),
# all read from the document's JSON. A json_each costs more than a path: the usual case
# (the last flow entry is the one to the holder; one attachment) is read by path.
_TO_HOLDER = """CASE WHEN {row}.{doc} ->> '$.flow[#-1].to' IS {row}.holder
     THEN {row}.{doc} ->> '$.flow[#-1].{key}'
     ELSE (SELECT f.value ->> '$.{key}' FROM json_each({row}.{doc}, '$.flow') AS f
           WHERE f.value ->> '$.to' IS {row}.holder ORDER BY f.key DESC LIMIT 1) END"""

_COLUMNS = """id, version, so_ky_hieu, trich_yeu, loai, loai_ky_hieu,
                      don_vi_soan_thao, nguoi_soan, state, holder, marked, signed_by_me,
                      pending, ngay_ban_hanh, created_at, updated_at, received_at, json,
                      sender, signed"""

# Each document of the page as its row of ``documents``, in the page's order.
_ROWS = f"""
SELECT id, version, so_ky_hieu, trich_yeu, loai, loai_ky_hieu, don_vi_soan_thao, nguoi_soan,
       state, holder, marked,
       CASE WHEN d.doc LIKE :mine OR (:escapes AND d.doc LIKE '%\\%')
            THEN EXISTS(SELECT 1 FROM json_each(d.doc, '$.attachments') AS a,
                                      json_each(a.value, '$.versions') AS v
                        WHERE v.value ->> '$.signed' AND v.value ->> '$.uploaded_by' = :me)
            ELSE 0 END,
       0, ngay_ban_hanh, created_at, updated_at,
       coalesce(nullif({_TO_HOLDER.format(key="at", row="d", doc="doc")}, ''), :received),
       -- none for a change without an integer id: the NOT NULL column refuses the page
       CASE WHEN json_type(d.doc, '$.id') IS 'integer' THEN d.doc END,
       {_TO_HOLDER.format(key="from", row="d", doc="doc")},
       CASE WHEN json_array_length(d.doc, '$.attachments') <= 1
            THEN CASE WHEN d.doc ->> '$.attachments[0].versions[#-1].signed' THEN 1 ELSE 0 END
            ELSE coalesce((SELECT CASE WHEN a.value ->> '$.versions[#-1].signed'
                                       THEN 1 ELSE 0 END
                           FROM json_each(d.doc, '$.attachments') AS a
                           ORDER BY CASE WHEN a.value ->> '$.is_main' THEN 0 ELSE 1 END, a.key
                           LIMIT 1), 0) END
FROM (
    SELECT p.doc, CASE WHEN json_type(p.doc, '$.id') IS 'integer'
                       THEN json_extract(p.doc, '$.id') END AS id,
           coalesce(json_extract(p.doc, '$.version'), 0) AS version,
           json_extract(p.doc, '$.so_ky_hieu') AS so_ky_hieu,
           coalesce(json_extract(p.doc, '$.trich_yeu'), '') AS trich_yeu,
           coalesce(json_extract(p.doc, '$.loai'), '') AS loai,
           json_extract(p.doc, '$.loai_ky_hieu') AS loai_ky_hieu,
           coalesce(json_extract(p.doc, '$.don_vi_soan_thao'), '') AS don_vi_soan_thao,
           json_extract(p.doc, '$.nguoi_soan') AS nguoi_soan,
           coalesce(json_extract(p.doc, '$.state'), '') AS state,
           json_extract(p.doc, '$.holder') AS holder,
           CASE WHEN json_extract(p.doc, '$.marked') THEN 1 ELSE 0 END AS marked,
           json_extract(p.doc, '$.ngay_ban_hanh') AS ngay_ban_hanh,
           json_extract(p.doc, '$.created_at') AS created_at,
           json_extract(p.doc, '$.updated_at') AS updated_at
    FROM {_CHANGES} AS p
) AS d
"""

_UPSERT = f"""WHERE true
ON CONFLICT(id) DO UPDATE SET version=excluded.version,
    so_ky_hieu=excluded.so_ky_hieu, trich_yeu=excluded.trich_yeu, loai=excluded.loai,
    loai_ky_hieu=excluded.loai_ky_hieu, don_vi_soan_thao=excluded.don_vi_soan_thao,
    nguoi_soan=excluded.nguoi_soan, state=excluded.state, holder=excluded.holder,
    marked=excluded.marked, signed_by_me=excluded.signed_by_me, pending=excluded.pending,
    ngay_ban_hanh=excluded.ngay_ban_hanh, created_at=excluded.created_at,
    updated_at=excluded.updated_at, json=excluded.json, sender=excluded.sender,
    signed=excluded.signed,
    received_at=coalesce(nullif({_TO_HOLDER.format(key="at", row="excluded", doc="json")}, ''),
                         documents.received_at)
"""

_DOCUMENTS = f"INSERT INTO documents({_COLUMNS})\n{_ROWS}{_UPSERT}"

_ROWS_OF_BYTES = _ROWS.replace(":page", "CAST(:page AS TEXT)")
""":data:`_ROWS` of a page given as UTF-8 bytes (checked beforehand): no str between."""


def put_page_json(conn: sqlite3.Connection, page: str, username: str, received: str) -> int:
    """Write the documents of one changes-feed page (its JSON text) and their parts, in
    the caller's transaction; return how many documents it held.

    Only for documents with no queued action (nothing to re-apply on top). ``received``
    is when a document with no flow entry to its holder first arrived here. A page that is
    not JSON, or a change without a document with an integer id: :class:`SyncError` (the
    caller rolls back what was written)."""
    ids = "SELECT c.value ->> '$.document.id' FROM json_each(:page, '$.changes') AS c"
    _drop_old_parts(conn, ids, {"page": page})
    with _bad_page():
        return conn.execute(_DOCUMENTS, _params(page, username, received)).rowcount


def stage_page(page: bytes, username: str, received: str, *, checked: bool = False) -> bytes:
    """The rows :func:`put_page_json` would write for ``page`` (its UTF-8 text), made
    ready in a database of their own (in memory, returned serialized) by any thread or
    process, without the store.

    A first sync takes pages apart here, in a second process
    (:mod:`kyso.core.stage_worker`), while the store writes the page before
    (:func:`put_staged`): the JSON work is most of storing a page. Same errors as
    :func:`put_page_json`; ``checked``: the caller knows the bytes are UTF-8."""
    if not checked:
        page_text(page)  # only checked: SQLite reads the bytes as they are
    with contextlib.closing(sqlite3.connect(":memory:", isolation_level=None)) as stage:
        stage.execute(f"CREATE TABLE {_STAGED}({_COLUMNS}, CHECK (json IS NOT NULL))")
        with _bad_page():
            # Read through LIMIT -1, or SQLite flattens the statement and renders each
            # document again for every column read from it (five times slower).
            stage.execute(
                f"INSERT INTO {_STAGED} SELECT * FROM ({_ROWS_OF_BYTES} LIMIT -1)",
                _params(page, username, received),
            )
        return stage.serialize()


def page_text(page: bytes | str) -> str:
    """A page's text; :class:`SyncError` if its bytes are not UTF-8."""
    if isinstance(page, str):
        return page
    try:
        return page.decode("utf-8")
    except UnicodeDecodeError:
        raise SyncError(BAD_PAGE) from None


STAGE = "kyso_stage"
"""The name a store's connection gives the staged rows' database (:func:`load_staged`)."""

_STAGED = "staged"


def can_stage() -> bool:
    """Whether this Python's SQLite can hand staged rows between connections (it may be
    built without serialization)."""
    return hasattr(sqlite3.Connection, "serialize")


def load_staged(conn: sqlite3.Connection, staged: bytes) -> None:
    """Make ``staged`` (from :func:`stage_page`) the :data:`STAGE` database of ``conn``,
    outside any transaction (SQLite refuses to replace a database one is using)."""
    if not _attached(conn):
        conn.execute(f"ATTACH ':memory:' AS {STAGE}")
    conn.deserialize(staged, name=STAGE)


def drop_staged(conn: sqlite3.Connection) -> None:
    """Let go of the :data:`STAGE` database, outside any transaction."""
    if _attached(conn):
        conn.execute(f"DETACH {STAGE}")


def _attached(conn: sqlite3.Connection) -> bool:
    return any(row[1] == STAGE for row in conn.execute("PRAGMA database_list"))


def put_staged(conn: sqlite3.Connection) -> int:
    """Write the rows :func:`load_staged` made ready, in the caller's transaction; return
    how many documents they are (:func:`put_page_json` for a page staged beforehand)."""
    _drop_old_parts(conn, f"SELECT id FROM {STAGE}.{_STAGED}", {})
    sql = f"INSERT INTO documents({_COLUMNS}) SELECT * FROM {STAGE}.{_STAGED} {_UPSERT}"
    return conn.execute(sql).rowcount


def _params(page: str | bytes, username: str, received: str) -> dict[str, object]:
    # A document signed by me has my name as a version's uploader in its text, as
    # SQLite writes it (no spaces), unless the text has escapes (a \u0073 in a name): only
    # such documents have their versions read one by one. LIKE finds a text in a text
    # faster than instr() and may say yes for a document that is not mine (`_` matches any
    # character, case is ignored), never no for one that is.
    return {
        "page": page,
        "me": username,
        "mine": '%"uploaded_by":' + json.dumps(username, ensure_ascii=False) + "%",
        "escapes": ("\\" if isinstance(page, str) else b"\\") in page,
        "received": received,
    }


def _drop_old_parts(conn: sqlite3.Connection, ids: str, params: dict[str, object]) -> None:
    """Delete the part rows an older cache kept of the documents ``ids`` selects."""
    if conn.execute(_OLD_PARTS).fetchone()[0]:
        for table in _PARTS:
            conn.execute(f"DELETE FROM {table} WHERE document_id IN ({ids})", params)


@contextlib.contextmanager
def _bad_page() -> Iterator[None]:
    """SQLite's refusal of a page as :class:`SyncError`: a change without an integer
    document id has no JSON in its row, which the NOT NULL column (or CHECK) refuses
    without a pass over the page of its own; a page that is not JSON is malformed."""
    try:
        yield
    except sqlite3.IntegrityError:
        raise SyncError(BAD_PAGE) from None
    except sqlite3.OperationalError as exc:
        if "malformed JSON" in str(exc):
            raise SyncError(BAD_PAGE) from None
        raise


class ListOrder:
    """Whether a first sync's pages still come in the order of the list indexes
    (``updated_at`` first), which then grow at their end as rows arrive.

    The feed is in the order of changes and each change stamps ``updated_at``, so its
    pages come in that order, and growing the indexes at their end costs less than
    building them after (at 100,000 documents, 2.5 s against 3.1 s for the whole first
    sync). A page with a document older than one stored before would insert into the
    middle of them: ten times the cost of building them (5.5 s against 0.6 s at 100,000
    in random order). So the first such page drops them, to be built once at the end."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._newest = conn.execute("SELECT max(updated_at) FROM documents").fetchone()[0]
        self.kept = True
        """Whether the list indexes are still there."""

    def before(self, conn: sqlite3.Connection, page: str | None) -> None:
        """Drop the list indexes if the page about to be written (``page``'s text, or
        the staged rows for ``None``) has a document older than the newest stored one.
        In the caller's transaction."""
        if not self.kept or self._newest is None:
            return
        if page is None:
            sql = f"SELECT min(coalesce(updated_at, '')) FROM {STAGE}.{_STAGED}"
        else:
            sql = (
                "SELECT min(coalesce(c.value ->> '$.document.updated_at', ''))"
                " FROM json_each(:page, '$.changes') AS c"
            )
        with _bad_page():
            oldest = conn.execute(sql, {"page": page}).fetchone()[0]
        if oldest is not None and oldest < self._newest:
            from kyso.core.store_schema import LIST_INDEXES

            for name in LIST_INDEXES:
                conn.execute(f"DROP INDEX IF EXISTS {name}")
            self.kept = False

    def after(self, conn: sqlite3.Connection) -> None:
        """Note the newest document once a page is written (from the index: no scan)."""
        if self.kept:
            self._newest = conn.execute("SELECT max(updated_at) FROM documents").fetchone()[0]
