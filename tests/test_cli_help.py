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
