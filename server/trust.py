"""Trust anchors and certificate bindings, kept in the server's database.

An administrator configures them when starting the server (``kyso server --trust FILE``
and ``--bind NAME=CERT``, see :func:`configure`): the anchors are the roots (and
intermediates) a signing certificate must chain to; a binding ties a certificate to a
user (``ldso=cert.pem``: the certificate that user signs with) or to an organisation
(``org:STTTT=cert.pem``: the certificate the clerk's issuance signs with). A user's
registered certificate (``users.cert_der``) is what a signed upload is checked against;
binding a user sets it. ``PUT /me/certificate`` (:func:`register_certificate`) lets a user
register a certificate only when it chains to the anchors and names them, or is the one
the administrator bound.
"""

from __future__ import annotations

import hashlib
import sqlite3
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from fastapi import HTTPException

from kyso.core.errors import KysoError
from kyso.server.db import Database, now_iso

__all__ = [
    "SCHEMA",
    "Binding",
    "anchors",
    "bind",
    "binding",
    "chains_to_anchors",
    "common_name",
    "configure",
    "fingerprint",
    "org_certificate",
    "parse_binding",
    "read_certificates",
    "register_certificate",
    "trust",
]

SCHEMA = """
CREATE TABLE IF NOT EXISTS trust_anchors (
    fingerprint TEXT PRIMARY KEY,
    der BLOB NOT NULL,
    subject TEXT NOT NULL,
    added_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS cert_bindings (
    subject TEXT PRIMARY KEY,
    cert_der BLOB NOT NULL,
    fingerprint TEXT NOT NULL,
    bound_at TEXT NOT NULL
) WITHOUT ROWID;
"""
"""``cert_bindings.subject`` is ``user:<username>`` or ``org:<ký hiệu>``."""

_TITLE = "Máy chủ"


@dataclass(frozen=True)
class Binding:
    """An administrator's binding from the command line: ``kind`` is user or org."""

    kind: str
    name: str
    path: Path

    @property
    def subject(self) -> str:
        return f"{self.kind}:{self.name}"


def fingerprint(der: bytes) -> str:
    """SHA-256 of the DER certificate, hex."""
    return hashlib.sha256(der).hexdigest()


def read_certificates(data: bytes) -> list[bytes]:
    """The DER certificates in ``data`` (one DER, or one or more PEM blocks).

    Raises ``ValueError`` when nothing readable is there.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    if b"-----BEGIN CERTIFICATE-----" in data:
        certs = x509.load_pem_x509_certificates(data)
    else:
        certs = [x509.load_der_x509_certificate(data)]
    return [c.public_bytes(Encoding.DER) for c in certs]


def common_name(der: bytes) -> str:
    """The certificate's subject CN ('' when it has none)."""
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    names = x509.load_der_x509_certificate(der).subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else ""


def _same_name(a: str, b: str) -> bool:
    def norm(text: str) -> str:
        return " ".join(unicodedata.normalize("NFC", text).split()).casefold()

    return bool(a.strip()) and norm(a) == norm(b)


def chains_to_anchors(der: bytes, roots: Sequence[bytes]) -> bool:
    """Whether ``der`` is valid now and chains to one of ``roots`` (no network)."""
    import asyncio

    from asn1crypto import x509 as asn1_x509
    from pyhanko_certvalidator import CertificateValidator, ValidationContext
    from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError

    if not roots:
        return False
    certs = [asn1_x509.Certificate.load(r) for r in roots]
    context = ValidationContext(
        trust_roots=certs, other_certs=certs, allow_fetching=False, revocation_mode="soft-fail"
    )
    validator = CertificateValidator(asn1_x509.Certificate.load(der), validation_context=context)
    try:
        asyncio.run(validator.async_validate_path())
    except (PathBuildingError, PathValidationError):
        return False
    except Exception:  # an unusable certificate is an untrusted one
        return False
    return True


def anchors(conn: sqlite3.Connection) -> list[bytes]:
    """The trust anchors (DER), oldest first."""
    sql = "SELECT der FROM trust_anchors ORDER BY added_at, fingerprint"
    return [bytes(r[0]) for r in conn.execute(sql)]


def trust(conn: sqlite3.Connection, ders: Iterable[bytes]) -> int:
    """Add trust anchors (already present ones are kept); return how many are new."""
    added = 0
    for der in ders:
        cur = conn.execute(
            "INSERT OR IGNORE INTO trust_anchors (fingerprint, der, subject, added_at)"
            " VALUES (?, ?, ?, ?)",
            (fingerprint(der), der, common_name(der), now_iso()),
        )
        added += cur.rowcount
    return added


def binding(conn: sqlite3.Connection, subject: str) -> bytes | None:
    """The certificate bound to ``user:NAME`` or ``org:KY_HIEU``, if any."""
    row = conn.execute(
        "SELECT cert_der FROM cert_bindings WHERE subject = ?", (subject,)
    ).fetchone()
    return None if row is None else bytes(row[0])


def org_certificate(conn: sqlite3.Connection, org_ky_hieu: str) -> bytes | None:
    """The certificate the organisation's issuance signs with, when one is bound."""
    return binding(conn, f"org:{org_ky_hieu}")


def bind(conn: sqlite3.Connection, subject: str, der: bytes) -> None:
    """Bind ``der`` to ``subject``; for a user it also becomes the registered certificate.

    Raises :class:`KysoError` when the user or organisation does not exist, or the
    certificate does not chain to the trust anchors.
    """
    kind, _, name = subject.partition(":")
    if kind == "user":
        if conn.execute("SELECT 1 FROM users WHERE username = ?", (name,)).fetchone() is None:
            raise KysoError(f"--bind: không có người dùng “{name}”.", title=_TITLE)
    elif conn.execute("SELECT 1 FROM orgs WHERE ky_hieu = ?", (name,)).fetchone() is None:
        raise KysoError(f"--bind: không có cơ quan có ký hiệu “{name}”.", title=_TITLE)
    if not chains_to_anchors(der, anchors(conn)):
        raise KysoError(
            f"--bind {name}: chứng thư “{common_name(der)}” không chuỗi về chứng thư gốc tin "
            "cậy nào (thêm bằng --trust) hoặc đã hết hạn.",
            title=_TITLE,
        )
    conn.execute(
        "INSERT INTO cert_bindings (subject, cert_der, fingerprint, bound_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (subject) DO UPDATE SET cert_der = excluded.cert_der,"
        " fingerprint = excluded.fingerprint, bound_at = excluded.bound_at",
        (subject, der, fingerprint(der), now_iso()),
    )
    if kind == "user":
        conn.execute("UPDATE users SET cert_der = ? WHERE username = ?", (der, name))


def parse_binding(spec: str) -> Binding:
    """``NAME=FILE`` (a user) or ``org:KY_HIEU=FILE`` (an organisation)."""
    target, sep, path = spec.partition("=")
    target = target.strip()
    if not sep or not target or not path.strip():
        raise KysoError(f"--bind “{spec}”: cần dạng TÊN=TỆP hoặc org:KÝ_HIỆU=TỆP.", title=_TITLE)
    if target.startswith("org:"):
        return Binding("org", target.removeprefix("org:").strip(), Path(path.strip()))
    return Binding("user", target, Path(path.strip()))


def _read_file(path: Path, option: str) -> list[bytes]:
    try:
        return read_certificates(Path(path).read_bytes())
    except OSError as exc:
        raise KysoError(f"{option}: không đọc được {path}: {exc.strerror}", title=_TITLE) from None
    except ValueError:
        raise KysoError(
            f"{option}: {path} không phải chứng thư số (DER hoặc PEM).", title=_TITLE
        ) from None


def configure(db: Database, *, trust_files: Sequence[Path] = (), bindings: Sequence[str] = ()):
    """Apply ``--trust`` and ``--bind`` (kept in the database; runs in one transaction)."""
    ders = [der for path in trust_files for der in _read_file(path, "--trust")]
    parsed = [parse_binding(spec) for spec in bindings]
    certs = []
    for item in parsed:
        found = _read_file(item.path, "--bind")
        certs.append(found[0])
    with db.write() as conn:
        trust(conn, ders)
        for item, der in zip(parsed, certs, strict=True):
            bind(conn, item.subject, der)


def register_certificate(conn: sqlite3.Connection, user, der: bytes) -> None:
    """``PUT /me/certificate``: store ``der`` as the user's registered certificate.

    Accepted only when it chains to the trust anchors and either is the certificate the
    administrator bound to the user or — with no binding — its CN is the user's full name.
    """
    bound = binding(conn, f"user:{user.username}")
    if bound is not None and bound != der:
        raise HTTPException(
            403,
            "Tài khoản đã được quản trị gắn với một chứng thư số khác; chỉ quản trị đổi được "
            "(kyso server --bind).",
        )
    roots = anchors(conn)
    if not roots:
        raise HTTPException(
            422, "Máy chủ chưa có chứng thư gốc tin cậy (quản trị: kyso server --trust TỆP)."
        )
    if not chains_to_anchors(der, roots):
        raise HTTPException(
            422,
            "Chứng thư số không do nơi cấp tin cậy của cơ quan cấp (hoặc đã hết hạn, chưa có "
            "hiệu lực).",
        )
    name = common_name(der)
    if bound is None and not _same_name(name, user.full_name):
        raise HTTPException(
            422,
            f"Chứng thư số mang tên “{name}”, không phải “{user.full_name}”; nhờ quản trị "
            "gắn chứng thư nếu đúng là của bạn.",
        )
    conn.execute("UPDATE users SET cert_der = ? WHERE id = ?", (der, user.id))
