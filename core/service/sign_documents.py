"""Sign inbox documents from the local cache: the main attachment of each, placed where
the signer signs this type (remembered box → title line → the caller's flags), checked
before the PIN, signed in one token session, verified with the strict verdict, queued
for upload in the store's outbox, optionally followed by a transition whose note is the
one opinion, then synced.

Everything that can refuse is checked before the PIN is asked: the documents (role and
state may upload a signed version, the file is a signable PDF), the placement, the
signature image and the stamp font, the token (present, PIN not locked) and the
certificate (:func:`kyso.core.docs.presign.presign_token`).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kyso.core.errors import DocumentError, KysoError, SigningError, WorkflowError

if TYPE_CHECKING:
    from kyso.core.docs.placement import Box, Placement
    from kyso.core.docs.presign import Presigned
    from kyso.core.docs.sign import Prepared
    from kyso.core.store import Store
    from kyso.core.sync import Session

__all__ = [
    "PlacementFlags",
    "SignDocumentsOutcome",
    "SignDocumentsRequest",
    "SignedDocumentResult",
    "sign_documents",
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
class SignedDocumentResult:
    """How one document went."""

    document_id: int
    title: str
    ok: bool
    message: str
    placement: Placement | None = None
    transition: str | None = None
    """The action queued after the upload, if any."""


@dataclass(frozen=True)
class SignDocumentsOutcome:
    """The batch: one result per document, and what the sync said."""

    results: tuple[SignedDocumentResult, ...]
    sync_note: str | None = None
    """``None`` when everything reached the server, else why not (queued or refused)."""
    stopped: str = ""

    @property
    def signed(self) -> int:
        """How many documents were signed, verified and queued."""
        return sum(1 for r in self.results if r.ok)


@dataclass(frozen=True)
class _Planned:
    document_id: int
    attachment_id: int
    title: str
    prepared: Prepared
    placement: Placement
    """Where it is signed and by which rule (the prepared job has the same box)."""


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


def _plan_one(
    store: Store, session: Session, doc_id: int, request: SignDocumentsRequest, out: Path
) -> _Planned:
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
    return _Planned(doc.id, att_id, _title(doc), prepare(job, options), placement)


def _check_stamp(image: Path | None, holder: str) -> None:
    """The visible stamp can be drawn: a PNG image and a font with the holder's letters."""
    from kyso.core.docs.stamp import load_signature_image, missing_glyphs

    if image is not None:
        load_signature_image(image)
    missing = missing_glyphs(holder)
    if missing:
        raise SigningError(f"Phông chữ của con dấu thiếu ký tự: {' '.join(sorted(missing))}")


def _check_pin_not_locked(token_options: Any) -> None:
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


def sign_documents(
    request: SignDocumentsRequest,
    *,
    read_pin: Callable[[], str | None],
    signing_settings: Any,
    session: Session | None = None,
    on_warning: Callable[[str], None] | None = None,
    on_result: Callable[[SignedDocumentResult], None] | None = None,
    audit: Callable[..., Any] | None = None,
) -> SignDocumentsOutcome:
    """Sign the main attachment of each document of ``request`` (see the module doc).

    ``read_pin`` is called once, after every pre-flight check passed. A document that
    cannot be signed is reported and the others go on; when none can, nothing asks for
    the PIN and :class:`~kyso.core.errors.SigningError` says why.
    """
    from kyso.core.docs.presign import presign_token
    from kyso.core.service.office import load_session

    warn = on_warning or (lambda _line: None)
    session = session or load_session()
    results: list[SignedDocumentResult] = []

    def report(result: SignedDocumentResult) -> None:
        results.append(result)
        if on_result is not None:
            on_result(result)

    image = request.image.expanduser() if request.image is not None else None
    with session.store() as store, tempfile.TemporaryDirectory(prefix="kyso-sign-") as tmp:
        planned: list[_Planned] = []
        for doc_id in dict.fromkeys(request.document_ids):
            try:
                planned.append(_plan_one(store, session, doc_id, request, Path(tmp)))
            except KysoError as exc:
                report(SignedDocumentResult(doc_id, f"#{doc_id}", False, exc.message))
        if not planned:
            reasons = "; ".join(f"{r.document_id}: {r.message}" for r in results)
            raise SigningError(f"Không văn bản nào ký được ({reasons})")
        _check_pin_not_locked(request.token_options)
        checked = presign_token(
            request.token_options,
            signing_settings,
            trust=request.trust,
            level=request.level,
            timestamp_url=request.timestamp_url,
            audit=audit,
        )
        for line in checked.warnings:
            warn(line)
        _check_stamp(image, checked.check.subject)
        stopped = _sign_and_queue(
            store, planned, request, checked, image, read_pin(), report, audit
        )
        note = None
        if any(r.ok for r in results):
            from kyso.core.service.office import push_after_action

            note = push_after_action(store, session)
            if note is None:
                _pull(session, store)
    return SignDocumentsOutcome(tuple(results), note, stopped)


def _pull(session: Session, store: Store) -> None:
    """Fetch the server's copies after the push (the pushed documents are already the
    server's; this brings the rest of the inbox up to date). Offline is not an error."""
    from kyso.core.sync import SyncClient

    try:
        with SyncClient(session, store, retries=1) as client:
            client.pull()
    except KysoError as exc:
        store.record_sync(error=exc.message)


def _sign_and_queue(
    store: Store,
    planned: list[_Planned],
    request: SignDocumentsRequest,
    checked: Presigned,
    image: Path | None,
    pin: str | None,
    report: Callable[[SignedDocumentResult], None],
    audit: Callable[..., Any] | None,
) -> str:
    """One token session: sign, verify, queue the upload (and the transition)."""
    from kyso.core.docs.presign import check_same_certificate
    from kyso.core.docs.sign import SignOptions, sign_batch
    from kyso.core.token.session import open_token

    options = SignOptions(
        image=image,
        reason=request.reason,
        location=request.location,
        timestamp_url=request.timestamp_url,
        ltv=checked.plan,
    )
    by_output = {item.prepared.job.output: item for item in planned}
    token_options = request.token_options
    with open_token(token_options, pin) as token:
        del pin
        key = token.signing_key(token_options.key_label, token_options.key_id)
        check_same_certificate(key, checked)
        holder = key.certificate.common_name

        def done(job_result: Any, _n: int, _total: int) -> None:
            item = by_output[job_result.job.output]
            if not job_result.ok:
                error = job_result.error
                message = error.message if isinstance(error, KysoError) else str(error)
                report(SignedDocumentResult(item.document_id, item.title, False, message))
                return
            report(_verify_and_queue(store, item, request, holder, key, audit))

        batch = sign_batch(
            [item.prepared for item in planned],
            key,
            options,
            on_result=done,
            session=token,
        )
    return batch.stopped.message if batch.stopped is not None else ""


def _verify_and_queue(
    store: Store,
    item: _Planned,
    request: SignDocumentsRequest,
    holder: str,
    key: Any,
    audit: Callable[..., Any] | None,
) -> SignedDocumentResult:
    from kyso.core.docs.trust import load_anchors
    from kyso.core.docs.verify import verify_pdf

    output = item.prepared.job.output
    placement = item.placement
    try:
        verdict = verify_pdf(output, trust=load_anchors(list(request.trust)) or None)
    except KysoError as exc:
        return SignedDocumentResult(item.document_id, item.title, False, exc.message, placement)
    if not verdict.ok:
        reasons = "; ".join(s.summary for s in verdict.signatures) or "không hợp lệ"
        message = f"Chữ ký vừa tạo không kiểm tra được: {reasons}"
        return SignedDocumentResult(item.document_id, item.title, False, message, placement)
    try:
        store.add_signed_version(
            item.document_id, item.attachment_id, output, note=f"Ký số token: {holder}"
        )
    except KysoError as exc:
        return SignedDocumentResult(item.document_id, item.title, False, exc.message, placement)
    message, then = "Đã ký và kiểm tra", None
    if request.then:
        try:
            store.transition(item.document_id, request.then, to=request.to, note=request.note)
            then = request.then
        except KysoError as exc:  # the signed version stays queued; say what did not
            message += f"; chưa chuyển được: {exc.message}"
    if audit is not None:
        from kyso.core.docs.render import file_sha256

        audit(
            "sign",
            document_id=item.document_id,
            sha256=file_sha256(output),
            certificate=holder,
            serial=key.certificate.serial,
            token=key.token_label,
            verified=True,
        )
    return SignedDocumentResult(item.document_id, item.title, True, message, placement, then)
