"""Attachments: download a version, upload a version (signed or not), add, rename."""

from __future__ import annotations

import mimetypes
import sqlite3
from typing import Annotated

from fastapi import (
    APIRouter,
    File,
    Form,
    HTTPException,
    Path,
    Request,
    Response,
    UploadFile,
)
from fastapi.responses import FileResponse

from kyso.core.workflow import Role, State, may_edit, may_upload_signed
from kyso.server.access import load_one, visible_row
from kyso.server.auth import CurrentUser
from kyso.server.db import add_version_row, touch
from kyso.server.params import AttId, DocId, Me, error_responses
from kyso.server.schemas import Document, Error, RenameRequest
from kyso.server.signed import check_signed_upload
from kyso.server.text_rules import MultiLine
from kyso.server.trust import anchors as trust_anchors
from kyso.server.uploads import safe_name
from kyso.server.writes import Result, check_if_match, document_response, idempotent_write

__all__ = ["router"]

router = APIRouter(tags=["attachments"])
VersionN = Annotated[int, Path(ge=1, le=2**31, description="Số thứ tự phiên bản.", examples=[1])]

_ERRORS = error_responses(400, 401, 403, 404, 409, 412, 413, 422)
NO_ATTACHMENT = "Không tìm thấy tệp đính kèm."


def _attachment(conn: sqlite3.Connection, doc_id: int, att_id: int) -> sqlite3.Row:
    row = conn.execute(
        "SELECT * FROM attachments WHERE id = ? AND doc_id = ?", (att_id, doc_id)
    ).fetchone()
    if row is None:
        raise HTTPException(404, NO_ATTACHMENT)
    return row


def _latest_sha(conn: sqlite3.Connection, att_id: int) -> str | None:
    row = conn.execute(
        "SELECT sha256 FROM versions WHERE attachment_id = ? ORDER BY n DESC LIMIT 1", (att_id,)
    ).fetchone()
    return None if row is None else row[0]


def _verify(
    blobs, sha: str, previous_sha: str | None, cert_der: bytes | None, context: tuple
) -> HTTPException | None:
    """The 422 for an unacceptable signed upload, or None when it is acceptable.

    ``context`` is ``(anchors, is_main)`` as read from the database.
    """
    anchors, is_main = context
    try:
        check_signed_upload(
            blobs.read(sha),
            previous=blobs.read(previous_sha) if previous_sha else None,
            cert_der=cert_der,
            anchors=list(anchors),
            strict_extension=is_main,
        )
    except HTTPException as exc:
        return exc
    return None


def _signed_by_leader(conn: sqlite3.Connection, att_id: int) -> bool:
    """Whether a leader's signed version of this attachment exists."""
    return (
        conn.execute(
            "SELECT 1 FROM versions v JOIN users u ON u.username = v.uploaded_by"
            " WHERE v.attachment_id = ? AND v.signed = 1 AND u.role = ? LIMIT 1",
            (att_id, Role.LANH_DAO_SO.value),
        ).fetchone()
        is not None
    )


def _check_unsigned_main(conn: sqlite3.Connection, doc: sqlite3.Row, att: sqlite3.Row) -> None:
    """409 for an unsigned version of the main file once the leader has signed it (while
    the document is with the leader or the clerk: returned to the drafter, it is redrafted)."""
    waiting = doc["state"] in (State.CHO_LANH_DAO_SO.value, State.CHO_VAN_THU.value)
    if att["is_main"] and waiting and _signed_by_leader(conn, att["id"]):
        raise HTTPException(
            409,
            "Tệp chính đã được lãnh đạo ký số: không tải lên bản chưa ký đè lên bản đã ký "
            "(trả lại chuyên viên để soạn lại nếu cần sửa).",
        )


def _check_edit(user: CurrentUser, doc: sqlite3.Row) -> None:
    holder = doc["holder"] == user.username
    if not holder:
        raise HTTPException(403, "Văn bản không do bạn đang xử lý.")
    if not may_edit(user.role, doc["state"], is_holder=True):
        raise HTTPException(409, "Văn bản ở trạng thái này không sửa tệp được.")


def _check_signed(user: CurrentUser, doc: sqlite3.Row) -> None:
    if user.role not in (Role.LANH_DAO_SO, Role.VAN_THU):
        raise HTTPException(403, "Chỉ lãnh đạo Sở hoặc văn thư được tải lên bản ký số.")
    if doc["holder"] != user.username:
        raise HTTPException(403, "Văn bản không do bạn đang xử lý.")
    if not may_upload_signed(user.role, doc["state"], is_holder=True):
        raise HTTPException(409, "Văn bản ở trạng thái này không nhận bản ký số.")


def _may_upload(
    request: Request, user: CurrentUser, doc_id: int, att_id: int | None, *, signed: bool
) -> None:
    """The refusals known before the file is stored (the effect checks again under the
    write lock): a file nobody may add never reaches the blob store."""
    with request.app.state.db.connect() as conn:
        doc = visible_row(conn, user, doc_id)
        if att_id is not None:
            _attachment(conn, doc_id, att_id)
    (_check_signed if signed else _check_edit)(user, doc)


@router.get(
    "/documents/{doc_id}/attachments/{att_id}/versions/{n}/content",
    response_class=FileResponse,
    responses={
        200: {"content": {"application/octet-stream": {}}},
        **{c: {"model": Error} for c in (401, 404)},
    },
)
def get_content(doc_id: DocId, att_id: AttId, n: VersionN, user: Me, request: Request):
    """Tải nội dung một phiên bản của tệp đính kèm."""
    with request.app.state.db.connect() as conn:
        visible_row(conn, user, doc_id)
        att = _attachment(conn, doc_id, att_id)
        ver = conn.execute(
            "SELECT sha256 FROM versions WHERE attachment_id = ? AND n = ?", (att_id, n)
        ).fetchone()
    if ver is None:
        raise HTTPException(404, "Không tìm thấy phiên bản này.")
    media = mimetypes.guess_type(att["name"])[0] or "application/octet-stream"
    return FileResponse(
        request.app.state.blobs.path(ver["sha256"]),
        media_type=media,
        filename=att["name"],
        headers={"ETag": f'"{ver["sha256"]}"'},
    )


@router.post(
    "/documents/{doc_id}/attachments/{att_id}/versions",
    response_model=Document,
    responses=_ERRORS,
)
def post_version(
    doc_id: DocId,
    att_id: AttId,
    user: Me,
    request: Request,
    file: Annotated[UploadFile, File(description="Phiên bản mới.")],
    note: Annotated[MultiLine, Form(max_length=2000)] = "",
    signed: Annotated[bool, Form(description="Bản đã ký số: máy chủ kiểm tra.")] = False,
) -> Response:
    """Tải lên phiên bản mới; với ``signed=true`` máy chủ kiểm tra chữ ký (422 nếu sai)."""
    _may_upload(request, user, doc_id, att_id, signed=signed)
    blobs = request.app.state.blobs
    sha, size = blobs.put_stream(file.file)
    # Verify before taking the write lock (it can take a while on a big file); the
    # verdict is used only if the version it was checked against is still the latest.
    checked_against: str | None = None
    verdict: HTTPException | None = None
    context: tuple = ((), True)
    if signed:
        with request.app.state.db.connect() as conn:
            visible = conn.execute(
                "SELECT a.is_main FROM attachments a JOIN documents d ON d.id = a.doc_id"
                " JOIN doc_access x ON x.doc_id = d.id"
                " WHERE a.id = ? AND d.id = ? AND d.org_id = ? AND x.username = ?",
                (att_id, doc_id, user.org_id, user.username),
            ).fetchone()
            checked_against = _latest_sha(conn, att_id) if visible else None
            context = (tuple(trust_anchors(conn)), bool(visible and visible[0]))
        if visible:  # otherwise the effect answers 404 without looking at the file
            verdict = _verify(blobs, sha, checked_against, user.cert_der, context)

    def effect(conn: sqlite3.Connection) -> Result:
        doc = visible_row(conn, user, doc_id)
        att = _attachment(conn, doc_id, att_id)
        check_if_match(request, doc["version"])
        if signed:
            _check_signed(user, doc)
            latest = _latest_sha(conn, att_id)
            now = (tuple(trust_anchors(conn)), bool(att["is_main"]))
            result = verdict
            if latest != checked_against or now != context:
                result = _verify(blobs, sha, latest, user.cert_der, now)
            if result is not None:
                raise result
        else:
            _check_edit(user, doc)
            _check_unsigned_main(conn, doc, att)
        add_version_row(
            conn,
            att_id,
            sha256=sha,
            size=size,
            uploaded_by=user.username,
            signed=signed,
            note=note.strip(),
        )
        touch(conn, doc_id)
        return document_response(load_one(conn, doc_id, user))

    return idempotent_write(request, user, effect)


@router.post(
    "/documents/{doc_id}/attachments",
    status_code=201,
    response_model=Document,
    responses=_ERRORS,
)
def post_attachment(
    doc_id: DocId,
    user: Me,
    request: Request,
    file: Annotated[UploadFile, File(description="Tệp đính kèm mới.")],
    note: Annotated[MultiLine, Form(max_length=2000)] = "",
) -> Response:
    """Thêm tệp đính kèm (ví dụ phụ lục) vào văn bản."""
    name = safe_name(file.filename)
    _may_upload(request, user, doc_id, None, signed=False)
    sha, size = request.app.state.blobs.put_stream(file.file)

    def effect(conn: sqlite3.Connection) -> Result:
        doc = visible_row(conn, user, doc_id)
        check_if_match(request, doc["version"])
        _check_edit(user, doc)
        att_id = conn.execute(
            "INSERT INTO attachments (doc_id, name, is_main) VALUES (?, ?, 0)", (doc_id, name)
        ).lastrowid
        add_version_row(
            conn,
            att_id,
            sha256=sha,
            size=size,
            uploaded_by=user.username,
            signed=False,
            note=note.strip(),
        )
        touch(conn, doc_id)
        return document_response(load_one(conn, doc_id, user), 201)

    return idempotent_write(request, user, effect)


@router.patch(
    "/documents/{doc_id}/attachments/{att_id}",
    response_model=Document,
    responses=_ERRORS,
)
def patch_attachment(
    doc_id: DocId, att_id: AttId, body: RenameRequest, user: Me, request: Request
) -> Response:
    """Đổi tên tệp đính kèm (không được chứa “/”, “\\” hoặc “..”)."""
    name = safe_name(body.name)

    def effect(conn: sqlite3.Connection) -> Result:
        doc = visible_row(conn, user, doc_id)
        _attachment(conn, doc_id, att_id)
        check_if_match(request, doc["version"])
        _check_edit(user, doc)
        conn.execute("UPDATE attachments SET name = ? WHERE id = ?", (name, att_id))
        touch(conn, doc_id)
        return document_response(load_one(conn, doc_id, user))

    return idempotent_write(request, user, effect)
