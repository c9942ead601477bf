"""What the issuance screen's workers post back to it (workers never touch widgets)."""

from __future__ import annotations

from typing import Any

from textual.message import Message

from kyso.core.service.model import Document

__all__ = ["IssuanceLoaded", "IssueFinished", "IssueStep", "PageLoaded", "TokenChecked"]


class IssuanceLoaded(Message):
    """A worker read the document, its number, the seal and the placement preview."""

    def __init__(
        self,
        doc: Document | None,
        info: Any,
        preview: Any,
        seal: tuple[bytes, str] | None,
        place: str,
        errors: dict[str, str],
    ) -> None:
        super().__init__()
        self.doc, self.info, self.preview, self.seal = doc, info, preview, seal
        self.place = place
        self.errors = errors


class PageLoaded(Message):
    """A worker rendered a page of the leader-signed file."""

    def __init__(
        self, page: int, count: int, size: tuple[float, float], text: str, png: bytes | None
    ) -> None:
        super().__init__()
        self.page, self.count, self.page_size, self.text, self.png = page, count, size, text, png

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, PageLoaded)


class TokenChecked(Message):
    """The token the station would sign with was looked up and its certificate checked
    (before the PIN): ``presigned``, or ``refusal`` (one line)."""

    def __init__(self, status: Any, presigned: Any = None, refusal: str = "") -> None:
        super().__init__()
        self.status, self.presigned, self.refusal = status, presigned, refusal


class IssueStep(Message):
    """The issuance worker started a step."""

    def __init__(self, step: str, text: str) -> None:
        super().__init__()
        self.step, self.text = step, text


class IssueFinished(Message):
    """The issuance ended: ``result`` (an IssueResult) or ``error``; ``note`` says what
    was checked (signatures) or what became of the number."""

    def __init__(self, result: Any, error: str = "", note: str = "") -> None:
        super().__init__()
        self.result, self.error, self.note = result, error, note
