"""``kyso sign``: sign one or many PDFs in one token session, or (``--doc``) the main
attachment of inbox documents, queued for upload (cli/sign_docs.py)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import click

from kyso.cli.common import echo, echo_json, logged_in, token_options
from kyso.cli.presign import presign_token, same_certificate


@contextmanager
def _ctrl_c_stops(cancel: threading.Event) -> Iterator[None]:
    """The first Ctrl-C stops the batch after the document being signed (it stays
    signed, the rest are not touched); a second one interrupts at once."""

    def on_sigint(signum, frame) -> None:
        if cancel.is_set():
            raise KeyboardInterrupt
        cancel.set()
        echo("Đang dừng sau tệp đang ký… (Ctrl-C lần nữa để dừng ngay)", err=True)

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _warn_missing_blanks(ready) -> None:
    """Before the PIN: a Decree 30 document whose number/date blanks were not found
    (found by the pre-flight's ``notes``)."""
    from kyso.core.docs.issuance_blanks import blanks_warning

    for prepared in ready:
        if prepared.blanks_missing:
            echo(f"⚠ {prepared.job.source}: {blanks_warning('?', None)}", err=True)


def _warn_overlaps(ready) -> None:
    """Before the PIN: a stamp that would cover the document's text (the anchor line
    itself and the blank number/date lines are not counted; the pre-flight's
    ``notes``)."""
    for prepared in ready:
        if prepared.overlap:
            echo(f"⚠ {prepared.job.source}: {prepared.overlap}", err=True)


def _result_json(result) -> dict:  # result: kyso.core.docs.sign.JobResult
    """One file of ``kyso sign --json``."""
    signed = result.signed
    error = result.error
    return {
        "source": str(result.job.source),
        "output": str(result.job.output),
        "ok": result.ok,
        "skipped": result.skipped,
        "field": signed.field_name if signed else None,
        "placement": signed.placement.to_json() if signed and signed.placement else None,
        "signer": signed.signer if signed else None,
        "signed_at": signed.signed_at if signed else None,
        "error": getattr(error, "message", str(error)) if error is not None else None,
    }


@click.command()
@click.argument("inputs", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--doc",
    "doc_ids",
    multiple=True,
    type=int,
    metavar="ID",
    help="Ký tệp chính của văn bản ID trong hộp văn bản (lặp lại được); "
    "bản ký được gửi lên máy chủ.",
)
@click.option(
    "--then",
    "then",
    metavar="THAO_TÁC",
    help="Với --doc: chuyển văn bản sau khi ký (vd. chuyen_van_thu).",
)
@click.option("--to", "to", metavar="TÊN", help="Với --then: người nhận (tên đăng nhập).")
@click.option("--note", default="", help="Với --then: ý kiến ghi kèm thao tác chuyển.")
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Tệp ra (khi ký 1 tệp).")
@click.option("--out-dir", type=click.Path(path_type=Path), help="Thư mục ra (giữ nguyên tên tệp).")
@click.option("--module", metavar="PATH", help="Đường dẫn module PKCS#11.")
@click.option("--token", "token_label", metavar="LABEL", help="Nhãn token.")
@click.option("--key", "key_label", metavar="LABEL", help="Nhãn khoá / chứng thư.")
@click.option("--page", type=int, default=-1, show_default=True, help="Trang (1 = đầu, -1 = cuối).")
@click.option("--box", metavar="x0,y0,x1,y1", help="Hộp chữ ký (điểm PDF).")
@click.option("--anchor", metavar="TEXT", help="Đặt chữ ký dưới dòng chữ này (vd. chức vụ).")
@click.option("--image", type=click.Path(path_type=Path), help="Ảnh chữ ký PNG.")
@click.option("--reason", help="Lý do ký.")
@click.option("--location", help="Nơi ký.")
@click.option("--field", "field_name", metavar="NAME", help="Tên trường chữ ký.")
@click.option("--timestamp-url", metavar="URL", help="Máy chủ dấu thời gian (PAdES B-T).")
@click.option(
    "--level",
    type=click.Choice(["B-B", "B-T", "B-LT", "B-LTA"]),
    help="Mức PAdES (mặc định: signing.level, hạ mức có cảnh báo khi thiếu điều kiện).",
)
@click.option(
    "--trust",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Chứng thư gốc tin cậy (PEM/DER) để kiểm tra chứng thư ký; lặp lại được.",
)
@click.option("--invisible", is_flag=True, help="Ký không hiển thị con dấu.")
@click.option(
    "--repair",
    is_flag=True,
    help="Sửa tệp hỏng (xref hỏng, dữ liệu lạ trước %PDF-) bằng qpdf trên bản sao rồi ký; "
    "không bao giờ sửa tệp đã có chữ ký.",
)
@click.option("--pin-stdin", is_flag=True, help="Đọc PIN từ dòng đầu của stdin.")
@click.option(
    "--workers",
    type=click.IntRange(min=0, max=16),
    default=None,
    help="Số tiến trình chuẩn bị PDF song song (0 = tuần tự; mặc định: tự chọn).",
)
def sign(
    inputs: tuple[Path, ...],
    output: Path | None,
    out_dir: Path | None,
    module: str | None,
    token_label: str | None,
    key_label: str | None,
    page: int,
    box: str | None,
    anchor: str | None,
    image: Path | None,
    reason: str | None,
    location: str | None,
    field_name: str | None,
    timestamp_url: str | None,
    level: str | None,
    trust: tuple[Path, ...],
    invisible: bool,
    repair: bool,
    pin_stdin: bool,
    workers: int | None,
    doc_ids: tuple[int, ...] = (),
    then: str | None = None,
    to: str | None = None,
    note: str = "",
    as_json: bool = False,
) -> None:
    """Ký số các tệp PDF bằng token (một phiên, một lần nhập PIN).

    Với --doc ID: ký tệp chính của văn bản trong hộp văn bản (vị trí đã nhớ cho loại văn
    bản, nếu không thì dưới dòng chức vụ, nếu không thì theo --page/--box/--anchor), kiểm
    tra chữ ký, xếp hàng gửi bản ký lên máy chủ rồi đồng bộ."""
    from kyso.cli.sign_docs import sign_inbox_documents, sign_setup
    from kyso.core.docs.placement import parse_box
    from kyso.core.service.sign_documents import PlacementFlags

    if box and anchor:
        raise click.UsageError("Chọn --box hoặc --anchor, không cả hai")
    flags = PlacementFlags(page=page, box=parse_box(box) if box else None, anchor=anchor)
    chosen = token_options(module, token_label, key_label)
    setup = sign_setup(chosen, image, reason, timestamp_url, level=level, trust=trust)
    if doc_ids:
        if inputs or output or out_dir:
            raise click.UsageError("--doc không dùng cùng tệp PDF, -o hay --out-dir")
        if location:
            raise click.UsageError("--location chưa dùng được với --doc")
        sign_inbox_documents(
            doc_ids,
            setup,
            flags,
            then=then,
            to=to,
            note=note,
            pin_stdin=pin_stdin,
            as_json=as_json,
        )
        return
    if then or to or note:
        raise click.UsageError("--then, --to và --note chỉ dùng cùng --doc")
    if not inputs:
        raise click.UsageError(
            "Thiếu tệp PDF cần ký (hoặc --doc ID để ký văn bản trong hộp văn bản)"
        )
    from kyso.core.docs.parallel import default_workers, preflight_parallel, sign_batch_parallel
    from kyso.core.docs.sign import SignJob, SignOptions, sign_batch
    from kyso.core.errors import SigningError

    if (output is None) == (out_dir is None):
        raise click.UsageError("Chọn đúng một trong -o/--output hoặc --out-dir")
    if output is not None and len(inputs) != 1:
        raise click.UsageError("-o chỉ dùng khi ký 1 tệp; nhiều tệp thì dùng --out-dir")
    options = SignOptions(
        page=flags.page,
        box=flags.box,
        anchor=flags.anchor,
        image=Path(setup.image) if setup.image else None,
        reason=setup.reason or None,
        location=location or setup.signing.location or None,
        field_name=field_name,
        timestamp_url=setup.timestamp_url,
        visible=not invisible,
        repair=repair,
    )
    if options.image is not None:
        from kyso.core.docs.stamp import load_signature_image

        load_signature_image(options.image)
    if out_dir is not None:
        if not out_dir.is_dir():
            raise click.UsageError(f"--out-dir: thư mục không tồn tại: {out_dir}")
        jobs = [SignJob(p, out_dir / p.name) for p in inputs]
    else:
        jobs = [SignJob(inputs[0], output)]

    # The checks before the PIN are CPU-bound: a batch spreads them over the workers.
    checkers = default_workers(len(jobs)) if workers is None else workers
    ready, failures = preflight_parallel(jobs, options, workers=checkers, notes=True)
    rows: list[dict] = [_result_json(failure) for failure in failures]
    for failure in failures:
        echo(f"✗ {failure.job.source}: {failure.error}", err=True)
    for item in ready:
        if item.check.repaired_with:
            echo(
                f"⚠ {item.job.source}: tệp hỏng, đã sửa bằng {item.check.repaired_with} "
                "trên bản sao trước khi ký (tệp gốc giữ nguyên)",
                err=True,
            )
    if not ready:
        if as_json:
            echo_json(rows)
        raise SigningError(f"Không tệp nào ký được ({len(failures)}/{len(jobs)} lỗi)")
    _warn_missing_blanks(ready)
    _warn_overlaps(ready)

    checked = presign_token(
        chosen, trust=setup.trust, level=setup.level, timestamp_url=setup.timestamp_url
    )
    options = replace(options, ltv=checked.plan)
    with logged_in(chosen, pin_stdin) as session:
        key = session.signing_key(key_label)
        same_certificate(key, checked)

        def report(result, done: int, total: int) -> None:
            if as_json:
                rows.append(_result_json(result))
                return
            if result.ok:
                signed = result.signed
                where = ""
                if signed.placement:
                    where = f", trang {signed.placement.page + 1}, {signed.placement.rule_text}"
                echo(f"✓ {result.job.source} → {result.job.output} ({signed.field_name}{where})")
            else:
                mark = "…" if result.skipped else "✗"
                echo(f"{mark} {result.job.source}: {result.error}", err=True)

        if workers is None:
            workers = default_workers(len(ready))
        with _ctrl_c_stops(cancel := threading.Event()):
            if workers:
                batch = sign_batch_parallel(
                    ready, key, options, workers=workers, on_result=report, cancel=cancel
                )
            else:
                batch = sign_batch(
                    ready, key, options, on_result=report, session=session, cancel=cancel
                )
    if as_json:
        echo_json(rows)
    if cancel.is_set():
        raise SigningError(f"Đã dừng (Ctrl-C): đã ký {len(batch.signed)}/{len(jobs)} tệp.")
    failed = len(failures) + len(batch.failed)
    if batch.stopped is not None:
        raise type(batch.stopped)(
            f"{batch.stopped.message} Đã ký {len(batch.signed)}/{len(jobs)} tệp."
        )
    if failed:
        raise SigningError(f"{failed}/{len(jobs)} tệp không ký được")
