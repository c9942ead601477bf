"""What an issued document says, and its export as an edXML-style package.

:func:`read_recipients` reads the "Nơi nhận:" block of a Decree 30 document and
:func:`read_form_values` the text fields kyso fills at issuance; the server uses both
for the registry book, the export for its header.

:func:`export_edxml` writes an issued document from the local cache as an XML envelope
with the fields of QCVN 102:2016 (the national standard for exchanging electronic
documents between agencies): ``From``, ``To``, ``Code`` {``CodeNumber``,
``CodeNotation``}, ``PromulgationInfo`` {``Place``, ``PromulgationDate``},
``DocumentType``, ``Subject``, ``SignerInfo`` and the attachments, base64-encoded with
their names. It is "edXML-style": the header a receiving system needs, not the whole
standard (no trace headers or status messages).

Plain Python: no click, no Textual.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from kyso.core.atomic import write_atomic
from kyso.core.errors import DocumentError

__all__ = [
    "EDXML_NS",
    "Recipients",
    "build_edxml",
    "export_edxml",
    "read_form_values",
    "read_recipients",
]

EDXML_NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"

_BULLET = re.compile(r"^[-–•+]\s*")


@dataclass(frozen=True)
class Recipients:
    """What the document's "Nơi nhận:" block says."""

    noi_nhan: tuple[str, ...]
    """Recipients, without the "Lưu" line."""
    noi_luu: str
    """Who keeps the filed copies ("VT, VP"), from the "Lưu:" line."""


def read_recipients(data: bytes) -> Recipients:
    """The "Nơi nhận:" block (left column, below its heading); empty when there is none.

    Best effort: a document laid out differently gives an empty result, never an error.
    """
    import pymupdf

    items: list[str] = []
    try:
        with pymupdf.open(stream=data, filetype="pdf") as doc:
            for page in doc:
                lines = []
                for block in page.get_text("dict")["blocks"]:
                    for line in block.get("lines", []):
                        text = "".join(s["text"] for s in line["spans"]).strip()
                        if text:
                            lines.append((tuple(line["bbox"]), text))
                head = next((b for b, t in lines if t.startswith("Nơi nhận")), None)
                if head is None:
                    continue
                middle = (page.rect.x0 + page.rect.x1) / 2
                below = sorted(
                    (b, t)
                    for b, t in lines
                    if b[1] >= head[3] - 1 and b[0] < middle and abs(b[0] - head[0]) < 30
                )
                last_y = head[3]
                for bbox, text in below:
                    if bbox[1] - last_y > 30 or not _BULLET.match(text):
                        break
                    items.append(_BULLET.sub("", text).rstrip(";.").strip())
                    last_y = bbox[3]
                break
    except Exception:
        return Recipients((), "")
    luu = [i for i in items if i.casefold().startswith("lưu")]
    others = tuple(i for i in items if not i.casefold().startswith("lưu"))
    noi_luu = luu[0].split(":", 1)[-1].strip() if luu else ""
    return Recipients(others, noi_luu)


def read_form_values(data: bytes) -> dict[str, str]:
    """Text form field values (``/V``) by field name, read with pyHanko's reader.

    Raises :class:`DocumentError` when the file cannot be parsed.
    """
    from pyhanko.pdf_utils.generic import TextStringObject
    from pyhanko.pdf_utils.reader import PdfFileReader

    values: dict[str, str] = {}
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        form = reader.root.get("/AcroForm")
        if form is None:
            return values
        stack = list(form.get_object().get("/Fields", []))
        while stack:
            field = stack.pop().get_object()
            stack.extend(field.get("/Kids", []))
            if "/T" in field and "/V" in field:
                value = field["/V"]
                if isinstance(value, TextStringObject | str):
                    values[str(field["/T"])] = str(value)
    except Exception as exc:
        raise DocumentError(f"Không đọc được các ô biểu mẫu của tệp PDF: {exc}") from None
    return values


def _el(name: str, value: Any, indent: int) -> str:
    pad = "  " * indent
    return f"{pad}<edXML:{name}>{escape(str(value or ''))}</edXML:{name}>"


def _group(name: str, children: list[str], indent: int) -> list[str]:
    pad = "  " * indent
    return [f"{pad}<edXML:{name}>", *children, f"{pad}</edXML:{name}>"]


def build_edxml(
    document: dict[str, Any],
    *,
    organization: dict[str, Any],
    place: str,
    recipients: Recipients,
    signer: dict[str, Any],
    attachments: list[tuple[str, str, bytes]],
) -> bytes:
    """The envelope as UTF-8 XML. ``attachments``: (name, description, bytes)."""
    so = document.get("so")
    ky_hieu = document.get("ky_hieu") or ""
    if so is None and document.get("so_ky_hieu"):
        number, _, ky_hieu = str(document["so_ky_hieu"]).partition("/")
        so = number
    lines = ['<?xml version="1.0" encoding="UTF-8"?>']
    lines.append(f'<edXML:edXMLEnvelope xmlns:edXML="{EDXML_NS}">')
    header: list[str] = []
    header += _group(
        "From",
        [
            _el("OrganId", organization.get("code") or organization.get("ky_hieu"), 4),
            _el("OrganName", organization.get("name"), 4),
            _el("OrganizationInCharge", document.get("don_vi_soan_thao"), 4),
        ],
        3,
    )
    for name in recipients.noi_nhan:
        header += _group("To", [_el("OrganName", name, 4)], 3)
    header += _group(
        "Code",
        [
            _el("CodeNumber", f"{int(so):02d}" if so is not None else "", 4),
            _el("CodeNotation", ky_hieu, 4),
        ],
        3,
    )
    header += _group(
        "PromulgationInfo",
        [_el("Place", place, 4), _el("PromulgationDate", document.get("ngay_ban_hanh"), 4)],
        3,
    )
    header += _group(
        "DocumentType",
        [_el("Type", document.get("loai_ky_hieu"), 4), _el("TypeName", document.get("loai"), 4)],
        3,
    )
    header.append(_el("Subject", document.get("trich_yeu"), 3))
    header += _group(
        "SignerInfo",
        [
            _el("Competence", signer.get("competence", ""), 4),
            _el("Position", signer.get("title"), 4),
            _el("FullName", signer.get("full_name"), 4),
        ],
        3,
    )
    if recipients.noi_luu:
        header += _group("OtherInfo", [_el("StorageNotation", recipients.noi_luu, 4)], 3)
    lines += _group("edXMLHeader", _group("MessageHeader", header, 2), 1)
    body: list[str] = []
    for index, (name, description, data) in enumerate(attachments, start=1):
        encoded = base64.b64encode(data).decode("ascii")
        body += _group(
            "Attachment",
            [
                _el("ContentId", f"att-{index}", 3),
                _el(
                    "ContentType",
                    "application/pdf" if data[:5] == b"%PDF-" else "application/octet-stream",
                    3,
                ),
                _el("Description", description, 3),
                _el("AttachmentName", name, 3),
                _el("ContentTransferEncoded", encoded, 3),
            ],
            2,
        )
    lines += _group("AttachmentEncoded", body, 1)
    lines.append("</edXML:edXMLEnvelope>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _signer(document: dict[str, Any], users: list[dict[str, Any]]) -> dict[str, Any]:
    """The leader who signed the main file: the last signed version by a lãnh đạo Sở."""
    by_name = {u.get("username"): u for u in users}
    main = next((a for a in document.get("attachments") or () if a.get("is_main")), None)
    for version in reversed((main or {}).get("versions") or []):
        user = by_name.get(version.get("uploaded_by"))
        if version.get("signed") and user and user.get("role") == "lanh_dao_so":
            return user
    return {}


def export_edxml(
    store,
    document_id: int,
    out_path: Path,
    *,
    fetch: Callable[[int, int], Path] | None = None,
) -> Path:
    """Write an issued document of the local cache as an edXML-style package (atomically).

    ``store`` is a :class:`kyso.core.store.Store`. Attachments come from its blob folder;
    a file not downloaded yet is fetched with ``fetch(document_id, attachment_id)`` when
    given (e.g. ``SyncClient.fetch_attachment``), else it is a :class:`DocumentError`.
    """
    from kyso.core.docs.issuance import DATE_FIELD

    document = store.document_json(document_id)
    if document is None:
        raise DocumentError(
            f"Không có văn bản {document_id} trong bộ nhớ đệm (hãy chạy `kyso sync`)."
        )
    if document.get("state") not in ("da_ban_hanh", "ket_thuc") or not document.get("so_ky_hieu"):
        raise DocumentError(f"Văn bản {document_id} chưa được ban hành: chưa xuất edXML được.")
    files: list[tuple[str, str, bytes]] = []
    main_data = b""
    for att in document.get("attachments") or ():
        path = store.attachment_path(document_id, att["id"])
        if path is None:
            if fetch is None:
                raise DocumentError(
                    f"Tệp “{att.get('name')}” chưa được tải về; hãy mở văn bản khi có mạng."
                )
            path = fetch(document_id, att["id"])
        data = Path(path).read_bytes()
        if att.get("is_main"):
            main_data = data
        files.append(
            (
                att.get("name") or f"tep-{att['id']}",
                "Tệp chính" if att.get("is_main") else "Phụ lục",
                data,
            )
        )
    from kyso.core.docs.issuance import find_issuance_slots
    from kyso.core.org_codes import org_code

    me = store.me() or {}
    organization = dict(me.get("org") or {})
    organization.setdefault("code", org_code(organization.get("ky_hieu")))
    place = ""
    recipients = Recipients((), "")
    if main_data.startswith(b"%PDF-"):
        date_line = read_form_values(main_data).get(DATE_FIELD, "")
        place = date_line.split(",", 1)[0].strip() if "," in date_line else ""
        if not place:  # issued without kyso's fields: the date line printed on the page
            slots = find_issuance_slots(main_data)
            place = slots.place if slots else ""
        recipients = read_recipients(main_data)
    xml = build_edxml(
        document,
        organization=organization,
        place=place or organization.get("place") or "",
        recipients=recipients,
        signer=_signer(document, store.users()),
        attachments=files,
    )
    write_atomic(Path(out_path), xml)
    return Path(out_path)
