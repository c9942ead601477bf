"""The clerk's electronic copies: copy numbers, the copy upload and the copies book.

See docs/api.md ("Electronic copies"). ``POST /documents/{id}/copies/number`` holds the
next number of the copies book (:mod:`kyso.server.copies`); the clerk's kyso writes it on
the copy and signs; ``POST /documents/{id}/copies`` checks the copy
(:mod:`kyso.server.copy_check`) outside the write transaction, then in one transaction
stores it as a new document of type "Bản sao" related to the original both ways, and
marks the number issued. A refused copy leaves the number held (retry or cancel).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Request, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from kyso.core.workflow import State
from kyso.server.access import grant, load_one
from kyso.server.copies import (
    COPY_FORMS,
    allocate_copy,
    cancel_copy,
    copies_book,
    copy_entry_json,
    pending_copy,
    source_document,
)
from kyso.server.copy_check import check_copy
from kyso.server.db import add_version_row, now_iso, touch
from kyso.server.params import BOOK_READERS, DocId, Me, Year, error_responses
from kyso.server.schemas import Document
from kyso.server.text_rules import Line, MultiLine
from kyso.server.trust import anchors as trust_anchors
from kyso.server.trust import org_certificate
from kyso.server.writes import Result, document_response, idempotent_write, json_response

__all__ = ["router"]

router = APIRouter(tags=["copies"])

_ERRORS = error_responses(400, 401, 403, 404, 409, 412, 413, 422)


class CopyEntry(BaseModel):
    """One number of the copies book (sổ đăng ký bản sao)."""

    id: int
    year: int
    so: int
    form: str = Field(description="sao-y | sao-luc | trich-sao")
    ky_hieu: str = Field(description="SY-STTTT, SL-STTTT, TS-STTTT")
    so_ky_hieu: str = Field(description="01/SY-STTTT: một dãy số chung cho mọi hình thức sao.")
    source_doc_id: int
    pages: str
    copy_doc_id: int | None
    status: str = Field(description="pending | issued | cancelled")
    ngay: str
    allocated_by: str
    allocated_at: str
    issued_by: str | None
    issued_at: str | None
    cancelled_by: str | None
    cancelled_at: str | None
    cancel_reason: str | None


class CopiesBook(BaseModel):
    org: dict
    year: int
    entries: list[CopyEntry]


class CopyNumberRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    form: str = Field(description="sao-y | sao-luc | trich-sao")
    pages: Line = Field(default="", max_length=200, description="Trang trích sao, vd. 1-3,5.")


class CopyCancelRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    so_ky_hieu: Line = Field(min_length=1, max_length=100)
    reason: MultiLine = Field(min_length=1, max_length=2000)


@router.post(
    "/documents/{doc_id}/copies/number",
    response_model=CopyEntry,
    status_code=201,
    responses=_ERRORS | {200: {"model": CopyEntry, "description": "Số đang giữ"}},
)
def post_copy_number(
    doc_id: DocId, body: CopyNumberRequest, user: Me, request: Request
) -> Response:
    """Văn thư lấy số bản sao tiếp theo trong sổ bản sao cho văn bản đã ban hành (201),
    hoặc nhận lại số mình đang giữ cho cùng văn bản và hình thức sao (200)."""

    def effect(conn: sqlite3.Connection) -> Result:
        row, created = allocate_copy(conn, user, doc_id, body.form, body.pages)
        return (201 if created else 200), copy_entry_json(row), None

    return idempotent_write(request, user, effect)


@router.post(
    "/documents/{doc_id}/copies/number/cancel", response_model=CopyEntry, responses=_ERRORS
)
def post_copy_cancel(
    doc_id: DocId, body: CopyCancelRequest, user: Me, request: Request
) -> Response:
    """Huỷ số bản sao đang giữ (ghi bị huỷ kèm lý do); số đó không bao giờ được cấp lại."""

    def effect(conn: sqlite3.Connection) -> Result:
        row = cancel_copy(conn, user, doc_id, body.so_ky_hieu, body.reason)
        return 200, copy_entry_json(row), None

    return idempotent_write(request, user, effect)


@dataclass(frozen=True)
class _Plan:
    entry_id: int
    form: str
    source_sha: str
    main_name: str
    anchors: tuple[bytes, ...]
    org_cert: bytes | None


def _source_main(conn: sqlite3.Connection, doc_id: int) -> tuple[str, str]:
    """(sha256 of the newest version, name) of the document's main file."""
    row = conn.execute(
        "SELECT v.sha256, a.name FROM attachments a JOIN versions v ON v.attachment_id = a.id"
        " WHERE a.doc_id = ? AND a.is_main = 1 ORDER BY v.n DESC LIMIT 1",
        (doc_id,),
    ).fetchone()
    if row is None:
        raise HTTPException(409, "Văn bản không có tệp chính.")
    return row[0], row[1]


@router.post(
    "/documents/{doc_id}/copies", status_code=201, response_model=Document, responses=_ERRORS
)
def post_copy(
    doc_id: DocId,
    user: Me,
    request: Request,
    file: Annotated[UploadFile, File(description="Bản sao đã ký số cơ quan.")],
    so_ky_hieu: Annotated[Line, Form(min_length=1, max_length=100)],
) -> Response:
    """Gửi bản sao điện tử: máy chủ kiểm tra (chữ ký cơ quan, phán quyết chặt, hiển thị
    số bản sao và hình thức sao trong trang 1), rồi lưu thành văn bản mới loại "Bản sao"
    liên quan đến văn bản gốc, và ghi số vào sổ bản sao — trong một giao dịch. Sai: 422
    (số vẫn được giữ để thử lại hoặc huỷ)."""
    db = request.app.state.db
    blobs = request.app.state.blobs
    sha, size = blobs.put_stream(file.file)
    problem: HTTPException | None = None
    plan: _Plan | None = None
    try:
        with db.connect() as conn:
            source_document(conn, user, doc_id)
            entry = pending_copy(conn, user, doc_id, so_ky_hieu)
            source_sha, main_name = _source_main(conn, doc_id)
            plan = _Plan(
                entry["id"],
                entry["form"],
                source_sha,
                main_name,
                tuple(trust_anchors(conn)),
                org_certificate(conn, user.org_ky_hieu) or user.cert_der,
            )
        check_copy(
            blobs.read(sha),
            original=blobs.read(plan.source_sha),
            form=plan.form,
            label=COPY_FORMS[plan.form][1],
            so_ky_hieu=entry["so_ky_hieu"],
            cert_der=plan.org_cert,
            anchors=list(plan.anchors),
        )
    except HTTPException as exc:
        problem = exc

    def effect(conn: sqlite3.Connection) -> Result:
        if problem is not None:
            raise problem
        assert plan is not None
        source = source_document(conn, user, doc_id)
        row = pending_copy(conn, user, doc_id, so_ky_hieu)
        if row["id"] != plan.entry_id or _source_main(conn, doc_id)[0] != plan.source_sha:
            raise HTTPException(409, "Văn bản hoặc số bản sao vừa thay đổi; hãy thử lại.")
        at = now_iso()
        ky_hieu, label = COPY_FORMS[plan.form]
        trich_yeu = f"{label.capitalize()} văn bản {source['so_ky_hieu']}: {source['trich_yeu']}"
        copy_id = conn.execute(
            "INSERT INTO documents (org_id, trich_yeu, loai, loai_ky_hieu, don_vi_soan_thao,"
            " nguoi_soan, holder, state, ky_hieu, so_ky_hieu, ngay_ban_hanh, created_at,"
            " updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                user.org_id,
                trich_yeu[:2000],
                "Bản sao",
                ky_hieu,
                user.unit or "Văn thư",
                user.username,
                user.username,
                State.DA_BAN_HANH.value,
                row["ky_hieu"],
                row["so_ky_hieu"],
                row["ngay"],
                at,
                at,
            ),
        ).lastrowid
        name = f"ban-sao-{row['so_ky_hieu'].replace('/', '-')}-{plan.main_name}"
        att_id = conn.execute(
            "INSERT INTO attachments (doc_id, name, is_main) VALUES (?, ?, 1)", (copy_id, name)
        ).lastrowid
        note = f"{label.capitalize()} {row['so_ky_hieu']}, ký số cơ quan"
        add_version_row(
            conn, att_id, sha256=sha, size=size, uploaded_by=user.username, signed=True, note=note
        )
        conn.executemany(
            "INSERT OR IGNORE INTO related (doc_id, related_id) VALUES (?, ?)",
            [(copy_id, doc_id), (doc_id, copy_id)],
        )
        readers = [
            r[0]
            for r in conn.execute("SELECT username FROM doc_access WHERE doc_id = ?", (doc_id,))
        ]
        grant(conn, copy_id, user.username, *readers)
        conn.execute(
            "INSERT INTO flow (doc_id, from_user, to_user, action, note, at)"
            " VALUES (?, ?, ?, 'ban_hanh', ?, ?)",
            (
                copy_id,
                user.username,
                user.username,
                f"{note} của văn bản {source['so_ky_hieu']}"
                + (f" (trang {row['pages']})" if row["pages"] else "")
                + ".",
                at,
            ),
        )
        conn.execute(
            "UPDATE copies SET status = 'issued', copy_doc_id = ?, issued_by = ?, issued_at = ?"
            " WHERE id = ?",
            (copy_id, user.username, at, row["id"]),
        )
        touch(conn, copy_id, bump_version=False, at=at)
        touch(conn, doc_id, at=at)  # the original lists the copy among its related
        return document_response(load_one(conn, copy_id, user), 201)

    return idempotent_write(request, user, effect)


@router.get("/copies/{year}", response_model=CopiesBook, responses=_ERRORS)
def get_copies_book(year: Year, user: Me, request: Request) -> Response:
    """Sổ đăng ký bản sao của cơ quan trong năm, theo thứ tự số."""
    if user.role not in BOOK_READERS:
        raise HTTPException(403, "Chỉ văn thư và lãnh đạo được xem sổ bản sao.")
    with request.app.state.db.connect() as conn:
        entries = copies_book(conn, user.org_id, year)
    org = {"id": user.org_id, "name": user.org_name, "ky_hieu": user.org_ky_hieu}
    return json_response(200, {"org": org, "year": year, "entries": entries})
