"""Pilot tests of the app against the real reference server and the SoftHSM token.

The app reads only the local store; the sync client talks to the server in workers.
Checks on the server side go through the API as another client would.
"""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input
from tui_helpers import settle, wait_until

from kyso.config.settings import Settings, UiSettings
from kyso.core.service.store_service import StoreService
from kyso.core.sync import login
from kyso.core.sync import sync as run_sync
from kyso.tui.app import KysoApp
from kyso.tui.screens.batch import BatchScreen
from kyso.tui.screens.inbox import InboxScreen
from kyso.tui.screens.pin import PinScreen
from kyso.tui.screens.placement import PlacementScreen
from kyso.tui.screens.preview import PreviewScreen
from kyso.tui.screens.sign_plan import SignPlanScreen
from kyso.tui.screens.transition import TransitionScreen

pytestmark = pytest.mark.anyio

PIN = "123456"


@pytest.fixture
def anyio_backend() -> str:
    """Textual runs on asyncio."""
    return "asyncio"


@pytest.fixture
def leader_app(demo_server, softhsm, monkeypatch):
    """The app logged in as the Sở leader, signing with the test token's ``signer`` key."""
    monkeypatch.setenv("KYSO_MODULE", softhsm.module)
    session = login(demo_server.url, "ldso", "kyso-demo")
    run_sync(session)
    service = StoreService(session, key_label="signer", module=softhsm.module)
    settings = Settings(ui=UiSettings(images="off"))
    return KysoApp(service, settings=settings, images="off", key_label="signer")


def _server_doc(demo_server, doc_id: int) -> dict:
    with demo_server.client("ldso") as client:
        response = client.get(f"/documents/{doc_id}")
        response.raise_for_status()
        return response.json()


def _main_signed(doc: dict) -> bool:
    main = next(a for a in doc["attachments"] if a["is_main"])
    return bool(main["versions"][-1]["signed"])


async def _enter_pin(app, pilot) -> None:
    await settle(app, pilot)
    assert isinstance(app.screen, PinScreen)
    await pilot.press(*PIN, "enter")
    await settle(app, pilot)


async def test_inbox_and_page_preview_from_the_real_server(leader_app):
    async with leader_app.run_test(size=(120, 40)) as pilot:
        await settle(leader_app, pilot)
        screen = leader_app.screen
        assert isinstance(screen, InboxScreen)
        table = screen.query_one("#inbox-table", DataTable)
        assert table.row_count == len(leader_app.service.documents("inbox")) > 0
        await pilot.press("enter")
        await settle(leader_app, pilot)
        await pilot.press("x")  # downloads the attachment through the sync client
        await settle(leader_app, pilot)
        preview = leader_app.screen
        assert isinstance(preview, PreviewScreen)
        assert preview.page_count >= 1
        text = str(preview.query_one("#page-text-body").render())
        assert "SỞ THÔNG TIN VÀ TRUYỀN THÔNG" in text.upper()


async def test_place_and_sign_one_then_sync_uploads_it(leader_app, demo_server):
    async with leader_app.run_test(size=(120, 40)) as pilot:
        await settle(leader_app, pilot)
        doc_id = leader_app.screen.current_id()
        assert not _main_signed(_server_doc(demo_server, doc_id))
        await pilot.press("k")
        await settle(leader_app, pilot)
        assert isinstance(leader_app.screen, PlacementScreen)
        await pilot.press("left", "up")
        await pilot.press("enter")  # Áp dụng
        await _enter_pin(leader_app, pilot)
        batch = leader_app.screen
        assert isinstance(batch, BatchScreen)
        await settle(leader_app, pilot)
        assert batch.outcome is not None
        assert batch.outcome.signed == 1, batch.outcome.results
        await settle(leader_app, pilot)  # the sync started after the batch
    doc = _server_doc(demo_server, doc_id)
    assert _main_signed(doc)
    main = next(a for a in doc["attachments"] if a["is_main"])
    assert main["versions"][-1]["uploaded_by"] == "ldso"


async def test_batch_sign_five_with_one_pin(leader_app, demo_server):
    async with leader_app.run_test(size=(120, 40)) as pilot:
        await settle(leader_app, pilot)
        screen = leader_app.screen
        await pilot.press(*["space"] * 5)
        ids = screen.target_ids()
        assert len(ids) == 5
        await pilot.press("k")
        await settle(leader_app, pilot)
        # several documents: each placed on its own, the list shown before the PIN
        assert isinstance(leader_app.screen, SignPlanScreen)
        assert all(i.placement is not None for i in leader_app.screen.items)
        await pilot.press("k")
        await _enter_pin(leader_app, pilot)
        batch = leader_app.screen
        await settle(leader_app, pilot)
        assert batch.outcome.signed == 5, batch.outcome.results
        await settle(leader_app, pilot)
    for doc_id in ids:
        assert _main_signed(_server_doc(demo_server, doc_id))


async def test_wrong_pin_is_shown_and_nothing_is_signed(leader_app, demo_server):
    async with leader_app.run_test(size=(120, 40)) as pilot:
        await settle(leader_app, pilot)
        doc_id = leader_app.screen.current_id()
        await pilot.press("k")
        await settle(leader_app, pilot)
        await pilot.press("enter")
        await settle(leader_app, pilot)
        await pilot.press(*"000000", "enter")
        await settle(leader_app, pilot)
        dialog = leader_app.screen
        assert isinstance(dialog, PinScreen)  # asked again, not ended on a result screen
        assert "Sai mã PIN" in str(dialog.query_one("#pin-error").render())
        await pilot.press("escape")
        await settle(leader_app, pilot)
        assert not isinstance(leader_app.screen, PinScreen | BatchScreen)
    assert not _main_signed(_server_doc(demo_server, doc_id))


async def test_transition_with_an_opinion_reaches_the_server(leader_app, demo_server):
    async with leader_app.run_test(size=(120, 40)) as pilot:
        await settle(leader_app, pilot)
        doc_id = leader_app.screen.current_id()
        await pilot.press("t")
        await settle(leader_app, pilot)
        dialog = leader_app.screen
        assert isinstance(dialog, TransitionScreen)
        action = "chuyen_tra_chuyen_vien"
        assert action in dialog.actions
        dialog.query_one("#transition-actions").highlighted = dialog.actions.index(action)
        await pilot.pause()
        dialog.query_one("#transition-note").text = "Đề nghị sửa lại trích yếu cho rõ ý."
        await pilot.press("ctrl+s")
        await settle(leader_app, pilot)
        await settle(leader_app, pilot)
    doc = _server_doc(demo_server, doc_id)
    assert doc["state"] == "tra_lai"
    assert doc["opinions"][-1]["text"] == "Đề nghị sửa lại trích yếu cho rõ ý."
    assert doc["flow"][-1]["action"] == action


async def test_offline_actions_queue_and_apply_after_restart(leader_app, demo_server):
    async with leader_app.run_test(size=(120, 40)) as pilot:
        await settle(leader_app, pilot)
        doc_id = leader_app.screen.current_id()
        was_marked = _server_doc(demo_server, doc_id)["marked"]
        demo_server.stop()
        await pilot.press("m")
        await settle(leader_app, pilot)
        await pilot.press("r")
        await settle(leader_app, pilot)
        bar = leader_app.screen.query_one("#status-bar")
        assert bar.sync.state == "offline"
        assert bar.sync.queued >= 1
        # "đang đồng bộ…" stays up a moment so it can be read; then the outcome shows.
        await wait_until(pilot, lambda: "ngoại tuyến" in str(bar.render()), "offline shown")
        demo_server.start()
        await pilot.press("r")
        await settle(leader_app, pilot)
        assert bar.sync.state == "synced" and bar.sync.queued == 0
    assert _server_doc(demo_server, doc_id)["marked"] is (not was_marked)


async def test_filter_box_accepts_vietnamese(leader_app):
    async with leader_app.run_test(size=(80, 24)) as pilot:
        await settle(leader_app, pilot)
        await pilot.press("slash")
        box = leader_app.screen.query_one("#inbox-filter", Input)
        box.value = "Kế hoạch"
        await settle(leader_app, pilot)
        table = leader_app.screen.query_one("#inbox-table", DataTable)
        assert table.row_count >= 1
        # By document, not by column: at 80 columns the table has no Loại column.
        shown = leader_app.screen.visible_documents()
        assert len(shown) == table.row_count
        assert all(d.loai == "Kế hoạch" or "Kế hoạch" in d.trich_yeu for d in shown)


async def test_no_token_is_said_before_any_pin_is_asked(leader_app, monkeypatch, tmp_path):
    monkeypatch.setenv("KYSO_MODULE", str(tmp_path / "khong-co-module.so"))
    from textual.notifications import Notify

    posted = []
    async with leader_app.run_test(size=(120, 40), message_hook=posted.append) as pilot:
        await settle(leader_app, pilot)
        await pilot.press("k")
        await settle(leader_app, pilot)
        assert isinstance(leader_app.screen, PlacementScreen)
        await pilot.press("enter")
        await settle(leader_app, pilot)
        assert not isinstance(leader_app.screen, PinScreen)
        messages = [m.notification.message for m in posted if isinstance(m, Notify)]
        assert any("khong-co-module.so" in m for m in messages), messages
        assert not leader_app.token_status.present


async def test_token_screen_lists_the_token_and_its_certificates(leader_app):
    from kyso.tui.screens.token import TokenScreen

    async with leader_app.run_test(size=(120, 40)) as pilot:
        await settle(leader_app, pilot)
        await pilot.press("ctrl+t")
        await settle(leader_app, pilot)
        screen = leader_app.screen
        assert isinstance(screen, TokenScreen)
        tree = screen.query_one("#token-tree")

        def labels(node):
            yield str(node.label)
            for child in node.children:
                yield from labels(child)

        text = "\n".join(labels(tree.root))
        assert "kyso-test" in text
        assert "signer: Nguyễn Văn Ký" in text
        assert "expired" in text and "không ký được" in text
        status = screen.query_one("#token-title")
        assert status is not None
        assert leader_app.token_status.present
        assert leader_app.token_status.holder == "Nguyễn Văn Ký"


async def test_audit_log_records_views_and_signatures(leader_app):
    from kyso.tui.screens.audit import AuditScreen

    async with leader_app.run_test(size=(120, 40)) as pilot:
        await settle(leader_app, pilot)
        doc_id = leader_app.screen.current_id()
        await pilot.press("enter")
        await settle(leader_app, pilot)
        await pilot.press("x")
        await settle(leader_app, pilot)
        await pilot.press("escape", "escape")
        await settle(leader_app, pilot)
        await pilot.press("k")
        await settle(leader_app, pilot)
        await pilot.press("enter")
        await _enter_pin(leader_app, pilot)
        await settle(leader_app, pilot)
        await pilot.press("escape")
        await settle(leader_app, pilot)
        await pilot.press("ctrl+l")
        await settle(leader_app, pilot)
        assert isinstance(leader_app.screen, AuditScreen)
        title = str(leader_app.screen.query_one("#audit-title").render())
        assert "chuỗi băm nguyên vẹn" in title
    entries = leader_app.audit.entries()
    actions = [(e.action, e.document_id) for e in entries]
    assert ("view", doc_id) in actions
    assert ("sign", doc_id) in actions
    sign = next(e for e in entries if e.action == "sign")
    assert sign.detail["certificate"] == "Nguyễn Văn Ký" and len(sign.sha256) == 64
    assert "123456" not in leader_app.audit.path.read_text("utf-8")


async def test_sign_and_send_to_the_clerk_in_one_step(leader_app, demo_server):
    from textual.widgets import Checkbox

    async with leader_app.run_test(size=(120, 40)) as pilot:
        await settle(leader_app, pilot)
        doc_id = leader_app.screen.current_id()
        await pilot.press("t")
        await settle(leader_app, pilot)
        dialog = leader_app.screen
        action = "chuyen_van_thu"
        dialog.query_one("#transition-actions").highlighted = dialog.actions.index(action)
        await pilot.pause()
        dialog.query_one("#transition-note").text = "Đã ký, chuyển Văn thư phát hành."
        box = dialog.query_one("#transition-sign", Checkbox)
        assert not box.disabled
        box.value = True
        await pilot.press("ctrl+s")
        await settle(leader_app, pilot)
        assert isinstance(leader_app.screen, PlacementScreen)
        await pilot.press("enter")
        await _enter_pin(leader_app, pilot)
        await settle(leader_app, pilot)
        await settle(leader_app, pilot)
    doc = _server_doc(demo_server, doc_id)
    assert _main_signed(doc)
    assert doc["state"] == "cho_van_thu"
    assert doc["holder"] == "vanthu"
    assert doc["opinions"][-1]["text"] == "Đã ký, chuyển Văn thư phát hành."


async def test_a_conflict_is_shown_and_can_be_dismissed(leader_app, demo_server):
    from kyso.tui.screens.conflicts import ConflictsScreen

    async with leader_app.run_test(size=(120, 40)) as pilot:
        await settle(leader_app, pilot)
        doc_id = leader_app.screen.current_id()
        # Someone else (another session of the leader) returns the document first.
        with demo_server.client("ldso") as other:
            moved = other.post(
                f"/documents/{doc_id}/transitions",
                json={"action": "chuyen_tra_chuyen_vien", "to": None, "note": "Trả lại"},
            )
            assert moved.status_code == 200, moved.text
        leader_app.flows.apply_transition(doc_id, "chuyen_tra_chuyen_vien", None, "")
        await settle(leader_app, pilot)
        await settle(leader_app, pilot)
        bar = leader_app.screen.query_one("#status-bar")
        assert bar.sync.state == "conflict", bar.sync
        await pilot.press("c")
        await settle(leader_app, pilot)
        screen = leader_app.screen
        assert isinstance(screen, ConflictsScreen)
        table = screen.query_one("#conflicts-table")
        assert table.row_count >= 1
        assert f"#{doc_id}" in [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
        for _ in range(table.row_count):
            await pilot.press("x")
            await settle(leader_app, pilot)
        assert table.row_count == 0
    assert _server_doc(demo_server, doc_id)["flow"][-1]["note"] == "Trả lại"
