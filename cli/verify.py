"""``kyso verify``: check the signatures in PDFs."""

from __future__ import annotations

from pathlib import Path

import click

from kyso.cli.common import echo, echo_json


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--trust",
    "trust",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Chứng thư gốc tin cậy (PEM/DER); lặp lại được.",
)
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
def verify(files: tuple[Path, ...], trust: tuple[Path, ...], as_json: bool) -> None:
    """Kiểm tra chữ ký số. Thoát 0 khi mọi tệp có chữ ký và tất cả đều hợp lệ."""
    from kyso.core.docs.stamp import VN_TZ
    from kyso.core.docs.verify import load_trust_roots, verify_pdf
    from kyso.core.errors import DocumentError, KysoError

    roots = load_trust_roots(list(trust)) if trust else None
    reports, bad = [], 0
    for path in files:
        try:
            report = verify_pdf(path, trust=roots)
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
            continue
        mark = "✓" if report.ok else "✗"
        echo(f"{mark} {path}: {len(report.signatures)} chữ ký")
        if not report.signatures:
            echo("    (không có chữ ký số)")
        for sig in report.signatures:
            when = (
                sig.signing_time.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M:%S +07:00")
                if sig.signing_time
                else "?"
            )
            echo(f"    [{sig.field}] {sig.signer_name} — {when} — PAdES {sig.pades_level}")
            echo(f"      {sig.summary}")
    if as_json:
        echo_json(reports)
    if bad:
        raise DocumentError(f"{bad}/{len(files)} tệp không đạt kiểm tra chữ ký")
