"""``kyso token doctor``: what kyso sees of tokens, and the exact fix for each problem.

It looks at, in order: the forwarded-token socket (``P11_KIT_SERVER_ADDRESS``, checked
with a real p11-kit handshake before the client module is loaded, so a dead link cannot
hang the diagnosis), ``p11-kit-client.so``, every known module (does the file exist,
does it load and, when not, why: missing library, wrong architecture, not a PKCS#11
module), the slots and tokens each module shows, and the certificates on each token
and whether they can sign now. No PIN is asked; nothing is written.

Plain Python: the CLI prints a :class:`Diagnosis`, the app can show the same findings.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path

from kyso.core.errors import CertificateError
from kyso.core.token.certificates import CertificateInfo, check_can_sign
from kyso.core.token.discovery import ModuleCandidate, candidate_modules, known_modules
from kyso.core.token.inventory import ModuleReport, inspect_module
from kyso.core.token.reconnect import (
    ADDRESS_VARIABLE,
    LinkProbe,
    default_socket_path,
    parse_server_address,
    probe_socket,
)

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
]

CLIENT_PACKAGE = "p11-kit-modules"
"""The Debian package that ships ``p11-kit-client.so``."""

REMOTE_DOC = "docs/remote.md"


@dataclass(frozen=True)
class Finding:
    """One problem (or note) and what to do about it."""

    level: str
    """``error`` (stops signing), ``warning`` (signing works, but mind this) or ``info``."""
    message: str
    fix: tuple[str, ...] = ()
    """Exact steps: commands to run, lines to add, or one action ("cắm token vào")."""

    def to_json(self) -> dict:
        return {"level": self.level, "message": self.message, "fix": list(self.fix)}


@dataclass(frozen=True)
class ForwardingCheck:
    """The forwarded-token socket and the client module that talks to it."""

    address: str | None
    """``P11_KIT_SERVER_ADDRESS`` as set, or None."""
    socket: str | None
    """The socket path in it (or the conventional path when the variable is unset)."""
    state: str
    """``unset``, ``bad_address``, ``other_transport`` or a :class:`LinkProbe` state."""
    protocol: int | None
    client_module: str | None
    """Where ``p11-kit-client.so`` is, or None when it is not installed."""

    @property
    def answers(self) -> bool:
        """A p11-kit server answered on the socket."""
        return self.state == "answers"

    def to_json(self) -> dict:
        return {
            "address": self.address,
            "socket": self.socket,
            "state": self.state,
            "answers": self.answers,
            "protocol": self.protocol,
            "client_module": self.client_module,
        }


@dataclass(frozen=True)
class CertificateCheck:
    """A certificate on a token and whether it can sign now."""

    label: str
    key_id: str
    common_name: str
    not_after: dt.datetime
    can_sign: bool
    problem: str | None

    def to_json(self) -> dict:
        return {
            "label": self.label,
            "id": self.key_id,
            "common_name": self.common_name,
            "not_after": self.not_after.isoformat(),
            "can_sign": self.can_sign,
            "problem": self.problem,
        }


@dataclass(frozen=True)
class TokenCheck:
    """A token found in a module's slot."""

    module: str
    slot: int
    label: str
    manufacturer: str
    model: str
    serial: str
    pin_state: str
    pin_pad: bool
    certificates: tuple[CertificateCheck, ...]

    @property
    def usable(self) -> tuple[CertificateCheck, ...]:
        """Certificates that can sign now (none when the PIN is locked)."""
        if self.pin_state == "locked":
            return ()
        return tuple(c for c in self.certificates if c.can_sign)

    def to_json(self) -> dict:
        return {
            "module": self.module,
            "slot": self.slot,
            "label": self.label,
            "manufacturer": self.manufacturer,
            "model": self.model,
            "serial": self.serial,
            "pin_state": self.pin_state,
            "pin_pad": self.pin_pad,
            "certificates": [c.to_json() for c in self.certificates],
            "usable": [c.label for c in self.usable],
        }


@dataclass(frozen=True)
class ModuleCheck:
    """One known or chosen module: found or not, loaded or not, and why."""

    name: str
    path: str | None
    """The file kyso would use (the first that exists), or None when none does."""
    source: str
    """``--module``, ``KYSO_MODULE``, ``config`` or ``known``."""
    state: str
    """``loaded``, ``load_error``, ``not_found`` (a chosen path that does not exist),
    ``not_installed`` (no file of a known module), ``not_used`` (present, but another
    module was chosen), ``needs_forwarding`` (p11-kit-client without
    ``P11_KIT_SERVER_ADDRESS``) or ``link_down`` (its socket does not answer)."""
    error: str | None = None
    tokens: tuple[TokenCheck, ...] = ()
    slot_errors: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "path": self.path,
            "source": self.source,
            "state": self.state,
            "error": self.error,
            "slot_errors": list(self.slot_errors),
            "tokens": [t.to_json() for t in self.tokens],
        }


@dataclass(frozen=True)
class Diagnosis:
    """Everything ``kyso token doctor`` found."""

    forwarding: ForwardingCheck
    modules: tuple[ModuleCheck, ...]
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def tokens(self) -> tuple[TokenCheck, ...]:
        """Every token found, forwarded ones first."""
        return tuple(t for m in self.modules for t in m.tokens)

    @property
    def ok(self) -> bool:
        """A token with a certificate that can sign now was found."""
        return any(t.usable for t in self.tokens)

    @property
    def summary(self) -> str:
        """One line: ready to sign with what, or the first thing to fix."""
        for token in self.tokens:
            if token.usable:
                cert = token.usable[0]
                via = Path(token.module).name
                note = ""
                if self.forwarding.address and not self.forwarding.answers:
                    note = " Lưu ý: token chuyển tiếp qua SSH không dùng được (xem trên)."
                return (
                    f"Sẵn sàng ký: token {token.label!r} (qua {via}), chứng thư "
                    f"{cert.label!r} của {cert.common_name}.{note}"
                )
        errors = [f for f in self.findings if f.level == "error"]
        reason = errors[0].message if errors else "không có token nào ký được."
        return f"Chưa ký được: {reason}"

    def to_json(self) -> dict:
        return {
            "ok": self.ok,
            "summary": self.summary,
            "forwarding": self.forwarding.to_json(),
            "modules": [m.to_json() for m in self.modules],
            "findings": [f.to_json() for f in self.findings],
        }


# --- why a module does not load -------------------------------------------------------

# Libraries vendor modules link against, and the Debian 12 package that provides each.
_LIBRARY_PACKAGES: dict[str, str] = {
    "libpcsclite.so.1": "libpcsclite1 pcscd",
    "libssl.so.3": "libssl3",
    "libcrypto.so.3": "libssl3",
    "libusb-1.0.so.0": "libusb-1.0-0",
    "libltdl.so.7": "libltdl7",
    "libstdc++.so.6": "libstdc++6",
    "libz.so.1": "zlib1g",
    "libgtk-x11-2.0.so.0": "libgtk2.0-0",
    "libgdk-x11-2.0.so.0": "libgtk2.0-0",
    "libgtk-3.so.0": "libgtk-3-0",
    "libQt5Core.so.5": "libqt5core5a",
    "libQt5Gui.so.5": "libqt5gui5",
    "libQt5Widgets.so.5": "libqt5widgets5",
    "libX11.so.6": "libx11-6",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libp11-kit.so.0": "libp11-kit0",
}

_ELF_MACHINES = {
    3: "i386 (32-bit x86)",
    8: "mips",
    20: "powerpc",
    21: "ppc64",
    40: "armhf (32-bit ARM)",
    62: "amd64 (x86_64)",
    183: "arm64 (aarch64)",
    243: "riscv64",
}


def _elf_identity(path: str) -> tuple[int, int] | None:
    """(ELF class, machine) of a file, or None when it is not an ELF file."""
    try:
        with open(path, "rb") as f:
            head = f.read(20)
    except OSError:
        return None
    if len(head) < 20 or head[:4] != b"\x7fELF":
        return None
    order = "<" if head[5] == 1 else ">"
    (machine,) = struct.unpack(order + "H", head[18:20])
    return head[4], machine


def _machine_name(machine: int, elf_class: int) -> str:
    bits = "64-bit" if elf_class == 2 else "32-bit"
    return _ELF_MACHINES.get(machine, f"máy {machine}, {bits}")


def explain_load_error(path: str, error: str) -> Finding:
    """Why the module at ``path`` does not load, from the dynamic loader's words.

    ``error`` is the text python-pkcs11 got from ``dlopen``/``dlsym``.
    """
    mine = _elf_identity(sys.executable) or _elf_identity("/proc/self/exe")
    theirs = _elf_identity(path)
    if not os.access(path, os.R_OK):
        return Finding(
            "error",
            f"Không đọc được module {path} (không có quyền đọc).",
            (f"sudo chmod a+r {path}",),
        )
    if theirs is None:
        return Finding(
            "error",
            f"{path} không phải thư viện dùng chung (không phải tệp ELF).",
            ("Chỉ --module tới tệp .so của driver token (không phải bộ cài hay script).",),
        )
    if mine is not None and theirs != mine:
        return Finding(
            "error",
            f"Module {path} được biên dịch cho {_machine_name(theirs[1], theirs[0])}, "
            f"còn kyso chạy trên {_machine_name(mine[1], mine[0])}: sai kiến trúc.",
            (
                f"Tải driver bản {_machine_name(mine[1], mine[0])} từ nhà cung cấp token "
                "và cài vào máy này.",
            ),
        )
    missing = re.search(r"([^\s:]+): cannot open shared object file", error)
    if missing and os.path.basename(missing.group(1)) != os.path.basename(path):
        lib = missing.group(1)
        package = _LIBRARY_PACKAGES.get(lib)
        if lib in ("libssl.so.1.1", "libcrypto.so.1.1", "libssl.so.1.0.0", "libcrypto.so.1.0.0"):
            fix = (
                f"Module cần OpenSSL cũ ({lib}), Debian 12 không còn gói này: "
                "tải driver mới hơn của nhà cung cấp token.",
            )
        elif package:
            fix = (f"sudo apt install {package}",)
        else:
            fix = (
                f"sudo apt install apt-file && sudo apt-file update && apt-file search {lib}",
                "rồi cài gói tìm được: sudo apt install <gói>",
            )
        return Finding("error", f"Module {path} thiếu thư viện {lib}.", fix)
    symbol = re.search(r"undefined symbol: (\S+)", error)
    if symbol and symbol.group(1) == "C_GetFunctionList":
        return Finding(
            "error",
            f"{path} không phải module PKCS#11 (không có C_GetFunctionList).",
            ("Chỉ --module tới tệp module PKCS#11 của driver (thường có pkcs11 trong tên).",),
        )
    if symbol:
        return Finding(
            "error",
            f"Module {path} không khớp thư viện trên máy (thiếu hàm {symbol.group(1)}).",
            ("Cài bản driver của nhà cung cấp dành cho Debian 12 / Ubuntu 22.04 trở lên.",),
        )
    return Finding("error", f"Không nạp được module {path}: {error}", ())


def _load_problem(path: str) -> tuple[str, str] | None:
    """Load the module as ``open_token`` would; ``(kind, words)`` when that fails.

    ``kind`` is ``dlopen`` (the file does not load: the loader's message) or
    ``initialize`` (it loads, but its ``C_Initialize`` refused: the PKCS#11 error name).
    """
    import pkcs11

    try:
        pkcs11.lib(path)
    except OSError as exc:
        return "dlopen", str(exc)
    except pkcs11.PKCS11Error as exc:
        text = str(exc)
        if text.startswith("OS exception while loading"):
            return "dlopen", text
        return "initialize", type(exc).__name__
    return None


def explain_init_error(path: str, error: str, env: dict[str, str]) -> Finding:
    """A module that loads but whose ``C_Initialize`` fails: usually its configuration."""
    if "softhsm" in path.lower():
        conf = env.get("SOFTHSM2_CONF") or "/etc/softhsm/softhsm2.conf"
        return Finding(
            "error",
            f"Module {path} không khởi tạo được ({error}): SoftHSM không đọc được cấu hình {conf}.",
            ("Đặt SOFTHSM2_CONF tới tệp cấu hình của token SoftHSM.",),
        )
    return Finding(
        "error",
        f"Module {path} nạp được nhưng không khởi tạo được ({error}).",
        (
            "Token dùng đầu đọc thẻ (PC/SC): sudo apt install pcscd && "
            "sudo systemctl restart pcscd",
            "Nếu vẫn lỗi: cài lại driver của nhà cung cấp token.",
        ),
    )


# --- the forwarded token ---------------------------------------------------------------


def _client_module() -> str | None:
    for module in known_modules():
        if "p11-kit-client" in " ".join(module.paths):
            for path in module.paths:
                if os.path.exists(path):
                    return path
    return None


def _remote_socket_hint(forwarding: ForwardingCheck) -> str:
    return forwarding.socket or str(default_socket_path())


def _ssh_fix(remote: str) -> tuple[str, ...]:
    return (
        "Trên máy có token: eval $(p11-kit server --provider <module của token> "
        '"pkcs11:token=<nhãn token>")',
        f"rồi: ssh -R {remote}:${{P11_KIT_SERVER_ADDRESS#*=}} <người dùng>@<máy chủ>",
        f"Trên máy chủ: export {ADDRESS_VARIABLE}=unix:path={remote}",
        f"Chi tiết: {REMOTE_DOC}",
    )


def _check_forwarding(env: dict[str, str]) -> tuple[ForwardingCheck, list[Finding]]:
    address = env.get(ADDRESS_VARIABLE) or None
    client = _client_module()
    findings: list[Finding] = []
    if address is None:
        conventional = default_socket_path()
        probe = probe_socket(conventional) if conventional.exists() else None
        check = ForwardingCheck(None, None, "unset", None, client)
        if probe is not None and probe.answers:
            findings.append(
                Finding(
                    "warning",
                    f"Có token chuyển tiếp ở {conventional} nhưng {ADDRESS_VARIABLE} "
                    "chưa đặt, nên kyso không dùng nó.",
                    (f"export {ADDRESS_VARIABLE}=unix:path={conventional}",),
                )
            )
        return check, findings
    path = parse_server_address(address)
    if path is None:
        state = "other_transport" if re.match(r"^[a-z]+:", address) else "bad_address"
        check = ForwardingCheck(address, None, state, None, client)
        if state == "bad_address":
            findings.append(
                Finding(
                    "error",
                    f"{ADDRESS_VARIABLE}={address!r} không đúng dạng unix:path=/đường/dẫn.",
                    (f"export {ADDRESS_VARIABLE}=unix:path={default_socket_path()}",),
                )
            )
        else:
            findings.append(
                Finding("info", f"{ADDRESS_VARIABLE}={address}: kyso không kiểm tra được.")
            )
        return check, findings
    probe = probe_socket(path)
    check = ForwardingCheck(address, str(path), probe.state, probe.protocol, client)
    findings.extend(_socket_findings(probe, check))
    if client is None:
        findings.append(
            Finding(
                "error",
                f"{ADDRESS_VARIABLE} đã đặt nhưng máy này chưa có p11-kit-client.so "
                "(module để dùng token chuyển tiếp).",
                (f"sudo apt install {CLIENT_PACKAGE}",),
            )
        )
    return check, findings


def _socket_findings(probe: LinkProbe, check: ForwardingCheck) -> list[Finding]:
    path = probe.path
    remote = _remote_socket_hint(check)
    if probe.state == "answers":
        return []
    if probe.state == "missing":
        return [
            Finding(
                "error",
                f"Socket {path} không tồn tại: phiên SSH này không chuyển tiếp token "
                "(thiếu ssh -R) hoặc phiên chuyển tiếp đã đóng.",
                (
                    *_ssh_fix(remote),
                    "Nếu ssh báo 'remote port forwarding failed for listen path': trên máy chủ "
                    f"chạy mkdir -p {Path(remote).parent} và đặt StreamLocalBindUnlink yes "
                    "trong /etc/ssh/sshd_config.",
                ),
            )
        ]
    if probe.state == "not_socket":
        return [
            Finding(
                "error",
                f"{path} không phải socket.",
                (f"rm {path}", *_ssh_fix(remote)),
            )
        ]
    if probe.state == "refused":
        return [
            Finding(
                "error",
                f"Socket {path} không trả lời (không có ai nghe): phiên SSH chuyển tiếp nó "
                "đã đóng, còn sót lại tệp socket cũ.",
                (
                    *_ssh_fix(remote),
                    "Trên máy chủ, trong /etc/ssh/sshd_config: StreamLocalBindUnlink yes "
                    "(để ssh -R thay được socket cũ), rồi: sudo systemctl reload ssh",
                ),
            )
        ]
    if probe.state == "closed":
        return [
            Finding(
                "error",
                f"Socket {path} không trả lời: SSH có chuyển tiếp nhưng đầu bên kia đóng kết "
                "nối — p11-kit server trên máy có token chưa chạy, hoặc ssh -R trỏ sai socket.",
                (
                    "Trên máy có token: eval $(p11-kit server --provider <module của token> "
                    '"pkcs11:token=<nhãn token>")',
                    "rồi kết nối lại: ssh "
                    f"-R {remote}:${{P11_KIT_SERVER_ADDRESS#*=}} <người dùng>@<máy chủ>",
                ),
            )
        ]
    if probe.state == "timeout":
        return [
            Finding(
                "error",
                f"Socket {path} không trả lời trong vài giây (đường truyền SSH bị treo?).",
                ("Đóng phiên SSH và kết nối lại với ssh -R như trong " + REMOTE_DOC,),
            )
        ]
    if probe.state == "denied":
        return [
            Finding(
                "error",
                f"Không có quyền mở socket {path} ({probe.detail or 'permission denied'}): "
                "socket thuộc người dùng khác.",
                (f"Chạy kyso bằng đúng người dùng đã đăng nhập SSH (ls -l {path}).",),
            )
        ]
    return [Finding("error", f"Không kết nối được socket {path}: {probe.detail}", ())]


# --- modules, tokens, certificates -----------------------------------------------------


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

    A module kyso merely found (``known``) that fails is a warning: another one may
    still have the token. A module the user chose that fails is an error.
    """
    problem = _load_problem(path)
    if problem is not None:
        kind, words = problem
        if kind == "dlopen":
            finding = explain_load_error(path, words)
        else:
            finding = explain_init_error(path, words, env)
        if source == "known":
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


def _token_findings(token: TokenCheck) -> list[Finding]:
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
    forwarding, findings = _check_forwarding(env)
    chosen = [c for c in candidate_modules(module, configured) if c.source != "known"]
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
                        _ssh_fix(_remote_socket_hint(forwarding)),
                    )
                )
        else:
            check, more = _inspect(candidate.name, candidate.path, candidate.source, now, env)
            checks.append(check)
            findings.extend(more)
    for known in known_modules():
        path = next((p for p in known.paths if os.path.exists(p)), None)
        if chosen:
            state = "not_used" if path else "not_installed"
            if path != chosen[0].path:
                checks.append(ModuleCheck(known.name, path, "known", state))
            continue
        if path is None:
            checks.append(ModuleCheck(known.name, None, "known", "not_installed"))
        elif known.requires_env and not env.get(known.requires_env):
            checks.append(ModuleCheck(known.name, path, "known", "needs_forwarding"))
        elif _is_client(path) and _link_down(forwarding):
            # Loading the client against a dead link can block or fail; the socket
            # finding above already says what to do.
            checks.append(ModuleCheck(known.name, path, "known", "link_down"))
        else:
            check, more = _inspect(known.name, path, "known", now, env)
            checks.append(check)
            findings.extend(more)
    # A forwarded token first, as discovery orders it.
    if forwarding.address:
        checks.sort(key=lambda c: not (c.path and "p11-kit-client" in c.path))
    for check in checks:
        for token in check.tokens:
            findings.extend(_token_findings(token))
    if not any(c.tokens for c in checks) and not any(f.level == "error" for f in findings):
        findings.append(_no_token_finding(checks, forwarding, env))
    return Diagnosis(forwarding, tuple(checks), tuple(findings))


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
                *_ssh_fix(_remote_socket_hint(forwarding)),
            ]
        return Finding("error", "Không nạp được module PKCS#11 nào.", tuple(fix))
    fix = ["Cắm token vào cổng USB rồi chạy lại kyso token doctor."]
    if env.get("SSH_CONNECTION") and not forwarding.address:
        fix = [
            "Đang trong phiên SSH: token cắm ở máy của bạn cần được chuyển tiếp.",
            *_ssh_fix(_remote_socket_hint(forwarding)),
        ]
    else:
        fix.append("Đã cắm mà vẫn không thấy: sudo apt install pcscd && sudo systemctl start pcscd")
    return Finding("error", "Không thấy token nào: chưa cắm token.", tuple(fix))
