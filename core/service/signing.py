"""The signing use case: the checks before the PIN (stamp, certificate), one token
session for the batch, sign, verify, record the signed version (uploaded later through
the outbox).

Plain blocking code (a UI runs it in a worker thread, a script calls it). The PIN is
passed straight to the token session and not kept anywhere; progress goes out through a
callback.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kyso.core.errors import KysoError
from kyso.core.service.api import Service
from kyso.core.service.sign_items import BatchOutcome, SignItem, SignItemResult, failure_kind

__all__ = [
    "SignSetup",
    "check_before_pin",
    "pin_check",
    "presign_issuance_station",
    "run_batch",
    "stamp_problem",
    "station_setup",
    "station_token_options",
]


@dataclass(frozen=True)
class SignSetup:
    """What a batch signs with, built once before the checks: the token, the stamp and
    the certificate check's options (the app's come from the settings, a script's from
    its flags over them)."""

    token_options: Any
    """A ``TokenOptions`` (:func:`kyso.core.service.tokens.build_token_options`)."""
    signing: Any
    """The ``SigningSettings`` (level, time-stamp, revocation checks…)."""
    image: str = ""
    """The signature image (``~`` allowed), empty for none."""
    reason: str = ""
    timestamp_url: str | None = None
    level: str | None = None
    """The PAdES level asked for (None: the settings')."""
    trust: tuple[Path, ...] = ()
    """Trust anchor files besides the configured ones."""


def stamp_problem(holder: str, image: str) -> str:
    """Why the visible stamp cannot be drawn (empty when it can): the bundled font must
    cover the signer's name, and the signature image must be a PNG."""
    from kyso.core.docs.stamp import check_signature_image, missing_glyphs

    missing = missing_glyphs(holder or "")
    if missing:
        letters = " ".join(sorted(missing))
        return f"Phông chữ của con dấu thiếu ký tự: {letters}"
    return check_signature_image(image)


def station_token_options(settings: Any, key_label: str | None) -> Any:
    """The ``TokenOptions`` the station signs with (configured module, token, key)."""
    from kyso.core.service.tokens import build_token_options

    return build_token_options(settings, key=key_label)


def pin_check(settings: Any, key_label: str | None) -> Callable[[str], None]:
    """What the PIN dialog calls to try a PIN before the batch starts (a wrong one is
    asked again there, with the tries left)."""
    from kyso.core.service.tokens import check_pin

    options = station_token_options(settings, key_label)
    return lambda pin: check_pin(options, pin)


def station_setup(settings: Any, key_label: str | None) -> SignSetup:
    """The :class:`SignSetup` of the station: its token options and signing settings."""
    signing = settings.signing
    options = station_token_options(settings, key_label)
    return SignSetup(options, signing, image=signing.image, reason=signing.reason)


def presign_issuance_station(
    service: Service, settings: Any, key_label: str | None, audit: Callable[..., None] | None
) -> tuple[Any, str]:
    """The organisation's certificate checked before the clerk's PIN (and so before a
    number is taken): ``(Presigned or None, "")``, or ``(None, reason)`` when it may
    not sign. The service does it (:meth:`Service.presign_issuance`): issuance signs
    where the service issues."""
    try:
        options = station_token_options(settings, key_label)
        return service.presign_issuance(options, settings.signing, audit), ""
    except KysoError as exc:
        return None, exc.message


def run_batch(
    service: Service,
    items: list[SignItem],
    *,
    pin: str | None,
    placement: Any = None,
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

    Each item is signed at its own ``item.placement``; ``placement`` (a
    :class:`kyso.core.docs.placement.Placement`) is only for items without one (None:
    the default corner). ``presigned`` (from :func:`check_before_pin`) is the checked
    certificate and the batch's PAdES level. Every problem becomes a result, classified
    (:func:`failure_kind`) and, with ``audit``, logged; when nothing could start (token,
    PIN, certificate) each prepared file carries that reason and ``stopped`` says it.
    """
    from dataclasses import replace
    from functools import partial

    from kyso.core.docs.presign import check_same_certificate
    from kyso.core.docs.sign import SignJob, SignOptions, prepare, sign_batch
    from kyso.core.docs.trust import load_anchors
    from kyso.core.docs.verify import verify_pdf
    from kyso.core.service.tokens import open_session

    outcome = BatchOutcome()
    total = len(items)

    def report(result: SignItemResult) -> None:
        outcome.results.append(result)
        if not result.ok and audit is not None:
            audit(
                "sign_failed",
                document_id=result.item.document_id,
                reason=result.message,
                failure=result.kind,
                retryable=result.retryable,
            )
        if on_result:
            on_result(result, len(outcome.results), total)

    options = SignOptions(
        image=Path(image).expanduser() if image else None,
        reason=reason or None,
        ltv=presigned.plan if presigned is not None else None,
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    prepared, by_job = [], {}
    for item in items:
        if item.problem or item.path is None:
            report(
                SignItemResult(
                    item, False, item.problem or "Không có tệp", skipped=True, kind="file"
                )
            )
            continue
        where = item.placement or placement
        mine = options if where is None else replace(options, page=where.page + 1, box=where.box)
        job = SignJob(item.path, out_dir / f"{item.document_id}-{item.attachment_id}.pdf")
        try:
            ready = prepare(job, mine)
        except KysoError as exc:
            report(SignItemResult(item, False, exc.message, skipped=True, kind=failure_kind(exc)))
            continue
        except Exception as exc:  # a hostile file fails alone, in one line
            report(
                SignItemResult(item, False, f"Tệp PDF bị hỏng: {exc}", skipped=True, kind="file")
            )
            continue
        prepared.append(ready)
        by_job[id(job)] = item
    if not prepared:
        return outcome
    # Verify-after-sign with the configured anchors, so the verdict includes trust.
    verify = partial(verify_pdf, trust=load_anchors() or None)

    started = False
    try:
        with open_session(token_options, pin) as session:
            del pin
            key = session.signing_key(token_options.key_label, token_options.key_id)
            if presigned is not None:
                check_same_certificate(key, presigned)
            started = True
            batch = sign_batch(
                prepared,
                key,
                options,
                on_result=partial(_recorded, service, by_job, verify, key, report, audit),
                cancel=cancel,
                session=session,
            )
    except KysoError as exc:
        if started:
            raise
        # Nothing was signed (token, PIN, certificate): each file says why, and `r` may
        # try again once the token is fixed.
        for ready in prepared:
            item = by_job[id(ready.job)]
            report(SignItemResult(item, False, exc.message, skipped=True, kind=failure_kind(exc)))
        outcome.stopped = f"{exc.title}: {exc.message}"
        return outcome
    if batch.stopped is not None:
        outcome.stopped = batch.stopped.message
    return outcome


def _recorded(
    service: Service,
    by_job: dict[int, SignItem],
    verify: Any,
    key: Any,
    report: Callable[[SignItemResult], None],
    audit: Callable[..., None] | None,
    job_result: Any,
    _done: int,
    _total: int,
) -> None:
    """One job is done: a signed file is verified and recorded, a failure classified."""
    item = by_job[id(job_result.job)]
    if job_result.ok:
        result = _record(service, item, job_result.job.output, verify, key)
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
        kind = "stopped" if job_result.skipped else failure_kind(error)
        result = SignItemResult(item, False, message, skipped=job_result.skipped, kind=kind)
    report(result)


def _record(
    service: Service, item: SignItem, output: Path, verify_pdf: Any, key: Any
) -> SignItemResult:
    try:
        report = verify_pdf(output)
    except KysoError as exc:
        return SignItemResult(item, False, exc.message, kind="verify")
    if not report.ok:
        reasons = "; ".join(s.summary for s in report.signatures) or "không hợp lệ"
        message = f"Chữ ký vừa tạo không kiểm tra được: {reasons}"
        return SignItemResult(item, False, message, kind="verify")
    try:
        holder = key.certificate.common_name
        service.add_signed_version(
            item.document_id, item.attachment_id, output, f"Ký số token: {holder}"
        )
    except KysoError as exc:
        return SignItemResult(item, False, exc.message, kind=failure_kind(exc))
    return SignItemResult(item, True, "Đã ký và kiểm tra", verified=True)


def check_before_pin(
    token: Any, setup: SignSetup, audit: Callable[..., None] | None = None
) -> tuple[Any, str]:
    """Everything checked between the placement and the PIN, in order: a token is there
    and not locked (``token``, a ``TokenStatus``), the stamp can be drawn for its holder
    (font, signature image), the certificate may sign
    (:func:`kyso.core.docs.presign.presign_token` with ``setup``'s level, time-stamp and
    trust). ``(Presigned, "")`` to go on to the PIN, ``(None, reason)`` to stop before it
    (one line)."""
    from kyso.core.docs.presign import presign_token

    if not token.ready:  # no token, or its PIN is locked
        fallback = token.pin_warning if token.locked else "Không tìm thấy token"
        return None, token.message or fallback
    problem = stamp_problem(token.holder, setup.image)
    if problem:
        return None, problem
    try:
        checked = presign_token(
            setup.token_options,
            setup.signing,
            trust=setup.trust,
            level=setup.level,
            timestamp_url=setup.timestamp_url,
            audit=audit,
        )
    except KysoError as exc:
        return None, exc.message
    return checked, ""
