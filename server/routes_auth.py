"""Login, the current user, the organization's users, and the signing certificate."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from kyso.server.auth import login, revoke_token
from kyso.server.params import Me
from kyso.server.schemas import Error, LoginRequest, LoginResponse, User
from kyso.server.writes import json_response

__all__ = ["router"]

router = APIRouter(tags=["auth"])
_401 = {401: {"model": Error}}


_bearer = HTTPBearer(auto_error=False)


@router.post("/auth/login", response_model=LoginResponse, responses={**_401, 429: {"model": Error}})
def post_login(body: LoginRequest, request: Request) -> Response:
    """Đăng nhập bằng tên và mật khẩu; trả về mã phiên (bearer token).

    Sai mật khẩu nhiều lần: 429 kèm ``Retry-After`` (giây), thời gian chờ tăng dần.
    """
    settings = request.app.state.settings
    throttle = request.app.state.throttle
    address = request.client.host if request.client else "?"
    throttle.check(body.username, address)
    hours = settings.kiosk_token_hours if body.kiosk else settings.token_hours
    result = login(request.app.state.db, body.username, body.password, hours=hours)
    if result is None:
        throttle.failed(body.username, address)
        raise HTTPException(
            401, "Sai tên đăng nhập hoặc mật khẩu.", headers={"WWW-Authenticate": "Bearer"}
        )
    throttle.succeeded(body.username)
    token, user = result
    return json_response(200, {"token": token, "user": user.to_api()})


@router.post("/auth/logout", status_code=204, responses=_401)
def post_logout(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Response:
    """Đăng xuất: mã phiên bị thu hồi ngay (gọi lại với mã đã thu hồi vẫn trả 204)."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            401, "Chưa đăng nhập (thiếu mã phiên).", headers={"WWW-Authenticate": "Bearer"}
        )
    revoke_token(request.app.state.db, credentials.credentials)
    return Response(status_code=204)


@router.get("/me", response_model=User, responses=_401)
def get_me(user: Me) -> Response:
    """Người dùng hiện tại."""
    return json_response(200, user.to_api())


@router.get("/users", response_model=list[User], responses=_401)
def get_users(user: Me, request: Request) -> Response:
    """Người dùng trong cơ quan của tôi (để chọn người nhận)."""
    with request.app.state.db.connect() as conn:
        rows = conn.execute(
            "SELECT username, full_name, role, title FROM users WHERE org_id = ? ORDER BY id",
            (user.org_id,),
        ).fetchall()
    org = {"id": user.org_id, "name": user.org_name, "ky_hieu": user.org_ky_hieu}
    return json_response(
        200,
        [
            {
                "username": r["username"],
                "full_name": r["full_name"],
                "role": r["role"],
                "title": r["title"],
                "org": org,
            }
            for r in rows
        ],
    )


def _parse_certificate(data: bytes) -> bytes:
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    try:
        if b"-----BEGIN CERTIFICATE-----" in data:
            cert = x509.load_pem_x509_certificate(data)
        else:
            cert = x509.load_der_x509_certificate(data)
        return cert.public_bytes(Encoding.DER)
    except ValueError:
        raise HTTPException(400, "Chứng thư số không hợp lệ (cần DER hoặc PEM).") from None


@router.put(
    "/me/certificate",
    status_code=204,
    responses={**_401, **{c: {"model": Error} for c in (400, 403, 422)}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
                "application/pkix-cert": {"schema": {"type": "string", "format": "binary"}},
                "application/x-pem-file": {"schema": {"type": "string"}},
            },
        }
    },
)
async def put_certificate(user: Me, request: Request) -> Response:
    """Đăng ký chứng thư số ký (DER hoặc PEM): phải do nơi cấp tin cậy của cơ quan cấp và
    mang tên người dùng (hoặc là chứng thư quản trị đã gắn); tệp ký tải lên phải khớp."""
    data = await request.body()
    if len(data) > 64 * 1024:
        raise HTTPException(400, "Chứng thư số quá lớn.")
    der = _parse_certificate(data)
    db = request.app.state.db

    def save() -> None:
        from kyso.server.trust import register_certificate

        with db.write() as conn:
            register_certificate(conn, user, der)

    await run_in_threadpool(save)  # the write lock may be held by a long upload check
    return Response(status_code=204)
