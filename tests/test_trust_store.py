"""Trust anchors as data: loading, fingerprints, and chain completion from the store
when a signer's CMS carries only its leaf certificate."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from pathlib import Path

import pytest
from fixtures_pdf import make_pdf

from kyso.core.docs.trust import (
    add_anchor,
    fingerprint,
    list_anchors,
    load_anchors,
    load_certificates,
    remove_anchor,
    trust_dir,
)
from kyso.core.docs.verify import verify_pdf
from kyso.core.errors import DocumentError


def _pki(folder: Path):
    """root → intermediate → leaf (RSA 2048), written as PEM; the leaf's key kept."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)

    def name(cn):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    def issue(subject, key, issuer, issuer_key, ca):
        builder = (
            x509.CertificateBuilder()
            .subject_name(name(subject))
            .issuer_name(name(issuer))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=not ca,
                    content_commitment=not ca,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=ca,
                    crl_sign=ca,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
        )
        return builder.sign(issuer_key, hashes.SHA256())

    keys = [rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(3)]
    root = issue("Root CA thử", keys[0], "Root CA thử", keys[0], True)
    inter = issue("CA trung gian thử", keys[1], "Root CA thử", keys[0], True)
    leaf = issue("Trần Văn Lá", keys[2], "CA trung gian thử", keys[1], False)
    paths = {}
    for label, cert in (("root", root), ("inter", inter), ("leaf", leaf)):
        paths[label] = folder / f"{label}.pem"
        paths[label].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_der = keys[2].private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return paths, key_der


@pytest.fixture(scope="module")
def leaf_only_signed(tmp_path_factory):
    """A PDF signed with a software key whose CMS embeds only the leaf certificate."""
    from asn1crypto import keys, x509
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    folder = tmp_path_factory.mktemp("chain")
    paths, key_der = _pki(folder)
    [leaf] = load_certificates(paths["leaf"].read_bytes())
    signer = signers.SimpleSigner(
        signing_cert=x509.Certificate.load(leaf.dump()),
        signing_key=keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore(),
    )
    source = make_pdf(folder / "in.pdf", pages=1)
    buf = BytesIO()
    signers.PdfSigner(signers.PdfSignatureMetadata(field_name="Sig1"), signer).sign_pdf(
        IncrementalPdfFileWriter(BytesIO(source.read_bytes())), output=buf
    )
    out = folder / "signed.pdf"
    out.write_bytes(buf.getvalue())
    return out, paths


def test_roots_and_intermediates_are_split_by_self_signature(leaf_only_signed):
    _pdf, paths = leaf_only_signed
    anchors = load_anchors([paths["root"], paths["inter"]])
    assert [c.subject.native["common_name"] for c in anchors.roots] == ["Root CA thử"]
    assert [c.subject.native["common_name"] for c in anchors.intermediates] == ["CA trung gian thử"]
    assert not load_anchors([paths["inter"]]), "an intermediate alone anchors nothing"


def test_chain_is_completed_from_the_store(leaf_only_signed):
    pdf, paths = leaf_only_signed
    [sig] = verify_pdf(pdf, trust=load_anchors([paths["root"], paths["inter"]])).signatures
    assert sig.trusted is True and sig.ok
    [without] = verify_pdf(pdf, trust=load_anchors([paths["root"]])).signatures
    assert without.trusted is False and not without.ok


def test_configured_store_add_list_remove(leaf_only_signed):
    pdf, paths = leaf_only_signed
    assert list_anchors() == [] and not load_anchors()
    [root] = add_anchor(paths["root"])
    [inter] = add_anchor(paths["inter"])
    add_anchor(paths["root"])  # twice is harmless
    assert sorted(a.fingerprint for a in list_anchors()) == sorted(
        [root.fingerprint, inter.fingerprint]
    )
    assert root.root and not inter.root
    assert (trust_dir() / f"{root.fingerprint}.der").exists()
    assert verify_pdf(pdf, trust=load_anchors()).signatures[0].trusted is True
    [gone] = remove_anchor(inter.fingerprint[:12].lower())
    assert gone.fingerprint == inter.fingerprint
    assert verify_pdf(pdf, trust=load_anchors()).signatures[0].trusted is False
    with pytest.raises(DocumentError, match="quá ngắn"):
        remove_anchor("AB")


def test_fingerprint_is_sha256_of_the_der(leaf_only_signed):
    import hashlib

    _pdf, paths = leaf_only_signed
    [cert] = load_certificates(paths["root"].read_bytes())
    assert fingerprint(cert) == hashlib.sha256(cert.dump()).hexdigest().upper()


def test_garbage_is_not_a_certificate(tmp_path):
    bad = tmp_path / "bad.pem"
    bad.write_bytes(b"not a certificate")
    with pytest.raises(DocumentError, match="Không đọc được chứng thư"):
        load_anchors([bad])
    with pytest.raises(DocumentError, match="Không đọc được"):
        load_anchors([tmp_path / "missing.pem"])
