"""A logged-in token session, and the signing key chosen on it.

``open_token`` is a context manager that owns the PKCS#11 session (like pyHanko's
``PKCS11SigningContext``) and turns python-pkcs11's errors into kyso's. One session
serves a whole batch; the PIN is used for ``C_Login`` and then dropped.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from kyso.core.errors import CertificateError, PinError, TokenError
from kyso.core.token.certificates import CertificateInfo, check_can_sign
from kyso.core.token.discovery import candidate_modules, resolve_module
from kyso.core.token.errors import is_removal, pin_error_from_flags, translate
from kyso.core.token.inventory import load_library, read_certificates
from kyso.core.token.reconnect import link_went_stale, reset_module

__all__ = ["PinMode", "SigningKey", "TokenOptions", "TokenSession", "locate_token", "open_token"]


class PinMode(enum.Enum):
    """How the user authenticates."""

    PIN = "pin"
    """A PIN typed into kyso."""
    PIN_PAD = "pin_pad"
    """The token's own PIN pad (protected authentication path)."""


@dataclass(frozen=True)
class TokenOptions:
    """Which module, token and key to use; anything left empty is chosen automatically."""

    module: str | None = None
    """PKCS#11 module path (else ``KYSO_MODULE``, config, known modules)."""
    configured_module: str | None = None
    """The module from the config file, used when neither of the above is set."""
    token_label: str | None = None
    """Token label; needed only when several tokens are present."""
    key_label: str | None = None
    """Label of the key/certificate; needed only when several can sign."""
    key_id: str | None = None
    """CKA_ID of the key, hex."""


@dataclass(frozen=True)
class SigningKey:
    """A private key on the token with its certificate, ready for pyHanko."""

    certificate: CertificateInfo
    signer: object = field(repr=False)
    """A ``pyhanko.sign.pkcs11.PKCS11Signer`` bound to the open session."""
    token_label: str


class TokenSession:
    """An open, logged-in session on one token."""

    def __init__(self, module_path: str, token, session) -> None:
        self.module_path = module_path
        self.token_label: str = token.label.strip()
        self.pin_mode: PinMode = PinMode.PIN
        self._token = token
        self._session = session
        self._certs: list[CertificateInfo] | None = None

    @property
    def raw(self):
        """The python-pkcs11 session (for pyHanko and diagnostics)."""
        return self._session

    def certificates(self) -> list[CertificateInfo]:
        """Certificates on the token, marking which ones have a private key."""
        if self._certs is None:
            from pkcs11 import Attribute, ObjectClass

            try:
                key_ids = {
                    k[Attribute.ID]
                    for k in self._session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY})
                }
                self._certs = read_certificates(self._session, key_ids=key_ids)
            except Exception as exc:
                if hasattr(exc, "__module__") and exc.__module__.startswith("pkcs11"):
                    raise translate(exc, "đọc chứng thư trên token") from None
                raise
        return self._certs

    def signing_key(
        self,
        key_label: str | None = None,
        key_id: str | None = None,
        *,
        now: dt.datetime | None = None,
    ) -> SigningKey:
        """The key to sign with: by label or id, or the only usable one on the token.

        Raises :class:`CertificateError` when the chosen certificate cannot sign now
        (expired, not yet valid, no signing key usage) and :class:`TokenError` when the
        choice is ambiguous or nothing matches.
        """
        certs = self.certificates()
        if key_label or key_id:
            chosen = [
                c
                for c in certs
                if (not key_label or c.label == key_label) and (not key_id or c.key_id == key_id)
            ]
            if not chosen:
                labels = ", ".join(sorted(c.label for c in certs)) or "không có"
                wanted = key_label or key_id
                raise TokenError(f"Không có khoá {wanted!r} trên token (có: {labels})")
            cert = chosen[0]
            check_can_sign(cert, now)
        else:
            with_key = [c for c in certs if c.has_private_key]
            usable = []
            problems: list[CertificateError] = []
            for c in with_key:
                try:
                    check_can_sign(c, now)
                    usable.append(c)
                except CertificateError as exc:
                    problems.append(exc)
            if len(usable) > 1:
                labels = ", ".join(sorted(c.label for c in usable))
                raise TokenError(f"Token có nhiều chứng thư ký được ({labels}); chọn bằng --key")
            if not usable:
                if len(problems) == 1:
                    raise problems[0]
                raise TokenError("Token không có chứng thư số nào dùng để ký được")
            cert = usable[0]
        return SigningKey(cert, self._make_signer(cert), self.token_label)

    def _make_signer(self, cert: CertificateInfo):
        from asn1crypto import x509
        from pyhanko.sign.pkcs11 import PKCS11Signer

        # Only CA certificates stored on the token (the issuing chain) go into the CMS;
        # the user's other certificates (encryption, expired ones) do not belong there.
        others = [
            loaded
            for c in self.certificates()
            if c.key_id != cert.key_id and (loaded := x509.Certificate.load(c.der)).ca
        ]
        return PKCS11Signer(
            self._session,
            signing_cert=x509.Certificate.load(cert.der),
            key_id=bytes.fromhex(cert.key_id),
            ca_chain=others,
        )

    def check_present(self) -> None:
        """Raise :class:`TokenRemovedError` if the token is gone (cheap: one call)."""
        try:
            self._token.slot.get_token()
        except Exception as exc:
            raise translate(exc, "kiểm tra token") from None

    def close(self) -> None:
        """Log out and close; a token already pulled out is not an error here."""
        # Closing a dead session must not mask the error that killed it.
        with contextlib.suppress(Exception):
            self._session.close()


def _find_token(lib, label: str | None):
    try:
        slots = lib.get_slots(token_present=True)
    except Exception as exc:
        raise translate(exc, "tìm token") from None
    from pkcs11 import TokenFlag

    tokens = []
    for slot in slots:
        try:
            token = slot.get_token()
        except Exception as exc:
            if is_removal(exc):
                continue
            raise translate(exc, "đọc token") from None
        if not int(token.flags) & TokenFlag.TOKEN_INITIALIZED:
            continue
        tokens.append(token)
    if label:
        matching = [t for t in tokens if t.label.strip() == label]
        if not matching:
            present = ", ".join(t.label.strip() for t in tokens) or "không có token nào"
            raise TokenError(f"Không thấy token {label!r} (đang cắm: {present})")
        return matching[0]
    if not tokens:
        raise TokenError("Chưa cắm token (không có token nào trong các khe của module).")
    if len(tokens) > 1:
        labels = ", ".join(t.label.strip() for t in tokens)
        raise TokenError(f"Có nhiều token ({labels}); chọn bằng --token")
    return tokens[0]


def _login(token, pin: str | None):
    from pkcs11 import PROTECTED_AUTH, TokenFlag

    flags = int(token.flags)
    if flags & TokenFlag.USER_PIN_LOCKED:
        raise pin_error_from_flags(flags)
    if pin is None:
        if not flags & TokenFlag.PROTECTED_AUTHENTICATION_PATH:
            raise PinError("Cần mã PIN của token.")
        credential = PROTECTED_AUTH
    else:
        credential = pin
    try:
        return token.open(user_pin=credential)
    except Exception as exc:
        if type(exc).__name__ == "PinIncorrect":
            try:
                after = int(token.slot.get_token().flags)
            except Exception:  # the flags are a courtesy
                after = None
            raise pin_error_from_flags(after) from None
        raise translate(exc, "đăng nhập token") from None


def _find_token_reconnecting(module_path: str, label: str | None):
    """``_find_token`` on a module, re-initialising it once if its link had dropped.

    Reconnect (see reconnect.py): python-pkcs11 keeps one initialised copy of each module
    per process, and after a forwarded token's link dropped that copy fails every call,
    even once the socket is back. Re-initialising it makes p11-kit-client connect again.
    Only when the module shows no slot or fails outright, so no live session is cut.
    """
    lib = load_library(module_path)
    try:
        return _find_token(lib, label)
    except TokenError as exc:
        if not link_went_stale(lib, module_path, exc) or not reset_module(module_path):
            raise
    return _find_token(load_library(module_path), label)


def locate_token(options: TokenOptions):
    """The first module (in discovery order) that has the wanted token plugged in, as
    ``(candidate module, pkcs11 token)``; :class:`TokenError` when none has it."""
    candidates = candidate_modules(options.module, options.configured_module)
    if not candidates or not candidates[0].discovered:
        # No module at all, or a named one (--module, KYSO_MODULE, config) that must
        # exist: resolve_module raises the error that says which.
        resolve_module(options.module, options.configured_module)
    first_error: TokenError | None = None
    for candidate in candidates:
        try:
            return candidate, _find_token_reconnecting(candidate.path, options.token_label)
        except TokenError as exc:
            first_error = first_error or exc
            if not candidate.discovered:
                raise
    assert first_error is not None
    raise first_error


@contextmanager
def open_token(options: TokenOptions, pin: str | None) -> Iterator[TokenSession]:
    """Open and log in to a token; ``pin=None`` uses the token's PIN pad.

    Without an explicit module, the known modules are tried in order and the first one
    with a token plugged in is used. Errors are :class:`TokenError` / :class:`PinError`
    with a message fit for the user; the PIN never appears in them.
    """
    candidate, token = locate_token(options)
    session = _login(token, pin)
    del pin
    wrapper = TokenSession(candidate.path, token, session)
    if pin_pad(token):
        wrapper.pin_mode = PinMode.PIN_PAD
    try:
        yield wrapper
    finally:
        wrapper.close()


def pin_pad(token) -> bool:
    """The token has a protected authentication path (a PIN pad on the reader)."""
    from pkcs11 import TokenFlag

    return bool(int(token.flags) & TokenFlag.PROTECTED_AUTHENTICATION_PATH)
