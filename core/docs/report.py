"""What verification reports: one :class:`SignatureReport` per signature or document
timestamp, and a :class:`VerificationReport` per file (``kyso verify --json``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

__all__ = ["SignatureReport", "VerificationReport"]


@dataclass(frozen=True)
class SignatureReport:
    """One signature's (or document timestamp's) verdict."""

    field: str
    signer_name: str
    signer_cert_der: bytes = field(repr=False)
    signing_time: dt.datetime | None
    """The timestamp's time when there is one, else the signer's own claim; +07:00."""
    intact: bool
    """The signed bytes are unchanged."""
    valid: bool
    """Intact and the cryptographic signature checks out."""
    covers_whole_document: bool
    changes_after: str
    """pyHanko's modification level name (``NONE``, ``LTA_UPDATES``, ``FORM_FILLING``,
    ``ANNOTATIONS``, ``OTHER``)."""
    trusted: bool | None
    """Chains to a trust anchor; None when trust was not checked."""
    pades_level: str
    """``B-B``, ``B-T``, ``B-LT`` or ``B-LTA``."""
    summary: str
    ok: bool = False
    """The strict verdict (see :mod:`kyso.core.docs.verdict`)."""
    modifications: str = "none"
    """``none``, ``signatures``, ``form_filling``, ``annotations`` or ``other``."""
    revocation: str = "unknown"
    """``good``, ``revoked`` or ``unknown`` at signing time, from the file's own data."""
    reasons: tuple[str, ...] = ()
    """Vietnamese lines: why it is not OK."""
    kind: str = "signature"
    """``signature`` or ``timestamp`` (a document timestamp, B-LTA)."""

    @property
    def is_final(self) -> bool:
        """Nothing was added after this signature but validation data (the DSS and
        document timestamps of B-LT/B-LTA): it is the file's last signed content."""
        return self.covers_whole_document or self.changes_after == "LTA_UPDATES"

    @property
    def level(self) -> str:
        return self.pades_level

    @property
    def signer(self) -> str:
        return self.signer_name

    def to_json(self) -> dict:
        return {
            "field": self.field,
            "kind": self.kind,
            "ok": self.ok,
            "intact": self.intact,
            "valid": self.valid,
            "trusted": self.trusted,
            "modifications": self.modifications,
            "level": self.pades_level,
            "revocation": self.revocation,
            "signed_at": self.signing_time.isoformat() if self.signing_time else None,
            "signer": self.signer_name,
            "reasons": list(self.reasons),
            "summary": self.summary,
        }


@dataclass(frozen=True)
class VerificationReport:
    path: str
    signatures: tuple[SignatureReport, ...]
    timestamps: tuple[SignatureReport, ...] = ()
    problems: tuple[str, ...] = ()
    """File-level reasons (a signature removed, bytes appended after the end)."""
    docmdp: int | None = None
    """The certification's DocMDP P value, when the document is certified."""
    trust_checked: bool = False

    @property
    def ok(self) -> bool:
        """At least one signature, every signature and timestamp OK, no file problem."""
        return (
            bool(self.signatures)
            and not self.problems
            and all(s.ok for s in self.signatures + self.timestamps)
        )

    def to_json(self) -> dict:
        return {
            "file": self.path,
            "ok": self.ok,
            "trust_checked": self.trust_checked,
            "docmdp": self.docmdp,
            "problems": list(self.problems),
            "signatures": [s.to_json() for s in self.signatures],
            "timestamps": [s.to_json() for s in self.timestamps],
        }
