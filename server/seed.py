"""The demo data: Sở Thông tin và Truyền thông tỉnh Đắk Nông, four users, its documents.

Documents are rendered as PDFs (:mod:`kyso.server.demo_docs`), stored like uploads, and
their flow is replayed through the same transition code the API uses, with times spread
over the last days. Documents the leader has already signed get a real signature made
with a throw-away software key (a demo certificate, valid but not trusted by anyone).
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from kyso.core.workflow import Action
from kyso.server.access import grant
from kyso.server.auth import create_org, create_user, hash_password, load_user
from kyso.server.blobs import BlobStore
from kyso.server.db import VN_TZ, Database, add_version_row, touch
from kyso.server.demo_content import (
    DEMO_DOCUMENTS,
    DEMO_ORG,
    DEMO_PASSWORD,
    DEMO_USERS,
    DemoDocument,
)
from kyso.server.demo_docs import render_appendix, render_document
from kyso.server.transitions import apply_transition

__all__ = ["DEMO_ORG_NAME", "seed_demo", "sign_demo_pdf"]

DEMO_ORG_NAME = "Sở Thông tin và Truyền thông tỉnh Đắk Nông"


@dataclass(frozen=True)
class _DemoCertificate:
    common_name: str
    organization: str


@dataclass(frozen=True)
class _DemoKey:
    """What kyso's signing needs of a key (a token's ``SigningKey``), for the demo."""

    signer: object
    certificate: _DemoCertificate


def sign_demo_pdf(data: bytes, signer_name: str, *, anchor: str | None = None) -> bytes:
    """``data`` signed (incremental update) with a fresh self-signed demo certificate.

    With ``anchor`` (the signer's title line), the signature is visible under it, with a
    signature image, and the Decree 30 number/date fields are prepared as kyso's own
    signing does, so the clerk can issue the document in the demo.
    """
    signer = _demo_signer(signer_name)
    if anchor is None:
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import signers

        writer = IncrementalPdfFileWriter(io.BytesIO(data))
        out = signers.sign_pdf(
            writer,
            signers.PdfSignatureMetadata(field_name="Signature1", reason="Ký duyệt"),
            signer=signer,
        )
        return out.getvalue()
    from kyso.core.docs.sign import SignOptions, sign_file
    from kyso.core.errors import PlacementError

    key = _DemoKey(signer, _DemoCertificate(signer_name, DEMO_ORG_NAME))
    with tempfile.TemporaryDirectory(prefix="kyso-seed-") as tmp:
        folder = Path(tmp)
        source, out, image = folder / "in.pdf", folder / "out.pdf", folder / "chu-ky.png"
        source.write_bytes(data)
        _signature_png(image)
        options = SignOptions(anchor=anchor, image=image, reason="Ký duyệt")
        try:
            sign_file(source, out, key, options)
        except PlacementError:  # no such line: kyso's default place, bottom right
            sign_file(source, out, key, replace(options, anchor=None))
        return out.read_bytes()


def _signature_png(path: Path) -> None:
    """A blue handwritten-like stroke on a transparent background (the demo's image)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
    ImageDraw.Draw(image).line(
        [(10, 100), (60, 30), (110, 85), (170, 25), (290, 60)], fill=(20, 40, 200, 255), width=6
    )
    image.save(path)


def _demo_signer(signer_name: str):
    """A pyHanko signer over a fresh self-signed demo certificate for ``signer_name``."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, DEMO_ORG_NAME),
            x509.NameAttribute(NameOID.COMMON_NAME, signer_name),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=30))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    asn1_cert = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    asn1_key = asn1_keys.PrivateKeyInfo.load(
        key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return signers.SimpleSigner(
        signing_cert=asn1_cert,
        signing_key=asn1_key,
        cert_registry=SimpleCertificateStore.from_certs([asn1_cert]),
    )


def _render(doc: DemoDocument) -> tuple[bytes, bytes | None]:
    return render_document(doc), render_appendix(doc)


def seed_demo(db: Database, blobs: BlobStore) -> bool:
    """Add the demo organization and documents unless they exist; True if it seeded."""
    with db.connect() as conn:
        if conn.execute("SELECT 1 FROM orgs WHERE ky_hieu = ?", (DEMO_ORG.ky_hieu,)).fetchone():
            return False
    # The slow parts run side by side: scrypt and PDF rendering release the GIL.
    with ThreadPoolExecutor(max_workers=4) as pool:
        hashes_f = [pool.submit(hash_password, DEMO_PASSWORD) for _ in DEMO_USERS]
        files = [_render(doc) for doc in DEMO_DOCUMENTS]
        password_hashes = [f.result() for f in hashes_f]
    names = {u.username: u.full_name for u in DEMO_USERS}
    start, scale = _timeline(dt.datetime.now(VN_TZ).replace(microsecond=0))
    with db.write() as conn:
        org_id = create_org(
            conn, DEMO_ORG_NAME, DEMO_ORG.ky_hieu, parent=DEMO_ORG.parent, place=DEMO_ORG.place
        )
        for user, pw_hash in zip(DEMO_USERS, password_hashes, strict=True):
            create_user(
                conn,
                org_id,
                user.username,
                "",
                full_name=user.full_name,
                role=user.role,
                title=user.title,
                unit=user.unit,
                password_hash=pw_hash,
            )
        users = {u.username: load_user(conn, u.username) for u in DEMO_USERS}
        ids: list[int] = []
        for index, (doc, (main_pdf, appendix_pdf)) in enumerate(
            zip(DEMO_DOCUMENTS, files, strict=True)
        ):
            created = _at(start, scale, hours=13 * index, minutes=7 * index)
            ids.append(
                _seed_document(
                    conn, blobs, org_id, doc, main_pdf, appendix_pdf, users, names, created, scale
                )
            )
        for doc_id, doc in zip(ids, DEMO_DOCUMENTS, strict=True):
            for other in doc.related:
                conn.execute(
                    "INSERT OR IGNORE INTO related (doc_id, related_id) VALUES (?, ?)",
                    (doc_id, ids[other]),
                )
    return True


_SEED_SPAN = dt.timedelta(days=9)
"""How far back the demo history starts (every document and step fits inside it)."""


def _timeline(now: dt.datetime) -> tuple[dt.datetime, float]:
    """Where the demo history starts and how much its offsets shrink.

    The history is kept inside the current year (the registry numbers from 01 on 1 January,
    so a document issued last December would not be this year's 01): early in January the
    nine days are compressed into the time since New Year.
    """
    year_start = now.replace(month=1, day=1, hour=0, minute=0, second=0)
    span = min(_SEED_SPAN, now - year_start)
    return now - span, span / _SEED_SPAN


def _at(base: dt.datetime, scale: float, **offset: int) -> dt.datetime:
    return (base + dt.timedelta(**offset) * scale).replace(microsecond=0)


def _seed_document(
    conn,
    blobs: BlobStore,
    org_id: int,
    doc: DemoDocument,
    main_pdf: bytes,
    appendix_pdf: bytes | None,
    users: dict,
    names: dict[str, str],
    created: dt.datetime,
    scale: float,
) -> int:
    drafter = "chuyenvien"
    at = created.isoformat()
    doc_id = conn.execute(
        "INSERT INTO documents (org_id, trich_yeu, loai, loai_ky_hieu, don_vi_soan_thao,"
        " nguoi_soan, holder, state, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (
            org_id,
            doc.trich_yeu,
            doc.loai,
            doc.loai_ky_hieu,
            "Văn phòng Sở",
            drafter,
            drafter,
            "du_thao",
            at,
            at,
        ),
    ).lastrowid
    grant(conn, doc_id, drafter)
    sha, size = blobs.put_bytes(main_pdf)
    main_id = conn.execute(
        "INSERT INTO attachments (doc_id, name, is_main) VALUES (?, ?, 1)",
        (doc_id, doc.file_name),
    ).lastrowid
    _version(conn, main_id, sha, size, drafter, at, signed=False, note="Dự thảo")
    if appendix_pdf is not None and doc.appendix is not None:
        sha_a, size_a = blobs.put_bytes(appendix_pdf)
        att_id = conn.execute(
            "INSERT INTO attachments (doc_id, name, is_main) VALUES (?, ?, 0)",
            (doc_id, doc.appendix.file_name),
        ).lastrowid
        _version(conn, att_id, sha_a, size_a, drafter, at, signed=False, note="Phụ lục")
    touch(conn, doc_id, bump_version=False, at=at)
    current = main_pdf
    for step_no, step in enumerate(doc.steps, start=1):
        when = _at(created, scale, hours=2 * step_no, minutes=11 * step_no).isoformat()
        actor = users[step.actor]
        if step.action == "ky_so":
            current = sign_demo_pdf(current, names[step.actor], anchor=doc.signer_title)
            sha, size = blobs.put_bytes(current)
            _version(conn, main_id, sha, size, step.actor, when, signed=True, note="Đã ký số")
            touch(conn, doc_id, at=when)
        elif step.action == "y_kien":
            conn.execute(
                "INSERT INTO opinions (doc_id, author, text, at) VALUES (?, ?, ?, ?)",
                (doc_id, step.actor, step.note, when),
            )
            touch(conn, doc_id, at=when)
        else:
            apply_transition(
                conn, actor, doc_id, Action(step.action), to_user=step.to, note=step.note, at=when
            )
    for username in doc.marked_by:
        conn.execute(
            "INSERT OR IGNORE INTO marks (username, doc_id) VALUES (?, ?)", (username, doc_id)
        )
    return int(doc_id)


def _version(conn, att_id: int, sha: str, size: int, by: str, at: str, *, signed: bool, note: str):
    n = add_version_row(
        conn, att_id, sha256=sha, size=size, uploaded_by=by, signed=signed, note=note
    )
    conn.execute(
        "UPDATE versions SET uploaded_at = ? WHERE attachment_id = ? AND n = ?", (at, att_id, n)
    )
