"""The app's signing and transition rules against the real server and the SoftHSM token:
the PIN dialog's tries and warnings, a wrong PIN asked again, a locked token said before
the dialog, a ``~`` signature image, no "Ký số" a role's upload would be refused for, and
a transition's note recorded as one opinion.

SoftHSM does not count wrong PINs in its flags: the PIN states other than ``ok`` come
from a small double of the token flags (the real flags with the state's bit added).
"""

from __future__ import annotations

import asyncio

import pytest
from textual.notifications import Notify
from tui_helpers import settle

from kyso.config.locations import data_dir
from kyso.config.settings import Settings, SigningSettings, UiSettings
from kyso.core.docs.verify import verify_pdf
from kyso.core.service.store_service import StoreService
from kyso.core.sync import login
from kyso.core.sync import sync as run_sync
from kyso.tui.app import KysoApp
from kyso.tui.screens.batch import BatchScreen
from kyso.tui.screens.document import DocumentScreen
from kyso.tui.screens.inbox import InboxScreen
from kyso.tui.screens.pin import PinScreen
from kyso.tui.screens.placement import PlacementScreen
from kyso.tui.screens.transition import TransitionScreen

pytestmark = pytest.mark.anyio

PIN = "123456"
NOTE = "Đề nghị bổ sung số liệu quý IV rồi trình lại."


@pytest.fixture
def anyio_backend() -> str:
    """Textual runs on asyncio."""
    return "asyncio"


@pytest.fixture
def flagged(monkeypatch):
    """``flagged("USER_PIN_COUNT_LOW")``: the token reports that PIN flag from now on."""
    from pkcs11 import TokenFlag

    from kyso.core.token import inventory

    real = inventory.pin_state

    def set_flag(name: str) -> None:
        bit = int(getattr(TokenFlag, name))
        monkeypatch.setattr(inventory, "pin_state", lambda flags: real(int(flags) | bit))

    return set_flag


def _app(server, username: str, softhsm, monkeypatch, signing: SigningSettings | None = None):
    monkeypatch.setenv("KYSO_MODULE", softhsm.module)
    session = login(server.url, username, "kyso-demo")
    run_sync(session)
    service = StoreService(session, key_label="signer", module=softhsm.module)
    settings = Settings(signing=signing or SigningSettings(), ui=UiSettings(images="off"))
    return KysoApp(service, settings=settings, images="off", key_label="signer")


@pytest.fixture
def leader_app(demo_server, softhsm, monkeypatch):
    return _app(demo_server, "ldso", softhsm, monkeypatch)


def _server_doc(server, doc_id: int, user: str = "ldso") -> dict:
    with server.client(user) as client:
        response = client.get(f"/documents/{doc_id}")
        response.raise_for_status()
        return response.json()


def _main_signed(doc: dict) -> bool:
    main = next(a for a in doc["attachments"] if a["is_main"])
    return bool(main["versions"][-1]["signed"])


def _text(widget) -> str:
    return str(widget.render())


async def _to_pin(app, pilot) -> None:
    """Ký số on the document under the cursor, accept the placement: the PIN dialog."""
    await settle(app, pilot)
    await pilot.press("k")
    await settle(app, pilot)
    assert isinstance(app.screen, PlacementScreen)
    await pilot.press("enter")
    await settle(app, pilot)


async def test_a_transition_with_a_note_records_one_opinion(leader_app, demo_server):
    async with leader_app.run_test(size=(120, 40)) as pilot:
        await settle(leader_app, pilot)
        doc_id = leader_app.screen.current_id()
        before = len(_server_doc(demo_server, doc_id)["opinions"])
        await pilot.press("t")
        await settle(leader_app, pilot)
        dialog = leader_app.screen
        assert isinstance(dialog, TransitionScreen)
        action = "chuyen_tra_chuyen_vien"
        dialog.query_one("#transition-actions").highlighted = dialog.actions.index(action)
        await pilot.pause()
        dialog.query_one("#transition-note").text = NOTE
        await pilot.press("ctrl+s")
        await settle(leader_app, pilot)
        await settle(leader_app, pilot)
        local = leader_app.service.document(doc_id)
        assert [o.text for o in local.opinions].count(NOTE) == 1
    doc = _server_doc(demo_server, doc_id)
    assert doc["state"] == "tra_lai" and doc["flow"][-1]["action"] == action
    assert [o["text"] for o in doc["opinions"]].count(NOTE) == 1
    assert len(doc["opinions"]) == before + 1


async def test_the_pin_dialog_shows_a_count_low_token_and_its_tries(leader_app, flagged):
    flagged("USER_PIN_COUNT_LOW")
    async with leader_app.run_test(size=(120, 40)) as pilot:
        await _to_pin(leader_app, pilot)
        dialog = leader_app.screen
        assert isinstance(dialog, PinScreen)
        assert leader_app.token_status.pin_state == "count_low"
        tries = _text(dialog.query_one("#pin-tries"))
        assert "còn ít lần thử" in tries and "Số lần thử PIN còn lại: ít" in tries
        assert "còn ít lần thử PIN" in leader_app.token_status.text
        await pilot.press("escape")
        await settle(leader_app, pilot)


async def test_a_locked_token_is_said_before_any_pin_dialog(leader_app, flagged, demo_server):
    flagged("USER_PIN_LOCKED")
    posted: list = []
    async with leader_app.run_test(size=(120, 40), message_hook=posted.append) as pilot:
        doc_id = leader_app.screen.current_id()
        await _to_pin(leader_app, pilot)
        assert not isinstance(leader_app.screen, PinScreen | BatchScreen)
        messages = [m.notification.message for m in posted if isinstance(m, Notify)]
        assert any("bị khoá" in m for m in messages), messages
    assert not _main_signed(_server_doc(demo_server, doc_id))


async def test_a_wrong_pin_is_asked_again_then_the_right_one_signs(leader_app, demo_server):
    async with leader_app.run_test(size=(120, 40)) as pilot:
        doc_id = leader_app.screen.current_id()
        await _to_pin(leader_app, pilot)
        dialog = leader_app.screen
        assert isinstance(dialog, PinScreen)
        await pilot.press(*"000000", "enter")
        await settle(leader_app, pilot)
        assert leader_app.screen is dialog  # still asking, nothing started
        assert dialog.refused == 1
        assert "Sai mã PIN" in _text(dialog.query_one("#pin-error"))
        await pilot.press(*PIN, "enter")
        await settle(leader_app, pilot)
        batch = leader_app.screen
        assert isinstance(batch, BatchScreen)
        await settle(leader_app, pilot)
        assert batch.outcome is not None and batch.outcome.signed == 1, batch.outcome.results
        await settle(leader_app, pilot)
    assert _main_signed(_server_doc(demo_server, doc_id))


async def test_a_signature_image_under_home_signs(demo_server, softhsm, monkeypatch, tmp_path):
    import pymupdf
    from PIL import Image

    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    Image.new("RGBA", (300, 120), (0, 0, 200, 255)).save(home / "chu-ky.png")
    signing = SigningSettings(image="~/chu-ky.png")
    app = _app(demo_server, "ldso", softhsm, monkeypatch, signing)
    async with app.run_test(size=(120, 40)) as pilot:
        await _to_pin(app, pilot)
        assert isinstance(app.screen, PinScreen)
        await pilot.press(*PIN, "enter")
        await settle(app, pilot)
        batch = app.screen
        await settle(app, pilot)
        assert batch.outcome.signed == 1, batch.outcome.results
        [result] = batch.outcome.results
        item = result.item
    output = data_dir() / "signed" / f"{item.document_id}-{item.attachment_id}.pdf"
    with pymupdf.open(output) as pdf:
        images = [x for x in range(1, pdf.xref_length()) if _subtype(pdf, x) == "/Image"]
    assert images, "the stamp has no image"
    report = await asyncio.to_thread(verify_pdf, output)  # its own event loop
    assert report.ok


def _subtype(pdf, xref: int) -> str:
    try:
        return pdf.xref_get_key(xref, "Subtype")[1]
    except Exception:  # a slot the incremental update left free (MuPDF raises its own type)
        return ""


async def test_a_chuyen_vien_is_not_offered_signing(demo_server, softhsm, monkeypatch):
    app = _app(demo_server, "chuyenvien", softhsm, monkeypatch)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("v", "v")  # Tất cả: documents in every state
        await settle(app, pilot)
        inbox = app.screen
        assert isinstance(inbox, InboxScreen) and inbox.documents
        assert "sign" not in {b.binding.action for b in inbox.active_bindings.values()}
        assert "Ký số" not in _text(inbox.query_one("KeyBar"))
        await pilot.press("k")
        await settle(app, pilot)
        assert app.screen is inbox  # no placement, no PIN
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, DocumentScreen)
        assert app.screen.check_action("sign", ()) is False
        await pilot.press("k")
        await settle(app, pilot)
        assert isinstance(app.screen, DocumentScreen)


async def test_the_pre_flight_refuses_before_the_pin_what_the_server_would(static_app):
    """A leader asked to sign a document that waits for the văn thư (a palette command,
    a script): refused by the pre-flight, with the reason, before any placement or PIN."""
    posted: list = []
    async with static_app.run_test(size=(120, 40), message_hook=posted.append) as pilot:
        await settle(static_app, pilot)
        doc = static_app.service.document(5)
        assert doc.state == "cho_van_thu" and doc.holder != "ldso"
        static_app.flows.start_signing([5])
        for _ in range(10):
            await settle(static_app, pilot)
        assert isinstance(static_app.screen, InboxScreen)
        messages = [m.notification.message for m in posted if isinstance(m, Notify)]
        assert any("không do bạn đang xử lý" in m for m in messages), messages
