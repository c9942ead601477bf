"""The signing use case as the app runs it: pre-flight, one token session, sign, verify,
record the signed version in the store (uploaded later through the outbox).

Plain blocking code, run from a worker thread. The PIN is passed straight to
``open_token`` and not kept anywhere; progress goes out through a callback that the
worker turns into messages.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kyso.core.errors import KysoError, SigningError
from kyso.tui.backend import Backend, Document, main_attachment

__all__ = [
    "BatchOutcome",
    "SignItem",
    "SignItemResult",
    "prepare_items",
    "presign_issuance_station",
    "presign_station",
    "run_batch",
    "stamp_problem",
    "station_token_options",
]


@dataclass
class SignItem:
    """One attachment to sign, with what the pre-flight found."""

    document_id: int
    attachment_id: int
    title: str
    """What the progress list shows (số/ký hiệu or trích yếu)."""
    loai: str = ""
    path: Path | None = None
    problem: str = ""
    """Why this item cannot be signed (empty when it can)."""
    page_count: int = 0
    warning: str = ""
    """Something the signer should know before the PIN (signing is still possible)."""


@dataclass
class SignItemResult:
    """How one item went."""

    item: SignItem
    ok: bool
    message: str = ""
    verified: bool = False
    skipped: bool = False


@dataclass
class BatchOutcome:
    """A finished batch: one result per item and, when it stopped early, why."""

    results: list[SignItemResult] = field(default_factory=list)
    stopped: str = ""

    @property
    def failed(self) -> list[SignItem]:
        """Items that were not signed (to retry)."""
        return [r.item for r in self.results if not r.ok]

    @property
    def signed(self) -> int:
        """How many were signed and verified."""
        return sum(1 for r in self.results if r.ok)


def _title(doc: Document) -> str:
    from kyso.tui.format import shorten

    return doc.get("so_ky_hieu") or shorten(doc.get("trich_yeu", f"#{doc['id']}"), 40)


def stamp_problem(holder: str, image: str) -> str:
    """Why the visible stamp cannot be drawn (empty when it can): the bundled font must
    cover the signer's name, and the signature image must be a PNG."""
    from kyso.core.docs.stamp import missing_glyphs
    from kyso.tui.screens.settings import check_signature_image

    missing = missing_glyphs(holder or "")
    if missing:
        letters = " ".join(sorted(missing))
        return f"Phông chữ của con dấu thiếu ký tự: {letters}"
    return check_signature_image(image)


def station_token_options(settings: Any, key_label: str | None) -> Any:
    """The ``TokenOptions`` the station signs with (configured module, token, key)."""
    from kyso.core.token.session import TokenOptions

    return TokenOptions(
        configured_module=settings.token.module or None,
        token_label=settings.token.label or None,
        key_label=key_label,
    )


def presign_station(
    settings: Any, key_label: str | None, audit: Callable[..., None] | None = None
) -> tuple[Any, str]:
    """The certificate check before the PIN (:func:`kyso.core.docs.presign.presign_token`):
    ``(Presigned, "")`` when it may sign, ``(None, reason)`` when not (one line)."""
    from kyso.core.docs.presign import presign_token

    options = station_token_options(settings, key_label)
    try:
        return presign_token(options, settings.signing, audit=audit), ""
    except KysoError as exc:
        return None, exc.message


def presign_issuance_station(
    backend: Backend, settings: Any, key_label: str | None, audit: Callable[..., None] | None
) -> tuple[Any, str]:
    """The organisation's certificate checked before the clerk's PIN (and so before a
    number is taken): ``(Presigned or None, "")``, or ``(None, reason)`` when it may
    not sign. The backend does it (:meth:`Backend.presign_issuance`): issuance signs
    where the backend issues."""
    try:
        options = station_token_options(settings, key_label)
        return backend.presign_issuance(options, settings.signing, audit), ""
    except KysoError as exc:
        return None, exc.message


def prepare_items(backend: Backend, doc_ids: list[int]) -> list[SignItem]:
    """Find each document's main attachment and check it can be signed (no PIN yet).

    Checks: a main PDF attachment exists and is on this machine, it opens, it is not
    encrypted or broken, and no certification signature locks it against changes.
    """
    from kyso.core.docs.pdf import check_pdf

    items: list[SignItem] = []
    for doc_id in doc_ids:
        try:
            doc = backend.document(doc_id)
        except KysoError as exc:
            items.append(SignItem(doc_id, 0, f"#{doc_id}", problem=exc.message))
            continue
        att = main_attachment(doc)
        item = SignItem(doc_id, att["id"] if att else 0, _title(doc), loai=doc.get("loai", ""))
        items.append(item)
        if att is None:
            item.problem = "Văn bản không có tệp đính kèm"
            continue
        if not str(att.get("name", "")).lower().endswith(".pdf"):
            item.problem = f"{att.get('name')}: chỉ ký được tệp PDF"
            continue
        try:
            item.path = backend.attachment_file(doc_id, att["id"])
            check = check_pdf(item.path)
        except KysoError as exc:
            item.problem = exc.message
            continue
        item.page_count = check.page_count
        if check.locked:
            item.problem = "Tệp đã được chứng thực khoá, không cho ký thêm"
        elif doc.get("loai_ky_hieu"):
            item.warning = _blanks_warning(item.path, doc["loai_ky_hieu"])
    return items


def _blanks_warning(path: Path, loai_ky_hieu: str) -> str:
    """The Decree 30 blanks the leader's signature prepares for the clerk, if missing."""
    from kyso.core.docs.issuance_blanks import blanks_warning, find_issuance_slots

    try:
        slots = find_issuance_slots(path.read_bytes())
    except (KysoError, OSError):
        return ""
    return blanks_warning(loai_ky_hieu, slots) or ""


def run_batch(
    backend: Backend,
    items: list[SignItem],
    *,
    pin: str | None,
    placement: Any,
    token_options: Any,
    image: str = "",
    reason: str = "",
    out_dir: Path,
    on_result: Callable[[SignItemResult, int, int], None] | None = None,
    cancel: threading.Event | None = None,
    audit: Callable[..., None] | None = None,
    presigned: Any = None,
) -> BatchOutcome:
    """Sign ``items`` with one token session and record each signed, verified file.

    ``placement`` is a :class:`kyso.core.docs.placement.Placement` or None (the signer's
    anchor / bottom-right default). ``presigned`` (from :func:`presign_station`) is
    the checked certificate and the batch's PAdES level. Raises :class:`KysoError`
    only when nothing could start (token, PIN, certificate); per-file problems become
    results.
    """
    from functools import partial

    from kyso.core.docs.presign import check_same_certificate
    from kyso.core.docs.sign import SignJob, SignOptions, sign_batch
    from kyso.core.docs.trust import load_anchors
    from kyso.core.docs.verify import verify_pdf
    from kyso.core.token.session import open_token

    outcome = BatchOutcome()
    todo = [i for i in items if not i.problem and i.path is not None]
    total = len(items)
    for item in items:
        if item.problem or item.path is None:
            result = SignItemResult(item, False, item.problem or "Không có tệp", skipped=True)
            outcome.results.append(result)
            if on_result:
                on_result(result, len(outcome.results), total)
    if not todo:
        return outcome
    options = SignOptions(
        page=placement.page + 1 if placement is not None else -1,
        box=placement.box if placement is not None else None,
        image=Path(image) if image else None,
        reason=reason or None,
        ltv=presigned.plan if presigned is not None else None,
    )
    # Verify-after-sign with the configured anchors, so the verdict includes trust.
    verify = partial(verify_pdf, trust=load_anchors() or None)
    out_dir.mkdir(parents=True, exist_ok=True)
    jobs = [
        SignJob(item.path, out_dir / f"{item.document_id}-{item.attachment_id}.pdf")
        for item in todo
    ]  # type: ignore[arg-type]
    by_job = dict(zip((id(j) for j in jobs), todo, strict=True))

    with open_token(token_options, pin) as session:
        del pin
        key = session.signing_key(token_options.key_label, token_options.key_id)
        if presigned is not None:
            check_same_certificate(key, presigned)

        def recorded(job_result: Any, _done: int, _total: int) -> None:
            item = by_job[id(job_result.job)]
            if job_result.ok:
                result = _record(backend, item, job_result.job.output, verify, key)
                if result.ok and audit is not None:
                    from kyso.core.docs.render import file_sha256

                    cert = key.certificate
                    audit(
                        "sign",
                        document_id=item.document_id,
                        sha256=file_sha256(job_result.job.output),
                        certificate=cert.common_name,
                        serial=cert.serial,
                        token=key.token_label,
                        verified=result.verified,
                    )
            else:
                error = job_result.error
                message = error.message if isinstance(error, KysoError) else str(error)
                result = SignItemResult(item, False, message, skipped=job_result.skipped)
            outcome.results.append(result)
            if on_result:
                on_result(result, len(outcome.results), total)

        batch = sign_batch(jobs, key, options, on_result=recorded, cancel=cancel, session=session)
        if batch.stopped is not None:
            outcome.stopped = batch.stopped.message
    return outcome


def _record(
    backend: Backend, item: SignItem, output: Path, verify_pdf: Any, key: Any
) -> SignItemResult:
    try:
        report = verify_pdf(output)
        if not report.ok:
            reasons = "; ".join(s.summary for s in report.signatures) or "không hợp lệ"
            raise SigningError(f"Chữ ký vừa tạo không kiểm tra được: {reasons}")
        holder = key.certificate.common_name
        backend.add_signed_version(
            item.document_id, item.attachment_id, output, f"Ký số token: {holder}"
        )
    except KysoError as exc:
        return SignItemResult(item, False, exc.message)
    return SignItemResult(item, True, "Đã ký và kiểm tra", verified=True)
