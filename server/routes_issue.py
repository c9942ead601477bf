"""``POST /documents/{id}/issue``: the clerk's issuance, checked before it is recorded.

The uploaded PDFs are verified outside the write transaction (the leader's stored version
with the strict verdict and the organisation's trust anchors, then the issued main file and
appendices, :mod:`kyso.server.issued`); the transaction re-checks that nothing changed,
stores the versions and records the issuance in the book (:func:`mark_issued`).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Request, Response, UploadFile

from kyso.core.edxml import read_recipients
from kyso.core.workflow import Role, State
from kyso.server.access import load_one
from kyso.server.auth import CurrentUser
from kyso.server.db import add_version_row, now_iso
from kyso.server.issued import check_issued_appendix, check_issued_main, check_leader_version
from kyso.server.params import DocId, Me, error_responses
from kyso.server.registry import clerk_document, leader_signed_main, pending_entry
from kyso.server.registry_issue import BookDetails, mark_issued
from kyso.server.schemas import Document
from kyso.server.text_rules import Line, MultiLine
from kyso.server.trust import anchors as trust_anchors
from kyso.server.trust import org_certificate
from kyso.server.writes import Result, check_if_match, document_response, idempotent_write

__all__ = ["router"]

router = APIRouter(tags=["registry"])

_ERRORS = error_responses(400, 401, 403, 404, 409, 412, 413, 422)


@dataclass(frozen=True)
class _Plan:
    """What the checks were made against; re-checked inside the transaction."""

    entry_id: int
    so_ky_hieu: str
    day: dt.date
    main_id: int
    main_prev_sha: str
    appendix_prev: dict[int, str]
    leader_certs: tuple[bytes, ...]
    anchors: tuple[bytes, ...]
    org_cert: bytes | None


def _latest(conn: sqlite3.Connection, att_id: int) -> sqlite3.Row:
    return conn.execute(
        "SELECT * FROM versions WHERE attachment_id = ? ORDER BY n DESC LIMIT 1", (att_id,)
    ).fetchone()


def _plan(
    conn: sqlite3.Connection,
    user: CurrentUser,
    doc_id: int,
    so_ky_hieu: str,
    appendix_ids: list[int],
    only_number: bool,
    blobs,
) -> _Plan:
    clerk_document(conn, user, doc_id, states=(State.CHO_VAN_THU,))
    entry = pending_entry(conn, doc_id)
    if entry is None:
        raise HTTPException(409, "Văn bản chưa được cấp số: hãy lấy số trước khi phát hành.")
    if so_ky_hieu.strip() != entry["so_ky_hieu"]:
        raise HTTPException(
            422,
            f"Bản phát hành không được chấp nhận: số gửi lên “{so_ky_hieu}” khác số đã cấp "
            f"“{entry['so_ky_hieu']}”.",
        )
    atts = conn.execute(
        "SELECT * FROM attachments WHERE doc_id = ? ORDER BY id", (doc_id,)
    ).fetchall()
    main = next((a for a in atts if a["is_main"]), None)
    if main is None:
        raise HTTPException(409, "Văn bản không có tệp chính.")
    if len(set(appendix_ids)) != len(appendix_ids):
        raise HTTPException(400, "Một phụ lục được gửi hai lần.")
    others = {a["id"]: a for a in atts if not a["is_main"]}
    for att_id in appendix_ids:
        if att_id not in others:
            raise HTTPException(400, f"Tệp đính kèm {att_id} không phải phụ lục của văn bản.")
    prev: dict[int, str] = {}
    for att_id, att in others.items():
        latest = _latest(conn, att_id)
        if att_id in appendix_ids:
            prev[att_id] = latest["sha256"]
        elif not only_number and blobs.read(latest["sha256"]).startswith(b"%PDF-"):
            raise HTTPException(
                422,
                f"Bản phát hành không được chấp nhận: thiếu bản ký số của cơ quan cho phụ lục "
                f"“{att['name']}”.",
            )
    if only_number and appendix_ids:
        raise HTTPException(422, "Chế độ chỉ điền số, ngày không ký phụ lục.")
    leader_certs = tuple(
        bytes(r[0])
        for r in conn.execute(
            "SELECT cert_der FROM users WHERE org_id = ? AND role = ? AND cert_der IS NOT NULL",
            (user.org_id, Role.LANH_DAO_SO.value),
        )
    )
    return _Plan(
        entry["id"],
        entry["so_ky_hieu"],
        dt.date.fromisoformat(entry["ngay"]),
        main["id"],
        leader_signed_main(conn, doc_id)["sha256"],
        prev,
        leader_certs,
        tuple(trust_anchors(conn)),
        org_certificate(conn, user.org_ky_hieu) or user.cert_der,
    )


@router.post("/documents/{doc_id}/issue", response_model=Document, responses=_ERRORS)
def post_issue(
    doc_id: DocId,
    user: Me,
    request: Request,
    main: Annotated[UploadFile, File(description="Tệp chính đã điền số, ngày và ký số cơ quan.")],
    so_ky_hieu: Annotated[Line, Form(min_length=1, max_length=100)],
    only_number: Annotated[bool, Form(description="Chỉ điền số KH, ngày tháng năm.")] = False,
    appendix: Annotated[list[UploadFile] | None, File(description="Phụ lục đã ký số.")] = None,
    appendix_id: Annotated[list[int] | None, Form(description="Mã tệp của từng phụ lục.")] = None,
    noi_nhan: Annotated[MultiLine, Form(max_length=4000)] = "",
    noi_luu: Annotated[MultiLine, Form(max_length=1000)] = "",
    so_luong_ban: Annotated[int | None, Form(ge=1, le=100000)] = None,
    ky_nhan: Annotated[Line, Form(max_length=1000)] = "",
    note: Annotated[MultiLine, Form(max_length=2000)] = "",
) -> Response:
    """Phát hành: máy chủ kiểm tra tệp chính (chữ ký lãnh đạo còn nguyên, số và ngày đúng
    số đã cấp, chữ ký cơ quan) và các phụ lục, rồi lưu phiên bản mới, ghi số vào văn bản,
    chuyển sang ``da_ban_hanh`` và ghi sổ đăng ký — trong một giao dịch. Sai: 422 kèm lý do
    (số vẫn được giữ để thử lại hoặc huỷ)."""
    appendices = appendix or []
    appendix_ids = appendix_id or []
    if len(appendices) != len(appendix_ids):
        raise HTTPException(400, "Số tệp phụ lục và số mã phụ lục (appendix_id) không khớp.")
    db = request.app.state.db
    blobs = request.app.state.blobs
    main_sha, main_size = blobs.put_stream(main.file)
    uploaded = [
        (att_id, *blobs.put_stream(f.file))
        for att_id, f in zip(appendix_ids, appendices, strict=True)
    ]
    problem: HTTPException | None = None
    plan: _Plan | None = None
    recipients = None
    try:
        with db.connect() as conn:
            plan = _plan(conn, user, doc_id, so_ky_hieu, appendix_ids, only_number, blobs)
            names = {
                r["id"]: r["name"]
                for r in conn.execute(
                    "SELECT id, name FROM attachments WHERE doc_id = ?", (doc_id,)
                )
            }
        main_data = blobs.read(main_sha)
        previous = blobs.read(plan.main_prev_sha)
        anchors = list(plan.anchors)
        check_leader_version(previous, anchors=anchors, leader_certs=list(plan.leader_certs))
        check_issued_main(
            main_data,
            previous=previous,
            so_ky_hieu=plan.so_ky_hieu,
            day=plan.day,
            only_number=only_number,
            cert_der=plan.org_cert,
            anchors=anchors,
        )
        for att_id, sha, _size in uploaded:
            check_issued_appendix(
                blobs.read(sha),
                previous=blobs.read(plan.appendix_prev[att_id]),
                name=names.get(att_id, str(att_id)),
                cert_der=plan.org_cert,
                anchors=anchors,
                so_ky_hieu=plan.so_ky_hieu,
            )
        recipients = read_recipients(main_data)
    except HTTPException as exc:
        problem = exc

    def effect(conn: sqlite3.Connection) -> Result:
        if problem is not None:
            raise problem
        assert plan is not None and recipients is not None
        doc = clerk_document(conn, user, doc_id, states=(State.CHO_VAN_THU,))
        check_if_match(request, doc["version"])
        entry = pending_entry(conn, doc_id)
        changed = entry is None or entry["id"] != plan.entry_id
        changed = changed or _latest(conn, plan.main_id)["sha256"] != plan.main_prev_sha
        for att_id, sha in plan.appendix_prev.items():
            changed = changed or _latest(conn, att_id)["sha256"] != sha
        if changed:
            raise HTTPException(409, "Văn bản hoặc số đã cấp vừa thay đổi; hãy tải lại và thử lại.")
        at = now_iso()
        label = f"Bản phát hành {plan.so_ky_hieu}"
        add_version_row(
            conn,
            plan.main_id,
            sha256=main_sha,
            size=main_size,
            uploaded_by=user.username,
            signed=True,
            note=label if not only_number else f"{label} (chỉ điền số, ngày)",
        )
        for att_id, sha, size in uploaded:
            add_version_row(
                conn,
                att_id,
                sha256=sha,
                size=size,
                uploaded_by=user.username,
                signed=True,
                note=f"Phụ lục của văn bản {plan.so_ky_hieu}, ký số cơ quan",
            )
        flow_note = f"Cấp số {plan.so_ky_hieu}, ngày {plan.day.strftime('%d/%m/%Y')}."
        if note.strip():
            flow_note += " " + note.strip()
            conn.execute(
                "INSERT INTO opinions (doc_id, author, text, at) VALUES (?, ?, ?, ?)",
                (doc_id, user.username, note.strip(), at),
            )
        copies = so_luong_ban or max(1, len(recipients.noi_nhan) + (1 if recipients.noi_luu else 0))
        details = BookDetails(
            noi_nhan=noi_nhan.strip() or "; ".join(recipients.noi_nhan),
            noi_luu=noi_luu.strip() or recipients.noi_luu,
            so_luong_ban=copies,
            ky_nhan=ky_nhan.strip(),
            ghi_chu=note.strip(),
            only_number=only_number,
        )
        mark_issued(conn, user, doc_id, entry, at=at, flow_note=flow_note, details=details)
        return document_response(load_one(conn, doc_id, user))

    return idempotent_write(request, user, effect)
