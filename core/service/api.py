"""The one typed API every front end calls (the app, the kiosk, web mode, the CLI).

A :class:`Service` is the local store's data plus the use cases a user may run on it.
Every method may block (disk, network through sync, token): a UI calls them from worker
threads, a script calls them directly. Documents come back as
:class:`~kyso.core.service.model.Document`, never as the API's dicts.

The real service is :class:`kyso.core.service.store_service.StoreService`; the tests
keep an in-memory one (tests/static_service.py).
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kyso.core.errors import WorkflowError
from kyso.core.service.model import (
    ConflictInfo,
    Document,
    InboxRow,
    IssueOrder,
    Person,
    SyncStatus,
    TokenStatus,
    UserInfo,
)

if TYPE_CHECKING:  # pragma: no cover
    from kyso.core.issue_service import IssueResult, NumberInfo, RegistryEntry, SealPreview
    from kyso.core.placements import PlacementBook

__all__ = ["NO_ISSUANCE", "Service", "SignedOut"]

NO_ISSUANCE = "Chưa hỗ trợ phát hành văn bản ở chế độ này"


class Service(ABC):
    """The local store's view plus the use cases the signed-in user may run."""

    user: UserInfo

    # -- reading -----------------------------------------------------------------------

    @abstractmethod
    def documents(self, scope: str = "inbox") -> list[InboxRow]:
        """Inbox rows of one view (``inbox``, ``signed``, ``all``), newest first."""

    def first_documents(self, scope: str, count: int) -> list[InboxRow] | None:
        """The first ``count`` of :meth:`documents`, in order, when the service can read
        them faster than the whole view (the inbox's first screenful); else ``None``."""
        return None

    @abstractmethod
    def document(self, doc_id: int) -> Document:
        """One whole document; :class:`KysoError` when it is not in the store."""

    @abstractmethod
    def attachment_file(self, doc_id: int, att_id: int, n: int | None = None) -> Path:
        """A local path of an attachment version's bytes (the newest when ``n`` is None)."""

    def users(self) -> list[Person]:
        """Users of my organization (recipient choice)."""
        return []

    def user_names(self) -> dict[str, str]:
        """Username → full name, me included (for display)."""
        names = {p.username: p.name for p in self.users()}
        names.setdefault(self.user.username, self.user.full_name)
        return names

    def allowed_actions(self, doc: Document | InboxRow) -> list[str]:
        """The workflow actions my role may take on ``doc`` now."""
        return []

    def may_sign(self) -> bool:
        """Whether my role ever signs (else "Ký số" is not offered at all)."""
        from kyso.core.workflow import SIGNING_ROLES

        return not self.user.role or self.user.role in SIGNING_ROLES

    def sign_refusal(self, doc: Document | InboxRow) -> str:
        """Why I may not sign ``doc`` now, as the server would refuse my signed upload
        (empty when I may): asked before any PIN (:func:`kyso.core.workflow.sign_refusal`)."""
        from kyso.core.workflow import sign_refusal

        return sign_refusal(self.user.role, doc.state, is_holder=doc.holder == self.user.username)

    # -- writing (queued for the server) ------------------------------------------------

    def transition(self, doc_id: int, action: str, to: str | None, note: str = "") -> Document:
        """Record a transition; a non-empty ``note`` is its opinion, recorded once (the
        store and the server turn the note into the opinion)."""
        raise WorkflowError("Chưa hỗ trợ chuyển văn bản ở chế độ này")

    def add_opinion(self, doc_id: int, text: str) -> Document:
        """Record an opinion."""
        raise WorkflowError("Chưa hỗ trợ thêm ý kiến ở chế độ này")

    def set_marked(self, doc_id: int, marked: bool) -> Document:
        """Mark or unmark a document (★)."""
        raise WorkflowError("Chưa hỗ trợ đánh dấu ở chế độ này")

    def add_signed_version(self, doc_id: int, att_id: int, path: Path, note: str) -> Document:
        """Record a signed version of an attachment (uploaded through the outbox)."""
        raise WorkflowError("Chưa hỗ trợ tải lên bản đã ký ở chế độ này")

    # -- sync and token -----------------------------------------------------------------

    def sync(self) -> SyncStatus:
        """Push the outbox and pull changes; returns the new status."""
        return self.sync_status()

    def sync_status(self) -> SyncStatus:
        """The store's sync state without touching the network."""
        return SyncStatus()

    def token_status(self) -> TokenStatus:
        """The token the station would sign with (no PIN asked), with its PIN state."""
        return TokenStatus()

    def conflicts(self) -> list[ConflictInfo]:
        """Actions the server refused, newest first, until dismissed."""
        return []

    def dismiss_conflict(self, conflict_id: int) -> None:  # noqa: B027 - optional hook
        """Hide a refused action the user has seen."""

    def placements(self) -> PlacementBook:
        """The signer's remembered signature positions (per document type and page-count
        bucket). A service without a local store keeps them in memory."""
        book = getattr(self, "_placement_book", None)
        if book is None:
            from kyso.core.placements import PlacementBook

            book = self._placement_book = PlacementBook.in_memory()
        return book

    # -- issuance (văn thư): see kyso.core.issue_service --------------------------------

    def clerk_inbox(self) -> list[InboxRow]:
        """Documents waiting for me to issue (``cho_van_thu``, held by me)."""
        return [d for d in self.documents("inbox") if d.state == "cho_van_thu"]

    def number_info(self, doc_id: int) -> NumberInfo:
        """The number held for the document, the one the next allocation would give
        (not reserved), and every number it ever got."""
        raise WorkflowError(NO_ISSUANCE)

    def seal_preview(self, doc_id: int) -> SealPreview:
        """Where the number, the date and the seal will go on the leader-signed file."""
        raise WorkflowError(NO_ISSUANCE)

    def seal_image(self, configured: str = "") -> tuple[bytes, str]:
        """The seal PNG (``configured`` file, else the demo seal) and where it came from."""
        raise WorkflowError(NO_ISSUANCE)

    def presign_issuance(
        self, token_options: Any, signing: Any, audit: Callable[..., Any] | None = None
    ) -> Any:
        """Check the organisation's certificate before the PIN (a
        :class:`~kyso.core.errors.CertificateError` when it may not sign) and plan the
        level; None when this service signs no issuance with a token."""
        return None

    def issue(
        self,
        order: IssueOrder,
        *,
        pin: str | None = None,
        on_step: Callable[[str, str], None] | None = None,
    ) -> IssueResult:
        """Phát hành: take the number, fill number and date, sign as the organization
        with the seal (the token opened with ``pin``; no token with ``order.only_number``),
        upload, sync. ``on_step(step, message)`` reports download/allocate/sign/upload/sync."""
        raise WorkflowError(NO_ISSUANCE)

    def registry(self, year: int) -> list[RegistryEntry]:
        """The registry book (sổ đăng ký văn bản đi) of ``year``, by number."""
        raise WorkflowError(NO_ISSUANCE)

    def export_registry(self, year: int, fmt: str, path: Path) -> Path:
        """Write the book of ``year`` as ``csv`` or ``pdf`` to ``path``."""
        raise WorkflowError(NO_ISSUANCE)

    def cancel_number(self, doc_id: int, reason: str) -> RegistryEntry:
        """Record the number held for the document as cancelled (bị huỷ)."""
        raise WorkflowError(NO_ISSUANCE)

    def export_edxml(self, doc_id: int, path: Path) -> Path:
        """Write an issued document as an edXML-style package to ``path``."""
        raise WorkflowError(NO_ISSUANCE)

    def copy_source(self, doc_id: int) -> tuple[Document, Path]:
        """An issued document and its main file, ready to copy: checked before any PIN
        (the user is a văn thư, the document was issued and has a main file)."""
        raise WorkflowError(NO_ISSUANCE)

    def copy(
        self,
        doc_id: int,
        output: Path,
        *,
        form: str,
        organization: str,
        pages: str | None = None,
        key: Any = None,
        pin: str | None = None,
        token_options: Any = None,
    ) -> Any:
        """Sao y / sao lục / trích sao an issued document: a number from the copies book,
        the copy signed as the organization into ``output``, uploaded
        (:func:`kyso.core.copy_service.copy_and_upload`; a ``CopyUpload``). Signed with
        ``key`` when the caller holds one open, else the token opened with ``pin``."""
        raise WorkflowError(NO_ISSUANCE)

    def local_today(self) -> dt.date:
        """The clerk's calendar day (Vietnam); a test service may fix it."""
        from kyso.core.clock import vn_today

        return vn_today()

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release files and connections."""


class SignedOut(Service):
    """No one is signed in (a locked kiosk): no documents, nothing to do."""

    def __init__(self, user: UserInfo | None = None) -> None:
        self.user = user or UserInfo("", "Chưa đăng nhập", "")

    def documents(self, scope: str = "inbox") -> list[InboxRow]:
        return []

    def document(self, doc_id: int) -> Document:
        from kyso.core.errors import DocumentError

        raise DocumentError("Chưa đăng nhập")

    def attachment_file(self, doc_id: int, att_id: int, n: int | None = None) -> Path:
        from kyso.core.errors import DocumentError

        raise DocumentError("Chưa đăng nhập")
