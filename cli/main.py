"""The ``kyso`` command.

Sub-commands are imported only when they run, so ``kyso --help`` and the app's start-up
never pay for pyHanko, PyMuPDF or python-pkcs11.

Exit codes: 0 success, 1 a user error (one line on stderr, no traceback), 2 usage error.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

import click

from kyso.cli.localize import VERSION_HELP, localize

__all__ = ["cli", "main"]

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


class LazyGroup(click.Group):
    """A click group whose commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self._available()))

    def _available(self) -> dict[str, tuple[str, str, str]]:
        available = {}
        for name, spec in _COMMANDS.items():
            if importlib.util.find_spec(spec[0]) is not None:
                available[name] = spec
        return available

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        spec = self._available().get(cmd_name)
        if spec is None:
            return None
        module = importlib.import_module(spec[0])
        return localize(getattr(module, spec[1]))

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, spec[2]) for name, spec in sorted(self._available().items())]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, invoke_without_command=True)
@click.version_option(
    package_name="kyso", help=VERSION_HELP, message="%(prog)s, phiên bản %(version)s"
)
@click.option("--kiosk", is_flag=True, help="Máy trạm ký số dùng chung (kyso tui --kiosk).")
@click.pass_context
def cli(ctx: click.Context, kiosk: bool) -> None:
    """kyso — ký số văn bản từ terminal (e-office, USB token PKCS#11)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(cli.get_command(ctx, "tui"), kiosk=kiosk)


localize(cli)


def _run() -> None:
    try:
        cli.main(standalone_mode=False, prog_name="kyso")
    finally:
        # Said once, on stderr: a repaired file mode, a damaged cache moved aside.
        from kyso.core.notices import pop_notices
        from kyso.core.textsafe import safe_line

        for notice in pop_notices():
            click.echo(f"kyso: {safe_line(notice)}", err=True)


def main() -> None:
    """Console-script entry point: user errors become one line on stderr and exit 1."""
    from kyso.core.errors import KysoError

    try:
        _run()
    except click.exceptions.Abort:
        click.echo("Đã huỷ.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KysoError as exc:
        from kyso.core.textsafe import safe_line

        click.echo(f"kyso: {safe_line(exc.message)}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("Đã dừng (Ctrl-C).", err=True)
        sys.exit(130)
    sys.exit(0)
