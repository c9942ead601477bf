"""``kyso token list``: modules, slots, tokens and certificates, without a PIN."""

from __future__ import annotations

import click

from kyso.cli.common import echo_json


@click.group()
def token() -> None:
    """Token PKCS#11: liệt kê module, khe cắm, token, chứng thư."""


@token.command("list")
@click.option("--module", "module", metavar="PATH", help="Đường dẫn module PKCS#11.")
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
def list_tokens(module: str | None, as_json: bool) -> None:
    """Liệt kê module, token và chứng thư số (không hỏi PIN)."""
    from kyso.config.settings import load_settings
    from kyso.core.errors import TokenError
    from kyso.core.token.discovery import candidate_modules
    from kyso.core.token.inventory import inspect_module

    configured = load_settings().token.module or None
    candidates = candidate_modules(module, configured)
    if not candidates:
        raise TokenError(
            "Không tìm thấy module PKCS#11 nào. Cài driver của token hoặc dùng --module."
        )
    reports = [inspect_module(c) for c in candidates]
    if as_json:
        echo_json([r.to_json() for r in reports])
    else:
        for report in reports:
            _print_report(report)
    if module and reports[0].error:
        raise TokenError(reports[0].error)


def _print_report(report) -> None:
    click.echo(f"Module: {report.path}  ({report.name}, từ {report.source})")
    if report.error:
        click.echo(f"  Lỗi: {report.error}")
        return
    if not report.slots:
        click.echo("  (không có token)")
    for slot in report.slots:
        if slot.token is None:
            click.echo(f"  Khe {slot.slot_id}: {slot.error or 'trống'}")
            continue
        tok = slot.token
        extra = ", bàn phím PIN" if tok.pin_pad else ""
        click.echo(
            f"  Khe {slot.slot_id}: token {tok.label!r} ({tok.manufacturer} {tok.model}, "
            f"số sê-ri {tok.serial}{extra}, PIN: {tok.pin_state})"
        )
        if slot.error:
            click.echo(f"    Lỗi: {slot.error}")
        for cert in tok.certificates:
            usage = ", ".join(cert.key_usage) or "mọi mục đích"
            click.echo(f"    Chứng thư {cert.label!r} (id {cert.key_id}): {cert.subject}")
            click.echo(f"      Nơi cấp: {cert.issuer}")
            click.echo(
                f"      Hiệu lực: {cert.not_before:%d/%m/%Y} – {cert.not_after:%d/%m/%Y}; "
                f"dùng cho: {usage}"
            )
