"""The reference e-office server: :func:`create_app` builds the FastAPI application.

Everything lives under one data folder: the SQLite database and the content-addressed
attachment files. The API is described in ``docs/api.md`` and served at ``/api/v1``; the
OpenAPI schema is at ``/openapi.json``.

For an ASGI server: ``uvicorn --factory kyso.server.app:app_from_env`` with
``KYSO_SERVER_DATA`` (and ``KYSO_SERVER_SEED_DEMO=1`` for the demo data).
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from kyso.server.blob_guard import BlobGuardMiddleware, sweep
from kyso.server.blobs import BlobStore
from kyso.server.body_digest import BodyDigestMiddleware
from kyso.server.db import DB_NAME, Database
from kyso.server.empty_poll import EmptyPollMiddleware
from kyso.server.settings import ServerSettings
from kyso.server.text_rules import CONTROL_ERROR, CONTROL_MESSAGE
from kyso.server.throttle import LoginThrottle
from kyso.server.uploads import BodyLimitMiddleware
from kyso.server.writes import json_response

__all__ = ["API_PREFIX", "app_from_env", "create_app"]

API_PREFIX = "/api/v1"
log = logging.getLogger("kyso.server")

_DEFAULT_DETAILS = {
    400: "Yêu cầu không hợp lệ.",
    401: "Chưa đăng nhập.",
    403: "Không có quyền.",
    404: "Không tìm thấy.",
    405: "Phương thức không được hỗ trợ.",
    406: "Định dạng không được hỗ trợ.",
    413: "Tệp vượt quá 50 MB.",
    415: "Kiểu nội dung không được hỗ trợ.",
    429: "Thử lại sau.",
}


def _validation_detail(exc: RequestValidationError) -> str:
    errors = exc.errors()
    if not errors:
        return "Dữ liệu không hợp lệ."
    first = errors[0]
    where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path"))
    kind = first.get("type", "")
    if kind == "json_invalid":
        return "Dữ liệu JSON không hợp lệ."
    if kind == "missing":
        what = "thiếu"
    elif kind == CONTROL_ERROR:
        what = CONTROL_MESSAGE
    elif kind.startswith(("string_too", "too_")):
        what = "độ dài không hợp lệ"
    elif kind in {"less_than_equal", "greater_than_equal", "less_than", "greater_than"}:
        what = "ngoài giới hạn"
    else:
        what = "sai kiểu hoặc giá trị"
    return f"Dữ liệu không hợp lệ: {where or 'nội dung'} {what}."


async def _on_http_error(request: Request, exc: StarletteHTTPException):
    detail = exc.detail
    if not isinstance(detail, str) or detail.isascii():
        detail = _DEFAULT_DETAILS.get(exc.status_code, detail if isinstance(detail, str) else "")
    response = json_response(exc.status_code, {"detail": detail or "Lỗi."})
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _on_validation_error(request: Request, exc: RequestValidationError):
    return json_response(400, {"detail": _validation_detail(exc)})


async def _on_unexpected(request: Request, exc: Exception):
    log.exception("lỗi không lường trước khi xử lý %s %s", request.method, request.url.path)
    return json_response(500, {"detail": "Lỗi máy chủ."})


def create_app(
    data_dir: Path,
    *,
    seed_demo: bool = False,
    trust_files: Sequence[Path] = (),
    bindings: Sequence[str] = (),
    settings: ServerSettings | None = None,
) -> FastAPI:
    """The server application over ``data_dir`` (created if missing), with ``settings``
    (token lifetimes, login throttling; default :class:`ServerSettings`).

    The database is migrated to the current schema (:mod:`kyso.server.migrations`).
    With ``seed_demo`` an empty database gets the demo organization, its four users and
    the demo documents (:mod:`kyso.server.seed`), and the demo CA is trusted and the demo
    certificates bound; a seeded one is left as it is. ``trust_files`` (PEM/DER roots and
    intermediates) and ``bindings`` (``NAME=FILE`` or ``org:KY_HIEU=FILE``) are the
    administrator's ``--trust`` and ``--bind``, kept in the database
    (:func:`kyso.server.trust.configure`).
    """
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(data_dir / DB_NAME)
    from kyso.server.migrations import migrate
    from kyso.server.registry import ensure_schema as ensure_registry

    ensure_registry(db)  # the registry book's tables (kyso.server.registry)
    migrate(db)
    blobs = BlobStore(data_dir / "blobs")
    if seed_demo:
        from kyso.server.seed import seed_demo as run_seed

        run_seed(db, blobs, data_dir)
    if trust_files or bindings:
        from kyso.server.trust import configure

        configure(db, trust_files=trust_files, bindings=bindings)
    sweep(db, blobs)  # what a crash between storing a file and its row left behind
    from kyso.server.feed_cache import fill

    # Documents from an older server or written without touch (bench/bench_sync.py seeds
    # that way): built once here, then kept in step by every write.
    if built := fill(db):
        log.info("đã dựng sẵn nội dung nguồn thay đổi cho %d văn bản", built)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        db.close()

    app = FastAPI(
        title="kyso e-office (máy chủ tham chiếu)",
        version="1",
        description="Văn bản đi, luồng xử lý, ký số. Hợp đồng API: docs/api.md.",
        lifespan=lifespan,
    )
    app.state.db = db
    app.state.blobs = blobs
    app.state.data_dir = data_dir
    app.state.settings = settings or ServerSettings()
    app.state.throttle = LoginThrottle(app.state.settings)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(Exception, _on_unexpected)
    # Added first, so innermost: the body limit and the other guards still see the poll.
    app.add_middleware(EmptyPollMiddleware, path=API_PREFIX + "/changes")
    app.add_middleware(BodyDigestMiddleware)
    app.add_middleware(BlobGuardMiddleware)
    app.add_middleware(BodyLimitMiddleware)

    from kyso.server import (
        routes_attachments,
        routes_auth,
        routes_changes,
        routes_copies,
        routes_documents,
        routes_issue,
        routes_registry,
    )

    # Routes are matched in order: the changes feed, polled by every client, comes first.
    for module in (
        routes_changes,
        routes_auth,
        routes_documents,
        routes_attachments,
        routes_registry,
        routes_issue,
        routes_copies,
    ):
        app.include_router(module.router, prefix=API_PREFIX)
    _describe_bad_input_as_400(app)
    return app


def _describe_bad_input_as_400(app: FastAPI) -> None:
    """Make the schema say what the server does: a request that does not match is a 400
    ``{"detail": "…"}`` (FastAPI's default schema promises a 422 with a list)."""
    build = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        error = {"$ref": "#/components/schemas/Error"}
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                responses = operation.get("responses", {})
                default = responses.get("422", {})
                ref = (
                    default.get("content", {})
                    .get("application/json", {})
                    .get("schema", {})
                    .get("$ref", "")
                )
                if ref.endswith("/HTTPValidationError"):
                    del responses["422"]
                    responses.setdefault(
                        "400",
                        {
                            "description": "Dữ liệu không hợp lệ",
                            "content": {"application/json": {"schema": error}},
                        },
                    )
        components = schema.get("components", {}).get("schemas", {})
        components.setdefault(
            "Error",
            {
                "type": "object",
                "properties": {"detail": {"type": "string"}},
                "required": ["detail"],
            },
        )
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def app_from_env() -> FastAPI:
    """An app for ``uvicorn --factory``: data folder from ``KYSO_SERVER_DATA``."""
    data = os.environ.get("KYSO_SERVER_DATA", "kyso-server-data")
    seed = os.environ.get("KYSO_SERVER_SEED_DEMO", "") not in ("", "0", "false")
    return create_app(Path(data), seed_demo=seed, settings=ServerSettings.from_env())
