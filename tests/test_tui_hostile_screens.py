"""The hostile corpus through every screen of the app at 80×24 (issue 14, issue 15 item 2).

For each hostile string one app run visits every screen with the string in every field a
colleague, a file or the token can fill; after each step the screen as drawn is checked:
24 lines of at most 80 cells, no control character, C1 code or bidi override on it, and a
key bar (where the screen has one) that still ends with ``? Phím tắt  q Thoát``.
"""

from __future__ import annotations

import dataclasses

import pytest
from hostile_text import CONTROL_BYTES, HOSTILE, UNSAFE_CHARS
from rich.cells import cell_len
from test_kiosk import _settings
from test_tui_hostile import _hostile_app
from test_tui_issuance import clerk_app
from textual.widgets import DataTable
from tui_helpers import settle

from kyso.core.audit import AuditLog
from kyso.core.service.sign_items import SignItem
from kyso.tui.kiosk import KioskApp
from kyso.tui.screens.admin import AdminPinScreen
from kyso.tui.screens.audit import AuditScreen
from kyso.tui.screens.batch import BatchScreen
from kyso.tui.screens.conflicts import ConflictsScreen
from kyso.tui.screens.document import DocumentScreen
from kyso.tui.screens.help import HelpScreen
from kyso.tui.screens.inbox import InboxScreen
from kyso.tui.screens.issuance import IssuanceScreen
from kyso.tui.screens.opinion import OpinionScreen
from kyso.tui.screens.placement import PlacementScreen
from kyso.tui.screens.preview import PreviewScreen
from kyso.tui.screens.registry import RegistryScreen
from kyso.tui.screens.settings import SettingsScreen
from kyso.tui.screens.sign_plan import SignPlanScreen
from kyso.tui.screens.token import TokenScreen
from kyso.tui.screens.transition import TransitionScreen
from kyso.tui.screens.welcome import WelcomeScreen
from kyso.tui.widgets.key_bar import KeyBar

pytestmark = pytest.mark.anyio

SIZE = (80, 24)
BAD = {chr(c) for c in CONTROL_BYTES} | UNSAFE_CHARS | {"\n"}
WITH_KEYS = (
    AuditScreen,
    BatchScreen,
    ConflictsScreen,
    DocumentScreen,
    InboxScreen,
    IssuanceScreen,
    PlacementScreen,
    PreviewScreen,
    RegistryScreen,
    SettingsScreen,
    SignPlanScreen,
    TokenScreen,
)
"""The screens with a footer line of keys: each a KeyBar (issue 15 item 2)."""


@pytest.fixture
def anyio_backend() -> str:
    """Textual runs on asyncio."""
    return "asyncio"


def _drawn(app) -> list[str]:
    """The screen as the terminal would show it, one string per line."""
    strips = app.screen._compositor.render_strips()
    return ["".join(segment.text for segment in strip) for strip in strips]


def _check(app, kind: type, what: str) -> str:
    """The app is alive on a ``kind`` screen, drawn within 80×24 with nothing hostile."""
    assert app.is_running, what
    assert isinstance(app.screen, kind), f"{what}: {app.screen!r}"
    lines = _drawn(app)
    assert len(lines) == SIZE[1], what
    for line in lines:
        assert cell_len(line) <= SIZE[0], f"{what}: {line!r}"
        leaked = set(line) & BAD
        assert not leaked, f"{what}: {sorted(map(hex, map(ord, leaked)))} in {line!r}"
    bars = [bar for bar in app.screen.query(KeyBar) if bar.display]
    if isinstance(app.screen, WITH_KEYS):
        assert bars, f"{what}: no key bar"
    for bar in bars:
        text = bar.render_line(0).text
        assert text.rstrip().endswith("? Phím tắt  q Thoát"), f"{what}: {text!r}"
    return "\n".join(lines)


async def _visit(app, pilot, screen, kind: type | None = None) -> None:
    """Push ``screen``, check it, close it with Escape."""
    app.push_screen(screen)
    await settle(app, pilot)
    _check(app, kind or type(screen), type(screen).__name__)
    app.pop_screen()
    await settle(app, pilot)


@pytest.mark.parametrize("name", sorted(HOSTILE))
async def test_hostile_text_through_the_leader_screens(tmp_path, monkeypatch, name):
    text = HOSTILE[name]
    app = _hostile_app(tmp_path, text)
    backend = app.service
    backend.user = dataclasses.replace(backend.user, full_name=text, org_name=text, title=text)
    backend.token = dataclasses.replace(backend.token, label=text, holder=text, message=text)
    backend.refused = [
        {
            "id": 1,
            "key": "k-1",
            "kind": "opinion",
            "document_id": backend.docs[0]["id"],
            "payload": {"text": text},
            "reason": "rejected",
            "status": 409,
            "message": text,
            "at": "2026-01-05T10:00:00+07:00",
        }
    ]
    AuditLog().append(text, user=text, document_id=1, ghi_chu=text, ten_tep=text)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        _check(app, InboxScreen, "inbox")
        await pilot.press("enter")
        await settle(app, pilot)
        _check(app, DocumentScreen, "document")
        for tab in ("2", "3", "4", "1"):
            await pilot.press(tab)
            await settle(app, pilot)
            _check(app, DocumentScreen, f"document tab {tab}")
        await pilot.press("x")
        await settle(app, pilot)
        _check(app, PreviewScreen, "preview")
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("y")
        await settle(app, pilot)
        _check(app, OpinionScreen, "opinion")
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("t")
        await settle(app, pilot)
        _check(app, TransitionScreen, "transition")
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("escape")
        await settle(app, pilot)
        _check(app, InboxScreen, "inbox again")
        await pilot.press("c")
        await settle(app, pilot)
        _check(app, ConflictsScreen, "conflicts")
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("question_mark")
        await settle(app, pilot)
        _check(app, HelpScreen, "help")
        await pilot.press("escape")
        await settle(app, pilot)
        await _visit(app, pilot, SettingsScreen())
        await _visit(app, pilot, AuditScreen())
        await _visit(app, pilot, TokenScreen())
        path = backend.files[(backend.docs[0]["id"], backend.docs[0]["attachments"][0]["id"])]
        items = [
            SignItem(1, 101, text, text, path=path, page_count=2, warning=text),
            SignItem(2, 102, text, text, problem=text),
        ]
        await _visit(app, pilot, SignPlanScreen(items))
        await _visit(app, pilot, PlacementScreen(path, None, title=text, loai=text))
        await _visit(app, pilot, BatchScreen([SignItem(2, 102, text, problem=text)], None, None))
        assert app.is_running


@pytest.mark.parametrize("name", sorted(HOSTILE))
async def test_hostile_text_through_the_clerk_screens(tmp_path, name):
    text = HOSTILE[name]
    app = clerk_app(tmp_path)
    backend = app.service
    for doc in backend.docs:
        doc["trich_yeu"] = text
        doc["don_vi_soan_thao"] = text
    for row in backend.book:
        row.update(ten_loai_trich_yeu=text, nguoi_ky=text, noi_nhan=text, ghi_chu=text)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        inbox = app.screen
        assert isinstance(inbox, InboxScreen)
        for _ in range(inbox.query_one(DataTable).row_count):
            if inbox.current_id() == 6:
                break
            await pilot.press("down")
        await pilot.press("p")
        await settle(app, pilot)
        _check(app, IssuanceScreen, "issuance")
        await pilot.press("escape")
        await settle(app, pilot)
        await _visit(app, pilot, RegistryScreen())
        assert app.is_running


@pytest.mark.parametrize("name", sorted(HOSTILE))
async def test_hostile_text_through_the_kiosk_welcome(name):
    text = HOSTILE[name]
    app = KioskApp(_settings(), token_check=lambda: text, token_poll=0.2)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        for _ in range(40):
            if isinstance(app.screen, WelcomeScreen) and app.token_state == text:
                break
            await pilot.pause(0.05)
        welcome = app.screen
        drawn = _check(app, WelcomeScreen, "welcome")
        if name == "markup-style":
            assert "[bold red on white]" in str(welcome.query_one("#welcome-token").render())
        assert "Hãy cắm token ký số" in drawn
        welcome.show_note(text)
        await settle(app, pilot)
        _check(app, WelcomeScreen, "welcome note")
        await _visit(app, pilot, AdminPinScreen(text))
