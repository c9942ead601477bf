"""Pilot tests of the first-hour behaviour fixes (issue 15 item 3): document tabs on keys,
zoom, sync feedback, Nhận lúc, clearing placements, the audit detail, dates, related
documents and the empty filter result."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from fixtures_app import make_app
from textual.widgets import DataTable, Input, Static, TabbedContent
from tui_helpers import settle

from kyso.core.clock import VN_TZ, vn_now
from kyso.core.service.model import SyncStatus
from kyso.tui.commands import binding_commands
from kyso.tui.format import date_vn, datetime_vn, time_vn
from kyso.tui.inbox_rows import received_at
from kyso.tui.labels import sync_label
from kyso.tui.screens.audit import AuditScreen
from kyso.tui.screens.document import DocumentScreen
from kyso.tui.screens.preview import PreviewScreen
from kyso.tui.widgets.status_bar import SYNCING_MIN_SECONDS, StatusBar

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    """Textual runs on asyncio."""
    return "asyncio"


def _text(widget) -> str:
    return str(widget.render())


async def _open_document(app, pilot, doc_id: int | None = None) -> DocumentScreen:
    await settle(app, pilot)
    if doc_id is None:
        await pilot.press("enter")
    else:
        app.push_screen(DocumentScreen(doc_id))
    await settle(app, pilot)
    assert isinstance(app.screen, DocumentScreen)
    return app.screen


# -- 1. document tabs ----------------------------------------------------------------


async def test_number_keys_and_ctrl_arrows_switch_tabs_from_anywhere(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open_document(app, pilot)
        tabs = screen.query_one("#document-tabs", TabbedContent)
        screen.query_one("#attachments", DataTable).focus()  # not the tab bar
        await pilot.pause()
        assert tabs.active == "tab-info"
        await pilot.press("2")
        assert tabs.active == "tab-opinions"
        await pilot.press("4")
        assert tabs.active == "tab-flow"
        await pilot.press("ctrl+right")  # wraps to the first
        assert tabs.active == "tab-info"
        await pilot.press("ctrl+left")
        assert tabs.active == "tab-flow"
        await pilot.press("ctrl+left", "ctrl+left")
        assert tabs.active == "tab-opinions"
        await pilot.press("1")
        assert tabs.active == "tab-info"
        names = [name for name, _, _ in binding_commands(screen)]
        assert "Văn bản: Thông tin ý kiến" in names
        assert "Văn bản: Thẻ sau" in names and "Văn bản: Thẻ trước" in names
        footer = _text(screen.query_one("#document-keys"))
        assert "Thẻ sau" in footer


# -- 2. zoom ---------------------------------------------------------------------------


async def test_zoom_changes_the_picture_and_the_text_width(tmp_path):
    app = make_app(tmp_path, images="halfblock")
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_document(app, pilot)
        await pilot.press("x")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, PreviewScreen)

        def sizes() -> tuple[int, int, int]:
            image = screen.query_one("#page-image-view")
            text = screen.query_one("#page-text")
            return image.size.width, image.size.height, text.size.width

        before = sizes()
        assert before[0] > 0
        await pilot.press("plus")
        await settle(app, pilot)
        bigger = sizes()
        assert bigger[0] > before[0] and bigger[1] > before[1]
        assert bigger[2] < before[2]
        await pilot.press("minus", "minus")
        await settle(app, pilot)
        smaller = sizes()
        assert smaller[0] < before[0] and smaller[2] > before[2]


async def test_zoom_keys_are_gone_without_thumbnails(tmp_path):
    app = make_app(tmp_path, images="off")
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_document(app, pilot)
        await pilot.press("x")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, PreviewScreen)
        shown = {a.binding.id for a in screen.active_bindings.values() if a.enabled}
        assert "preview.zoom_in" not in shown
        assert "thu phóng" not in _text(screen.query_one("#preview-title"))


# -- 3. sync feedback --------------------------------------------------------------------


async def test_sync_shows_syncing_long_enough_then_the_time(tmp_path):
    app = make_app(tmp_path)
    finished = vn_now().replace(microsecond=0)
    app.service.status = SyncStatus("synced", last_sync=finished.isoformat())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        bar = app.screen.query_one(StatusBar)
        await pilot.press("r")
        await settle(app, pilot)  # the (instant) sync worker has finished
        assert all(w.is_finished for w in app.workers if w.group == "sync")
        assert "đang đồng bộ…" in _text(bar)
        await asyncio.sleep(SYNCING_MIN_SECONDS + 0.2)
        await pilot.pause()
        assert f"đồng bộ lúc {finished:%H:%M}" in _text(bar)
        assert "đang đồng bộ" not in _text(bar)


def test_last_sync_time_is_vietnam_time_with_the_date_when_not_today():
    utc = dt.datetime.now(dt.UTC).replace(microsecond=0)
    label = sync_label(SyncStatus("synced", last_sync=utc.isoformat()))
    assert label == f"đồng bộ lúc {utc.astimezone(VN_TZ):%H:%M}"
    old = vn_now() - dt.timedelta(days=3)
    label = sync_label(SyncStatus("synced", queued=2, last_sync=old.isoformat()))
    assert label == f"đồng bộ lúc {old:%H:%M %d/%m/%Y}, 2 chờ gửi"
    assert sync_label(SyncStatus("synced")) == "đã đồng bộ"


# -- 4. Nhận lúc ---------------------------------------------------------------------------


def test_received_is_the_flow_entry_to_the_holder_and_signing_keeps_it(offline_store):
    from fixtures_store import make_doc

    row = {r.id: r for r in offline_store.inbox("all")}[1]
    assert row.received_at == "2026-01-05T08:30:00+07:00"  # make_doc's flow entry to ldso
    signed = make_doc(1, version=2, updated_at=vn_now().isoformat(timespec="seconds"))
    att = signed["attachments"][0]
    att["versions"].append({**att["versions"][0], "n": 2, "uploaded_by": "ldso", "signed": True})
    offline_store.apply_page([signed], "6")
    rows = {r.id: r for r in offline_store.inbox("all")}
    assert rows[1].signed and rows[1].received_at == "2026-01-05T08:30:00+07:00"
    back = make_doc(1, version=3, holder="ldso")
    back["flow"] += [
        {
            "from": "ldso",
            "to": "vanthu",
            "action": "a",
            "note": "",
            "at": "2026-01-06T08:00:00+07:00",
        },
        {
            "from": "vanthu",
            "to": "ldso",
            "action": "b",
            "note": "",
            "at": "2026-01-07T10:00:00+07:00",
        },
    ]
    offline_store.apply_page([back], "7")
    assert {r.id: r for r in offline_store.inbox("all")}[1].received_at == (
        "2026-01-07T10:00:00+07:00"
    )
    assert [d["received_at"] for d in offline_store.inbox_dicts("all") if d["id"] == 1] == [
        "2026-01-07T10:00:00+07:00"
    ]


async def test_signing_keeps_nhan_luc_and_the_order(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one("#inbox-table", DataTable)

        def order() -> list[str]:
            return [str(table.get_row_at(i)[3]) for i in range(table.row_count)]

        before = order()
        last = app.screen.documents[-1]
        was = received_at(last)
        att = app.service.document(last.id).attachments[0].id
        pdf = app.service.files[(last.id, att)]
        app.service.add_signed_version(last.id, att, pdf, "Ký số")
        app.refresh_views()
        await settle(app, pilot)
        again = next(d for d in app.screen.documents if d.id == last.id)
        assert again.signed and received_at(again) == was
        assert order() == before


# -- 5. settings: clear placements — see test_tui_placements.py (now in the store) ----------


# -- 6. audit detail -------------------------------------------------------------------


async def test_audit_detail_is_readable_lines(tmp_path):
    app = make_app(tmp_path)
    app.audit.append(
        "transition",
        user="ldso",
        document_id=3,
        to="vanthu",
        transition="chuyen_van_thu",
        note="Đề nghị phát hành [b]ngay[/b]",
    )
    app.audit.append("mark", user="ldso", document_id=2, marked=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+l")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, AuditScreen)
        detail = _text(screen.query_one("#audit-detail", Static))
        assert "Đánh dấu: có" in detail and "{" not in detail  # the newest entry first
        await pilot.press("down")
        await pilot.pause()
        detail = _text(screen.query_one("#audit-detail", Static))
        lines = detail.splitlines()
        assert "Chuyển đến: vanthu" in lines
        assert "Ghi chú: Đề nghị phát hành [b]ngay[/b]" in lines
        assert any(line.startswith("Lúc: ") and "/" in line for line in lines)
        assert '"' not in detail


# -- 7. dates --------------------------------------------------------------------------


def test_dates_are_dd_mm_yyyy_in_vietnam_time():
    assert datetime_vn("2022-05-04T20:30:00Z") == "05/05/2022 03:30"
    assert datetime_vn("2022-05-05T08:30:00+07:00") == "05/05/2022 08:30"
    assert date_vn("2022-05-04T20:30:00+00:00") == "05/05/2022"
    assert date_vn("2022-05-05") == datetime_vn("2022-05-05") == "05/05/2022"
    assert time_vn("2022-05-05") == "" and time_vn("") == ""
    assert date_vn("không phải ngày") == "không phải ngày"


async def test_document_shows_ngay_ban_hanh_as_dd_mm_yyyy(tmp_path):
    app = make_app(tmp_path)
    app.service.docs[4]["ngay_ban_hanh"] = "2022-05-07"
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open_document(app, pilot, 5)
        fields = _text(screen.query_one("#document-fields"))
        assert "Ngày ban hành: 07/05/2022" in fields


# -- 8. related documents -----------------------------------------------------------------


async def test_related_documents_by_so_ky_hieu_and_trich_yeu(tmp_path):
    app = make_app(tmp_path)
    app.service.docs[2]["related"] = [5, 1, 99]
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open_document(app, pilot, 3)
        related = _text(screen.query_one("#document-related")).splitlines()
        assert related[0].startswith("• 05/TB-STTTT — Thông báo lịch trực Tết")
        assert related[1].startswith("• (chưa có số) — Kế hoạch tham gia hưởng ứng")
        assert related[2] == "• Văn bản 99 (chưa đồng bộ)"
        assert "#" not in "".join(related)


# -- 9. empty filter result -------------------------------------------------------------


async def test_empty_filter_result_says_so(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        empty = app.screen.query_one("#inbox-empty", Static)
        assert not empty.display
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"zzz")
        await settle(app, pilot)
        assert empty.display
        assert _text(empty).startswith("Không có văn bản khớp “zzz”")
        await pilot.press("enter", "escape")
        await settle(app, pilot)
        assert not empty.display
