"""The token as every front end sees it: which token to use, what state it is in, and a
logged-in session on it.

One walk of modules → slots → tokens → certificates (:func:`token_walk`, the listing;
:func:`diagnose`, the doctor), one way to build :class:`TokenOptions` from the settings
and the command line, and one :class:`TokenStatus`: a view of the doctor's findings for
the token the station would sign with, with its PIN state. The app and the CLI import
this module instead of ``kyso.core.token`` (and python-pkcs11).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kyso.core.errors import KysoError, PinLockedError

if TYPE_CHECKING:  # pragma: no cover
    from kyso.core.token.diagnosis import Diagnosis, TokenCheck
    from kyso.core.token.inventory import ModuleReport
    from kyso.core.token.session import TokenOptions, TokenSession

__all__ = [
    "PIN_WARNINGS",
    "TokenOptions",
    "TokenStatus",
    "build_token_options",
    "check_pin",
    "diagnose",
    "open_session",
    "pin_state",
    "refuse_locked",
    "status_from_diagnosis",
    "token_status",
    "token_walk",
]

PIN_WARNINGS: dict[str, str] = {
    "count_low": "Cảnh báo: đã nhập sai PIN, còn ít lần thử",
    "final_try": "Cảnh báo: còn MỘT lần thử — sai nữa token sẽ bị khoá",
    "locked": "PIN đã bị khoá — liên hệ đơn vị cấp chứng thư",
}
"""What the PIN dialog and the status bar say for each user-PIN state but ``ok``."""

_TRIES_LEFT = {"count_low": "ít", "final_try": "1", "locked": "0"}


@dataclass(frozen=True)
class TokenStatus:
    """The token the station would sign with, as the status bar and the PIN dialog show
    it (no PIN asked to learn it)."""

    present: bool = False
    """A token with a certificate that can sign now was found (it may still be locked)."""
    label: str = ""
    holder: str = ""
    valid_until: str = ""
    """dd/mm/yyyy."""
    message: str = ""
    """Why no token was found, why it cannot sign, or that its PIN is locked."""
    pin_state: str = ""
    """``ok``, ``count_low``, ``final_try`` or ``locked``, as the token reports."""
    warnings: tuple[str, ...] = ()
    """The doctor's warnings about this token (tries left, several certificates)."""

    @property
    def locked(self) -> bool:
        """The user PIN is locked: asking for it is pointless."""
        return self.pin_state == "locked"

    @property
    def ready(self) -> bool:
        """A PIN may be asked: a token that can sign, not locked."""
        return self.present and not self.locked

    @property
    def pin_warning(self) -> str:
        """One line about the PIN tries (empty when the token reports nothing wrong)."""
        return PIN_WARNINGS.get(self.pin_state, "")

    @property
    def tries_left(self) -> str:
        """``"ít"``, ``"1"`` or ``"0"`` as the token's flags say; empty when it says
        nothing (most tokens do not count out loud)."""
        return _TRIES_LEFT.get(self.pin_state, "")

    @property
    def text(self) -> str:
        """One short Vietnamese phrase."""
        if not self.present:
            return "không có token"
        parts = [self.label or "token"]
        if self.holder:
            parts.append(self.holder)
        if self.valid_until:
            parts.append(f"đến {self.valid_until}")
        if self.locked:
            parts.append("PIN đã khoá")
        elif self.tries_left:
            parts.append(f"còn {self.tries_left} lần thử PIN")
        return " · ".join(parts)


def build_token_options(
    settings: Any = None,
    *,
    module: str | None = None,
    token: str | None = None,
    key: str | None = None,
    key_id: str | None = None,
) -> TokenOptions:
    """The :class:`TokenOptions` to sign with: the flags (``--module``, ``--token``,
    ``--key``) over the settings' ``token.module`` / ``token.label`` (``settings``
    defaults to the config file)."""
    if settings is None:
        from kyso.config.settings import load_settings

        settings = load_settings()
    from kyso.core.token.session import TokenOptions

    return TokenOptions(
        module=module or None,
        configured_module=settings.token.module or None,
        token_label=token or settings.token.label or None,
        key_label=key or None,
        key_id=key_id or None,
    )


def token_walk(module: str | None = None, configured: str | None = None) -> list[ModuleReport]:
    """Every module worth trying, each with its slots, tokens and certificates (no PIN).

    A module that cannot be read is a report with its ``error``, never an exception;
    an empty list means no module was found at all.
    """
    from kyso.core.token.discovery import candidate_modules
    from kyso.core.token.inventory import ModuleReport, inspect_module

    reports = []
    for candidate in candidate_modules(module, configured):
        try:
            reports.append(inspect_module(candidate))
        except KysoError as exc:
            reports.append(
                ModuleReport(candidate.path, candidate.name, candidate.source, error=exc.message)
            )
    return reports


def diagnose(
    module: str | None = None,
    configured: str | None = None,
    *,
    env: dict[str, str] | None = None,
    now: dt.datetime | None = None,
) -> Diagnosis:
    """``kyso token doctor``'s findings (:func:`kyso.core.token.doctor.diagnose`)."""
    from kyso.core.token.doctor import diagnose as run

    return run(module, configured, env=env, now=now)


def _chosen(tokens: tuple[TokenCheck, ...], key_label: str | None) -> tuple[TokenCheck, Any] | None:
    """The token and certificate signing would use: the first token with a certificate
    that can sign now (``key_label`` preferred). Lock is ignored here: a locked token is
    shown as locked, not as missing."""
    for token in tokens:
        certs = [c for c in token.certificates if c.can_sign]
        if key_label:
            certs = [c for c in certs if c.label == key_label] or certs
        if certs:
            return token, certs[0]
    return None


def status_from_diagnosis(
    diagnosis: Diagnosis, *, key_label: str | None = None, token_label: str | None = None
) -> TokenStatus:
    """The :class:`TokenStatus` for the token the station would sign with, from the
    doctor's findings (pure: no module is loaded here)."""
    from kyso.core.token.doctor import token_findings

    tokens = diagnosis.tokens
    if token_label:
        tokens = tuple(t for t in tokens if t.label == token_label)
    found = _chosen(tokens, key_label)
    if found is None:
        for token in tokens:  # a token is there, but cannot sign: the doctor says why
            errors = [f for f in token_findings(token) if f.level == "error"]
            if errors:
                return TokenStatus(
                    label=token.label, message=errors[0].message, pin_state=token.pin_state
                )
        errors = [f for f in diagnosis.findings if f.level == "error"]
        if token_label and diagnosis.tokens:
            present = ", ".join(t.label for t in diagnosis.tokens)
            return TokenStatus(message=f"Không thấy token {token_label!r} (đang cắm: {present})")
        return TokenStatus(message=errors[0].message if errors else "Chưa cắm token")
    token, cert = found
    findings = token_findings(token)
    message = ""
    if token.pin_state == "locked":
        locked = next(f for f in findings if f.level == "error")
        message = " ".join((locked.message, *locked.fix))
    return TokenStatus(
        present=True,
        label=token.label,
        holder=cert.common_name,
        valid_until=f"{cert.not_after:%d/%m/%Y}",
        message=message,
        pin_state=token.pin_state,
        warnings=tuple(f.message for f in findings if f.level == "warning"),
    )


def token_status(
    configured: str | None = None,
    key_label: str | None = None,
    *,
    module: str | None = None,
    token_label: str | None = None,
) -> TokenStatus:
    """What the status bar and the PIN dialog say: the doctor looks (no PIN asked) and
    the token signing would use is described, with its PIN state."""
    try:
        diagnosis = diagnose(module, configured)
    except KysoError as exc:
        return TokenStatus(message=exc.message)
    return status_from_diagnosis(diagnosis, key_label=key_label, token_label=token_label)


def pin_state(options: TokenOptions) -> str:
    """The user-PIN state the chosen token reports now (``ok``, ``count_low``,
    ``final_try``, ``locked``); a :class:`TokenError` when no token is there."""
    from kyso.core.token.inventory import pin_state as from_flags
    from kyso.core.token.session import locate_token

    _candidate, token = locate_token(options)
    return from_flags(int(token.flags))


def refuse_locked(options: TokenOptions) -> None:
    """Raise :class:`PinLockedError` before any PIN is asked when the token's user PIN
    is locked (typing it again cannot help)."""
    if pin_state(options) == "locked":
        raise PinLockedError(
            "Mã PIN của token đã bị khoá: liên hệ nơi cấp chứng thư (CA) để mở khoá bằng "
            "PIN quản trị (SO PIN); kyso không mở khoá được.",
            tries_left="0",
        )


@contextmanager
def open_session(options: TokenOptions, pin: str | None) -> Iterator[TokenSession]:
    """A logged-in session on the chosen token (``pin=None``: the token's PIN pad).

    A wrong PIN is a :class:`~kyso.core.errors.PinError` whose ``tries_left`` is what
    the token reported; a locked one a :class:`PinLockedError`.
    """
    from kyso.core.token.session import open_token

    with open_token(options, pin) as session:
        del pin
        yield session


def check_pin(options: TokenOptions, pin: str) -> None:
    """Log in and out once, so a wrong PIN can be asked again before anything starts.

    Raises :class:`~kyso.core.errors.PinError` (with the tries left the token reports)
    or :class:`TokenError`; returns when the PIN is right.
    """
    with open_session(options, pin):
        del pin


def __getattr__(name: str) -> Any:
    # TokenOptions is re-exported without importing the token modules with this one: the
    # app's first frame needs TokenStatus only (the token is looked for after it).
    if name == "TokenOptions":
        from kyso.core.token.session import TokenOptions

        return TokenOptions
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
