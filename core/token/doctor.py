"""``kyso token doctor``: what kyso sees of tokens, and the exact fix for each problem.

It looks at, in order: the forwarded-token socket (``P11_KIT_SERVER_ADDRESS``, checked
with a real p11-kit handshake before the client module is loaded, so a dead link cannot
hang the diagnosis; :mod:`~kyso.core.token.forwarding_check`), ``p11-kit-client.so``,
every known module and every module registered with p11-kit (does the file exist, does
it load and, when not, why: missing library, a 32-bit module, wrong architecture, not a
PKCS#11 module; :mod:`~kyso.core.token.load_check`), the slots and tokens each module
shows, and the certificates on each token and whether they can sign now. No PIN is
asked; nothing is written.

Plain Python: the CLI prints a :class:`Diagnosis` (:mod:`~kyso.core.token.diagnosis`),
the app can show the same findings.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from kyso.core.errors import CertificateError
from kyso.core.token.certificates import CertificateInfo, check_can_sign
from kyso.core.token.diagnosis import (
    CertificateCheck,
    Diagnosis,
    Finding,
    ForwardingCheck,
    ModuleCheck,
    TokenCheck,
)
from kyso.core.token.discovery import ModuleCandidate, candidate_modules, known_modules
from kyso.core.token.forwarding_check import check_forwarding, remote_socket_hint, ssh_fix
from kyso.core.token.inventory import ModuleReport, inspect_module
from kyso.core.token.load_check import explain_init_error, explain_load_error, load_problem
from kyso.core.token.p11kit_registry import registered_modules
from kyso.core.token.reconnect import ADDRESS_VARIABLE

__all__ = [
    "CertificateCheck",
    "Diagnosis",
    "Finding",
    "ForwardingCheck",
    "ModuleCheck",
    "TokenCheck",
    "diagnose",
    "explain_init_error",
    "explain_load_error",
    "token_findings",
]


def _token_checks(report: ModuleReport, now: dt.datetime) -> tuple[list[TokenCheck], list[str]]:
    tokens, slot_errors = [], []
    for slot in report.slots:
        if slot.token is None:
            if slot.error:
                slot_errors.append(f"khe {slot.slot_id}: {slot.error}")
            continue
        if slot.error:
            slot_errors.append(f"khe {slot.slot_id} (token {slot.token.label!r}): {slot.error}")
        tokens.append(
            TokenCheck(
                module=report.path,
                slot=slot.slot_id,
                label=slot.token.label,
                manufacturer=slot.token.manufacturer,
                model=slot.token.model,
                serial=slot.token.serial,
                pin_state=slot.token.pin_state,
                pin_pad=slot.token.pin_pad,
                certificates=tuple(_cert_check(c, now) for c in slot.token.certificates),
            )
        )
    return tokens, slot_errors


def _cert_check(cert: CertificateInfo, now: dt.datetime) -> CertificateCheck:
    try:
        check_can_sign(cert, now)
        problem = None
    except CertificateError as exc:
        problem = exc.message
    return CertificateCheck(
        cert.label, cert.key_id, cert.common_name, cert.not_after, problem is None, problem
    )


def _inspect(
    name: str, path: str, source: str, now: dt.datetime, env: dict[str, str]
) -> tuple[ModuleCheck, list[Finding]]:
    """Load and inspect one module that exists.

    A module kyso merely found (``known``, ``p11-kit``) that fails is a warning: another
    one may still have the token. A module the user chose that fails is an error.
    """
    problem = load_problem(path)
    if problem is not None:
        kind, words = problem
        if kind == "dlopen":
            finding = explain_load_error(path, words)
        else:
            finding = explain_init_error(path, words, env)
        if source in ("known", "p11-kit"):
            finding = Finding("warning", finding.message, finding.fix)
        return ModuleCheck(name, path, source, "load_error", finding.message), [finding]
    report = inspect_module(ModuleCandidate(path, name, source))
    if report.error:
        finding = Finding("error", f"Module {path}: {report.error}")
        return ModuleCheck(name, path, source, "load_error", report.error), [finding]
    tokens, slot_errors = _token_checks(report, now)
    findings = [Finding("warning", f"Module {path}, {e}") for e in slot_errors]
    return (
        ModuleCheck(name, path, source, "loaded", None, tuple(tokens), tuple(slot_errors)),
        findings,
    )


def token_findings(token: TokenCheck) -> list[Finding]:
    """What the doctor says about one token: its PIN state, then its certificates."""
    via = Path(token.module).name
    name = f"Token {token.label!r} (qua {via})"
    if token.pin_state == "locked":
        return [
            Finding(
                "error",
                f"{name}: mã PIN đã bị khoá.",
                (
                    "PIN bị khoá: liên hệ nơi cấp chứng thư (CA) để mở khoá bằng PIN quản trị "
                    "(SO PIN); kyso không mở khoá được.",
                ),
            )
        ]
    findings = []
    if token.pin_state == "final_try":
        findings.append(
            Finding(
                "warning",
                f"{name}: chỉ còn 1 lần nhập PIN; sai lần nữa token sẽ bị khoá.",
                ("Kiểm tra kỹ PIN trước khi ký; quên PIN thì liên hệ nơi cấp chứng thư (CA).",),
            )
        )
    elif token.pin_state == "count_low":
        findings.append(Finding("warning", f"{name}: token báo đã nhập sai PIN nhiều lần."))
    if not token.certificates:
        findings.append(
            Finding(
                "error",
                f"{name} không có chứng thư số nào.",
                ("Kiểm tra đúng token chưa; token mới cần CA nạp chứng thư.",),
            )
        )
    elif not token.usable:
        reasons = "; ".join(f"{c.label!r}: {c.problem}" for c in token.certificates)
        findings.append(
            Finding(
                "error",
                f"{name} không có chứng thư nào ký được lúc này ({reasons}).",
                ("Gia hạn hoặc xin cấp lại chứng thư số ở nơi cấp (CA).",),
            )
        )
    elif len(token.usable) > 1:
        labels = ", ".join(repr(c.label) for c in token.usable)
        findings.append(
            Finding(
                "info",
                f"{name} có nhiều chứng thư ký được ({labels}).",
                ("Chọn khi ký: kyso sign --key <nhãn> …",),
            )
        )
    return findings


def _module_not_found(candidate: ModuleCandidate) -> Finding:
    others = [
        path
        for m in known_modules()
        if not m.requires_env
        and (path := next((p for p in m.paths if os.path.exists(p)), None)) is not None
    ]
    fix = [
        f"Kiểm tra đường dẫn (ls -l {candidate.path}) hoặc cài driver của nhà cung cấp token.",
    ]
    if others:
        fix.append(f"Module có trên máy này: {', '.join(others)} (dùng --module <đường dẫn>).")
    if candidate.source == "KYSO_MODULE":
        fix.append("Hoặc bỏ biến để kyso tự tìm: unset KYSO_MODULE")
    elif candidate.source == "config":
        fix.append("Hoặc xoá token.module trong tệp cấu hình để kyso tự tìm.")
    return Finding(
        "error",
        f"Module PKCS#11 không tồn tại: {candidate.path} (từ {candidate.source}).",
        tuple(fix),
    )


def _is_client(path: str) -> bool:
    return "p11-kit-client" in Path(path).name


def _link_down(forwarding: ForwardingCheck) -> bool:
    """The forwarded socket is set but does not answer (or is not set at all)."""
    return forwarding.state not in ("answers", "other_transport")


def diagnose(
    module: str | None = None,
    configured: str | None = None,
    *,
    env: dict[str, str] | None = None,
    now: dt.datetime | None = None,
) -> Diagnosis:
    """Look at everything between kyso and a token; nothing is asked, nothing written.

    ``module`` is ``--module``, ``configured`` the config file's ``token.module``;
    ``KYSO_MODULE`` is read as discovery reads it. ``env`` (default: the process
    environment, which is also what the PKCS#11 modules themselves read) gives
    ``P11_KIT_SERVER_ADDRESS`` and the hints (``SSH_CONNECTION``, ``SOFTHSM2_CONF``).
    """
    env = dict(os.environ if env is None else env)
    now = now or dt.datetime.now(dt.UTC)
    forwarding, findings = check_forwarding(env)
    chosen = [c for c in candidate_modules(module, configured) if not c.discovered]
    checks: list[ModuleCheck] = []
    if chosen:
        candidate = chosen[0]
        if not os.path.exists(candidate.path):
            findings.append(_module_not_found(candidate))
            checks.append(
                ModuleCheck(candidate.name, candidate.path, candidate.source, "not_found")
            )
        elif _is_client(candidate.path) and _link_down(forwarding):
            checks.append(
                ModuleCheck(candidate.name, candidate.path, candidate.source, "link_down")
            )
            if forwarding.address is None:
                findings.append(
                    Finding(
                        "error",
                        f"{candidate.path} chỉ dùng được với token chuyển tiếp, nhưng "
                        f"{ADDRESS_VARIABLE} chưa đặt.",
                        ssh_fix(remote_socket_hint(forwarding)),
                    )
                )
        else:
            check, more = _inspect(candidate.name, candidate.path, candidate.source, now, env)
            checks.append(check)
            findings.extend(more)
    checks.extend(_discovered_checks(chosen[0] if chosen else None, forwarding, now, env, findings))
    # A forwarded token first, as discovery orders it.
    if forwarding.address:
        checks.sort(key=lambda c: not (c.path and "p11-kit-client" in c.path))
    for check in checks:
        for token in check.tokens:
            findings.extend(token_findings(token))
    if not any(c.tokens for c in checks) and not any(f.level == "error" for f in findings):
        findings.append(_no_token_finding(checks, forwarding, env))
    return Diagnosis(forwarding, tuple(checks), tuple(findings))


def _discovered_checks(
    chosen: ModuleCandidate | None,
    forwarding: ForwardingCheck,
    now: dt.datetime,
    env: dict[str, str],
    findings: list[Finding],
) -> list[ModuleCheck]:
    """The known modules, then those registered with p11-kit that are not the same file;
    each inspected unless the user chose another module (then only listed)."""
    checks: list[ModuleCheck] = []
    seen = {os.path.realpath(chosen.path)} if chosen else set()
    found: list[tuple[str, str | None, str, str | None]] = []
    for known in known_modules():
        path = next((p for p in known.paths if os.path.exists(p)), None)
        found.append((known.name, path, "known", known.requires_env))
    for registered in registered_modules(env):
        found.append((registered.name, registered.path, "p11-kit", None))
    for name, path, source, requires_env in found:
        if path is not None:
            real = os.path.realpath(path)
            if real in seen and (chosen is None or source == "p11-kit"):
                continue  # the same file under another name
            seen.add(real)
        if chosen is not None:
            if path is None or os.path.realpath(path) != os.path.realpath(chosen.path):
                state = "not_used" if path else "not_installed"
                checks.append(ModuleCheck(name, path, source, state))
            continue
        if path is None:
            checks.append(ModuleCheck(name, None, source, "not_installed"))
        elif requires_env and not env.get(requires_env):
            checks.append(ModuleCheck(name, path, source, "needs_forwarding"))
        elif _is_client(path) and _link_down(forwarding):
            # Loading the client against a dead link can block or fail; the socket
            # finding above already says what to do.
            checks.append(ModuleCheck(name, path, source, "link_down"))
        else:
            check, more = _inspect(name, path, source, now, env)
            checks.append(check)
            findings.extend(more)
    return checks


def _no_token_finding(
    checks: list[ModuleCheck], forwarding: ForwardingCheck, env: dict[str, str]
) -> Finding:
    loaded = [c for c in checks if c.state == "loaded"]
    if forwarding.answers:
        return Finding(
            "error",
            "p11-kit server ở đầu bên kia trả lời nhưng không đưa ra token nào.",
            (
                "Trên máy có token: cắm token vào, xem nhãn bằng `kyso token list` "
                "(hoặc `p11tool --list-tokens`),",
                'rồi chạy lại p11-kit server với đúng "pkcs11:token=<nhãn token>".',
            ),
        )
    if not loaded:
        fix = [
            "Cài driver (module PKCS#11) của token, hoặc chỉ đường dẫn bằng --module <tệp .so>.",
            "Token dùng chuẩn OpenSC: sudo apt install opensc pcscd",
        ]
        if env.get("SSH_CONNECTION"):
            fix = [
                "Đang trong phiên SSH: chuyển tiếp token từ máy có token.",
                *ssh_fix(remote_socket_hint(forwarding)),
            ]
        return Finding("error", "Không nạp được module PKCS#11 nào.", tuple(fix))
    fix = ["Cắm token vào cổng USB rồi chạy lại kyso token doctor."]
    if env.get("SSH_CONNECTION") and not forwarding.address:
        fix = [
            "Đang trong phiên SSH: token cắm ở máy của bạn cần được chuyển tiếp.",
            *ssh_fix(remote_socket_hint(forwarding)),
        ]
    else:
        fix.append("Đã cắm mà vẫn không thấy: sudo apt install pcscd && sudo systemctl start pcscd")
    return Finding("error", "Không thấy token nào: chưa cắm token.", tuple(fix))
