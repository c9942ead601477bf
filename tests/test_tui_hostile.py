"""Hostile text through the app at 80×24 (issue 14): Rich markup, ANSI/OSC escapes,
bidi overrides, zero-width characters, 10,000 characters and NFD must neither crash the
app nor be interpreted — through the inbox, the document screen and a transition."""

from __future__ import annotations

import pytest
from fixtures_app import make_app
from hostile_text import HOSTILE
from textual.widgets import DataTable
from tui_helpers import settle

from kyso.tui.screens.document import DocumentScreen
from kyso.tui.screens.inbox import InboxScreen
from kyso.tui.screens.transition import TransitionScreen

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    """Textual runs on asyncio."""
    return "asyncio"


def _hostile_app(tmp_path, text: str):
    app = make_app(tmp_path)
    service = app.service
    for doc in service.docs:
        doc["trich_yeu"] = text
        doc["don_vi_soan_thao"] = text
        doc["attachments"][0]["name"] = text
        doc["attachments"][0]["versions"][0]["note"] = text
        for opinion in doc["opinions"]:
            opinion["text"] = text
        for step in doc["flow"]:
            step["note"] = text
    for person in service.people:
        if person["username"] == "chuyenvien":
            person["full_name"] = text
    return app


def _rendered(widget) -> str:
    return str(widget.render())


@pytest.mark.parametrize("name", sorted(HOSTILE))
async def test_hostile_text_through_inbox_document_and_transition(tmp_path, name):
    text = HOSTILE[name]
    app = _hostile_app(tmp_path, text)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, InboxScreen)
        table = app.screen.query_one(DataTable)
        assert table.row_count >= 1
        doc_id = app.screen.current_id()
        await pilot.press("enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, DocumentScreen)
        fields = _rendered(screen.query_one("#document-fields"))
        assert "Trích yếu" in fields
        if name == "markup-click":
            assert "[@click=app.quit]" in fields  # shown as written, not a live link
        await pilot.press("l")
        await settle(app, pilot)
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, InboxScreen)
        await pilot.press("t")
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, TransitionScreen)
        action = "chuyen_van_thu"
        dialog.query_one("#transition-actions").highlighted = dialog.actions.index(action)
        await pilot.pause()
        dialog.query_one("#transition-note").text = text
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, InboxScreen)
        assert app.is_running
        log = app.service.log
        assert any(k == "transition" and v[0] == doc_id and v[1] == action for k, v in log)
