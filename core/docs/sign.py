"""Sign PDFs with a key on the token: one file, or a batch in one token session.

A batch goes through explicit stages: every job is pre-flighted (:class:`Prepared` or a
failure) before the first signature, then each prepared job is signed into a
:class:`SignedDocument`: an incremental update (earlier signatures stay valid) at the
PAdES level of :mod:`kyso.core.docs.ltv`, written atomically; the input is never modified.
The options, jobs and results are defined in :mod:`kyso.core.docs.sign_jobs`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Sequence
from io import BytesIO
from pathlib import Path

from kyso.core.atomic import sync_folders, write_atomic
from kyso.core.docs.issuance import add_issuance_fields, find_issuance_slots
from kyso.core.docs.ltv import level_metadata
from kyso.core.docs.pdf import PdfCheck, open_writer
from kyso.core.docs.placement import Placement, resolve_placement
from kyso.core.docs.sign_jobs import (
    BatchResult,
    JobResult,
    Prepared,
    SignedDocument,
    SignJob,
    SignOptions,
)
from kyso.core.docs.stamp import (
    StampText,
    format_signing_time,
    load_signature_image,
    make_stamp_style,
    missing_glyphs,
)
from kyso.core.errors import (
    DocumentError,
    KysoError,
    OutputError,
    SigningError,
    TokenRemovedError,
)
from kyso.core.token.errors import translate

__all__ = [
    "BatchResult",
    "JobResult",
    "Prepared",
    "SignJob",
    "SignOptions",
    "SignedDocument",
    "StampCache",
    "preflight",
    "prepare",
    "run_pdf_signer",
    "sign_batch",
    "sign_file",
    "sign_prepared",
]


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (b.exists() and os.path.samefile(a, b))
    except OSError:
        return False


def _check_output(job: SignJob) -> None:
    if _same_file(job.source, job.output):
        raise OutputError(f"Không ghi đè tệp gốc {job.source}; chọn tệp ra khác")
    folder = job.output.parent if str(job.output.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"Thư mục ra không tồn tại: {folder}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"Không có quyền ghi vào thư mục {folder}")


def _field_name(check: PdfCheck, wanted: str | None) -> str:
    if wanted:
        if wanted in check.signed_fields:
            raise DocumentError(f"Trường chữ ký {wanted!r} đã được ký trong {check.path}")
        return wanted
    n = len(check.signature_fields) + 1
    while f"Signature{n}" in check.signature_fields:
        n += 1
    return f"Signature{n}"


def prepare(job: SignJob, options: SignOptions, *, notes: bool = False) -> Prepared:
    """Pre-flight one job: input readable and signable, output writable, box placed.
    With ``notes``, also what to tell the signer before the PIN (a Decree 30 heading
    without blanks, a stamp over the text). The file is parsed once by PyMuPDF and once
    by pyHanko, whose reader the signature then takes over."""
    from kyso.core.docs.placement_check import signer_notes
    from kyso.core.docs.preflight import open_for_signing

    _check_output(job)
    loaded = open_for_signing(job.source, repair=options.repair, field_name=options.field_name)
    check = loaded.check
    placement = slots = None
    blanks_missing, overlap = False, ""
    if options.visible or options.issuance_fields or notes:
        from kyso.core.docs.pdf import open_mupdf

        # One parse serves placement, the blanks and the notes (MuPDF loads a page's
        # fonts once per document, the costly part of reading its text).
        with loaded.doc if loaded.doc is not None else open_mupdf(loaded.data) as doc:
            if options.visible:
                placement = resolve_placement(
                    doc,
                    page=options.page,
                    box=options.box,
                    anchor=options.anchor,
                    default=options.default_placement,
                    path=job.source,
                    field_name=options.field_name,
                )
            if options.issuance_fields:
                slots = find_issuance_slots(doc)
            if notes:
                blanks_missing, overlap = signer_notes(doc, slots, placement, options.anchor)
    elif loaded.doc is not None:
        loaded.doc.close()
    return Prepared(
        job,
        loaded.data,
        check,
        placement,
        _field_name(check, options.field_name),
        slots,
        blanks_missing,
        overlap,
        [loaded.reader],
    )


class StampCache:
    """Stamp styles for a batch: built once per box width, the signature image and the
    font loaded once."""

    def __init__(self, options: SignOptions) -> None:
        self._image = load_signature_image(options.image) if options.image else None
        self._styles: dict[tuple[float, int], object] = {}

    def style(self, placement: Placement | None):
        if placement is None:
            return None
        from kyso.core.docs.stamp_rotation import rotated_style

        key = (round(placement.size[0], 1), placement.rotation)
        if key not in self._styles:
            style = make_stamp_style(key[0], self._image)
            self._styles[key] = rotated_style(style, placement.rotation)
        return self._styles[key]


def sign_prepared(
    prepared: Prepared, key, options: SignOptions, stamper: StampCache | None = None
) -> SignedDocument:
    """Sign one pre-flighted job with ``key`` (a :class:`SigningKey`) and write it."""
    payload, signed = _signed_bytes(prepared, key, options, stamper)
    write_atomic(prepared.job.output, payload)
    return signed


def _signed_bytes(
    prepared: Prepared, key, options: SignOptions, stamper: StampCache | None = None
) -> tuple[bytes, SignedDocument]:
    """The signed file's bytes, not yet written, and what to report once they are."""
    from pyhanko.sign import fields, signers

    stamper = stamper or StampCache(options)
    cert = key.certificate
    text = StampText(cert.common_name, cert.organization, format_signing_time())
    if prepared.placement is not None:
        missing = missing_glyphs(text.render())
        if missing:
            raise SigningError("Phông chữ của con dấu thiếu ký tự: " + "".join(sorted(missing)))
    writer = open_writer(prepared.data, prepared.take_reader())
    if prepared.slots is not None:
        add_issuance_fields(writer, prepared.slots)
    spec = None
    if prepared.placement is not None:
        spec = fields.SigFieldSpec(
            sig_field_name=prepared.field_name,
            on_page=prepared.placement.page,
            box=prepared.placement.pdf_box,
        )
    timestamper, level = level_metadata(options.ltv, options.timestamp_url)
    meta = signers.PdfSignatureMetadata(
        field_name=prepared.field_name,
        reason=options.reason or None,
        location=options.location or None,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        **level,
    )
    pdf_signer = signers.PdfSigner(
        meta,
        signer=key.signer,
        timestamper=timestamper,
        stamp_style=stamper.style(prepared.placement),
        new_field_spec=spec,
    )
    payload = run_pdf_signer(
        pdf_signer,
        writer,
        text.params(),
        bytes_reserved=_reserved_bytes(options),
        what=f"Ký {prepared.job.source.name}",
    )
    return payload, SignedDocument(
        job=prepared.job,
        placement=prepared.placement,
        field_name=prepared.field_name,
        signer=cert.common_name,
        signed_at=text.time,
        size=len(payload),
    )


def run_pdf_signer(pdf_signer, writer, params: dict, *, bytes_reserved: int, what: str) -> bytes:
    """Run a pyHanko ``PdfSigner`` into memory, with its failures as kyso's errors:
    a token error keeps its meaning (pulled out, PIN…), anything else says ``what``
    failed."""
    from pyhanko.sign.general import SigningError as HankoSigningError

    out = BytesIO()
    try:
        pdf_signer.sign_pdf(
            writer, output=out, appearance_text_params=params, bytes_reserved=bytes_reserved
        )
    except KysoError:
        raise
    except HankoSigningError as exc:
        cause = exc.__cause__
        if isinstance(cause, KysoError):
            raise cause from None
        if cause is not None and type(cause).__module__.startswith("pkcs11"):
            raise translate(cause, "ký", in_session=True) from None
        raise SigningError(f"{what} thất bại: {exc}") from None
    except Exception as exc:
        if type(exc).__module__.startswith("pkcs11"):
            raise translate(exc, "ký", in_session=True) from None
        raise SigningError(f"{what} thất bại: {exc}") from None
    return out.getvalue()


def _reserved_bytes(options: SignOptions) -> int:
    """Room for the CMS blob. Fixing it spares pyHanko a dummy signature per file to
    estimate the size; 16 KiB holds an RSA-4096 signature with a four-certificate chain,
    a timestamp token needs as much again."""
    stamped = options.ltv.timestamper is not None if options.ltv else options.timestamp_url
    return 32768 if stamped else 16384


def sign_file(
    source: Path, output: Path, key, options: SignOptions | None = None
) -> SignedDocument:
    """Sign ``source`` into ``output``; raises a :class:`KysoError` on any failure."""
    options = options or SignOptions()
    job = SignJob(Path(source), Path(output))
    return sign_prepared(prepare(job, options), key, options)


def preflight(
    jobs: Iterable[SignJob], options: SignOptions, *, notes: bool = False
) -> tuple[list[Prepared], list[JobResult]]:
    """Check every job before any PIN is asked: the ones that can be signed, and the
    failures (each with its reason); ``notes`` as in :func:`prepare`."""
    ready: list[Prepared] = []
    failed: list[JobResult] = []
    for job in jobs:
        try:
            ready.append(prepare(job, options, notes=notes))
        except KysoError as exc:
            failed.append(JobResult(job, error=exc))
        except Exception as exc:  # a hostile file fails alone, in one line
            error = DocumentError(f"Tệp PDF bị hỏng, không đọc được: {job.source} ({exc})")
            failed.append(JobResult(job, error=error))
    return ready, failed


def sign_batch(
    jobs: Sequence[SignJob | Prepared] | Iterable[SignJob | Prepared],
    key,
    options: SignOptions,
    *,
    on_result: Callable[[JobResult, int, int], None] | None = None,
    cancel: threading.Event | None = None,
    session=None,
) -> BatchResult:
    """Sign every job with one key, reporting each result as it happens.

    A failing file does not stop the others. The token being pulled out (or the
    forwarded link dropping) and ``cancel`` stop the batch: files already signed stay
    signed, the rest are reported as skipped, and no output is ever half-written.
    ``session`` (a :class:`TokenSession`) is used to tell a pulled token apart.
    """
    jobs = list(jobs)
    results: list[JobResult] = []
    stopped: KysoError | None = None
    stamper = StampCache(options)
    total = len(jobs)
    folders: set[Path] = set()

    def report(result: JobResult) -> None:
        results.append(result)
        if on_result is not None:
            on_result(result, len(results), total)

    try:
        for item in jobs:
            job = item.job if isinstance(item, Prepared) else item
            if stopped is None and cancel is not None and cancel.is_set():
                stopped = SigningError(_CANCELLED)
            if stopped is not None:
                report(JobResult(job, error=stopped, skipped=True))
                continue
            try:
                prepared = item if isinstance(item, Prepared) else prepare(job, options)
                payload, signed = _signed_bytes(prepared, key, options, stamper)
                # Each file is flushed to disk before its rename (never half a file);
                # the folders' own flush, which makes the renames durable, is done
                # once for the batch.
                write_atomic(job.output, payload, sync_folder=False)
                folders.add(job.output.parent)
            except TokenRemovedError as exc:
                stopped = exc
                report(JobResult(job, error=exc))
                continue
            except KysoError as exc:
                if session is not None and _token_gone(session):
                    stopped = TokenRemovedError("Token đã bị rút ra hoặc mất kết nối khi ký.")
                    report(JobResult(job, error=stopped))
                    continue
                report(JobResult(job, error=exc))
                continue
            except KeyboardInterrupt:
                stopped = SigningError("Đã dừng (Ctrl-C); các tệp còn lại chưa ký.")
                report(JobResult(job, error=stopped, skipped=True))
                continue
            except Exception as exc:  # one bad file never ends the batch with a traceback
                error = SigningError(f"Ký {job.source.name} thất bại: {exc}")
                report(JobResult(job, error=error))
                continue
            report(JobResult(job, signed=signed))
    finally:
        sync_folders(folders)
    return BatchResult(tuple(results), stopped)


_CANCELLED = "Đã dừng theo yêu cầu; các tệp còn lại chưa ký."


def _token_gone(session) -> bool:
    try:
        session.check_present()
    except TokenRemovedError:
        return True
    except KysoError:
        return False
    return False
