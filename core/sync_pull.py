"""Reading the changes feed into the store, page after page, with the work spread out:
the next page is on the wire while the store writes the current one, and in a first sync
of more than a page a second process takes each page apart
(:class:`kyso.core.stage_worker.StageWorker`) while the store writes the one before.
Pages are still stored one by one, in order, each with its cursor.

Part of :mod:`kyso.core.sync_client`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

from kyso.core.store import Store
from kyso.core.store_base import now_iso

__all__ = ["FetchPage", "pull_pages"]

FetchPage = Callable[[str], tuple[bytes, str, bool]]
"""One page after a cursor: its JSON text (UTF-8), the next cursor, whether more follow."""

_Ready = tuple["Future[bytes] | None", bytes, str]
"""A page waiting for the store: its rows being staged (if they are), its text, its cursor."""


def pull_pages(store: Store, fetch: FetchPage, cursor: str, *, stage: bool) -> int:
    """Store every page of the feed after ``cursor``; return how many documents came.

    ``stage``: once a second page is coming, take pages apart in a second process, one
    page ahead of the store (worth it for a first sync's big pages). If a page cannot be
    fetched, the pages that arrived before it are stored first."""
    total = 0
    ready: _Ready | None = None
    with contextlib.ExitStack() as stack:
        fetcher = stack.enter_context(ThreadPoolExecutor(1, thread_name_prefix="kyso-pull"))
        stager: _Stager | None = None
        page = fetcher.submit(fetch, cursor)
        while True:
            try:
                body, new_cursor, has_more = page.result()
            except BaseException:
                if ready is not None:
                    _store(store, ready)
                raise
            more = has_more and new_cursor != cursor
            # Staged from the second page on: the first is stored here as the worker starts.
            rows = stager.submit(body) if stager is not None else None
            if more:
                page = fetcher.submit(fetch, new_cursor)
                if stage and stager is None:
                    stager = stack.enter_context(_stager(store.username))
            if ready is not None:  # the page before, staged meanwhile
                total += _store(store, ready)
                ready = None
            if rows is not None:
                ready = (rows, body, new_cursor)
            else:
                total += _store(store, (None, body, new_cursor))
            if not more:
                break
            cursor = new_cursor
        if ready is not None:
            total += _store(store, ready)
    return total


class _Stager:
    """Stages pages in the worker process, from a thread that waits for it, one at a
    time and in order; if the worker cannot be used, pages are stored unstaged."""

    def __init__(self, username: str) -> None:
        from kyso.core.stage_worker import StageWorker

        self._thread = ThreadPoolExecutor(1, thread_name_prefix="kyso-stage")
        self._worker: StageWorker | None = None
        with contextlib.suppress(OSError):
            self._worker = StageWorker(username)

    def submit(self, body: bytes) -> Future[bytes] | None:
        if self._worker is None:
            return None
        return self._thread.submit(self._worker.stage, body, now_iso())

    def close(self) -> None:
        self._thread.shutdown()
        if self._worker is not None:
            self._worker.close()


@contextlib.contextmanager
def _stager(username: str) -> Iterator[_Stager]:
    stager = _Stager(username)
    try:
        yield stager
    finally:
        stager.close()


def _store(store: Store, ready: _Ready) -> int:
    rows, body, cursor = ready
    staged = None
    if rows is not None:
        with contextlib.suppress(OSError):  # the worker is gone: the page is taken apart here
            staged = rows.result()
    return store.apply_page_json(body, cursor, staged=staged)
