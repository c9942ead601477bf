"""PAdES B-T: a timestamp from a TSA over HTTP, here a local one on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from checks import pdfsig

from kyso.core.docs.sign import SignOptions, sign_file
from kyso.core.docs.verify import verify_pdf


def _tsa_identity(pki):
    """A TSA certificate (timeStamping, critical) issued by the test CA."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    ca_key = serialization.load_pem_private_key(pki.ca_key_pem, None)
    ca_cert = x509.load_pem_x509_certificate(pki.ca_cert_pem)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kyso Test TSA")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key_der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return (
        asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        asn1_keys.PrivateKeyInfo.load(key_der),
    )


@pytest.fixture
def tsa_url(pki):
    from asn1crypto import tsp
    from pyhanko.sign.timestamps import DummyTimeStamper

    cert, key = _tsa_identity(pki)
    stamper = DummyTimeStamper(tsa_cert=cert, tsa_key=key)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            reply = stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/tsa"
    server.shutdown()
    server.server_close()


def test_timestamp_url_makes_the_signature_pades_b_t(
    pdf_path, tmp_path, signing_key, tsa_url, ca_pem
):
    out = tmp_path / "bt.pdf"
    sign_file(pdf_path, out, signing_key, SignOptions(timestamp_url=tsa_url))
    [sig] = verify_pdf(out, trust=[ca_pem.read_bytes()]).signatures
    assert sig.pades_level == "B-T"
    assert sig.intact and sig.valid
    pdfsig(out)


def test_an_unreachable_timestamp_server_fails_clearly(pdf_path, tmp_path, signing_key):
    from kyso.core.errors import SigningError

    out = tmp_path / "no.pdf"
    with pytest.raises(SigningError, match="thất bại"):
        sign_file(pdf_path, out, signing_key, SignOptions(timestamp_url="http://127.0.0.1:9/tsa"))
    assert not out.exists()
