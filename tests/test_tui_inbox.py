"""The inbox list: the debounced filter, the Từ and signed columns, and loading a long view
first screenful first (Pilot over the in-memory service and over a real local store)."""

from __future__ import annotations

import itertools
import json

import pytest
from fixtures_app import make_service
from fixtures_store import make_doc
from textual.geometry import Region
from textual.widgets import DataTable, Input
from tui_helpers import settle

from kyso.config.settings import Settings, UiSettings
from kyso.core.service.store_service import StoreService
from kyso.tui.app import KysoApp
from kyso.tui.screens import inbox
from kyso.tui.screens.inbox import WINDOW, InboxScreen, signature_badge

pytestmark = pytest.mark.anyio


def _from_column(app) -> int:
    """Index of the Từ column (which columns show depends on the width)."""
    table = app.screen.query_one("#inbox-table", DataTable)
    return [str(key.value) for key in table.columns].index("from")


@pytest.fixture
def anyio_backend() -> str:
    """Textual runs on asyncio."""
    return "asyncio"


def _rows(app) -> list[list[str]]:
    table = app.screen.query_one("#inbox-table", DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def _record_filters(screen: InboxScreen) -> list[str]:
    """The filter text each time the table is rebuilt from here on."""
    applied: list[str] = []
    refresh = screen.refresh_table

    def recording() -> None:
        applied.append(screen.filter_text)
        refresh()

    screen.refresh_table = recording  # type: ignore[method-assign]
    return applied


async def test_filter_waits_for_a_pause_then_applies_once(static_app, monkeypatch):
    monkeypatch.setattr(inbox, "FILTER_DELAY", 1.0)  # far longer than between two keys
    async with static_app.run_test(size=(120, 40)) as pilot:
        await settle(static_app, pilot)
        screen = static_app.screen
        applied = _record_filters(screen)
        await pilot.press("slash", *"tet trong")
        assert screen.query_one("#inbox-filter", Input).value == "tet trong"
        assert screen.filter_text == "" and len(_rows(static_app)) == 4  # still typing
        await settle(static_app, pilot)  # the pause is over
        rows = _rows(static_app)
        assert len(rows) == 1 and "Tết trồng" in rows[0][3]
        assert applied == ["tet trong"]  # one rebuild for the whole word


async def test_enter_filters_at_once(static_app, monkeypatch):
    monkeypatch.setattr(inbox, "FILTER_DELAY", 30.0)
    async with static_app.run_test(size=(120, 40)) as pilot:
        await settle(static_app, pilot)
        screen = static_app.screen
        applied = _record_filters(screen)
        await pilot.press("slash", *"quyet", "enter")
        assert [r[4] for r in _rows(static_app)] == ["Quyết định"]
        assert isinstance(static_app.focused, DataTable)
        await settle(static_app, pilot)  # the waiting worker was cancelled: nothing more
        assert applied == ["quyet"]


async def test_escape_while_typing_clears_and_nothing_applies_later(static_app, monkeypatch):
    monkeypatch.setattr(inbox, "FILTER_DELAY", 30.0)
    async with static_app.run_test(size=(120, 40)) as pilot:
        await settle(static_app, pilot)
        screen = static_app.screen
        applied = _record_filters(screen)
        await pilot.press("slash", *"tet", "escape")
        box = screen.query_one("#inbox-filter", Input)
        assert box.value == "" and not box.has_class("-visible")
        await settle(static_app, pilot)
        assert screen.filter_text == "" and len(_rows(static_app)) == 4
        assert "tet" not in applied


async def test_sender_full_name_and_signed_badge(static_app):
    async with static_app.run_test(size=(120, 40)) as pilot:
        await settle(static_app, pilot)
        # Each waiting document came to ldso from the office leader (the last flow step
        # to the holder), shown by full name.
        sender_column = _from_column(static_app)
        assert {r[sender_column] for r in _rows(static_app)} == {"Lê Văn Phòng"}
        assert all(r[1].strip() in ("", "★") for r in _rows(static_app))  # none signed
        await pilot.press("v")  # Tôi đã ký
        await settle(static_app, pilot)
        (row,) = _rows(static_app)
        assert row[2] == "05/TB-STTTT" and row[1].strip() == "✍"


def test_badge_says_who_signed():
    from kyso.core.service.model import InboxRow

    assert signature_badge(InboxRow(1, signed=True, signed_by_me=True)) == "✍"
    assert signature_badge(InboxRow(1, signed=True, signed_by_me=False)) == "✓"
    assert signature_badge(InboxRow(1, signed=False, signed_by_me=True)) == ""
    assert signature_badge(InboxRow(1)) == ""


def test_a_whole_view_makes_a_queued_read_of_the_same_view_obsolete():
    from kyso.tui.messages import DocumentsLoaded

    # Textual drops a queued message when ``queued.can_replace(newer)``.
    older, newer = DocumentsLoaded("inbox", [{"id": 1}]), DocumentsLoaded("inbox", [{"id": 2}])
    assert older.can_replace(newer)
    assert DocumentsLoaded("inbox", [], complete=False).can_replace(newer)
    assert not older.can_replace(DocumentsLoaded("inbox", [], complete=False))
    assert not older.can_replace(DocumentsLoaded("all", []))


def test_in_memory_service_derives_the_columns_as_the_store_does(tmp_path):
    from kyso.core.store import Store

    service = make_service(tmp_path)
    documents = service.documents("all")
    with Store(tmp_path / "stores" / "x.sqlite", service.user.username) as store:
        store.apply_page([dict(d) for d in service.docs], "1")  # the same API JSON
        rows = {r["id"]: r for r in store.inbox_dicts("all")}
    fields = ("sender", "signed", "signed_by_me")
    for doc in documents:
        assert tuple(getattr(doc, f) for f in fields) == tuple(rows[doc.id][f] for f in fields)
    assert {d.sender_name for d in documents} == {"Lê Văn Phòng"}


def _store_app(offline_session, count: int) -> KysoApp:
    with offline_session.store() as store:
        store.set_meta("me", json.dumps({"username": "ldso", "role": "lanh_dao_so"}))
        users = [{"username": "chuyenvien", "full_name": "Trần Thị Soạn"}]
        store.set_meta("users", json.dumps(users, ensure_ascii=False))
        store.apply_page([make_doc(i) for i in range(1, count + 1)], str(count))
    service = StoreService(offline_session)
    return KysoApp(service, settings=Settings(ui=UiSettings(images="off")), images="off")


def test_store_service_rows_and_first_screenful(offline_session):
    app = _store_app(offline_session, 30)
    service = app.service
    try:
        everything = service.documents("inbox")
        assert len(everything) == 30
        assert {d.sender_name for d in everything} == {"Trần Thị Soạn"}
        assert not any(d.signed for d in everything)
        assert service.first_documents("inbox", 7) == everything[:7]
    finally:
        service.close()


async def test_long_view_shows_a_window_then_loads_the_rest(offline_session):
    count = WINDOW + 40
    app = _store_app(offline_session, count)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, InboxScreen)
        assert len(screen.documents) == count  # the whole view arrived after the first part
        table = screen.query_one("#inbox-table", DataTable)
        assert table.row_count == WINDOW
        header = str(screen.query_one("#inbox-info").render())
        assert f"{count}/{count} văn bản" in header
        assert {r[_from_column(app)] for r in _rows(app)} == {"Trần Thị Soạn"}
        # Cursor to the end of the window: more rows are appended.
        table.move_cursor(row=WINDOW - 1)
        await settle(app, pilot)
        assert table.row_count == count
        # Back from another screen: the list is read again, the cursor stays put.
        current = screen.current_id()
        await pilot.press("question_mark")
        await settle(app, pilot)
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is screen and screen.current_id() == current


async def test_sign_key_follows_the_cursor_and_the_footer_redraws_only_on_change(static_app):
    """Ký số is dimmed on a document I may not sign and lit again on one I may; moving
    between two documents with the same answer does not refresh the bindings."""
    async with static_app.run_test(size=(120, 40)) as pilot:
        await pilot.press("v", "v")  # Tất cả: documents in every state
        await settle(static_app, pilot)
        screen = static_app.screen
        table = screen.query_one("#inbox-table", DataTable)
        docs = [screen.document(int(key.value)) for key in table.rows]
        may = [not static_app.service.sign_refusal(d) for d in docs]
        assert True in may and False in may  # the sample has both kinds

        bar = screen.query_one("#inbox-keys")

        def enabled() -> bool:
            """Ký số on the footer as drawn (the footer leaves out a dimmed key)."""
            lines = bar.render_lines(Region(0, 0, bar.size.width, 1))
            return "Ký số" in "".join(line.text for line in lines)

        refreshes: list[int] = []
        screen.bindings_updated_signal.subscribe(screen, lambda _: refreshes.append(1))
        for row in range(len(docs)):
            table.move_cursor(row=row)
            await settle(static_app, pilot)
            assert enabled() is may[row], row
        changes = sum(1 for a, b in itertools.pairwise(may) if a != b)
        assert len(refreshes) == changes < len(docs) - 1
