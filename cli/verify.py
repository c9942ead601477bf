"""``kyso verify``: check the signatures in PDFs with the one strict verdict."""

from __future__ import annotations

from pathlib import Path

import click

from kyso.cli.common import echo, echo_json

NO_ANCHORS = (
    "Đã kiểm tra tính toàn vẹn nhưng CHƯA kiểm tra nơi cấp tin cậy: chưa có chứng thư gốc "
    "nào (thêm bằng `kyso trust add CA.pem` hoặc `--trust CA.pem`; "
    "bỏ qua bằng `--no-trust-check`)"
)


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--trust",
    "trust",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Thêm chứng thư gốc/trung gian tin cậy (PEM/DER) cho lần này; lặp lại được.",
)
@click.option(
    "--no-trust-check",
    is_flag=True,
    help="Chỉ kiểm tra toàn vẹn, không kiểm tra nơi cấp tin cậy.",
)
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
def verify(files: tuple[Path, ...], trust: tuple[Path, ...], no_trust_check: bool, as_json: bool):
    """Kiểm tra chữ ký số. Thoát 0 khi mọi tệp có chữ ký và tất cả đều đạt."""
    from kyso.core.docs.trust import load_anchors
    from kyso.core.docs.verify import verify_pdf
    from kyso.core.errors import DocumentError, KysoError

    anchors = None if no_trust_check else (load_anchors(list(trust)) or None)
    reports, bad = [], 0
    for path in files:
        try:
            report = verify_pdf(path, trust=anchors)
        except KysoError as exc:
            bad += 1
            if as_json:
                reports.append({"file": str(path), "ok": False, "error": exc.message})
            else:
                echo(f"✗ {path}: {exc.message}", err=True)
            continue
        if not report.ok:
            bad += 1
        if as_json:
            reports.append(report.to_json())
        else:
            _print(path, report)
    if as_json:
        echo_json(reports)
    if bad:
        raise DocumentError(f"{bad}/{len(files)} tệp không đạt kiểm tra chữ ký")
    if anchors is None and not no_trust_check:
        raise DocumentError(NO_ANCHORS)


def _print(path: Path, report) -> None:
    from kyso.core.docs.docmdp import DOCMDP_WORDS

    mark = ("✓" if report.trust_checked else "⚠") if report.ok else "✗"
    echo(f"{mark} {path}: {len(report.signatures)} chữ ký")
    if not report.signatures:
        echo("    (không có chữ ký số)")
    if report.docmdp is not None:
        echo(f"    Tài liệu được chứng nhận: {DOCMDP_WORDS.get(report.docmdp, '')}")
    for sig in report.signatures + report.timestamps:
        when = sig.signing_time.strftime("%d/%m/%Y %H:%M:%S +07:00") if sig.signing_time else "?"
        sign = "✓" if sig.ok else "✗"
        what = "Dấu thời gian" if sig.kind == "timestamp" else "PAdES " + sig.pades_level
        echo(f"  {sign} [{sig.field}] {sig.signer_name} — {when} — {what}")
        if sig.ok or not sig.reasons:
            echo(f"      {sig.summary}")
        for line in sig.reasons:
            echo(f"      - {line}")
        if sig.revocation != "unknown":
            word = "còn hiệu lực" if sig.revocation == "good" else "ĐÃ BỊ THU HỒI"
            echo(f"      Trạng thái chứng thư lúc ký: {word}")
    for line in report.problems:
        echo(f"    ✗ {line}")
