"""`kyso … --help` in Vietnamese: click's own words too, for every command."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from kyso.cli.main import _COMMANDS, cli

ENGLISH = ("Usage:", "Options:", "Commands:", "Show this message", "Show the version", "default:")


def _help(*args: str) -> str:
    result = CliRunner().invoke(cli, [*args, "--help"], prog_name="kyso")
    assert result.exit_code == 0, result.output
    return result.output


def test_top_level_help_is_vietnamese():
    text = _help()
    assert text.startswith("Cách dùng: kyso [TUỲ_CHỌN]")
    assert "Tuỳ chọn:" in text and "Lệnh:" in text
    assert "--help     Hiện trợ giúp này rồi thoát." in text
    assert "--version  Hiện phiên bản rồi thoát." in text
    for english in ENGLISH:
        assert english not in text


@pytest.mark.parametrize("name", sorted(_COMMANDS))
def test_every_command_help_is_vietnamese(name):
    text = _help(name)
    assert text.startswith(f"Cách dùng: kyso {name} ")
    assert "Hiện trợ giúp này rồi thoát." in text
    for english in ENGLISH:
        assert english not in text, (name, english)
    group = cli.get_command(None, name)  # loaded (and made Vietnamese) by the call above
    for sub in getattr(group, "commands", {}):
        sub_text = _help(name, sub)
        assert sub_text.startswith(f"Cách dùng: kyso {name} {sub}")
        for english in ENGLISH:
            assert english not in sub_text, (name, sub, english)


def test_version_says_phien_ban():
    result = CliRunner().invoke(cli, ["--version"], prog_name="kyso")
    assert result.exit_code == 0
    assert result.output.startswith("kyso, phiên bản ")


ENGLISH_ERRORS = ("Error:", "Try '", "No such", "Missing", "is not", "Did you mean", "Got ")


def _usage_error(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), prog_name="kyso")
    assert result.exit_code == 2, result.output
    return result.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("sign", "--bogus"), "Lỗi: Không có tuỳ chọn '--bogus'. Có phải ý bạn là '--box'?"),
        (("show",), "Lỗi: Thiếu tham số 'DOCUMENT_ID'."),
        (("show", "abc"), "Lỗi: Giá trị không hợp lệ cho 'DOCUMENT_ID': 'abc' không phải là số"),
        (("nope",), "Lỗi: Không có lệnh 'nope'."),
        (("inbox", "extra"), "Lỗi: Thừa tham số (extra)"),
        (("sign", "--doc"), "Lỗi: Tuỳ chọn '--doc' cần một giá trị."),
        (("sign", "--level", "X", "a.pdf"), "'X' không thuộc 'B-B', 'B-T', 'B-LT', 'B-LTA'."),
    ],
)
def test_usage_errors_are_vietnamese(args, expected):
    text = _usage_error(*args)
    assert expected in text
    if args != ("sign", "--doc"):  # click's parser raises that one without a context
        assert text.startswith("Cách dùng: kyso")
        command = "kyso" if args[0] == "nope" else f"kyso {args[0]}"
        assert f"Chạy '{command} --help' để xem trợ giúp." in text
    for english in ENGLISH_ERRORS:
        assert english not in text, (args, english)


def test_usage_error_from_the_installed_command():
    """The console script (cli.main.main), not only CliRunner: exit 2, Vietnamese."""
    import subprocess
    import sys
    from pathlib import Path

    kyso = Path(sys.executable).with_name("kyso")
    result = subprocess.run([str(kyso), "mark", "1", "--maybe"], capture_output=True, text=True)
    assert result.returncode == 2
    assert "Lỗi: Không có tuỳ chọn '--maybe'." in result.stderr
    assert "Error" not in result.stderr and "Try" not in result.stderr


def test_the_catalogue_matches_this_click():
    """Every message the catalogue translates is one click still writes (an upgrade that
    rewords a message shows up here instead of as English on a user's screen)."""
    import importlib
    import inspect

    from kyso.cli import click_vi

    source = "".join(inspect.getsource(importlib.import_module(name)) for name in click_vi._MODULES)
    for message in [*click_vi.CATALOGUE, *click_vi.PLURALS, *click_vi._PLURAL_OF]:
        literal = repr(message)[1:-1].replace("\\'", "'")
        assert literal in source, message
