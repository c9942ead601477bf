"""The ``kyso`` command (the console script's entry point).

The commands are a click group (:mod:`kyso.cli.group`), imported here only when needed:
``kyso inbox --json`` over a large cache is answered without click
(:mod:`kyso.cli.inbox_json`, same output, messages and exit codes).

Exit codes: 0 success, 1 a user error (one line on stderr, no traceback), 2 usage error.
"""

from __future__ import annotations

import os
import sys

__all__ = ["main"]  # and `cli`, from kyso.cli.group on first use (__getattr__)

# name → (module, attribute, one-line help shown by `kyso --help` without importing it)
_COMMANDS: dict[str, tuple[str, str, str]] = {
    "tui": ("kyso.cli.app", "tui", "Mở ứng dụng ký số trên terminal."),
    "demo": ("kyso.cli.app", "demo", "Chạy thử: máy chủ nhúng, token demo, văn bản mẫu."),
    "web": ("kyso.cli.web", "web", "Mở ứng dụng trong trình duyệt (textual-serve)."),
    "token": ("kyso.cli.token", "token", "Liệt kê module, khe, token và chứng thư số."),
    "sign": ("kyso.cli.sign", "sign", "Ký số một hoặc nhiều tệp PDF."),
    "verify": ("kyso.cli.verify", "verify", "Kiểm tra chữ ký số trong tệp PDF."),
    "trust": ("kyso.cli.trust", "trust", "Chứng thư gốc tin cậy: liệt kê, thêm, bỏ."),
    "server": ("kyso.cli.server", "server", "Chạy máy chủ e-office tham chiếu."),
    "login": ("kyso.cli.office", "login", "Đăng nhập máy chủ e-office."),
    "logout": ("kyso.cli.office", "logout", "Đăng xuất (thu hồi phiên trên máy chủ)."),
    "sync": ("kyso.cli.office", "sync", "Đồng bộ hộp văn bản với máy chủ."),
    "inbox": ("kyso.cli.office", "inbox", "Văn bản chờ xử lý (từ bộ nhớ đệm)."),
    "show": ("kyso.cli.office", "show", "Chi tiết một văn bản."),
    "transition": ("kyso.cli.office", "transition", "Chuyển văn bản (trình, chuyển, trả…)."),
    "conflicts": ("kyso.cli.conflicts", "conflicts", "Thao tác bị máy chủ từ chối (xung đột)."),
    "mark": ("kyso.cli.office", "mark", "Đánh dấu / bỏ đánh dấu văn bản."),
    "opinion": ("kyso.cli.office", "opinion", "Thêm ý kiến xử lý."),
    "issue": ("kyso.cli.issue", "issue", "Văn thư: cấp số, ngày và ký số cơ quan."),
    "export": ("kyso.cli.issue", "export", "Xuất văn bản đã ban hành (edXML)."),
    "copy": ("kyso.cli.copy", "copy", "Văn thư: bản sao điện tử (sao y, sao lục, trích sao)."),
}


def __getattr__(name: str) -> object:
    # ``cli`` (and its class) live with click in kyso.cli.group; imported on first use.
    if name in ("cli", "LazyGroup"):
        from kyso.cli import group

        return getattr(group, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """Console-script entry point: user errors become one line on stderr and exit 1."""
    from kyso.cli.inbox_json import main_scope

    scope = main_scope(sys.argv[1:], os.environ)
    if scope is not None:
        from kyso.cli.inbox_json import run

        run(scope)
    from kyso.cli.group import main as run_group

    run_group()
