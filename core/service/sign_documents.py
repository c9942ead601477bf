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
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kyso.core.errors import KysoError, SigningError
from kyso.core.service.sign_doc_plan import (
    PlacementFlags,
    PlannedDocument,
    SignDocumentsRequest,
    check_pin_not_locked,
    check_stamp,
    plan_document,
)

if TYPE_CHECKING:
    from kyso.core.docs.placement import Placement
    from kyso.core.docs.presign import Presigned
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
        planned: list[PlannedDocument] = []
        for doc_id in dict.fromkeys(request.document_ids):
            try:
                planned.append(plan_document(store, session, doc_id, request, Path(tmp)))
            except KysoError as exc:
                report(SignedDocumentResult(doc_id, f"#{doc_id}", False, exc.message))
        if not planned:
            reasons = "; ".join(f"{r.document_id}: {r.message}" for r in results)
            raise SigningError(f"Không văn bản nào ký được ({reasons})")
        for item in planned:
            for line in item.warnings:
                warn(f"Văn bản {item.document_id}: {line}")
        check_pin_not_locked(request.token_options)
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
        check_stamp(image, checked.check.subject)
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
    planned: list[PlannedDocument],
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
    item: PlannedDocument,
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
