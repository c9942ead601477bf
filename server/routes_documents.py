"""Documents: list, read, create, transitions, opinions and marks."""

from __future__ import annotations

import sqlite3
from typing import Annotated, Literal

from fastapi import (
    APIRouter,
    File,
    Form,
    HTTPException,
    Query,
    Request,
    Response,
    UploadFile,
)

from kyso.core.workflow import (
    DOCUMENT_TYPES,
    FINAL_STATES,
    Role,
    State,
)
from kyso.server.access import grant, load_one, visible_row
from kyso.server.db import add_version_row, load_documents, now_iso, touch
from kyso.server.params import DocId, Me, error_responses
from kyso.server.schemas import (
    Document,
    Error,
    MarkRequest,
    OpinionRequest,
    TransitionRequest,
)
from kyso.server.text_rules import Line
from kyso.server.transitions import apply_transition
from kyso.server.uploads import safe_name
from kyso.server.writes import (
    Result,
    check_if_match,
    document_response,
    idempotent_write,
    json_response,
)

__all__ = ["router"]

router = APIRouter(tags=["documents"])

_ERRORS = error_responses(400, 401, 403, 404, 409, 412, 422)


def _check_main_pdf(blobs, sha: str, size: int) -> None:
    """422 for an empty or non-PDF main file (it is what the leader signs)."""
    if size == 0:
        raise HTTPException(422, "Tệp chính rỗng: hãy gửi tệp PDF của dự thảo.")
    with open(blobs.path(sha), "rb") as handle:
        head = handle.read(1024)
    if b"%PDF-" not in head:
        raise HTTPException(422, "Tệp chính phải là tệp PDF (lãnh đạo ký số trên tệp PDF).")


@router.get("/documents", response_model=list[Document], responses=_ERRORS)
def list_documents(
    user: Me,
    request: Request,
    scope: Annotated[Literal["inbox", "all"], Query()] = "inbox",
) -> Response:
    """Văn bản của tôi: ``inbox`` (tôi đang xử lý) hoặc ``all`` (mọi văn bản tôi xem được)."""
    sql = (
        "SELECT d.id FROM documents d JOIN doc_access a ON a.doc_id = d.id"
        " WHERE a.username = ? AND d.org_id = ?"
    )
    params: list[object] = [user.username, user.org_id]
    if scope == "inbox":
        sql += " AND d.holder = ? AND d.state NOT IN ('ket_thuc')"
        params.append(user.username)
    sql += " ORDER BY d.updated_at DESC, d.id DESC"
    with request.app.state.db.connect() as conn:
        ids = [r[0] for r in conn.execute(sql, params)]
        docs = load_documents(conn, ids, user.username)
    return json_response(200, [docs[i] for i in ids])


@router.get("/documents/{doc_id}", response_model=Document, responses=_ERRORS)
def get_document(doc_id: DocId, user: Me, request: Request) -> Response:
    """Một văn bản (tiêu đề ETag là phiên bản của nó)."""
    with request.app.state.db.connect() as conn:
        visible_row(conn, user, doc_id)
        doc = load_one(conn, doc_id, user)
    return json_response(200, doc, f'"{doc["version"]}"')


@router.post(
    "/documents",
    status_code=201,
    response_model=Document,
    responses=_ERRORS | {413: {"model": Error}},
)
def create_document(
    user: Me,
    request: Request,
    file: Annotated[UploadFile, File(description="Tệp chính (dự thảo).")],
    trich_yeu: Annotated[Line, Form(min_length=1, max_length=2000)],
    loai_ky_hieu: Annotated[Line, Form(max_length=10)],
    don_vi_soan_thao: Annotated[Line, Form(max_length=200)] = "",
) -> Response:
    """Chuyên viên tạo dự thảo mới với tệp chính."""
    if user.role != Role.CHUYEN_VIEN:
        raise HTTPException(403, "Chỉ chuyên viên được tạo dự thảo.")
    doc_type = DOCUMENT_TYPES.get(loai_ky_hieu)
    if doc_type is None:
        known = ", ".join(DOCUMENT_TYPES)
        raise HTTPException(400, f"Loại văn bản không hợp lệ (dùng một trong: {known}).")
    trich_yeu = trich_yeu.strip()
    if not trich_yeu:
        raise HTTPException(400, "Thiếu trích yếu.")
    name = safe_name(file.filename)
    sha, size = request.app.state.blobs.put_stream(file.file)
    _check_main_pdf(request.app.state.blobs, sha, size)
    unit = don_vi_soan_thao.strip() or user.unit or "Văn phòng Sở"

    def effect(conn: sqlite3.Connection) -> Result:
        now = now_iso()
        doc_id = conn.execute(
            "INSERT INTO documents (org_id, trich_yeu, loai, loai_ky_hieu, don_vi_soan_thao,"
            " nguoi_soan, holder, state, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                user.org_id,
                trich_yeu,
                doc_type.name,
                doc_type.ky_hieu,
                unit,
                user.username,
                user.username,
                State.DU_THAO.value,
                now,
                now,
            ),
        ).lastrowid
        att_id = conn.execute(
            "INSERT INTO attachments (doc_id, name, is_main) VALUES (?, ?, 1)", (doc_id, name)
        ).lastrowid
        add_version_row(
            conn, att_id, sha256=sha, size=size, uploaded_by=user.username, signed=False, note=""
        )
        grant(conn, doc_id, user.username)
        touch(conn, doc_id, bump_version=False)
        return document_response(load_one(conn, doc_id, user), 201)

    return idempotent_write(request, user, effect)


@router.post("/documents/{doc_id}/transitions", response_model=Document, responses=_ERRORS)
def post_transition(doc_id: DocId, body: TransitionRequest, user: Me, request: Request) -> Response:
    """Chuyển văn bản (trình, chuyển văn thư, trả lại, ban hành, luân chuyển, kết thúc)."""

    def effect(conn: sqlite3.Connection) -> Result:
        version = visible_row(conn, user, doc_id)["version"]
        check_if_match(request, version)
        apply_transition(
            conn, user, doc_id, body.action, to_user=body.to, note=body.note, so=body.so
        )
        return document_response(load_one(conn, doc_id, user))

    return idempotent_write(request, user, effect)


@router.post("/documents/{doc_id}/opinions", response_model=Document, responses=_ERRORS)
def post_opinion(doc_id: DocId, body: OpinionRequest, user: Me, request: Request) -> Response:
    """Thêm ý kiến xử lý."""
    text = body.text.strip()
    if not text:
        raise HTTPException(400, "Ý kiến trống.")

    def effect(conn: sqlite3.Connection) -> Result:
        doc = visible_row(conn, user, doc_id)
        check_if_match(request, doc["version"])
        if State(doc["state"]) in FINAL_STATES:
            raise HTTPException(409, "Văn bản đã kết thúc, không thêm ý kiến được.")
        conn.execute(
            "INSERT INTO opinions (doc_id, author, text, at) VALUES (?, ?, ?, ?)",
            (doc_id, user.username, text, now_iso()),
        )
        touch(conn, doc_id)
        return document_response(load_one(conn, doc_id, user))

    return idempotent_write(request, user, effect)


@router.put("/documents/{doc_id}/mark", response_model=Document, responses=_ERRORS)
def put_mark(doc_id: DocId, body: MarkRequest, user: Me, request: Request) -> Response:
    """Đánh dấu / bỏ đánh dấu (riêng cho từng người; không đổi phiên bản văn bản)."""

    def effect(conn: sqlite3.Connection) -> Result:
        visible_row(conn, user, doc_id)
        if body.marked:
            conn.execute(
                "INSERT OR IGNORE INTO marks (username, doc_id) VALUES (?, ?)",
                (user.username, doc_id),
            )
        else:
            conn.execute(
                "DELETE FROM marks WHERE username = ? AND doc_id = ?", (user.username, doc_id)
            )
        touch(conn, doc_id, bump_version=False)
        return document_response(load_one(conn, doc_id, user))

    return idempotent_write(request, user, effect)
