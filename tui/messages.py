"""Messages that workers and screens post to each other.

Small dataclass-like messages; bursty ones (progress) replace older copies in the queue.
"""

from __future__ import annotations

from typing import Any

from textual.message import Message

from kyso.core.service.model import Document, InboxRow, SyncStatus, TokenStatus

__all__ = [
    "DocumentChanged",
    "DocumentsLoaded",
    "SignFinished",
    "SignProgress",
    "SyncStatusChanged",
    "TokenStatusChanged",
]


class DocumentsLoaded(Message):
    """A worker read one inbox view from the store (``complete=False``: only its first
    screenful, the rest follows)."""

    def __init__(self, scope: str, documents: list[InboxRow], *, complete: bool = True) -> None:
        super().__init__()
        self.scope = scope
        self.documents = documents
        self.complete = complete

    def can_replace(self, message: Message) -> bool:
        """True when ``message``, queued after this one, makes it obsolete: a whole read of
        the same view (syncs finishing back to back rebuild the list once). A first
        screenful never makes anything obsolete."""
        return (
            isinstance(message, DocumentsLoaded)
            and message.scope == self.scope
            and message.complete
        )


class DocumentChanged(Message):
    """A document changed in the store (marked, moved, signed)."""

    def __init__(self, document: Document) -> None:
        super().__init__()
        self.document = document


class SyncStatusChanged(Message):
    """The store's sync state changed."""

    def __init__(self, status: SyncStatus) -> None:
        super().__init__()
        self.status = status

    def can_replace(self, message: Message) -> bool:
        # "đang đồng bộ…" is never dropped for the result: the status bar shows it a while.
        return isinstance(message, SyncStatusChanged) and message.status.state != "syncing"


class TokenStatusChanged(Message):
    """The token was found, changed or pulled out."""

    def __init__(self, status: TokenStatus) -> None:
        super().__init__()
        self.status = status

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, TokenStatusChanged)


class SignProgress(Message):
    """A batch moved on: ``done`` of ``total`` documents, now at ``current``."""

    def __init__(self, done: int, total: int, current: str, result: Any = None) -> None:
        super().__init__()
        self.done = done
        self.total = total
        self.current = current
        self.result = result


class SignFinished(Message):
    """A batch ended (completed, failed, or stopped because the token went away)."""

    def __init__(self, results: list[Any], stopped: str = "") -> None:
        super().__init__()
        self.results = results
        self.stopped = stopped
