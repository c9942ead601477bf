"""The clerk's endpoints: number allocation, cancellation, issuance, the registry book.

See docs/api.md ("Issuance and the registry book"). Allocation and cancellation are
one ``BEGIN IMMEDIATE`` transaction each; an issuance verifies the uploaded PDFs first
(outside the transaction), then stores the versions, numbers the document, moves it to
``da_ban_hanh`` with a flow entry and fills the book row in one transaction.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from typing import Annotated

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
from pydantic import BaseModel, ConfigDict, Field

from kyso.core.edxml import read_recipients
from kyso.core.workflow import Role, State
from kyso.server.access import load_one, visible_row
from kyso.server.auth import CurrentUser
from kyso.server.db import add_version_row, now_iso, touch
from kyso.server.issued import check_issued_appendix, check_issued_main
from kyso.server.params import DocId, Me, Year, error_responses
from kyso.server.registry import (
    allocate_number,
    book_entries,
    cancel_number,
    clerk_document,
    entry_json,
    has_outside_issuances,
    next_number,
    pending_entry,
    register_outside_issuances,
    today,
)
from kyso.server.registry_book import book_csv, book_pdf
from kyso.server.schemas import Document
from kyso.server.text_rules import Line, MultiLine
from kyso.server.writes import (
    Result,
    check_if_match,
    document_response,
    idempotent_write,
    json_response,
)

__all__ = ["router"]

router = APIRouter(tags=["registry"])

_ERRORS = error_responses(400, 401, 403, 404, 409, 412, 413, 422)
_READERS = (Role.VAN_THU, Role.LANH_DAO_SO, Role.LANH_DAO_VAN_PHONG)


class RegistryEntry(BaseModel):
    """One number of the book (sổ đăng ký văn bản đi)."""

    id: int
    doc_id: int
    year: int
    so: int
    ky_hieu: str
    so_ky_hieu: str
    ngay: str = Field(description="Ngày ban hành (YYYY-MM-DD).")
    status: str = Field(description="pending | issued | cancelled")
    ten_loai_trich_yeu: str
    nguoi_ky: str
    noi_nhan: str
    noi_luu: str
    so_luong_ban: int | None
    ngay_chuyen: str | None
    ky_nhan: str
    ghi_chu: str
    only_number: bool
    allocated_by: str
    allocated_at: str
    issued_by: str | None
    issued_at: str | None
    cancelled_by: str | None
    cancelled_at: str | None
    cancel_reason: str | None


class NumberPreview(BaseModel):
    year: int
    so: int
    so_ky_hieu: str


class NumberInfo(BaseModel):
    pending: RegistryEntry | None
    preview: NumberPreview | None = Field(
        description="Số sẽ được cấp nếu cấp ngay bây giờ (chưa giữ chỗ); null khi đã có số."
    )
    entries: list[RegistryEntry] = Field(description="Mọi số đã cấp cho văn bản này.")


class Book(BaseModel):
    org: dict
    year: int
    entries: list[RegistryEntry]


class AllocateRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    date: dt.date | None = Field(default=None, description="Ngày ban hành; mặc định hôm nay.")


class CancelRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    reason: str = Field(min_length=1, max_length=2000)


# ------------------------------------------------------------------ numbers


@router.get("/documents/{doc_id}/number", response_model=NumberInfo, responses=_ERRORS)
def get_number(doc_id: DocId, user: Me, request: Request) -> Response:
    """Số của văn bản: số đang giữ (nếu có), số sẽ cấp, và các số đã cấp trước đây."""
    from kyso.core.workflow import format_so_ky_hieu

    with request.app.state.db.connect() as conn:
        doc = visible_row(conn, user, doc_id)
        rows = conn.execute(
            "SELECT * FROM registry WHERE doc_id = ? ORDER BY id", (doc_id,)
        ).fetchall()
        pending = pending_entry(conn, doc_id)
        preview = None
        if pending is None and doc["state"] == State.CHO_VAN_THU.value:
            year = today().year
            so = next_number(conn, user.org_id, year)
            so_ky_hieu = format_so_ky_hieu(so, doc["loai_ky_hieu"], user.org_ky_hieu)[1]
            preview = {"year": year, "so": so, "so_ky_hieu": so_ky_hieu}
    body = {
        "pending": entry_json(pending) if pending is not None else None,
        "preview": preview,
        "entries": [entry_json(r) for r in rows],
    }
    return json_response(200, body)


@router.post(
    "/documents/{doc_id}/number",
    response_model=RegistryEntry,
    status_code=201,
    responses=_ERRORS | {200: {"model": RegistryEntry, "description": "Số đang giữ"}},
)
def post_number(
    doc_id: DocId, user: Me, request: Request, body: AllocateRequest | None = None
) -> Response:
    """Văn thư lấy số tiếp theo trong sổ cho văn bản đã được lãnh đạo ký (201), hoặc nhận
    lại số đang giữ cho văn bản này (200)."""
    day = body.date if body is not None else None

    def effect(conn: sqlite3.Connection) -> Result:
        row, created = allocate_number(conn, user, doc_id, day)
        return (201 if created else 200), entry_json(row), None

    return idempotent_write(request, user, effect)


@router.post("/documents/{doc_id}/number/cancel", response_model=RegistryEntry, responses=_ERRORS)
def post_cancel(doc_id: DocId, body: CancelRequest, user: Me, request: Request) -> Response:
    """Huỷ số đang giữ (ghi vào sổ là bị huỷ, kèm lý do); số đó không bao giờ được cấp lại."""

    def effect(conn: sqlite3.Connection) -> Result:
        return 200, entry_json(cancel_number(conn, user, doc_id, body.reason)), None

    return idempotent_write(request, user, effect)


# ------------------------------------------------------------------ issuance


@dataclass(frozen=True)
class _Plan:
    """What the checks were made against; re-checked inside the transaction."""

    entry_id: int
    so_ky_hieu: str
    day: dt.date
    main_id: int
    main_prev_sha: str
    appendix_prev: dict[int, str]


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
    return _Plan(
        entry["id"],
        entry["so_ky_hieu"],
        dt.date.fromisoformat(entry["ngay"]),
        main["id"],
        _latest(conn, main["id"])["sha256"],
        prev,
    )


def _leader_name(conn: sqlite3.Connection, main_id: int) -> str:
    row = conn.execute(
        "SELECT u.full_name FROM versions v JOIN users u ON u.username = v.uploaded_by"
        " WHERE v.attachment_id = ? AND v.signed = 1 AND u.role = ? ORDER BY v.n DESC LIMIT 1",
        (main_id, Role.LANH_DAO_SO.value),
    ).fetchone()
    return row[0] if row else ""


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
        check_issued_main(
            main_data,
            previous=blobs.read(plan.main_prev_sha),
            so_ky_hieu=plan.so_ky_hieu,
            day=plan.day,
            only_number=only_number,
            cert_der=user.cert_der,
        )
        for att_id, sha, _size in uploaded:
            check_issued_appendix(
                blobs.read(sha),
                previous=blobs.read(plan.appendix_prev[att_id]),
                name=names.get(att_id, str(att_id)),
                cert_der=user.cert_der,
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
        nguoi_ky = _leader_name(conn, plan.main_id)
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
        try:
            conn.execute(
                "UPDATE documents SET state = ?, nam = ?, so = ?, ky_hieu = ?, so_ky_hieu = ?,"
                " ngay_ban_hanh = ? WHERE id = ?",
                (
                    State.DA_BAN_HANH.value,
                    entry["nam"],
                    entry["so"],
                    entry["ky_hieu"],
                    entry["so_ky_hieu"],
                    entry["ngay"],
                    doc_id,
                ),
            )
        except sqlite3.IntegrityError:
            raise HTTPException(
                409, f"Số {entry['so']:02d} năm {entry['nam']} đã được dùng cho văn bản khác."
            ) from None
        flow_note = f"Cấp số {plan.so_ky_hieu}, ngày {plan.day.strftime('%d/%m/%Y')}."
        if note.strip():
            flow_note += " " + note.strip()
            conn.execute(
                "INSERT INTO opinions (doc_id, author, text, at) VALUES (?, ?, ?, ?)",
                (doc_id, user.username, note.strip(), at),
            )
        conn.execute(
            "INSERT INTO flow (doc_id, from_user, to_user, action, note, at)"
            " VALUES (?, ?, ?, 'ban_hanh', ?, ?)",
            (doc_id, user.username, user.username, flow_note, at),
        )
        listed = noi_nhan.strip() or "; ".join(recipients.noi_nhan)
        copies = so_luong_ban or max(1, len(recipients.noi_nhan) + (1 if recipients.noi_luu else 0))
        conn.execute(
            "UPDATE registry SET status = 'issued', nguoi_ky = ?, noi_nhan = ?, noi_luu = ?,"
            " so_luong_ban = ?, ngay_chuyen = ?, ky_nhan = ?, ghi_chu = ?, only_number = ?,"
            " issued_by = ?, issued_at = ? WHERE id = ?",
            (
                nguoi_ky,
                listed,
                noi_luu.strip() or recipients.noi_luu,
                copies,
                at,
                ky_nhan.strip(),
                note.strip(),
                int(only_number),
                user.username,
                at,
                entry["id"],
            ),
        )
        touch(conn, doc_id, at=at)
        return document_response(load_one(conn, doc_id, user))

    return idempotent_write(request, user, effect)


# ------------------------------------------------------------------ the book


def _book(request: Request, user: CurrentUser, year: int, include_pending: bool) -> list[dict]:
    if user.role not in _READERS:
        raise HTTPException(403, "Chỉ văn thư và lãnh đạo được xem sổ đăng ký văn bản đi.")
    db = request.app.state.db
    with db.connect() as conn:
        missing = has_outside_issuances(conn, user.org_id, year)
    if missing:
        with db.write() as conn:
            register_outside_issuances(conn, user.org_id, year)
    with db.connect() as conn:
        return book_entries(conn, user.org_id, year, include_pending=include_pending)


IncludePending = Annotated[bool, Query(description="Kèm các số đang giữ (chưa phát hành).")]


@router.get("/registry/{year}", response_model=Book, responses=_ERRORS)
def get_book(year: Year, user: Me, request: Request, pending: IncludePending = True) -> Response:
    """Sổ đăng ký văn bản đi của cơ quan trong năm (JSON), theo thứ tự số."""
    entries = _book(request, user, year, pending)
    org = {"id": user.org_id, "name": user.org_name, "ky_hieu": user.org_ky_hieu}
    return json_response(200, {"org": org, "year": year, "entries": entries})


@router.get(
    "/registry/{year}/book.csv",
    responses={200: {"content": {"text/csv": {}}}, **_ERRORS},
    response_class=Response,
)
def get_book_csv(year: Year, user: Me, request: Request, pending: IncludePending = True):
    """Sổ đăng ký văn bản đi dạng CSV (UTF-8, 10 cột theo Nghị định 30)."""
    data = book_csv(_book(request, user, year, pending))
    name = f"so-dang-ky-van-ban-di-{user.org_ky_hieu}-{year}.csv"
    return Response(
        data,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/registry/{year}/book.pdf",
    responses={200: {"content": {"application/pdf": {}}}, **_ERRORS},
    response_class=Response,
)
def get_book_pdf(year: Year, user: Me, request: Request, pending: IncludePending = True):
    """Sổ đăng ký văn bản đi để in (PDF A4 ngang, 10 cột)."""
    data = book_pdf(_book(request, user, year, pending), org_name=user.org_name, year=year)
    name = f"so-dang-ky-van-ban-di-{user.org_ky_hieu}-{year}.pdf"
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
