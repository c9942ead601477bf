"""The command palette as a Vietnamese user meets it: words, search without diacritics,
the app-wide commands (giao diện, chụp màn hình), opened and typed into with Pilot."""

from __future__ import annotations

import re

import pytest
from fixtures_app import make_app
from textual.command import CommandList, CommandPalette
from textual.widgets import Input
from tui_helpers import settle

from kyso.tui.commands import APP_AREA, SCREEN_AREAS

pytestmark = pytest.mark.anyio

ENGLISH = re.compile(
    r"\b(search|commands?|no matches|found|quit|theme|keys|screenshot|maximi[sz]e|"
    r"minimi[sz]e|save|show|change|current|focused|widget|screen|inbox|document|workflow|"
    r"sync|app|textual)\b",
    re.IGNORECASE,
)
"""Words of Textual's English palette and of kyso's old English areas."""


@pytest.fixture
def anyio_backend() -> str:
    """Textual runs on asyncio."""
    return "asyncio"


async def _palette(app, pilot, query: str = "") -> tuple[CommandPalette, list[tuple[str, str]]]:
    """Open the palette, type ``query``, and read the list: (name, help) per line."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    for char in query:
        await pilot.press("space" if char == " " else char)
    await pilot.pause(0.8 if query else 0.1)  # "no matches" comes after 0.5 s
    return await _palette_shown(app, pilot)


async def test_the_palette_and_the_system_commands_speak_vietnamese(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        system = [c.title for c in app.get_system_commands(app.screen)]
        assert f"{APP_AREA}: Đổi giao diện" in system
        assert f"{APP_AREA}: Chụp màn hình" in system
        assert f"{APP_AREA}: Phóng to" in system  # the table has focus

        palette, lines = await _palette(app, pilot)
        assert palette.query_one(Input).placeholder == "Tìm lệnh…"
        names = [name for name, _ in lines]
        for expected in ("Thoát", "Phím tắt", "Đổi giao diện", "Chụp màn hình", "Phóng to"):
            assert f"{APP_AREA}: {expected}" in names, names
        assert "Hộp văn bản: Ký số" in names and "Hộp văn bản: Đồng bộ" in names
        areas = {*SCREEN_AREAS.values(), APP_AREA, "Xử lý"}
        for name, help_text in lines:
            area, _, verb = name.partition(": ")
            assert area in areas and verb, name
            assert not ENGLISH.search(name), name
            if not help_text.startswith("Phím "):  # key names (esc, space) stay as printed
                assert not ENGLISH.search(help_text), help_text
        await pilot.press("escape")

        _palette_screen, lines = await _palette(app, pilot, "zzqx")
        assert lines == [("Không có lệnh phù hợp", "")]


async def test_palette_search_ignores_diacritics(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        _p, lines = await _palette(app, pilot, "ky so")
        assert lines[0][0] == "Hộp văn bản: Ký số", lines
        await pilot.press("escape")
        _p, lines = await _palette(app, pilot, "dong bo")
        assert lines[0][0] == "Hộp văn bản: Đồng bộ", lines
        await pilot.press("escape")
        _p, lines = await _palette(app, pilot, "thoat")
        assert lines[0][0] == f"{APP_AREA}: Thoát", lines


async def test_screenshot_command_saves_to_the_pictures_folder_and_says_where(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("KYSO_HOME", str(tmp_path / "home"))
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        _p, lines = await _palette(app, pilot, "chup man hinh")
        assert lines[0][0] == f"{APP_AREA}: Chụp màn hình"
        await pilot.press("enter")
        await pilot.pause(0.3)
        await settle(app, pilot)
        [picture] = (tmp_path / "home" / "pictures").glob("kyso-*.svg")
        assert picture.read_text("utf-8").lstrip().startswith("<svg")
        assert "Hộp văn bản" in picture.read_text("utf-8").replace("&#160;", " ")
        messages = [n.message for n in app._notifications]
        assert f"Đã lưu ảnh chụp màn hình: {picture}" in messages


async def test_theme_picker_lists_themes_in_vietnamese(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await _palette(app, pilot, "doi giao dien")
        await pilot.press("enter")
        await pilot.pause(0.3)
        palette, lines = await _palette_shown(app, pilot)
        assert palette.query_one(Input).placeholder == "Tìm giao diện…"
        names = [name for name, _ in lines]
        assert "Tối (mặc định)" in names and "Sáng" in names and "Nord (tối)" in names
        assert "textual-dark" not in names
        for char in "sang":
            await pilot.press(char)
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert app.theme == "textual-light"


async def _palette_shown(app, pilot) -> tuple[CommandPalette, list[tuple[str, str]]]:
    palette = app.screen
    assert isinstance(palette, CommandPalette)
    options = palette.query_one(CommandList)
    lines = []
    for index in range(options.option_count):
        prompt = options.get_option_at_index(index).prompt
        name, _, help_text = str(getattr(prompt, "renderable", prompt)).partition("\n")
        lines.append((name, help_text))
    return palette, lines
