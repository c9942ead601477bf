"""The forwarded token: ``P11_KIT_SERVER_ADDRESS``, its socket (probed with a real
p11-kit handshake, so a dead link cannot hang the diagnosis) and ``p11-kit-client.so``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from kyso.core.token.diagnosis import Finding, ForwardingCheck
from kyso.core.token.discovery import known_modules
from kyso.core.token.reconnect import (
    ADDRESS_VARIABLE,
    LinkProbe,
    default_socket_path,
    parse_server_address,
    probe_socket,
)

__all__ = [
    "CLIENT_PACKAGE",
    "REMOTE_DOC",
    "check_forwarding",
    "client_module",
    "remote_socket_hint",
    "ssh_fix",
]

CLIENT_PACKAGE = "p11-kit-modules"
"""The Debian package that ships ``p11-kit-client.so``."""

REMOTE_DOC = "docs/remote.md"


def client_module() -> str | None:
    for module in known_modules():
        if "p11-kit-client" in " ".join(module.paths):
            for path in module.paths:
                if os.path.exists(path):
                    return path
    return None


def remote_socket_hint(forwarding: ForwardingCheck) -> str:
    return forwarding.socket or str(default_socket_path())


def ssh_fix(remote: str) -> tuple[str, ...]:
    return (
        "Trên máy có token: eval $(p11-kit server --provider <module của token> "
        '"pkcs11:token=<nhãn token>")',
        f"rồi: ssh -R {remote}:${{P11_KIT_SERVER_ADDRESS#*=}} <người dùng>@<máy chủ>",
        f"Trên máy chủ: export {ADDRESS_VARIABLE}=unix:path={remote}",
        f"Chi tiết: {REMOTE_DOC}",
    )


def check_forwarding(env: dict[str, str]) -> tuple[ForwardingCheck, list[Finding]]:
    address = env.get(ADDRESS_VARIABLE) or None
    client = client_module()
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
    remote = remote_socket_hint(check)
    if probe.state == "answers":
        return []
    if probe.state == "missing":
        return [
            Finding(
                "error",
                f"Socket {path} không tồn tại: phiên SSH này không chuyển tiếp token "
                "(thiếu ssh -R) hoặc phiên chuyển tiếp đã đóng.",
                (
                    *ssh_fix(remote),
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
                (f"rm {path}", *ssh_fix(remote)),
            )
        ]
    if probe.state == "refused":
        return [
            Finding(
                "error",
                f"Socket {path} không trả lời (không có ai nghe): phiên SSH chuyển tiếp nó "
                "đã đóng, còn sót lại tệp socket cũ.",
                (
                    *ssh_fix(remote),
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
