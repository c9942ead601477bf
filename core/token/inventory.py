"""What is plugged in: modules, slots, tokens and certificates — no PIN asked."""

from __future__ import annotations

from dataclasses import dataclass, field

from kyso.core.token.certificates import CertificateInfo, describe_certificate
from kyso.core.token.discovery import ModuleCandidate
from kyso.core.token.errors import translate

__all__ = ["ModuleReport", "SlotReport", "TokenReport", "inspect_module", "load_library"]


@dataclass(frozen=True)
class TokenReport:
    label: str
    manufacturer: str
    model: str
    serial: str
    pin_pad: bool
    """The token has a protected authentication path (PIN pad)."""
    pin_state: str
    """``ok``, ``count_low``, ``final_try`` or ``locked``, as the token reports."""
    certificates: tuple[CertificateInfo, ...]

    def to_json(self) -> dict:
        return {
            "label": self.label,
            "manufacturer": self.manufacturer,
            "model": self.model,
            "serial": self.serial,
            "pin_pad": self.pin_pad,
            "pin_state": self.pin_state,
            "certificates": [c.to_json() for c in self.certificates],
        }


@dataclass(frozen=True)
class SlotReport:
    slot_id: int
    description: str
    token: TokenReport | None
    error: str | None = None


@dataclass(frozen=True)
class ModuleReport:
    path: str
    name: str
    source: str
    error: str | None = None
    """Why the module could not be loaded, in words a user can act on."""
    slots: tuple[SlotReport, ...] = field(default_factory=tuple)

    def to_json(self) -> dict:
        return {
            "module": self.path,
            "name": self.name,
            "source": self.source,
            "error": self.error,
            "slots": [
                {
                    "slot": s.slot_id,
                    "description": s.description,
                    "error": s.error,
                    "token": s.token.to_json() if s.token else None,
                }
                for s in self.slots
            ],
        }


def load_library(path: str):
    """Load (or reuse) a PKCS#11 module; a :class:`TokenError` says why it failed."""
    import pkcs11

    from kyso.core.errors import TokenError

    try:
        return pkcs11.lib(path)
    except pkcs11.PKCS11Error as exc:
        detail = str(exc).strip() or type(exc).__name__
        raise TokenError(f"Không nạp được module PKCS#11 {path}: {detail}") from None
    except OSError as exc:
        raise TokenError(f"Không nạp được module PKCS#11 {path}: {exc.strerror}") from None


def pin_state(flags: int) -> str:
    """The user-PIN state the token reports in its flags."""
    from pkcs11 import TokenFlag

    if flags & TokenFlag.USER_PIN_LOCKED:
        return "locked"
    if flags & TokenFlag.USER_PIN_FINAL_TRY:
        return "final_try"
    if flags & TokenFlag.USER_PIN_COUNT_LOW:
        return "count_low"
    return "ok"


def read_certificates(session, *, key_ids: set[bytes] | None = None) -> list[CertificateInfo]:
    """Every certificate object on the token. ``key_ids`` (after login) marks the ones
    that have a private key; before login that is unknown and assumed present."""
    from pkcs11 import Attribute, ObjectClass

    certs = []
    for obj in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE}):
        try:
            der = obj[Attribute.VALUE]
            label = obj[Attribute.LABEL] or ""
            key_id = obj[Attribute.ID] or b""
        except Exception:  # a vendor object without these is skipped
            continue
        has_key = True if key_ids is None else key_id in key_ids
        try:
            certs.append(describe_certificate(der, label=label, key_id=key_id, has_key=has_key))
        except ValueError:
            continue
    return certs


def inspect_module(candidate: ModuleCandidate) -> ModuleReport:
    """Load one module and describe its slots, tokens and certificates."""
    from kyso.core.errors import TokenError

    try:
        lib = load_library(candidate.path)
    except TokenError as exc:
        return ModuleReport(candidate.path, candidate.name, candidate.source, error=exc.message)
    slots = []
    try:
        lib_slots = lib.get_slots(token_present=False)
    except Exception as exc:  # reported, not raised: this is a diagnosis
        return ModuleReport(
            candidate.path,
            candidate.name,
            candidate.source,
            error=translate(exc, "liệt kê khe cắm").message,
        )
    for slot in lib_slots:
        description = (slot.slot_description or "").strip()
        try:
            token = slot.get_token()
        except Exception as exc:
            if type(exc).__name__ == "TokenNotPresent":
                continue
            slots.append(
                SlotReport(slot.slot_id, description, None, translate(exc, "đọc token").message)
            )
            continue
        from pkcs11 import TokenFlag

        flags = int(token.flags)
        if not flags & TokenFlag.TOKEN_INITIALIZED:
            continue  # SoftHSM's free slot, a blank card
        try:
            with token.open() as session:
                certs = tuple(read_certificates(session))
            error = None
        except Exception as exc:
            certs, error = (), translate(exc, "đọc chứng thư").message
        slots.append(
            SlotReport(
                slot.slot_id,
                description,
                TokenReport(
                    label=token.label.strip(),
                    manufacturer=(token.manufacturer_id or "").strip(),
                    model=(token.model or "").strip(),
                    serial=(token.serial or b"").decode("ascii", "replace").strip()
                    if isinstance(token.serial, bytes)
                    else str(token.serial).strip(),
                    pin_pad=bool(flags & TokenFlag.PROTECTED_AUTHENTICATION_PATH),
                    pin_state=pin_state(flags),
                    certificates=certs,
                ),
                error,
            )
        )
    return ModuleReport(candidate.path, candidate.name, candidate.source, slots=tuple(slots))
