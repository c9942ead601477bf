"""What ``kyso token doctor`` reports: findings and the state of each part it checked.

Frozen dataclasses with ``to_json``; :mod:`kyso.core.token.doctor` fills them in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "CertificateCheck",
    "Diagnosis",
    "Finding",
    "ForwardingCheck",
    "ModuleCheck",
    "TokenCheck",
]


@dataclass(frozen=True)
class Finding:
    """One problem (or note) and what to do about it."""

    level: str
    """``error`` (stops signing), ``warning`` (signing works, but mind this) or ``info``."""
    message: str
    fix: tuple[str, ...] = ()
    """Exact steps: commands to run, lines to add, or one action ("cắm token vào")."""

    def to_json(self) -> dict:
        return {"level": self.level, "message": self.message, "fix": list(self.fix)}


@dataclass(frozen=True)
class ForwardingCheck:
    """The forwarded-token socket and the client module that talks to it."""

    address: str | None
    """``P11_KIT_SERVER_ADDRESS`` as set, or None."""
    socket: str | None
    """The socket path in it (or the conventional path when the variable is unset)."""
    state: str
    """``unset``, ``bad_address``, ``other_transport`` or a :class:`LinkProbe` state."""
    protocol: int | None
    client_module: str | None
    """Where ``p11-kit-client.so`` is, or None when it is not installed."""

    @property
    def answers(self) -> bool:
        """A p11-kit server answered on the socket."""
        return self.state == "answers"

    def to_json(self) -> dict:
        return {
            "address": self.address,
            "socket": self.socket,
            "state": self.state,
            "answers": self.answers,
            "protocol": self.protocol,
            "client_module": self.client_module,
        }


@dataclass(frozen=True)
class CertificateCheck:
    """A certificate on a token and whether it can sign now."""

    label: str
    key_id: str
    common_name: str
    not_after: dt.datetime
    can_sign: bool
    problem: str | None

    def to_json(self) -> dict:
        return {
            "label": self.label,
            "id": self.key_id,
            "common_name": self.common_name,
            "not_after": self.not_after.isoformat(),
            "can_sign": self.can_sign,
            "problem": self.problem,
        }


@dataclass(frozen=True)
class TokenCheck:
    """A token found in a module's slot."""

    module: str
    slot: int
    label: str
    manufacturer: str
    model: str
    serial: str
    pin_state: str
    pin_pad: bool
    certificates: tuple[CertificateCheck, ...]

    @property
    def usable(self) -> tuple[CertificateCheck, ...]:
        """Certificates that can sign now (none when the PIN is locked)."""
        if self.pin_state == "locked":
            return ()
        return tuple(c for c in self.certificates if c.can_sign)

    def to_json(self) -> dict:
        return {
            "module": self.module,
            "slot": self.slot,
            "label": self.label,
            "manufacturer": self.manufacturer,
            "model": self.model,
            "serial": self.serial,
            "pin_state": self.pin_state,
            "pin_pad": self.pin_pad,
            "certificates": [c.to_json() for c in self.certificates],
            "usable": [c.label for c in self.usable],
        }


@dataclass(frozen=True)
class ModuleCheck:
    """One known or chosen module: found or not, loaded or not, and why."""

    name: str
    path: str | None
    """The file kyso would use (the first that exists), or None when none does."""
    source: str
    """``--module``, ``KYSO_MODULE``, ``config`` or ``known``."""
    state: str
    """``loaded``, ``load_error``, ``not_found`` (a chosen path that does not exist),
    ``not_installed`` (no file of a known module), ``not_used`` (present, but another
    module was chosen), ``needs_forwarding`` (p11-kit-client without
    ``P11_KIT_SERVER_ADDRESS``) or ``link_down`` (its socket does not answer)."""
    error: str | None = None
    tokens: tuple[TokenCheck, ...] = ()
    slot_errors: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "path": self.path,
            "source": self.source,
            "state": self.state,
            "error": self.error,
            "slot_errors": list(self.slot_errors),
            "tokens": [t.to_json() for t in self.tokens],
        }


@dataclass(frozen=True)
class Diagnosis:
    """Everything ``kyso token doctor`` found."""

    forwarding: ForwardingCheck
    modules: tuple[ModuleCheck, ...]
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def tokens(self) -> tuple[TokenCheck, ...]:
        """Every token found, forwarded ones first."""
        return tuple(t for m in self.modules for t in m.tokens)

    @property
    def ok(self) -> bool:
        """A token with a certificate that can sign now was found."""
        return any(t.usable for t in self.tokens)

    @property
    def summary(self) -> str:
        """One line: ready to sign with what, or the first thing to fix."""
        for token in self.tokens:
            if token.usable:
                cert = token.usable[0]
                via = Path(token.module).name
                note = ""
                if self.forwarding.address and not self.forwarding.answers:
                    note = " Lưu ý: token chuyển tiếp qua SSH không dùng được (xem trên)."
                return (
                    f"Sẵn sàng ký: token {token.label!r} (qua {via}), chứng thư "
                    f"{cert.label!r} của {cert.common_name}.{note}"
                )
        errors = [f for f in self.findings if f.level == "error"]
        reason = errors[0].message if errors else "không có token nào ký được."
        return f"Chưa ký được: {reason}"

    def to_json(self) -> dict:
        return {
            "ok": self.ok,
            "summary": self.summary,
            "forwarding": self.forwarding.to_json(),
            "modules": [m.to_json() for m in self.modules],
            "findings": [f.to_json() for f in self.findings],
        }
