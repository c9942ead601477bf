"""``kyso sign --doc`` before the PIN: each document checked (role and state may upload a
signed version, the main attachment is a signable PDF), placed (remembered box → the
signer's title line → the caller's flags) and prepared; the stamp and the token checked.
Used by :mod:`kyso.core.service.sign_documents`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kyso.core.errors import DocumentError, KysoError, SigningError, WorkflowError

if TYPE_CHECKING:
    from kyso.core.docs.placement import Box, Placement
    from kyso.core.docs.sign import Prepared
    from kyso.core.store import Store
    from kyso.core.sync import Session

__all__ = [
    "PlacementFlags",
    "PlannedDocument",
    "SignDocumentsRequest",
    "check_pin_not_locked",
    "check_stamp",
    "plan_document",
]


@dataclass(frozen=True)
class PlacementFlags:
    """Where to sign when neither a remembered box nor the title line places it."""

    page: int = -1
    """1-based page, −1 the last."""
    box: Box | None = None
    anchor: str | None = None


@dataclass(frozen=True)
class SignDocumentsRequest:
    """What the signer asked for."""

    document_ids: tuple[int, ...]
    token_options: Any
    """A ``TokenOptions`` (module, token, key)."""
    then: str | None = None
    """A transition queued after each signed upload (``chuyen_van_thu``…)."""
    to: str | None = None
    """The transition's recipient, when the action needs one."""
    note: str = ""
    """The transition's note: the server keeps it as the one opinion."""
    flags: PlacementFlags = field(default_factory=PlacementFlags)
    image: Path | None = None
    reason: str | None = None
    location: str | None = None
    timestamp_url: str | None = None
    level: str | None = None
    trust: tuple[Path, ...] = ()


@dataclass(frozen=True)
class PlannedDocument:
    """A document ready to sign: its main attachment prepared at its place."""

    document_id: int
    attachment_id: int
    title: str
    prepared: Prepared
    placement: Placement
    """Where it is signed and by which rule (the prepared job has the same box)."""
    warnings: tuple[str, ...] = ()
    """What the signer should know before the PIN (covered text, missing blanks)."""


def _title(doc: Any) -> str:
    text = doc.so_ky_hieu or doc.trich_yeu or f"#{doc.id}"
    return text if len(text) <= 50 else text[:49] + "…"


def _check_rules(store: Store, doc: Any, then: str | None) -> None:
    """The role/state rule the server applies to a signed upload (and to ``then``)."""
    from kyso.core import workflow as wf

    me = store.me() or {}
    role = me.get("role") or ""
    is_holder = doc.holder == store.username
    if not role:
        raise WorkflowError("Chưa biết vai trò của bạn: hãy chạy `kyso sync` trước.")
    try:
        allowed = wf.may_upload_signed(role, doc.state, is_holder=is_holder)
    except ValueError:
        allowed = False
    if not allowed:
        state = wf.STATE_LABELS.get(doc.state, doc.state)  # type: ignore[call-overload]
        raise WorkflowError(
            f"Không được tải bản ký số lên khi văn bản ở trạng thái “{state}”"
            + ("" if is_holder else " và không do bạn xử lý")
            + "; chưa ký."
        )
    if then:
        wf.check_transition(role, doc.state, then, is_holder=is_holder)


def _main_file(store: Store, session: Session, doc: Any) -> tuple[int, Path]:
    main = next((a for a in doc.attachments if a.is_main), None)
    if main is None and doc.attachments:
        main = doc.attachments[0]
    if main is None:
        raise DocumentError("Văn bản không có tệp đính kèm")
    if not main.name.lower().endswith(".pdf"):
        raise DocumentError(f"{main.name}: chỉ ký được tệp PDF")
    path = store.attachment_path(doc.id, main.id)
    if path is None:
        from kyso.core.sync import SyncClient

        with SyncClient(session, store, retries=1) as client:
            path = client.fetch_attachment(doc.id, main.id)
    return main.id, path


def _place(
    data: bytes, remembered: Placement | None, title: str, flags: PlacementFlags
) -> Placement:
    """Remembered box (if it fits), else under the signer's title, else the flags."""
    from kyso.core.docs.pdf import open_mupdf
    from kyso.core.docs.placement import resolve_placement
    from kyso.core.docs.placement_check import title_anchors
    from kyso.core.errors import PlacementError

    with open_mupdf(data) as pdf:
        if remembered is not None:
            try:
                return resolve_placement(pdf, default=remembered)
            except PlacementError:
                pass  # does not fit this document: fall through to the title
        for anchor in title_anchors(title):
            try:
                return resolve_placement(pdf, anchor=anchor)
            except PlacementError:
                continue
        return resolve_placement(pdf, page=flags.page, box=flags.box, anchor=flags.anchor)


def plan_document(
    store: Store, session: Session, doc_id: int, request: SignDocumentsRequest, out: Path
) -> PlannedDocument:
    """Check, place and prepare one document's main attachment (no PIN); a
    :class:`~kyso.core.errors.KysoError` says why it cannot be signed."""
    from kyso.core.docs.pdf import check_pdf
    from kyso.core.docs.sign import SignJob, SignOptions, prepare

    doc = store.document(doc_id)
    _check_rules(store, doc, request.then)
    att_id, path = _main_file(store, session, doc)
    check = check_pdf(path)
    if check.locked:
        raise DocumentError("Tệp đã được chứng thực khoá, không cho ký thêm")
    found = store.placements.find(doc.loai, check.page_count)
    title = (store.me() or {}).get("title") or ""
    placement = _place(
        path.read_bytes(), found.placement() if found is not None else None, title, request.flags
    )
    options = SignOptions(page=placement.page + 1, box=placement.box)
    job = SignJob(path, out / f"{doc.id}-{att_id}.pdf")
    prepared = prepare(job, options)
    return PlannedDocument(
        doc.id,
        att_id,
        _title(doc),
        prepared,
        placement,
        _warnings(prepared, placement, doc.loai_ky_hieu, title, request.flags.anchor),
    )


def _warnings(
    prepared: Prepared,
    placement: Placement,
    loai_ky_hieu: str | None,
    title: str,
    anchor: str | None,
) -> tuple[str, ...]:
    """Covered text (the title line and the anchor are not body text) and missing Decree
    30 blanks: said before the PIN; signing stays allowed."""
    from kyso.core.docs.issuance_blanks import blanks_warning
    from kyso.core.docs.placement_check import overlap_warning, title_anchors

    ignore = tuple(title_anchors(title)) + ((anchor,) if anchor else ())
    found = [
        overlap_warning(prepared.data, placement, ignore=ignore),
        blanks_warning(loai_ky_hieu, prepared.slots) or "",
    ]
    return tuple(w for w in found if w)


def check_stamp(image: Path | None, holder: str) -> None:
    """The visible stamp can be drawn: a PNG image and a font with the holder's letters."""
    from kyso.core.docs.stamp import load_signature_image, missing_glyphs

    if image is not None:
        load_signature_image(image)
    missing = missing_glyphs(holder)
    if missing:
        raise SigningError(f"Phông chữ của con dấu thiếu ký tự: {' '.join(sorted(missing))}")


def check_pin_not_locked(token_options: Any) -> None:
    """A token whose PIN is locked says so before the PIN is asked (no PIN is read)."""
    from kyso.core.errors import PinLockedError
    from kyso.core.token.discovery import candidate_modules
    from kyso.core.token.inventory import inspect_module

    wanted = token_options.token_label
    candidates = candidate_modules(token_options.module, token_options.configured_module)
    for candidate in candidates:
        try:
            report = inspect_module(candidate)
        except KysoError:
            continue
        for slot in report.slots:
            token = slot.token
            if token is None or (wanted and token.label != wanted):
                continue
            if token.pin_state == "locked":
                raise PinLockedError(
                    f"Mã PIN của token “{token.label}” đã bị khoá; liên hệ nơi cấp token "
                    "để mở khoá. Chưa ký.",
                    tries_left="0",
                )
