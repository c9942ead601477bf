"""One error hierarchy for everything a user can cause or meet.

Each error carries a one-line ``message`` (what the CLI prints) and a short ``title``
(what the app shows above the message). Messages never contain a PIN, a password or a
session token: callers build them from facts, never from the secret itself.
"""

from __future__ import annotations

__all__ = [
    "AuthError",
    "CertificateError",
    "ConflictError",
    "DocumentError",
    "KysoError",
    "OutputError",
    "PinError",
    "PinLockedError",
    "PlacementError",
    "SigningError",
    "StoreError",
    "SyncError",
    "TokenError",
    "TokenRemovedError",
    "WorkflowError",
]


class KysoError(Exception):
    """Base of every error kyso reports to a user."""

    title = "Lỗi"

    def __init__(self, message: str, *, title: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if title is not None:
            self.title = title

    def __str__(self) -> str:
        return self.message


class TokenError(KysoError):
    """No module, the module does not load, no token, no usable key or certificate."""

    title = "Token"


class TokenRemovedError(TokenError):
    """The token (or the forwarded link to it) went away during a session."""


class PinError(TokenError):
    """The PIN was refused; ``tries_left`` says what the token reported, when it did."""

    title = "PIN"

    def __init__(self, message: str, *, tries_left: str | None = None) -> None:
        super().__init__(message)
        self.tries_left = tries_left


class PinLockedError(PinError):
    """The user PIN is locked; only the SO PIN (the issuer) can unlock it."""


class CertificateError(KysoError):
    """The signing certificate is expired, not yet valid, or not meant for signing."""

    title = "Chứng thư số"


class DocumentError(KysoError):
    """A file is not a PDF, is broken, encrypted, empty, or cannot be read."""

    title = "Tài liệu"


class PlacementError(KysoError):
    """The signature box cannot be placed: page out of range, anchor not found, bad box."""

    title = "Vị trí chữ ký"


class SigningError(KysoError):
    """Signing a document failed for a reason that is not the token's or the input's."""

    title = "Ký số"


class OutputError(KysoError):
    """The output cannot be written: folder missing, not writable, disk full."""

    title = "Ghi tệp"


class StoreError(KysoError):
    """The local cache cannot be opened or migrated."""

    title = "Bộ nhớ đệm"


class SyncError(KysoError):
    """The server is unreachable or answered with an error."""

    title = "Đồng bộ"


class AuthError(SyncError):
    """Nobody is logged in, the password was refused, or the server no longer accepts the
    session (HTTP 401): logging in again is the way out, retrying is not."""

    title = "Đăng nhập"


class ConflictError(SyncError):
    """Someone else changed the document first (HTTP 409/412): the local action was not
    applied; reload the document and decide again."""

    title = "Xung đột"


class WorkflowError(KysoError):
    """A transition that this role may not take from this state."""

    title = "Luồng văn bản"
