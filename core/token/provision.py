"""Make a throw-away PKI and a SoftHSM2 token holding it.

Used by ``kyso demo`` (a demo token with one certificate per demo user) and by the test
suite (a fresh token per session). It drives the same command-line tools an
administrator would (``softhsm2-util`` and OpenSC's ``pkcs11-tool``) in subprocesses,
so the calling process never initialises the PKCS#11 module with a half-made token.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from kyso.core.errors import TokenError

__all__ = [
    "SOFTHSM_MODULE_CANDIDATES",
    "Identity",
    "IssuedIdentity",
    "SoftToken",
    "TestPki",
    "find_softhsm_module",
    "make_pki",
    "make_softhsm_token",
]

SOFTHSM_MODULE_CANDIDATES = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
)


@dataclass(frozen=True)
class Identity:
    """A certificate to issue: who, where, and how it may be used."""

    label: str
    """Object label on the token (key and certificate share it)."""
    common_name: str
    organization: str = "Sở Thông tin và Truyền thông tỉnh Đắk Nông"
    title: str = ""
    """Chức vụ, written into the certificate's title attribute."""
    key_id: bytes = b"\x01"
    valid_from: dt.datetime | None = None
    valid_until: dt.datetime | None = None
    signing_key_usage: bool = True
    """False issues a certificate meant only for key encipherment."""
    key_size: int | None = None
    """RSA key size; None uses the CA's."""
    ocsp_url: str = ""
    """OCSP responder written into the AIA extension (empty: none)."""
    crl_url: str = ""
    """CRL distribution point (empty: none)."""


@dataclass(frozen=True)
class IssuedIdentity:
    identity: Identity
    key_der: bytes
    """Private key, PKCS#8 DER."""
    cert_der: bytes


@dataclass
class TestPki:
    """A CA and the identities it issued."""

    __test__ = False  # not a pytest test class

    ca_key_pem: bytes
    ca_cert_pem: bytes
    issued: list[IssuedIdentity] = field(default_factory=list)

    def write_ca(self, path: Path) -> Path:
        path.write_bytes(self.ca_cert_pem)
        return path


@dataclass(frozen=True)
class SoftToken:
    """A SoftHSM2 token on disk."""

    module: str
    conf: Path
    label: str
    pin: str
    so_pin: str

    @property
    def env(self) -> dict[str, str]:
        """Environment that makes SoftHSM find this token."""
        return {"SOFTHSM2_CONF": str(self.conf)}


def find_softhsm_module() -> str | None:
    """Path of libsofthsm2.so, or None when SoftHSM2 is not installed."""
    for path in SOFTHSM_MODULE_CANDIDATES:
        if os.path.exists(path):
            return path
    return None


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def make_pki(
    identities: list[Identity],
    *,
    ca_name: str = "kyso Test CA",
    key_size: int = 2048,
    ca_days: int = 3650,
) -> TestPki:
    """Issue a self-signed CA (valid ``ca_days``) and one RSA key + certificate per
    identity."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = _utcnow()
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    ca_subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "kyso"),
            x509.NameAttribute(NameOID.COMMON_NAME, ca_name),
        ]
    )
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_subject)
        .issuer_name(ca_subject)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=ca_days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    pki = TestPki(
        ca_key_pem=ca_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        ca_cert_pem=ca_cert.public_bytes(serialization.Encoding.PEM),
    )
    for ident in identities:
        key = rsa.generate_private_key(public_exponent=65537, key_size=ident.key_size or key_size)
        attrs = [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ident.organization),
        ]
        if ident.title:
            attrs.append(x509.NameAttribute(NameOID.TITLE, ident.title))
        attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, ident.common_name))
        signing = ident.signing_key_usage
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name(attrs))
            .issuer_name(ca_subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(ident.valid_from or now - dt.timedelta(days=1))
            .not_valid_after(ident.valid_until or now + dt.timedelta(days=730))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=signing,
                    content_commitment=signing,
                    key_encipherment=not signing,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        )
        builder = _revocation_pointers(builder, ident)
        if not signing:
            builder = builder.add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
            )
        cert = builder.sign(ca_key, hashes.SHA256())
        pki.issued.append(
            IssuedIdentity(
                identity=ident,
                key_der=key.private_bytes(
                    serialization.Encoding.DER,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                ),
                cert_der=cert.public_bytes(serialization.Encoding.DER),
            )
        )
    return pki


def _revocation_pointers(builder, ident: Identity):
    """AIA (OCSP) and CRL distribution point extensions, when the identity names them."""
    from cryptography import x509
    from cryptography.x509.oid import AuthorityInformationAccessOID

    if ident.ocsp_url:
        builder = builder.add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.OCSP,
                        x509.UniformResourceIdentifier(ident.ocsp_url),
                    )
                ]
            ),
            critical=False,
        )
    if ident.crl_url:
        point = x509.DistributionPoint(
            [x509.UniformResourceIdentifier(ident.crl_url)], None, None, None
        )
        builder = builder.add_extension(x509.CRLDistributionPoints([point]), critical=False)
    return builder


def _run(cmd: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        # Never echo the command line: it carries PINs.
        raise TokenError(f"{Path(cmd[0]).name} thất bại: {result.stderr.strip()[:300]}")


def make_softhsm_token(
    folder: Path,
    pki: TestPki,
    *,
    label: str = "kyso-test",
    pin: str = "123456",
    so_pin: str = "12345678",
    module: str | None = None,
) -> SoftToken:
    """Create a SoftHSM2 token in ``folder`` and import every identity of ``pki``."""
    module = module or find_softhsm_module()
    if module is None:
        raise TokenError("SoftHSM2 chưa được cài (apt install softhsm2)")
    for tool in ("softhsm2-util", "pkcs11-tool"):
        if shutil.which(tool) is None:
            raise TokenError(f"Thiếu công cụ {tool} (apt install softhsm2 opensc)")
    folder = folder.resolve()  # SoftHSM resolves a relative tokendir against its cwd
    folder.mkdir(parents=True, exist_ok=True)
    tokens = folder / "tokens"
    tokens.mkdir(exist_ok=True)
    conf = folder / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n",
        encoding="utf-8",
    )
    env = {**os.environ, "SOFTHSM2_CONF": str(conf)}
    _run(
        [
            "softhsm2-util",
            "--init-token",
            "--free",
            "--label",
            label,
            "--so-pin",
            so_pin,
            "--pin",
            pin,
        ],
        env,
    )
    objects = folder / "objects"
    objects.mkdir(exist_ok=True)
    for issued in pki.issued:
        ident = issued.identity
        for kind, data in (("privkey", issued.key_der), ("cert", issued.cert_der)):
            path = objects / f"{ident.label}.{kind}.der"
            path.write_bytes(data)
            _run(
                ["pkcs11-tool", "--module", module, "--token-label", label, "--login"]
                + ["--pin", pin, "--write-object", str(path), "--type", kind]
                + ["--id", ident.key_id.hex(), "--label", ident.label]
                + (["--usage-sign"] if kind == "privkey" else []),
                env,
            )
            path.unlink()
    return SoftToken(module=module, conf=conf, label=label, pin=pin, so_pin=so_pin)
