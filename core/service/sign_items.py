"""One signing batch as data: the items the pre-flight prepared, how each went, and why
an item failed in words the result list shows (:data:`FAILURE_KINDS`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kyso.core.service.model import Document

__all__ = [
    "FAILURE_KINDS",
    "RETRYABLE",
    "BatchOutcome",
    "SignItem",
    "SignItemResult",
    "failure_kind",
    "item_title",
]


@dataclass
class SignItem:
    """One attachment to sign, with what the pre-flight found."""

    document_id: int
    attachment_id: int
    title: str
    """What the progress list shows (số/ký hiệu or trích yếu)."""
    loai: str = ""
    path: Path | None = None
    problem: str = ""
    """Why this item cannot be signed (empty when it can)."""
    page_count: int = 0
    warning: str = ""
    """Something the signer should know before the PIN (signing is still possible)."""
    placement: Any = None
    """Where this document is signed (:class:`~kyso.core.docs.placement.Placement`)."""
    overlap: str = ""
    """The text the stamp would cover, if any (the signer accepts it before the PIN)."""

    @property
    def notes(self) -> list[str]:
        """Every warning for this document, in the order the signer reads them."""
        return [w for w in (self.overlap, self.warning) if w]


FAILURE_KINDS = {
    "file": "tệp không ký được",
    "placement": "vị trí chữ ký",
    "certificate": "chứng thư số",
    "verify": "chữ ký không kiểm tra được",
    "token": "token",
    "signing": "lỗi khi ký",
    "store": "bộ nhớ đệm",
    "stopped": "chưa ký (đã dừng)",
}
"""Why an item was not signed, in the words the result list shows."""
RETRYABLE = frozenset({"token", "signing", "store", "stopped"})
"""Failures a second try may fix; the others (the file, its placement, the certificate,
a signature that did not verify) would fail the same way."""


def failure_kind(error: BaseException | None) -> str:
    """Classify a batch failure by its error type (a key of :data:`FAILURE_KINDS`)."""
    from kyso.core.errors import (
        CertificateError,
        DocumentError,
        OutputError,
        PlacementError,
        StoreError,
        SyncError,
        TokenError,
    )

    if isinstance(error, PlacementError):
        return "placement"
    if isinstance(error, DocumentError | OutputError):
        return "file"
    if isinstance(error, CertificateError):
        return "certificate"
    if isinstance(error, TokenError):
        return "token"
    if isinstance(error, StoreError | SyncError):
        return "store"
    return "signing"


@dataclass
class SignItemResult:
    """How one item went."""

    item: SignItem
    ok: bool
    message: str = ""
    verified: bool = False
    skipped: bool = False
    kind: str = ""
    """For a failure: a key of :data:`FAILURE_KINDS`."""

    @property
    def retryable(self) -> bool:
        """True when signing it again could succeed."""
        return not self.ok and self.kind in RETRYABLE


@dataclass
class BatchOutcome:
    """A finished batch: one result per item and, when it stopped early, why."""

    results: list[SignItemResult] = field(default_factory=list)
    stopped: str = ""

    @property
    def failed(self) -> list[SignItem]:
        """Items that were not signed."""
        return [r.item for r in self.results if not r.ok]

    @property
    def retryable(self) -> list[SignItem]:
        """Items not signed for a reason a second try may fix."""
        return [r.item for r in self.results if r.retryable]

    @property
    def signed(self) -> int:
        """How many were signed and verified."""
        return sum(1 for r in self.results if r.ok)


def item_title(doc: Document) -> str:
    """What a batch lists for a document: số/ký hiệu, else the shortened trích yếu."""
    from kyso.core.textsafe import safe_line

    if doc.so_ky_hieu:
        return doc.so_ky_hieu
    text = " ".join(safe_line(doc.trich_yeu or f"#{doc.id}").split())
    return text if len(text) <= 40 else text[:39] + "…"
