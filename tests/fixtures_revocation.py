"""A revocation-aware test PKI: a CA whose certificates point at a local OCSP responder
(``openssl ocsp``, a subprocess) and a CRL served by a local HTTP server, a local RFC
3161 TSA under the same CA, and a second SoftHSM2 token holding one key per case.

It is a separate token (its own ``SOFTHSM2_CONF``), used through ``kyso`` subprocesses:
the session token of fixtures_token.py keeps its one signable certificate.

=============  ==================================================================
label          certificate (all RSA 2048 under "kyso LTV CA" unless said)
=============  ==================================================================
good           valid, OCSP + CRL pointers, status good
revoked        revoked (OCSP and CRL)
crlrevoked     revoked, CRL pointer only (the CRL path)
expired        expired yesterday
nosign         key encipherment only
weak           RSA 1024
untrusted      issued by another CA ("kyso Untrusted CA")
offline        OCSP + CRL pointers at a port where nothing answers
=============  ==================================================================

The CA is valid 30 years and the TSA 20, so a validation simulated ten years from now
sees the signer's certificate expired but the CA and the TSA still valid.
"""

from __future__ import annotations

import datetime as dt
import http.server
import os
import shutil
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pytest

from kyso.core.token.provision import (
    Identity,
    SoftToken,
    TestPki,
    find_softhsm_module,
    make_pki,
    make_softhsm_token,
)

DEAD_URL = "http://127.0.0.1:9"
"""Nothing listens on the discard port: a responder that is down."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Files(http.server.BaseHTTPRequestHandler):
    files: ClassVar[dict[str, bytes]] = {}
    hits: ClassVar[dict[str, int]] = {}

    def do_GET(self) -> None:
        body = self.files.get(self.path)
        self.hits[self.path] = self.hits.get(self.path, 0) + 1
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/pkix-crl")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@dataclass
class LtvPki:
    """The CA, its identities and the servers' addresses."""

    pki: TestPki
    untrusted: TestPki
    ocsp_url: str
    crl_url: str
    folder: Path
    tsa_cert_der: bytes = b""
    tsa_key_der: bytes = field(default=b"", repr=False)

    @property
    def ca_pem(self) -> Path:
        return self.folder / "ca.pem"

    def cert(self, label: str) -> bytes:
        for issued in self.pki.issued + self.untrusted.issued:
            if issued.identity.label == label:
                return issued.cert_der
        raise KeyError(label)


def _identities(ocsp: str, crl: str) -> list[Identity]:
    now = dt.datetime.now(dt.UTC)
    both = {"ocsp_url": ocsp, "crl_url": crl}
    return [
        Identity("good", "Nguyễn Văn Tốt", title="Giám đốc", key_id=b"\x11", **both),
        Identity("revoked", "Trần Văn Thu Hồi", key_id=b"\x12", **both),
        Identity("crlrevoked", "Lê Thị Danh Sách", key_id=b"\x13", crl_url=crl),
        Identity(
            "expired",
            "Phạm Văn Hết Hạn",
            key_id=b"\x14",
            valid_from=now - dt.timedelta(days=400),
            valid_until=now - dt.timedelta(days=1),
            **both,
        ),
        Identity("nosign", "Hoàng Không Ký", key_id=b"\x15", signing_key_usage=False, **both),
        Identity("weak", "Vũ Khoá Yếu", key_id=b"\x16", key_size=1024, **both),
        Identity(
            "offline",
            "Đỗ Văn Mất Mạng",
            key_id=b"\x18",
            ocsp_url=f"{DEAD_URL}/ocsp",
            crl_url=f"{DEAD_URL}/ca.crl",
        ),
    ]


def _issue_under_ca(pki: TestPki, common_name: str, usage: Any, extensions: list[Any]):
    """A 2048-bit key and a certificate under the test CA, valid 20 years, whose extended
    key usage is ``usage`` (critical) plus ``extensions`` (not critical)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    ca_key = serialization.load_pem_private_key(pki.ca_key_pem, None)
    ca_cert = x509.load_pem_x509_certificate(pki.ca_cert_pem)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365 * 20))
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=True)
    )
    for extension in extensions:
        builder = builder.add_extension(extension, critical=False)
    return builder.sign(ca_key, hashes.SHA256()), key


def _key_bytes(key: Any, encoding: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(
        encoding, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _responder(pki: TestPki, folder: Path) -> list[str]:
    """A delegated OCSP responder certificate under the CA (id-kp-OCSPSigning and
    id-pkix-ocsp-nocheck, valid 20 years), written to ``folder``; the ``openssl ocsp``
    arguments that sign with it.

    Real CAs sign OCSP answers with such a certificate (RFC 6960 §4.2.2.2), not with
    the CA key. pyHanko's past validation (the LTA process) cannot use an answer signed
    by the trust anchor itself: it then asks for revocation data about the anchor, which
    only a CRL in the DSS happened to give (tests/test_ltv_anchor_ocsp.py shows it)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.x509.oid import ExtendedKeyUsageOID

    cert, key = _issue_under_ca(
        pki, "kyso LTV OCSP", ExtendedKeyUsageOID.OCSP_SIGNING, [x509.OCSPNoCheck()]
    )
    (folder / "ocsp.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "ocsp.key").write_bytes(_key_bytes(key, serialization.Encoding.PEM))
    return ["-rsigner", str(folder / "ocsp.pem"), "-rkey", str(folder / "ocsp.key")]


def _tsa(pki: TestPki, ocsp: str, crl: str) -> tuple[bytes, bytes]:
    """A TSA certificate (timeStamping, critical) valid 20 years, under the CA."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID

    ocsp_url = x509.UniformResourceIdentifier(ocsp)
    crl_point = x509.DistributionPoint([x509.UniformResourceIdentifier(crl)], None, None, None)
    cert, key = _issue_under_ca(
        pki,
        "kyso LTV TSA",
        ExtendedKeyUsageOID.TIME_STAMPING,
        [
            x509.AuthorityInformationAccess(
                [x509.AccessDescription(AuthorityInformationAccessOID.OCSP, ocsp_url)]
            ),
            x509.CRLDistributionPoints([crl_point]),
        ],
    )
    return (
        cert.public_bytes(serialization.Encoding.DER),
        _key_bytes(key, serialization.Encoding.DER),
    )


def _index_and_crl(ltv: LtvPki, revoked: set[str]) -> bytes:
    """Write openssl's index.txt (every certificate of the CA) and return the CRL."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization

    ca_key = serialization.load_pem_private_key(ltv.pki.ca_key_pem, None)
    ca_cert = x509.load_pem_x509_certificate(ltv.pki.ca_cert_pem)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    when = (now - dt.timedelta(hours=1)).strftime("%y%m%d%H%M%SZ")
    lines = []
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(now - dt.timedelta(hours=1))
        .next_update(now + dt.timedelta(days=30))
    )
    certs = [(i.identity.label, i.cert_der) for i in ltv.pki.issued]
    certs.append(("tsa", ltv.tsa_cert_der))
    for label, der in certs:
        cert = x509.load_der_x509_certificate(der)
        serial = format(cert.serial_number, "X")
        serial = serial if len(serial) % 2 == 0 else "0" + serial
        expiry = cert.not_valid_after_utc.strftime("%y%m%d%H%M%SZ")
        subject = "/" + "/".join(a.rfc4514_string() for a in cert.subject)
        if label in revoked:
            lines.append(f"R\t{expiry}\t{when}\t{serial}\tunknown\t{subject}")
            crl = crl.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(cert.serial_number)
                .revocation_date(now - dt.timedelta(hours=1))
                .build()
            )
        else:
            lines.append(f"V\t{expiry}\t\t{serial}\tunknown\t{subject}")
    (ltv.folder / "index.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (ltv.folder / "index.txt.attr").write_text("unique_subject = no\n", encoding="utf-8")
    return crl.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


@pytest.fixture(scope="session")
def crl_server():
    """An HTTP server on 127.0.0.1 serving ``files`` (path → bytes), counting hits."""
    _Files.files, _Files.hits = {}, {}
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Files
    server.shutdown()


@pytest.fixture(scope="session")
def ltv_pki(tmp_path_factory, crl_server) -> LtvPki:
    """The CA and identities; the CRL is published on ``crl_server``."""
    base, files = crl_server
    ocsp = f"http://127.0.0.1:{free_port()}/"
    crl = f"{base}/ca.crl"
    folder = tmp_path_factory.mktemp("ltv-pki")
    pki = make_pki(_identities(ocsp, crl), ca_name="kyso LTV CA", ca_days=365 * 30)
    untrusted = make_pki(
        [Identity("untrusted", "Bùi Văn Lạ", key_id=b"\x17", ocsp_url=ocsp, crl_url=crl)],
        ca_name="kyso Untrusted CA",
    )
    ltv = LtvPki(pki, untrusted, ocsp, crl, folder)
    ltv.tsa_cert_der, ltv.tsa_key_der = _tsa(pki, ocsp, crl)
    pki.write_ca(ltv.ca_pem)
    files.files["/ca.crl"] = _index_and_crl(ltv, {"revoked", "crlrevoked"})
    return ltv


@pytest.fixture(scope="session")
def ocsp_responder(ltv_pki):
    """``openssl ocsp`` answering for the CA on the port written into the certificates.
    Its log (``-text``) counts the requests: one "OCSP Request Data" per request."""
    if shutil.which("openssl") is None:
        pytest.fail("openssl is not installed")
    port = int(ltv_pki.ocsp_url.rsplit(":", 1)[1].strip("/"))
    folder = ltv_pki.folder
    log = folder / "ocsp.log"
    process = subprocess.Popen(
        ["openssl", "ocsp", "-index", str(folder / "index.txt"), "-port", str(port)]
        + _responder(ltv_pki.pki, folder)
        + ["-CA", str(ltv_pki.ca_pem), "-ndays", "1", "-ignore_err", "-text"],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    # Wait for its "waiting for ... connections" line: an empty probe connection would
    # wedge openssl 3.0's single-threaded responder.
    deadline = time.monotonic() + 10
    while b"waiting for OCSP client connections" not in log.read_bytes():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"openssl ocsp did not start: {log.read_text(errors='replace')}")
        time.sleep(0.05)
    yield OcspResponder(ltv_pki.ocsp_url, log)
    process.terminate()
    process.wait(timeout=5)


@dataclass(frozen=True)
class OcspResponder:
    url: str
    log: Path

    def requests(self) -> int:
        return self.log.read_text(errors="replace").count("OCSP Request Data")


def serve_tsa(ltv_pki: LtvPki) -> tuple[http.server.ThreadingHTTPServer, str]:
    """A local RFC 3161 TSA (pyHanko's DummyTimeStamper over HTTP) under the LTV CA, in a
    daemon thread: the server (to shut down) and its URL. Also used by bench/bench_ltv.py."""
    from asn1crypto import cms, core, keys, tsp, x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from pyhanko.sign.general import as_signing_certificate, get_pyca_cryptography_hash
    from pyhanko.sign.general import simple_cms_attribute as attr
    from pyhanko.sign.timestamps import DummyTimeStamper

    private_key = serialization.load_der_private_key(ltv_pki.tsa_key_der, None)

    class KeyOnceTimeStamper(DummyTimeStamper):
        """pyHanko's DummyTimeStamper parses its RSA key for every token, and OpenSSL 3's
        key check costs ~150 ms of CPU: a real TSA signs on its own machine, so the
        benchmark would charge B-T/B-LT for the test TSA's work. The key is parsed once;
        the signed attributes are DummyTimeStamper's."""

        def _sign_tst_info(self, tst_info_data: bytes, md_algorithm: str, when):
            digest = hashes.Hash(get_pyca_cryptography_hash(md_algorithm))
            digest.update(tst_info_data)
            signed_attrs = cms.CMSAttributes(
                [
                    attr("content_type", "tst_info"),
                    attr("signing_time", cms.Time({"utc_time": core.UTCTime(when)})),
                    attr("signing_certificate", as_signing_certificate(self.tsa_cert)),
                    attr("message_digest", digest.finalize()),
                ]
            )
            signature = private_key.sign(
                signed_attrs.dump(), PKCS1v15(), get_pyca_cryptography_hash(md_algorithm.upper())
            )
            return signature, signed_attrs

    stamper = KeyOnceTimeStamper(
        tsa_cert=x509.Certificate.load(ltv_pki.tsa_cert_der),
        tsa_key=keys.PrivateKeyInfo.load(ltv_pki.tsa_key_der),
        certs_to_embed=[x509.Certificate.load(_ca_der(ltv_pki))],
    )

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            reply = stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/tsa"


@pytest.fixture(scope="session")
def ltv_tsa(ltv_pki):
    """The URL of :func:`serve_tsa` for the test session."""
    server, url = serve_tsa(ltv_pki)
    yield url
    server.shutdown()


def _ca_der(ltv: LtvPki) -> bytes:
    from asn1crypto import pem

    return pem.unarmor(ltv.pki.ca_cert_pem)[2]


@pytest.fixture(scope="session")
def ltv_token(tmp_path_factory, ltv_pki) -> SoftToken:
    """A second SoftHSM2 token with every identity of :class:`LtvPki` (PIN 123456)."""
    if find_softhsm_module() is None:
        pytest.fail("softhsm2 is not installed")
    both = TestPki(
        ltv_pki.pki.ca_key_pem,
        ltv_pki.pki.ca_cert_pem,
        ltv_pki.pki.issued + ltv_pki.untrusted.issued,
    )
    return make_softhsm_token(
        tmp_path_factory.mktemp("ltv-token"), both, label="kyso-ltv", pin="123456"
    )


@pytest.fixture
def ltv_module(ltv_token, ltv_pki, monkeypatch):
    """This process's SoftHSM module switched to the LTV token, and its CA trusted.

    SoftHSM reads ``SOFTHSM2_CONF`` when initialised: the module is re-initialised on
    the LTV token's configuration, and again on the session token's afterwards."""
    from kyso.core.docs.trust import add_anchor
    from kyso.core.token.reconnect import reset_module

    monkeypatch.setenv("SOFTHSM2_CONF", str(ltv_token.conf))
    monkeypatch.setenv("KYSO_MODULE", ltv_token.module)
    reset_module(ltv_token.module)
    add_anchor(ltv_pki.ca_pem)
    yield ltv_token
    monkeypatch.undo()
    reset_module(ltv_token.module)


def ltv_env(token: SoftToken, **extra: str) -> dict[str, str]:
    """Environment for a `kyso` subprocess on the LTV token (no PIN unless given)."""
    env = {**os.environ, "SOFTHSM2_CONF": str(token.conf), "KYSO_MODULE": token.module}
    env.pop("KYSO_PIN", None)
    env.update(extra)
    return env
