"""The clerk's endpoints: number allocation, cancellation and the registry book.

See docs/api.md ("Issuance and the registry book"). Allocation and cancellation are
one ``BEGIN IMMEDIATE`` transaction each. The issuance itself is in
:mod:`kyso.server.routes_issue`.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Annotated

from fastapi import (
    APIRouter,
    HTTPException,
    Query,
    Request,
    Response,
)
from pydantic import BaseModel, ConfigDict, Field

from kyso.core.workflow import State
from kyso.server.access import visible_row
from kyso.server.auth import CurrentUser
from kyso.server.params import BOOK_READERS, DocId, Me, Year, error_responses
from kyso.server.registry import (
    allocate_number,
    book_entries,
    cancel_number,
    entry_json,
    next_number,
    pending_entry,
    today,
)
from kyso.server.registry_book import book_csv, book_pdf
from kyso.server.writes import (
    Result,
    idempotent_write,
    json_response,
)

__all__ = ["router"]

router = APIRouter(tags=["registry"])

_ERRORS = error_responses(400, 401, 403, 404, 409, 412, 413, 422)


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
    repaired: bool = Field(
        default=False, description="Dòng ghi bổ sung khi sửa dữ liệu cũ (số cấp ngoài sổ)."
    )


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


# ------------------------------------------------------------------ the book


def _book(request: Request, user: CurrentUser, year: int, include_pending: bool) -> list[dict]:
    if user.role not in BOOK_READERS:
        raise HTTPException(403, "Chỉ văn thư và lãnh đạo được xem sổ đăng ký văn bản đi.")
    with request.app.state.db.connect() as conn:
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
