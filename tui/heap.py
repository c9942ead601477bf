"""Keep the cyclic garbage collector off a keypress once a big view is in memory."""

from __future__ import annotations

import gc

__all__ = ["freeze_loaded"]

BIG = 5_000
"""Documents from which a view is worth freezing (below, a full collection is short)."""
_frozen = False


def freeze_loaded(documents: int) -> None:
    """Move what is alive now (imports, the app, the first whole view of ``documents``
    documents when it is :data:`BIG`) out of the collector's reach, once per process.

    A full collection walks every tracked object: ~100 ms at 10,000 documents and ~300 ms
    at 100,000, and the allocations of drawing frames set one off during a keypress now
    and then. Frozen objects are still freed by reference counting when they are let go
    (documents are plain rows, no cycles); only cycles among them would stay, hence once,
    at the first load, before any screen has come and gone.
    """
    global _frozen
    if documents >= BIG and not _frozen:
        _frozen = True
        gc.freeze()
