"""The demo data: Sở Thông tin và Truyền thông tỉnh Đắk Nông, four users, its documents.

Documents are rendered as PDFs (:mod:`kyso.server.demo_docs`), stored like uploads, and
their flow is replayed through the same transition code the API uses, with times spread
over the last days. Documents the leader has already signed get a real signature made
with the leader's demo key (:mod:`kyso.server.demo_pki`; the demo CA is trusted and the
demo certificates bound); issued ones take their numbers from the registry book.
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from kyso.core.token.provision import IssuedIdentity, TestPki
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
from kyso.server.demo_pki import demo_pki, org_binding_subject, org_label
from kyso.server.registry_issue import issue_in_book
from kyso.server.transitions import apply_transition
from kyso.server.trust import bind, read_certificates, trust

__all__ = ["DEMO_ORG_NAME", "SEED_VERSION", "seed_demo", "sign_demo_pdf"]

DEMO_ORG_NAME = "Sở Thông tin và Truyền thông tỉnh Đắk Nông"
SEED_VERSION = 1
"""Raise when the seed makes something different from the same content: ``kyso demo``
keeps what the seed made in its cache under a key that includes this (kyso.cli.demo_cache)."""


@dataclass(frozen=True)
class _DemoCertificate:
    common_name: str
    organization: str


@dataclass(frozen=True)
class _DemoKey:
    """What kyso's signing needs of a key (a token's ``SigningKey``), for the demo."""

    signer: object
    certificate: _DemoCertificate


def sign_demo_pdf(
    data: bytes, identity: IssuedIdentity, ca_pem: bytes, *, anchor: str | None = None
) -> bytes:
    """``data`` signed (incremental update) with a demo identity's key and certificate.

    With ``anchor`` (the signer's title line), the signature is visible under it, with a
    signature image, and the Decree 30 number/date fields are prepared as kyso's own
    signing does, so the clerk can issue the document in the demo.
    """
    signer = _identity_signer(identity, ca_pem)
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

    key = _DemoKey(signer, _DemoCertificate(identity.identity.common_name, DEMO_ORG_NAME))
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


def _identity_signer(identity: IssuedIdentity, ca_pem: bytes):
    """A pyHanko signer over a demo identity's key and certificate (chain: the demo CA)."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    cert = asn1_x509.Certificate.load(identity.cert_der)
    ca = asn1_x509.Certificate.load(read_certificates(ca_pem)[0])
    return signers.SimpleSigner(
        signing_cert=cert,
        signing_key=asn1_keys.PrivateKeyInfo.load(identity.key_der),
        cert_registry=SimpleCertificateStore.from_certs([cert, ca]),
    )


def _trust_demo_pki(conn, pki: TestPki) -> dict[str, IssuedIdentity]:
    """Trust the demo CA and bind every demo certificate (the clerk's is the org's)."""
    trust(conn, read_certificates(pki.ca_cert_pem))
    by_label = {i.identity.label: i for i in pki.issued}
    for user in DEMO_USERS:
        bind(conn, f"user:{user.username}", by_label[user.username].cert_der)
    bind(conn, org_binding_subject(), by_label[org_label()].cert_der)
    return by_label


def _render(doc: DemoDocument) -> tuple[bytes, bytes | None]:
    return render_document(doc), render_appendix(doc)


def seed_demo(db: Database, blobs: BlobStore, data_dir: Path) -> bool:
    """Add the demo organization and documents unless they exist; True if it seeded.

    The demo PKI (:mod:`kyso.server.demo_pki`, in ``data_dir``) is made, its CA trusted
    and its certificates bound to the demo users and organisation.
    """
    with db.connect() as conn:
        if conn.execute("SELECT 1 FROM orgs WHERE ky_hieu = ?", (DEMO_ORG.ky_hieu,)).fetchone():
            return False
    pki = demo_pki(data_dir)
    # The slow parts run side by side: scrypt and PDF rendering release the GIL.
    with ThreadPoolExecutor(max_workers=4) as pool:
        hashes_f = [pool.submit(hash_password, DEMO_PASSWORD) for _ in DEMO_USERS]
        files = [_render(doc) for doc in DEMO_DOCUMENTS]
        password_hashes = [f.result() for f in hashes_f]
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
        keys = _trust_demo_pki(conn, pki)
        users = {u.username: load_user(conn, u.username) for u in DEMO_USERS}
        ids: list[int] = []
        for index, (doc, (main_pdf, appendix_pdf)) in enumerate(
            zip(DEMO_DOCUMENTS, files, strict=True)
        ):
            created = _at(start, scale, hours=13 * index, minutes=7 * index)
            ids.append(
                _seed_document(
                    conn,
                    blobs,
                    org_id,
                    doc,
                    (main_pdf, appendix_pdf),
                    users,
                    (keys, pki.ca_cert_pem),
                    created,
                    scale,
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
    files: tuple[bytes, bytes | None],
    users: dict,
    signing: tuple[dict[str, IssuedIdentity], bytes],
    created: dt.datetime,
    scale: float,
) -> int:
    main_pdf, appendix_pdf = files
    keys, ca_pem = signing
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
            current = sign_demo_pdf(current, keys[step.actor], ca_pem, anchor=doc.signer_title)
            sha, size = blobs.put_bytes(current)
            _version(conn, main_id, sha, size, step.actor, when, signed=True, note="Đã ký số")
            touch(conn, doc_id, at=when)
        elif step.action == "y_kien":
            conn.execute(
                "INSERT INTO opinions (doc_id, author, text, at) VALUES (?, ?, ?, ?)",
                (doc_id, step.actor, step.note, when),
            )
            touch(conn, doc_id, at=when)
        elif step.action == Action.BAN_HANH.value:
            issue_in_book(conn, actor, doc_id, at=when, note=step.note)
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
