"""``kyso token list`` and ``kyso token doctor``: what is plugged in, and what is wrong."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from kyso.cli.common import echo, echo_json

if TYPE_CHECKING:
    from kyso.core.token.diagnosis import Diagnosis


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
    from kyso.core.service.tokens import token_walk

    reports = token_walk(module, load_settings().token.module or None)
    if not reports:
        raise TokenError(
            "Không tìm thấy module PKCS#11 nào. Cài driver của token hoặc dùng --module."
        )
    if as_json:
        echo_json([r.to_json() for r in reports])
    else:
        for report in reports:
            _print_report(report)
    if module and reports[0].error:
        raise TokenError(reports[0].error)


def _print_report(report) -> None:
    echo(f"Module: {report.path}  ({report.name}, từ {report.source})")
    if report.error:
        echo(f"  Lỗi: {report.error}")
        return
    if not report.slots:
        echo("  (không có token)")
    for slot in report.slots:
        if slot.token is None:
            echo(f"  Khe {slot.slot_id}: {slot.error or 'trống'}")
            continue
        tok = slot.token
        extra = ", bàn phím PIN" if tok.pin_pad else ""
        echo(
            f"  Khe {slot.slot_id}: token {tok.label!r} ({tok.manufacturer} {tok.model}, "
            f"số sê-ri {tok.serial}{extra}, PIN: {tok.pin_state})"
        )
        if slot.error:
            echo(f"    Lỗi: {slot.error}")
        for cert in tok.certificates:
            usage = ", ".join(cert.key_usage) or "mọi mục đích"
            echo(f"    Chứng thư {cert.label!r} (id {cert.key_id}): {cert.subject}")
            echo(f"      Nơi cấp: {cert.issuer}")
            echo(
                f"      Hiệu lực: {cert.not_before:%d/%m/%Y} – {cert.not_after:%d/%m/%Y}; "
                f"dùng cho: {usage}"
            )


_MARK = {"error": "✗", "warning": "!", "info": "·"}

_MODULE_STATE = {
    "loaded": "nạp được",
    "load_error": "không nạp được",
    "not_found": "không tồn tại",
    "not_installed": "chưa cài",
    "not_used": "có, không dùng (đã chọn module khác)",
    "needs_forwarding": "có, chỉ dùng khi đặt P11_KIT_SERVER_ADDRESS",
    "link_down": "có, chưa nạp vì socket chuyển tiếp không trả lời",
}

_SOURCE = {"p11-kit": "đăng ký với p11-kit"}

_SOCKET_STATE = {
    "answers": "có và trả lời",
    "missing": "không tồn tại",
    "not_socket": "không phải socket",
    "refused": "không trả lời (không có ai nghe)",
    "closed": "không trả lời (đầu bên kia đóng kết nối)",
    "timeout": "không trả lời (quá thời gian)",
    "denied": "không có quyền mở",
    "error": "lỗi",
    "bad_address": "địa chỉ sai dạng",
    "other_transport": "không kiểm tra",
}

_PIN_STATE = {
    "ok": "bình thường",
    "count_low": "đã nhập sai vài lần",
    "final_try": "còn 1 lần thử",
    "locked": "ĐÃ KHOÁ",
}


@token.command("doctor")
@click.option("--module", "module", metavar="PATH", help="Kiểm tra module PKCS#11 này.")
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
def doctor(module: str | None, as_json: bool) -> None:
    """Chẩn đoán: kyso thấy module, token chuyển tiếp, token và chứng thư nào; cách sửa.

    Thoát 0 khi có token với chứng thư ký được, 1 nếu chưa.
    """
    from kyso.config.settings import load_settings
    from kyso.core.errors import TokenError
    from kyso.core.service.tokens import diagnose

    configured = load_settings().token.module or None
    diagnosis = diagnose(module, configured)
    if as_json:
        echo_json(diagnosis.to_json())
    else:
        _print_diagnosis(diagnosis)
    if not diagnosis.ok:
        # The verdict once, as every user error: one line on stderr (not also on stdout).
        raise TokenError(diagnosis.summary)


def _print_diagnosis(diagnosis: Diagnosis) -> None:
    fwd = diagnosis.forwarding
    echo("Token chuyển tiếp (p11-kit):")
    if fwd.address is None:
        echo("  P11_KIT_SERVER_ADDRESS: chưa đặt (không dùng token chuyển tiếp)")
    else:
        echo(f"  P11_KIT_SERVER_ADDRESS={fwd.address}")
        state = _SOCKET_STATE.get(fwd.state, fwd.state)
        mark = "✓" if fwd.answers else "✗"
        target = f"socket {fwd.socket}" if fwd.socket else "địa chỉ"
        echo(f"  {mark} {target}: {state}")
    if fwd.client_module:
        echo(f"  ✓ p11-kit-client.so: {fwd.client_module}")
    else:
        echo("  · p11-kit-client.so: chưa cài (gói p11-kit-modules)")
    echo("Module PKCS#11:")
    for check in diagnosis.modules:
        mark = {"loaded": "✓", "load_error": "✗", "not_found": "✗"}.get(check.state, "·")
        where = f" {check.path}" if check.path else ""
        origin = (
            f", từ {_SOURCE.get(check.source, check.source)}" if check.source != "known" else ""
        )
        echo(f"  {mark} {check.name}{where}: {_MODULE_STATE.get(check.state, check.state)}{origin}")
        if check.state == "loaded" and not check.tokens:
            echo("      (không có token)")
        for tok in check.tokens:
            pad = ", bàn phím PIN" if tok.pin_pad else ""
            echo(
                f"      Khe {tok.slot}: token {tok.label!r} ({tok.manufacturer} {tok.model}, "
                f"số sê-ri {tok.serial}{pad}), PIN: {_PIN_STATE.get(tok.pin_state, tok.pin_state)}"
            )
            for cert in tok.certificates:
                if cert.can_sign:
                    echo(
                        f"        ✓ {cert.label!r} — {cert.common_name}: ký được "
                        f"(hết hạn {cert.not_after:%d/%m/%Y})"
                    )
                else:
                    echo(f"        ✗ {cert.label!r} — {cert.common_name}: {cert.problem}")
    problems = [f for f in diagnosis.findings if f.level != "info" or f.fix]
    if problems:
        echo("Cần xem:")
        for finding in problems:
            echo(f"  {_MARK.get(finding.level, '·')} {finding.message}")
            for step in finding.fix:
                echo(f"      → {step}")
    if diagnosis.ok:
        echo(f"✓ {diagnosis.summary}")
