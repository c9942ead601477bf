"""The issuance screen's slow parts, run in its worker threads: reading the document,
its number, the seal and the placement; rendering a page; checking the token before the
PIN; issuing step by step; saying what became of the number after a failure. Each returns
the message the screen handles; none touches a widget."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work

from kyso.core.errors import KysoError
from kyso.core.service.api import Service
from kyso.tui.screens.issuance.messages import (
    IssuanceLoaded,
    IssueFinished,
    IssueStep,
    PageLoaded,
    TokenChecked,
)
from kyso.tui.screens.issuance.page_map import THUMB_WIDTH

if TYPE_CHECKING:  # pragma: no cover
    from kyso.tui.app import KysoApp

__all__ = [
    "check_signatures",
    "check_token",
    "in_thread",
    "issue",
    "load",
    "number_after_failure",
    "place_of",
    "read_page",
]


def in_thread(group: str, description: str) -> Any:
    """The screen's worker decorator: a thread, one at a time per group, errors to the
    app's worker-error handler."""
    return work(
        thread=True, exclusive=True, exit_on_error=False, group=group, description=description
    )


def load(service: Service, doc_id: int, seal: Any) -> IssuanceLoaded:
    """Read what the screen shows; each part that fails is named in ``errors``."""
    errors: dict[str, str] = {}

    def attempt(name: str, call: Any) -> Any:
        try:
            return call()
        except KysoError as exc:
            errors[name] = exc.message
            return None

    doc = attempt("doc", lambda: service.document(doc_id))
    info = attempt("number", lambda: service.number_info(doc_id))
    preview = attempt("preview", lambda: service.seal_preview(doc_id))
    image = attempt("seal", lambda: service.seal_image(seal))
    place = ""
    if preview is not None:
        place = attempt("place", lambda: place_of(preview.path)) or ""
    return IssuanceLoaded(doc, info, preview, image, place, errors)


def read_page(renderer: Any, path: Path, page: int, with_image: bool) -> PageLoaded:
    """Page ``page`` (clamped) of ``path``: size, text and, if shown, its thumbnail;
    :class:`KysoError` when the file cannot be read."""
    doc = renderer.document(path)
    count = doc.page_count
    page = max(0, min(page, count - 1))
    info = doc.page_info(page)
    text = doc.page_text(page)
    png = renderer.thumbnail(path, page, THUMB_WIDTH) if with_image else None
    return PageLoaded(page, count, (info.width, info.height), text, png)


def check_token(app: KysoApp) -> TokenChecked:
    """The station's token and, when present, its certificate checked before the PIN."""
    from kyso.core.service.signing import presign_issuance_station

    status = app.service.token_status()
    checked = (None, "")
    if status.present:
        checked = presign_issuance_station(app.service, app.settings, app.key_label, app.record)
    return TokenChecked(status, *checked)


def issue(
    app: KysoApp,
    doc_id: int,
    *,
    pin: str | None,
    date: dt.date,
    only_number: bool,
    seal_png: bytes | None,
    presigned: Any,
    post: Callable[[IssueStep], object],
) -> IssueFinished:
    """Issue the document through the service, posting each step as it starts."""
    from kyso.core.service.model import IssueOrder
    from kyso.core.service.signing import station_token_options

    options = station_token_options(app.settings, app.key_label)
    reached: list[str] = []

    def on_step(step: str, text: str) -> None:
        reached.append(step)
        post(IssueStep(step, text))

    try:
        order = IssueOrder(
            doc_id,
            date=date,
            only_number=only_number,
            seal_png=None if only_number else seal_png,
            token_options=options,
            presigned=None if only_number else presigned,
        )
        result = app.service.issue(order, pin=pin, on_step=on_step)
    except KysoError as exc:
        note = number_after_failure(app.service, doc_id, reached)
        return IssueFinished(None, exc.message, note)
    note = check_signatures(result)
    app.record(
        "issue",
        document_id=doc_id,
        so_ky_hieu=result.so_ky_hieu,
        date=result.date.isoformat(),
        only_number=only_number,
    )
    return IssueFinished(result, note=note)


def number_after_failure(service: Service, doc_id: int, reached: list[str]) -> str:
    """What became of the number after a failed issuance."""
    if "allocate" not in reached:
        return "Chưa lấy số nào từ sổ đăng ký."
    try:
        info = service.number_info(doc_id)
    except KysoError:
        return "Không kiểm tra lại được sổ đăng ký (máy chủ không trả lời)."
    if info.pending is not None:
        return (
            f"Số {info.pending.so_ky_hieu} vẫn được giữ cho văn bản này; "
            "lần phát hành sau dùng lại số này (h: huỷ số)."
        )
    cancelled = [e for e in info.history if e.status == "cancelled"]
    if cancelled:
        return (
            f"Số {cancelled[-1].so_ky_hieu} đã được ghi là bị huỷ trong sổ đăng ký "
            "(số đã cấp không dùng lại)."
        )
    return ""


def place_of(path: Path) -> str:
    """The place of the document's date line (``Đắk Nông``), or empty."""
    from kyso.core.docs.issuance import find_issuance_slots

    slots = find_issuance_slots(Path(path).read_bytes())
    return slots.place if slots is not None else ""


def check_signatures(result: Any) -> str:
    """Verify the issued main file here too (the server already did before accepting)."""
    from kyso.core.docs.verify import verify_pdf

    try:
        report = verify_pdf(result.main)
    except (KysoError, OSError) as exc:
        return f"Không kiểm tra lại được chữ ký tại máy: {exc}"
    total = len(report.signatures)
    valid = sum(1 for s in report.signatures if s.valid and s.intact)
    if not total:
        return "Máy chủ đã kiểm tra và nhận bản phát hành (tệp không có chữ ký để kiểm tra lại)."
    state = "hợp lệ" if valid == total else "[red]CÓ CHỮ KÝ KHÔNG HỢP LỆ[/red]"
    return f"Kiểm tra tại máy: {valid}/{total} chữ ký {state} · máy chủ đã kiểm tra và nhận."
