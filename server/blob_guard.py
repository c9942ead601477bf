"""Blobs that no row references do not stay: refused uploads and a sweep.

An upload is streamed to the blob store before the route knows whether the caller may
make it (the file must be read before the form's other fields, and a signed PDF must be
on disk to be verified). :class:`BlobGuardMiddleware` remembers the blobs a request
created; when the answer is a refusal (4xx/5xx) those no version row references are
deleted at once, so refused uploads cannot fill the disk. While a request runs, its
blobs are pinned and neither this nor :func:`sweep` removes them — another request
storing the same bytes keeps them alive too. :func:`sweep` (run when the server
starts) removes what a crash left: unreferenced blobs and stray ``.part`` files older
than ``min_age`` seconds.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import time

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kyso.server.blobs import BlobStore
from kyso.server.db import Database

__all__ = ["BlobGuardMiddleware", "created_blobs", "sweep"]

log = logging.getLogger("kyso.server")

created_blobs: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "kyso_created_blobs", default=None
)
"""The hashes stored during the current request (``BlobStore.put_stream`` appends)."""


def _referenced(db: Database, sha: str) -> bool:
    with db.connect() as conn:
        row = conn.execute("SELECT 1 FROM versions WHERE sha256 = ? LIMIT 1", (sha,)).fetchone()
    return row is not None


def discard_unreferenced(db: Database, blobs: BlobStore, shas: list[str]) -> int:
    """Delete those of ``shas`` that no version references and nobody has pinned."""
    removed = 0
    for sha in shas:
        with blobs.pin_lock:
            if blobs.pinned(sha) or _referenced(db, sha):
                continue
            with contextlib.suppress(FileNotFoundError):
                blobs.path(sha).unlink()
                removed += 1
    return removed


class BlobGuardMiddleware:
    """Pure ASGI middleware: a refused request's new blobs are removed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        created: list[str] = []
        token = created_blobs.set(created)
        done = False

        async def release(refused: bool) -> None:
            nonlocal done
            if done or not created:
                return
            done = True
            state = scope["app"].state
            blobs: BlobStore = state.blobs
            blobs.unpin(created)
            if refused:
                await run_in_threadpool(discard_unreferenced, state.db, blobs, created)

        async def watching_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                # Cleaned before the client hears the answer, so it never sees stale bytes.
                await release(int(message["status"]) >= 400)
            await send(message)

        try:
            await self.app(scope, receive, watching_send)
        finally:
            created_blobs.reset(token)
            await release(True)  # no answer was sent: the request failed


def sweep(db: Database, blobs: BlobStore, *, min_age: float = 3600.0) -> int:
    """Remove unreferenced blobs and stray temporary files older than ``min_age`` seconds;
    return how many files went."""
    with db.connect() as conn:
        known = {row[0] for row in conn.execute("SELECT DISTINCT sha256 FROM versions")}
    cutoff = time.time() - min_age
    removed = 0
    for path in blobs.root.glob("*/*"):
        try:
            if path.stat().st_mtime > cutoff:
                continue
            if path.parent.name == "tmp":
                if path.suffix == ".part":
                    path.unlink()
                    removed += 1
                continue
            if path.suffix != ".bin" or path.stem in known:
                continue
            with blobs.pin_lock:
                if not blobs.pinned(path.stem):
                    path.unlink()
                    removed += 1
        except FileNotFoundError:
            continue
    if removed:
        log.info("đã dọn %d tệp không còn được tham chiếu", removed)
    return removed
