"""The clerk's issuance (phát hành) as use cases shared by the terminal app and the CLI.

:func:`issue` takes a document the leader signed and sent to the clerk through the whole
issuance: the leader-signed main file and the appendices are downloaded into the local
cache, a number is taken from the organization's registry book on the server (online
only: the book lives there), the number and date are filled and the organization signs
(:mod:`kyso.core.docs.issue`) in a temporary folder, the files are uploaded to the issue
endpoint, which verifies them, and a sync brings the issued document into the cache.
When anything fails after the number was taken, the number is recorded as cancelled
(bị huỷ) with the reason; when even that cannot reach the server, it stays pending and
the next :func:`issue` of the same document reuses it.

The smaller calls (:func:`clerk_inbox`, :func:`number_info`, :func:`seal_preview`,
:func:`allocate_number`, :func:`cancel_number`, :func:`registry_book`,
:func:`download_registry`, :func:`default_seal`) are what the app's clerk screens need;
they live in :mod:`kyso.core.registry_book` and :mod:`kyso.core.issue_preview` and are
imported here too. :func:`kyso.core.edxml.export_edxml` exports an issued document.

Plain Python: no click, no Textual. Everything here blocks: call it from a worker.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from kyso.core.errors import DocumentError, KysoError, SyncError, WorkflowError
from kyso.core.issue_preview import SealPreview, default_seal, seal_preview
from kyso.core.registry_book import (
    NumberInfo,
    RegistryEntry,
    allocate_number,
    cancel_number,
    download_registry,
    number_info,
    registry_book,
)
from kyso.core.server_calls import call, fetch_file, refused

if TYPE_CHECKING:
    from kyso.core.store import Store
    from kyso.core.sync import SyncClient

__all__ = [
    "IssueResult",
    "NumberInfo",
    "RegistryEntry",
    "SealPreview",
    "allocate_number",
    "cancel_number",
    "check_clerk",
    "clerk_inbox",
    "default_seal",
    "download_registry",
    "issue",
    "number_info",
    "registry_book",
    "seal_preview",
]

Step = Literal["download", "allocate", "sign", "upload", "sync"]
"""Progress steps reported to ``on_step``."""


@dataclass(frozen=True)
class IssueResult:
    """What :func:`issue` did."""

    document_id: int
    so_ky_hieu: str
    date: dt.date
    signed: bool
    """The organization signed (False in "only number and date" mode)."""
    reused_number: bool
    """The number was already held for this document (an earlier attempt)."""
    main: Path
    """The issued main file, in the local cache."""
    appendices: tuple[Path, ...]
    seal_box: tuple[float, float, float, float] | None
    leader_box: tuple[float, float, float, float] | None
    document: dict[str, Any]
    """The issued Document as the server returned it."""
    warning: str | None = None
    """Set when the issuance succeeded but the final sync did not."""
    notice: str | None = None
    """Something issuance adjusted (the seal moved inward from the page's edge)."""


# ------------------------------------------------------------------ who issues what


def clerk_inbox(store: Store) -> list[dict[str, Any]]:
    """Documents waiting for me to issue (``cho_van_thu``, held by me), newest first."""
    return [d for d in store.documents("inbox") if d.get("state") == "cho_van_thu"]


def check_clerk(store: Store) -> None:
    """:class:`WorkflowError` when the logged-in user is known not to be a văn thư (so the
    app and the CLI can say so before asking for a PIN)."""
    role = (store.me() or {}).get("role")
    if role and role != "van_thu":
        raise WorkflowError("Chỉ văn thư được cấp số và phát hành văn bản.")


def _check_can_issue(store: Store, document: dict[str, Any]) -> None:
    check_clerk(store)
    if document.get("state") != "cho_van_thu":
        from kyso.core.workflow import STATE_LABELS, State

        try:
            label = STATE_LABELS[State(document.get("state"))]
        except ValueError:
            label = str(document.get("state"))
        raise WorkflowError(
            f"Văn bản {document['id']} đang ở trạng thái “{label}”: chỉ phát hành văn bản "
            "đã được lãnh đạo ký và chuyển văn thư."
        )
    if document.get("holder") != store.username:
        raise WorkflowError(f"Văn bản {document['id']} không do bạn đang xử lý.")


def _check_prepared(data: bytes) -> None:
    """Refuse before taking a number when the file cannot be issued anyway."""
    from io import BytesIO

    from pyhanko.pdf_utils.reader import PdfFileReader

    from kyso.core.docs.issuance import NUMBER_FIELD, leader_widget

    if leader_widget(data) is None:
        raise DocumentError(
            "Tệp chính chưa có chữ ký (hiển thị) của lãnh đạo: chưa phát hành được."
        )
    try:
        form = PdfFileReader(BytesIO(data), strict=False).root.get("/AcroForm")
        names = {str(f.get_object().get("/T")) for f in form.get_object().get("/Fields", [])}
    except Exception:
        names = set()
    if NUMBER_FIELD not in names:
        raise DocumentError(
            "Tệp chính không có ô số/ngày do kyso chuẩn bị khi lãnh đạo ký (lãnh đạo cần ký "
            "bằng kyso); không điền số được mà giữ nguyên chữ ký."
        )


# ------------------------------------------------------------------ issue


def issue(
    client: SyncClient,
    document_id: int,
    *,
    key: Any = None,
    seal_png: bytes | None = None,
    date: dt.date | None = None,
    only_number: bool = False,
    organization: str | None = None,
    note: str = "",
    work_dir: Path | None = None,
    on_step: Callable[[Step, str], None] | None = None,
    presigned: Any = None,
) -> IssueResult:
    """Issue a document: number, date, organization signature and seal, appendices.

    ``key`` is a signing key of an open token session (``session.signing_key(label)``);
    it and ``seal_png`` may be None with ``only_number`` ("Chỉ điền số KH, ngày tháng
    năm"). ``date`` defaults to today on the server. Raises :class:`SyncError` when the
    server cannot be reached (no number is taken offline), :class:`WorkflowError` when
    this user may not issue this document, :class:`DocumentError` when the files do not
    allow it or the server refuses them.

    ``presigned`` is the organisation's certificate checked before the PIN
    (:func:`kyso.core.docs.presign.presign_issuance`): the key must be that certificate,
    and its plan sets the PAdES level (B-LTA with a TSA). Both are settled before a
    number is taken.
    """
    from kyso.core.docs.issue import IssueRequest, issue_appendix, issue_main_document

    def step(name: Step, message: str) -> None:
        if on_step is not None:
            on_step(name, message)

    if not only_number and (key is None or seal_png is None):
        raise KysoError("Ký số cơ quan cần khoá trên token và ảnh con dấu.")
    ltv = None if only_number else _checked_plan(key, presigned)
    store = client.store
    step("download", "Tải văn bản và tệp đã ký về máy")
    if store.me() is None:
        call(client, "GET", "/me", what="phát hành")  # a clear message when offline
        client.refresh_profile()
    response = call(client, "GET", f"/documents/{document_id}", what="phát hành")
    if response.status_code != 200:
        raise refused(response, "phát hành")
    store.put_document(response.json())
    document = store.document_json(document_id) or {}
    _check_can_issue(store, document)
    attachments = document.get("attachments") or []
    main = next((a for a in attachments if a.get("is_main")), None)
    if main is None:
        raise DocumentError(f"Văn bản {document_id} không có tệp chính.")
    main_path = fetch_file(client, document_id, main["id"])
    main_data = main_path.read_bytes()
    _check_prepared(main_data)
    appendices = []
    if not only_number:
        for att in attachments:
            if att.get("is_main"):
                continue
            path = fetch_file(client, document_id, att["id"])
            if path.read_bytes()[:5] == b"%PDF-":
                appendices.append((att, path))
    org_name = organization or ((store.me() or {}).get("org") or {}).get("name") or ""

    step("allocate", "Lấy số từ sổ đăng ký văn bản đi")
    entry, created = allocate_number(client, document_id, date)
    try:
        step("sign", f"Điền số {entry.so_ky_hieu}, ngày và ký số cơ quan")
        with tempfile.TemporaryDirectory(prefix="kyso-issue-", dir=work_dir) as tmp:
            folder = Path(tmp)
            issued = issue_main_document(
                main_path,
                folder / "main.pdf",
                key,
                IssueRequest(
                    entry.so_ky_hieu,
                    entry.ngay,
                    org_name,
                    seal_png,
                    only_number=only_number,
                ),
                ltv=ltv,
            )
            signed_appendices = []
            for index, (att, path) in enumerate(appendices):
                out = folder / f"phu-luc-{index}.pdf"
                issue_appendix(path, out, key, entry.so_ky_hieu, ltv=ltv)
                signed_appendices.append((att, out.read_bytes()))
            main_issued = issued.output.read_bytes()
        step("upload", "Gửi bản phát hành lên máy chủ")
        files: list[tuple[str, tuple[str, bytes, str]]] = [
            ("main", (main.get("name") or "main.pdf", main_issued, "application/pdf"))
        ]
        form: dict[str, Any] = {
            "so_ky_hieu": entry.so_ky_hieu,
            "only_number": "true" if only_number else "false",
            "note": note,
        }
        ids = []
        for att, data in signed_appendices:
            files.append(("appendix", (att.get("name") or "phu-luc.pdf", data, "application/pdf")))
            ids.append(str(att["id"]))
        if ids:
            form["appendix_id"] = ids
        response = call(
            client,
            "POST",
            f"/documents/{document_id}/issue",
            what="phát hành",
            files=files,
            data=form,
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        if response.status_code != 200:
            raise refused(response, "phát hành")
        issued_doc = response.json()
    except BaseException as exc:
        reason = exc.message if isinstance(exc, KysoError) else (str(exc) or type(exc).__name__)
        _cancel_quietly(client, document_id, f"Phát hành không thành công: {reason}")
        raise
    store.put_document(issued_doc)
    main_local = store.blob_path(store.put_blob(main_issued))
    appendix_local = tuple(
        store.blob_path(store.put_blob(data)) for _att, data in signed_appendices
    )
    step("sync", "Đồng bộ")
    warning = None
    try:
        client.sync()
    except SyncError as exc:
        warning = f"Đã phát hành nhưng chưa đồng bộ được: {exc.message}"
    return IssueResult(
        document_id,
        entry.so_ky_hieu,
        entry.ngay,
        issued.signed,
        not created,
        main_local,
        appendix_local,
        issued.seal_box,
        issued.leader_box,
        issued_doc,
        warning,
        issued.notice,
    )


def _checked_plan(key: Any, presigned: Any) -> Any:
    """The PAdES plan of the certificate checked before the PIN, once the opened key is
    known to be that certificate (None without a check: B-B)."""
    if presigned is None:
        return None
    from kyso.core.docs.presign import check_same_certificate

    check_same_certificate(key, presigned)
    return presigned.plan


def _cancel_quietly(client: SyncClient, document_id: int, reason: str) -> None:
    """Cancel the held number; when the server cannot be reached it stays pending (the
    next issuance of this document reuses it)."""
    with contextlib.suppress(KysoError):
        cancel_number(client, document_id, reason)
