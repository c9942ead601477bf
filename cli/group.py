"""The click group behind the ``kyso`` command (see :mod:`kyso.cli.main`, the entry point).

Sub-commands are imported only when they run, so ``kyso --help`` and the app's start-up
never pay for pyHanko, PyMuPDF or python-pkcs11.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

import click

from kyso.cli.localize import VERSION_HELP, localize
from kyso.cli.main import _COMMANDS

__all__ = ["LazyGroup", "cli", "main"]


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
        from kyso.cli.inbox_json import print_notices

        print_notices(lambda line: click.echo(line, err=True))


def main() -> None:
    """The ``kyso`` command through click: user errors become one line on stderr and
    exit 1."""
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
    except (KysoError, KeyboardInterrupt) as exc:
        from kyso.cli.inbox_json import exit_for_error

        exit_for_error(exc, lambda line: click.echo(line, err=True))
    sys.exit(0)
