"""Trust anchors as data: a folder of PEM/DER root and intermediate CA certificates.

The folder is ``trust/`` beside the config file (``$KYSO_HOME/trust`` when ``KYSO_HOME``
is set). Self-signed certificates are roots; the others are intermediates, used only to
complete a chain when a signer's CMS carries just its leaf (VGCA-signed files often do).
Certificates are named by their SHA-256 fingerprint, so adding one twice is harmless and
``kyso trust remove FP`` needs nothing else.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from kyso.core.errors import DocumentError

__all__ = [
    "AnchorInfo",
    "TrustAnchors",
    "add_anchor",
    "anchor_info",
    "fingerprint",
    "list_anchors",
    "load_anchors",
    "load_certificates",
    "remove_anchor",
    "trust_dir",
]

_SUFFIXES = {".pem", ".crt", ".cer", ".der"}


def trust_dir() -> Path:
    """The folder of configured trust anchors (it may not exist yet)."""
    from kyso.config.locations import config_file

    return config_file().parent / "trust"


def fingerprint(cert) -> str:
    """SHA-256 of the certificate's DER, upper-case hex (as CAs publish it)."""
    der = cert if isinstance(cert, bytes | bytearray) else cert.dump()
    return hashlib.sha256(der).hexdigest().upper()


def load_certificates(blob: bytes, source: str = "") -> list:
    """Every certificate in a PEM (one or more) or DER blob, as asn1crypto objects."""
    from asn1crypto import pem, x509

    try:
        if pem.detect(blob):
            certs = [
                x509.Certificate.load(der)
                for kind, _headers, der in pem.unarmor(blob, multiple=True)
                if kind == "CERTIFICATE"
            ]
        else:
            certs = [x509.Certificate.load(bytes(blob))]
        for cert in certs:
            cert.native  # noqa: B018 - parses now, so a broken file fails here
    except Exception:  # asn1crypto raises ValueError/TypeError/… on garbage
        raise DocumentError(f"Không đọc được chứng thư số trong {source or 'tệp'}") from None
    if not certs:
        raise DocumentError(f"Không có chứng thư số nào trong {source or 'tệp'}")
    return certs


def _self_signed(cert) -> bool:
    return cert.self_signed in ("maybe", "yes")


@dataclass(frozen=True)
class TrustAnchors:
    """Roots (self-signed) and intermediates to build signers' chains with."""

    roots: tuple = ()
    intermediates: tuple = ()
    sources: tuple[str, ...] = field(default=(), compare=False)

    def __bool__(self) -> bool:
        return bool(self.roots)

    @classmethod
    def from_certificates(cls, certs, sources: tuple[str, ...] = ()) -> TrustAnchors:
        """Split ``certs`` into roots and intermediates, dropping duplicates."""
        seen: set[str] = set()
        roots, inter = [], []
        for cert in certs:
            fp = fingerprint(cert)
            if fp in seen:
                continue
            seen.add(fp)
            (roots if _self_signed(cert) else inter).append(cert)
        return cls(tuple(roots), tuple(inter), sources)

    def validation_context(self, **kwargs):
        """A pyHanko ValidationContext trusting the roots, with intermediates at hand."""
        from pyhanko_certvalidator import ValidationContext

        return ValidationContext(
            trust_roots=list(self.roots), other_certs=list(self.intermediates), **kwargs
        )


def _read(path: Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise DocumentError(f"Không đọc được chứng thư {path}: {exc.strerror}") from None


def _store_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in _SUFFIXES and p.is_file())


def load_anchors(extra: list[Path] | None = None, *, configured: bool = True) -> TrustAnchors:
    """The configured anchors (unless ``configured=False``) plus the files in ``extra``."""
    certs, sources = [], []
    files = (_store_files(trust_dir()) if configured else []) + [Path(p) for p in extra or []]
    for path in files:
        certs.extend(load_certificates(_read(path), str(path)))
        sources.append(str(path))
    return TrustAnchors.from_certificates(certs, tuple(sources))


@dataclass(frozen=True)
class AnchorInfo:
    """What ``kyso trust list`` shows about one anchor."""

    fingerprint: str
    subject: str
    issuer: str
    not_before: dt.datetime
    not_after: dt.datetime
    root: bool
    path: str

    def to_json(self) -> dict:
        return {
            "fingerprint": self.fingerprint,
            "subject": self.subject,
            "issuer": self.issuer,
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "kind": "root" if self.root else "intermediate",
            "path": self.path,
        }


def anchor_info(cert, path: str = "") -> AnchorInfo:
    """Fingerprint, names and validity of ``cert``."""
    validity = cert["tbs_certificate"]["validity"]
    return AnchorInfo(
        fingerprint=fingerprint(cert),
        subject=cert.subject.human_friendly,
        issuer=cert.issuer.human_friendly,
        not_before=validity["not_before"].native,
        not_after=validity["not_after"].native,
        root=_self_signed(cert),
        path=path,
    )


def list_anchors() -> list[AnchorInfo]:
    """Every certificate in the configured folder."""
    out = []
    for path in _store_files(trust_dir()):
        out.extend(anchor_info(c, str(path)) for c in load_certificates(_read(path), str(path)))
    return out


def add_anchor(source: Path) -> list[AnchorInfo]:
    """Copy the certificates in ``source`` into the folder, one DER file per fingerprint."""
    from kyso.core.atomic import write_atomic

    certs = load_certificates(_read(source), str(source))
    folder = trust_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    added = []
    for cert in certs:
        target = folder / f"{fingerprint(cert)}.der"
        write_atomic(target, cert.dump())
        added.append(anchor_info(cert, str(target)))
    return added


def _normalise_fp(value: str) -> str:
    return "".join(ch for ch in value if ch not in ": ").upper()


def remove_anchor(fp: str) -> list[AnchorInfo]:
    """Remove the anchors whose fingerprint is ``fp`` (or starts with it, if unique)."""
    wanted = _normalise_fp(fp)
    if len(wanted) < 8:
        raise DocumentError("Dấu vân tay quá ngắn: cần ít nhất 8 ký tự hex")
    hits = [a for a in list_anchors() if a.fingerprint.startswith(wanted)]
    if not hits:
        raise DocumentError(f"Không có chứng thư tin cậy nào có dấu vân tay {fp}")
    if len({a.fingerprint for a in hits}) > 1:
        raise DocumentError(f"Dấu vân tay {fp} khớp nhiều chứng thư: ghi đầy đủ hơn")
    for info in hits:
        path = Path(info.path)
        others = [c for c in load_certificates(_read(path)) if fingerprint(c) != info.fingerprint]
        if others:  # a bundle file dropped in by hand: keep the rest of it
            from kyso.core.atomic import write_atomic

            for cert in others:
                write_atomic(path.parent / f"{fingerprint(cert)}.der", cert.dump())
        path.unlink(missing_ok=True)
    return hits
