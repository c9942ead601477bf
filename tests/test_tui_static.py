"""Pilot tests of the terminal app over fixed Vietnamese documents (no server, no token)."""

from __future__ import annotations

import pytest
from fixtures_app import make_app
from textual.widgets import DataTable, Input
from tui_helpers import settle

from kyso.tui.commands import binding_commands
from kyso.tui.screens.document import DocumentScreen
from kyso.tui.screens.help import HelpScreen
from kyso.tui.screens.inbox import InboxScreen, fold
from kyso.tui.screens.placement import PlacementScreen, page_map
from kyso.tui.screens.preview import PreviewScreen
from kyso.tui.screens.transition import TransitionScreen

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    """Textual runs on asyncio."""
    return "asyncio"


def _rows(app) -> list[list[str]]:
    table = app.screen.query_one("#inbox-table", DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def test_fold_removes_vietnamese_diacritics():
    assert fold("Đắk Nông — Kế hoạch") == "dak nong — ke hoach"


async def test_inbox_lists_documents_waiting_for_me(static_app):
    async with static_app.run_test(size=(80, 24)) as pilot:
        await settle(static_app, pilot)
        assert isinstance(static_app.screen, InboxScreen)
        rows = _rows(static_app)
        assert len(rows) == 4  # 4 of 6 wait for ldso
        assert any("Tết trồng cây" in r[3] for r in rows)
        assert any(r[1] == "★" for r in rows)


async def test_scope_switch_shows_signed_by_me_then_all(static_app):
    async with static_app.run_test(size=(120, 40)) as pilot:
        await settle(static_app, pilot)
        await pilot.press("v")
        await settle(static_app, pilot)
        rows = _rows(static_app)
        assert [r[2] for r in rows] == ["05/TB-STTTT"]
        await pilot.press("v")
        await settle(static_app, pilot)
        assert len(_rows(static_app)) == 6


async def test_filter_ignores_accents_and_escape_clears(static_app):
    async with static_app.run_test(size=(80, 24)) as pilot:
        await settle(static_app, pilot)
        await pilot.press("slash")
        assert isinstance(static_app.focused, Input)
        await pilot.press(*"tet trong")
        await settle(static_app, pilot)
        rows = _rows(static_app)
        assert len(rows) == 1 and "Tết trồng cây" in rows[0][3]
        await pilot.press("enter", "escape")
        await settle(static_app, pilot)
        assert len(_rows(static_app)) == 4


async def test_space_selects_and_sort_cycles(static_app):
    async with static_app.run_test(size=(80, 24)) as pilot:
        await settle(static_app, pilot)
        await pilot.press("space", "space")
        screen = static_app.screen
        assert len(screen.selected) == 2
        assert sum(1 for r in _rows(static_app) if r[0] == "●") == 2
        before = [r[3] for r in _rows(static_app)]
        await pilot.press("o", "o")  # by số/ký hiệu, then by trích yếu
        after = [r[3] for r in _rows(static_app)]
        assert after == sorted(before, key=fold)
        assert len(screen.selected) == 2


async def test_mark_toggles_the_star_on_the_row_and_in_the_backend(static_app):
    async with static_app.run_test(size=(80, 24)) as pilot:
        await settle(static_app, pilot)
        first = static_app.screen.current_id()
        was = bool(static_app.backend.document(first)["marked"])
        await pilot.press("m")
        await settle(static_app, pilot)
        assert ("mark", (first, not was)) in static_app.backend.log
        assert static_app.backend.document(first)["marked"] is (not was)
        assert _rows(static_app)[0][1].startswith("★") is (not was)


async def test_document_tabs_and_history(static_app):
    async with static_app.run_test(size=(120, 40)) as pilot:
        await settle(static_app, pilot)
        await pilot.press("enter")
        await settle(static_app, pilot)
        screen = static_app.screen
        assert isinstance(screen, DocumentScreen)
        fields = str(screen.query_one("#document-fields").render())
        assert "Trích yếu" in fields and "Văn phòng Sở" in fields
        await pilot.press("l")
        history = str(screen.query_one("#attachment-history").render())
        assert "v1" in history and "Trần Thị Soạn" in history
        opinions = screen.query_one("#opinions", DataTable)
        assert opinions.row_count == 1
        flow = screen.query_one("#flow")
        assert len(flow.root.children) == 1
        await pilot.press("escape")
        await settle(static_app, pilot)
        assert isinstance(static_app.screen, InboxScreen)


async def test_preview_pages_through_and_jumps(static_app):
    async with static_app.run_test(size=(80, 24)) as pilot:
        await settle(static_app, pilot)
        await pilot.press("enter")
        await settle(static_app, pilot)
        await pilot.press("x")
        await settle(static_app, pilot)
        screen = static_app.screen
        assert isinstance(screen, PreviewScreen)
        assert not isinstance(static_app.focused, Input)  # the hidden page box takes no keys
        assert (screen.page, screen.page_count) == (0, 2)
        text = str(screen.query_one("#page-text-body").render())
        assert "SỞ THÔNG TIN VÀ TRUYỀN THÔNG" in text
        await pilot.press("pagedown")
        await settle(static_app, pilot)
        assert screen.page == 1
        assert "GIÁM ĐỐC" in str(screen.query_one("#page-text-body").render())
        await pilot.press("pagedown")  # no page 3: stays
        await settle(static_app, pilot)
        assert screen.page == 1
        await pilot.press("g", "1", "enter")
        await settle(static_app, pilot)
        assert screen.page == 0
        await pilot.press("plus")  # no thumbnails: no zoom (tests/test_tui_ux.py zooms)
        await settle(static_app, pilot)
        assert screen.zoom == 1


async def test_preview_with_halfblock_thumbnails(tmp_path):
    app = make_app(tmp_path, images="halfblock")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("x")
        await settle(app, pilot)
        view = app.screen.query_one("#page-image-view")
        assert view.image is not None
        assert app.renderer.cache.misses >= 1


async def test_broken_attachment_shows_a_message_not_a_traceback(static_app, tmp_path):
    broken = tmp_path / "hong.pdf"
    broken.write_bytes(b"%PDF-1.7\nrac")
    doc_id = 4
    static_app.backend.files[(doc_id, 100 + doc_id)] = broken
    async with static_app.run_test(size=(80, 24)) as pilot:
        await settle(static_app, pilot)
        static_app.push_screen(PreviewScreen(broken, "hong.pdf"))
        await settle(static_app, pilot)
        assert "bị hỏng" in str(static_app.screen.query_one("#page-text-body").render())


async def test_help_lists_every_key_with_its_id(static_app):
    async with static_app.run_test(size=(80, 24)) as pilot:
        await settle(static_app, pilot)
        await pilot.press("question_mark")
        await settle(static_app, pilot)
        assert isinstance(static_app.screen, HelpScreen)
        table = static_app.screen.query_one(DataTable)
        ids = {str(table.get_row_at(i)[2]) for i in range(table.row_count)}
        assert {"inbox.filter", "inbox.select", "document.sign", "sync.now", "app.quit"} <= ids


async def test_palette_has_area_verb_commands_for_every_binding(static_app):
    async with static_app.run_test(size=(80, 24)) as pilot:
        await settle(static_app, pilot)
        names = [name for name, _help, _cb in binding_commands(static_app.screen)]
        assert "Hộp văn bản: Ký số" in names
        assert "Hộp văn bản: Đồng bộ" in names
        assert "Hộp văn bản: Lọc" in names
        assert "Ứng dụng: Thoát" in names
        assert "Hộp văn bản: Tất cả" in names  # a screen's own command
        assert all(": " in n for n in names)


async def test_transition_offers_only_my_actions_and_records_the_opinion(static_app):
    async with static_app.run_test(size=(120, 40)) as pilot:
        await settle(static_app, pilot)
        doc_id = static_app.screen.current_id()
        await pilot.press("t")
        await settle(static_app, pilot)
        screen = static_app.screen
        assert isinstance(screen, TransitionScreen)
        offered = screen.actions
        assert "chuyen_van_thu" in offered
        assert "trinh_lanh_dao_so" not in offered  # the leader does not submit to himself
        index = offered.index("chuyen_van_thu")
        screen.query_one("#transition-actions").highlighted = index
        await pilot.pause()
        screen.query_one("#transition-note").text = "Đồng ý ban hành, chuyển Văn thư."
        await pilot.press("ctrl+s")
        await settle(static_app, pilot)
        log = static_app.backend.log
        note = "Đồng ý ban hành, chuyển Văn thư."
        # The note travels with the transition, which records it as the opinion: once.
        assert ("transition", (doc_id, "chuyen_van_thu", None, note)) in log
        assert not [entry for entry in log if entry[0] == "opinion"]
        texts = [o["text"] for o in static_app.backend.document(doc_id)["opinions"]]
        assert texts.count(note) == 1


async def test_placement_moves_snaps_and_remembers(static_app):
    async with static_app.run_test(size=(120, 40)) as pilot:
        await settle(static_app, pilot)
        path = static_app.backend.files[(1, 101)]
        results = []
        static_app.push_screen(
            PlacementScreen(path, None, title="KH", loai="Kế hoạch"), results.append
        )
        await settle(static_app, pilot)
        screen = static_app.screen
        assert screen.page == 1  # the signer's title is on the last page
        start = screen.box
        await pilot.press("left", "down", "shift+right")
        moved = screen.box
        assert moved[0] == pytest.approx(start[0] - 10)
        assert moved[1] == pytest.approx(start[1] - 10)
        assert moved[2] - moved[0] == pytest.approx(start[2] - start[0] + 10)
        await pilot.press("a")
        await settle(static_app, pilot)
        assert screen.box == pytest.approx(start)
        await pilot.press("enter")
        await settle(static_app, pilot)
    placement = results[0]
    assert placement.page == 1
    kept = static_app.backend.placements().find("Kế hoạch", 2)
    assert (kept.page, kept.box) == (placement.page, placement.box)
    assert static_app.backend.placements().find("Công văn", 2) is None  # per type


def test_page_map_draws_the_box():
    drawn = page_map((0, 0, 297.5, 421), (595, 842), cols=4, rows=4)
    assert drawn.splitlines() == ["····", "····", "██··", "██··"]


async def test_settings_refuse_a_signature_image_that_is_not_png(static_app, tmp_path):
    from kyso.config.settings import load_settings
    from kyso.tui.screens.settings import SettingsScreen

    fake = tmp_path / "chu-ky.png"
    fake.write_text("không phải ảnh", encoding="utf-8")
    async with static_app.run_test(size=(120, 40)) as pilot:
        await settle(static_app, pilot)
        await pilot.press("comma")
        await settle(static_app, pilot)
        screen = static_app.screen
        assert isinstance(screen, SettingsScreen)
        screen.query_one("#set-image", Input).value = str(fake)
        await settle(static_app, pilot)
        assert "không phải ảnh PNG" in str(screen.query_one("#set-image-note").render())
        await pilot.press("ctrl+s")
        await settle(static_app, pilot)
        assert load_settings().signing.image == ""
        screen.query_one("#set-image", Input).value = ""
        screen.query_one("#set-module", Input).value = "/usr/lib/softhsm/libsofthsm2.so"
        await pilot.press("ctrl+s")
        await settle(static_app, pilot)
        assert load_settings().token.module == "/usr/lib/softhsm/libsofthsm2.so"


def test_image_modes_pick_the_widget():
    from kyso.tui.widgets.page_preview import image_widget_class

    assert image_widget_class("off") is None
    assert image_widget_class("halfblock").__name__ == "HalfcellImage"


async def test_keys_are_rebindable_by_binding_id(tmp_path):
    from dataclasses import replace

    app = make_app(tmp_path)
    app.settings = replace(
        app.settings, ui=replace(app.settings.ui, keymap={"inbox.filter": "f", "app.help": "f1"})
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("f")
        assert isinstance(app.focused, Input)
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("f1")
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen)


async def test_palette_offers_my_workflow_actions_for_the_current_document(static_app):
    async with static_app.run_test(size=(120, 40)) as pilot:
        await settle(static_app, pilot)
        commands = {name: cb for name, _h, cb in binding_commands(static_app.screen)}
        assert "Xử lý: Chuyển Văn thư Sở" in commands
        assert "Xử lý: Trình lãnh đạo Sở" not in commands
        commands["Xử lý: Chuyển trả Chuyên viên"]()
        await settle(static_app, pilot)
        screen = static_app.screen
        assert isinstance(screen, TransitionScreen)
        assert screen.selected_action() == "chuyen_tra_chuyen_vien"


async def test_a_bad_signature_image_stops_signing_before_the_pin(tmp_path):
    from dataclasses import replace

    from textual.notifications import Notify

    from kyso.tui.screens.pin import PinScreen

    fake = tmp_path / "anh.png"
    fake.write_bytes(b"GIF89a not a png")
    app = make_app(tmp_path)
    app.settings = replace(app.settings, signing=replace(app.settings.signing, image=str(fake)))
    posted = []
    async with app.run_test(size=(120, 40), message_hook=posted.append) as pilot:
        await settle(app, pilot)
        await pilot.press("k")
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert not isinstance(app.screen, PinScreen)
    messages = [m.notification.message for m in posted if isinstance(m, Notify)]
    assert any("không phải ảnh PNG" in m for m in messages), messages


async def test_an_opinion_in_vietnamese_is_added_to_the_document(static_app):
    from textual.widgets import TextArea

    from kyso.tui.screens.opinion import OpinionScreen

    async with static_app.run_test(size=(80, 24)) as pilot:
        await settle(static_app, pilot)
        doc_id = static_app.screen.current_id()
        await pilot.press("enter")
        await settle(static_app, pilot)
        await pilot.press("y")
        await settle(static_app, pilot)
        assert isinstance(static_app.screen, OpinionScreen)
        static_app.screen.query_one(TextArea).insert("Đồng ý, đề nghị Văn thư phát hành.")
        await pilot.press("ctrl+s")
        await settle(static_app, pilot)
        screen = static_app.screen
        assert isinstance(screen, DocumentScreen)
        opinions = screen.query_one("#opinions", DataTable)
        texts = [str(opinions.get_row_at(i)[1]) for i in range(opinions.row_count)]
        assert "Đồng ý, đề nghị Văn thư phát hành." in texts
    assert ("opinion", (doc_id, "Đồng ý, đề nghị Văn thư phát hành.")) in static_app.backend.log


async def test_typing_q_in_a_text_box_does_not_quit(static_app):
    async with static_app.run_test(size=(80, 24)) as pilot:
        await settle(static_app, pilot)
        await pilot.press("slash", *"quy")
        await settle(static_app, pilot)
        assert static_app.is_running
        assert static_app.screen.query_one("#inbox-filter", Input).value == "quy"
        await pilot.press("enter", "escape")
        await settle(static_app, pilot)
        await pilot.press("q")
        await settle(static_app, pilot)
        assert not static_app.is_running
