"""The local cache: one SQLite file per (server, user), the only state the UI and CLI read.

Documents arrive from the server's changes feed (:mod:`kyso.core.sync`) and are kept as
their full JSON plus denormalized columns for the inbox list, so listing 10,000 documents
never parses JSON. Attachment files live beside the database in a content-addressed blob
folder (``blobs/ab/abcdef…``), written atomically.

Every user action (transition, opinion, mark, signed upload) is applied optimistically to
the local copy and written to the ``outbox`` **in the same transaction**, with a uuid
idempotency key and the document version it was based on. The sync pushes the outbox in
order; a server copy that arrives while actions are still queued gets those actions
re-applied on top, so the user never sees their own work vanish before it is sent.

A :class:`Store` may be shared between threads (one connection, guarded by a lock); a
second process or a second :class:`Store` on the same file is also fine (WAL).

The class is put together from one module per job: :mod:`~kyso.core.store_base` (the
connection, meta), :mod:`~kyso.core.store_reads` (lists, one document),
:mod:`~kyso.core.store_blobs` (attachment files), :mod:`~kyso.core.store_server` (what the
sync pulled), :mod:`~kyso.core.store_actions` (my actions) and
:mod:`~kyso.core.store_outbox` (the outbox and conflicts).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kyso.core.store_actions import StoreActions
from kyso.core.store_base import ActionKind, Scope, now_iso, store_path
from kyso.core.store_blobs import StoreBlobs
from kyso.core.store_outbox import StoreOutbox
from kyso.core.store_reads import _INBOX_COLUMNS as _INBOX_COLUMNS  # the list tests read it
from kyso.core.store_reads import StoreReads
from kyso.core.store_server import StoreServerWrites

if TYPE_CHECKING:
    from kyso.core.store_rows import (
        Attachment,
        AttachmentVersion,
        Conflict,
        DocumentDetail,
        FlowEntry,
        InboxRow,
        Opinion,
        OutboxItem,
        SyncStatus,
    )

# The row classes live in kyso.core.store_rows and are imported on first use, so a
# process that only prints ``inbox --json`` does not pay for building them.
_ROW_NAMES = frozenset(
    {
        "Attachment",
        "AttachmentVersion",
        "Conflict",
        "DocumentDetail",
        "FlowEntry",
        "InboxRow",
        "Opinion",
        "OutboxItem",
        "SyncStatus",
    }
)


def __getattr__(name: str) -> Any:
    """Row classes from :mod:`kyso.core.store_rows`, imported on first use."""
    if name in _ROW_NAMES:
        from kyso.core import store_rows

        return getattr(store_rows, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ActionKind",
    "Attachment",
    "AttachmentVersion",
    "Conflict",
    "DocumentDetail",
    "FlowEntry",
    "InboxRow",
    "Opinion",
    "OutboxItem",
    "Scope",
    "Store",
    "SyncStatus",
    "now_iso",
    "store_path",
]


class Store(StoreActions, StoreOutbox, StoreServerWrites, StoreBlobs, StoreReads):
    """The local cache for one user on one server.

    Open with ``Store(path, username)``; the file and its folder are created and
    migrated as needed. Blobs go to ``blob_dir`` (default: ``blobs/`` beside the
    ``stores/`` folder). Use as a context manager or call :meth:`close`.
    """
