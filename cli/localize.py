"""click's own words in Vietnamese: the help headings, ``--help`` and ``--version``, and
the error messages ("Lỗi: …", "Chạy 'kyso … --help' để xem trợ giúp.").

click writes "Usage:", "Options", "Commands", "Show this message and exit." and its
errors through gettext without a catalogue for Vietnamese; :mod:`kyso.cli.click_vi`
gives it one, and these classes write the help headings in Vietnamese through click's
public hooks (``Context.formatter_class``, ``Command.context_class``). :func:`localize`
is applied to each command as the lazy group loads it, so ``kyso --help`` still imports
nothing but click.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import click

from kyso.cli.click_vi import install as _install_catalogue

__all__ = ["HELP_TEXT", "VERSION_HELP", "KysoContext", "VietnameseFormatter", "localize"]

# click's error words ("Error: …", "Try '…' for help.", "No such option…") too.
_install_catalogue()

HELP_TEXT = "Hiện trợ giúp này rồi thoát."
VERSION_HELP = "Hiện phiên bản rồi thoát."

_HEADINGS = {
    "Options": "Tuỳ chọn",
    "Commands": "Lệnh",
    "Positional arguments": "Tham số",
}


_EXTRAS = {"default: ": "mặc định: ", "env var: ": "biến môi trường: ", "required": "bắt buộc"}


def _extras(text: str) -> str:
    """Translate click's trailing ``[default: …; required]`` note, not the help itself."""
    match = re.search(r"\[([^\[\]]*)\]$", text)
    if match is None:
        return text
    note = match.group(1)
    for english, vietnamese in _EXTRAS.items():
        note = note.replace(english, vietnamese)
    return f"{text[: match.start()]}[{note}]"


class VietnameseFormatter(click.HelpFormatter):
    """click's help formatter with Vietnamese headings."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, "Cách dùng: " if prefix is None else prefix)

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        super().write_dl([(term, _extras(text)) for term, text in rows], col_max, col_spacing)

    @contextmanager
    def section(self, name: str) -> Iterator[None]:
        with super().section(_HEADINGS.get(name, name)):
            yield


class KysoContext(click.Context):
    """A click context whose help is written by :class:`VietnameseFormatter`."""

    formatter_class = VietnameseFormatter


def localize(command: click.Command) -> click.Command:
    """Give ``command`` (and its sub-commands) Vietnamese help; returns it."""
    if getattr(command, "_kyso_localized", False):
        return command
    command.context_class = KysoContext
    if command.options_metavar == "[OPTIONS]":
        command.options_metavar = "[TUỲ_CHỌN]"
    if isinstance(command, click.Group) and not command.chain:
        words = "LỆNH [THAM_SỐ]..."
        command.subcommand_metavar = f"[{words}]" if command.invoke_without_command else words
    command._kyso_localized = True  # type: ignore[attr-defined]
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            localize(sub)
    return command
