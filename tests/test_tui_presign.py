"""The app checks the signing certificate before the PIN and signs at the planned PAdES
level: the LTV token of fixtures_revocation.py (expired, revoked, good certificates),
the local OCSP responder and TSA, driven with Pilot over the real store and server
(refusals) and over the in-memory service (a B-LT signature end to end)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest
from checks import pdfsig, qpdf_check
from fixtures_app import make_app
from textual.notifications import Notify
from tui_helpers import settle

from kyso.config.settings import Settings, SigningSettings, UiSettings
from kyso.core.service.store_service import StoreService
from kyso.core.sync import login
from kyso.core.sync import sync as run_sync
from kyso.tui.app import KysoApp
from kyso.tui.screens.batch import BatchScreen
from kyso.tui.screens.pin import PinScreen
from kyso.tui.screens.placement import PlacementScreen

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    """Textual runs on asyncio."""
    return "asyncio"


def _messages(posted) -> list[str]:
    return [m.notification.message for m in posted if isinstance(m, Notify)]


@pytest.mark.parametrize(
    ("label", "reason"), [("expired", "đã hết hạn"), ("revoked", "đã bị thu hồi")]
)
async def test_a_bad_certificate_is_refused_before_the_pin(
    demo_server, ltv_module, ocsp_responder, data_dir_files, label, reason
):
    session = login(demo_server.url, "ldso", "kyso-demo")
    run_sync(session)
    service = StoreService(session, key_label=label, module=ltv_module.module)
    app = KysoApp(service, settings=Settings(ui=UiSettings(images="off")), key_label=label)
    posted = []
    async with app.run_test(size=(120, 40), message_hook=posted.append) as pilot:
        await settle(app, pilot)
        await pilot.press("k")
        await settle(app, pilot)
        assert isinstance(app.screen, PlacementScreen)
        await pilot.press("enter")
        await settle(app, pilot)
        await settle(app, pilot)
        assert not isinstance(app.screen, (PinScreen, BatchScreen))
    refusals = [m for m in _messages(posted) if "chưa hỏi PIN" in m]
    assert len(refusals) == 1 and reason in refusals[0], _messages(posted)
    assert "\n" not in refusals[0]
    assert not data_dir_files(), "nothing may be signed"


@pytest.fixture
def data_dir_files():
    """The files the app has signed so far (its ``signed`` folder)."""
    from kyso.config.locations import data_dir

    return lambda: sorted((data_dir() / "signed").glob("*.pdf"))


async def test_a_good_certificate_signs_b_lt_and_verifies_with_trust(
    tmp_path, ltv_module, ltv_pki, ocsp_responder, ltv_tsa, data_dir_files
):
    from pyhanko.pdf_utils.reader import PdfFileReader

    from kyso.core.docs.verify import verify_pdf

    app = make_app(tmp_path)
    app.key_label = "good"
    signing = SigningSettings(timestamp_url=ltv_tsa, level="B-LT")
    app.settings = replace(app.settings, signing=signing)
    posted = []
    async with app.run_test(size=(120, 40), message_hook=posted.append) as pilot:
        await settle(app, pilot)
        await pilot.press("k")
        await settle(app, pilot)
        await pilot.press("enter")  # position
        await settle(app, pilot)
        await settle(app, pilot)
        assert isinstance(app.screen, PinScreen), _messages(posted)
        await pilot.press(*"123456", "enter")
        await settle(app, pilot)
        await settle(app, pilot)
        batch = app.screen
        assert isinstance(batch, BatchScreen)
        assert batch.outcome is not None and batch.outcome.signed == 1, batch.outcome
        assert batch.outcome.results[0].verified
    # Trust and revocation were checked: no warning about either, no lowered level.
    assert not [m for m in _messages(posted) if "chưa kiểm tra" in m.lower() or "thay vì" in m]
    signed = [entry for entry in app.service.log if entry[0] == "signed"]
    assert len(signed) == 1
    path = Path(signed[0][1][2])
    report = await asyncio.to_thread(verify_pdf, path, trust=[ltv_pki.ca_pem.read_bytes()])
    assert report.ok and report.trust_checked
    assert report.signatures[0].level == "B-LT", report.signatures[0]
    with open(path, "rb") as fh:
        dss = PdfFileReader(fh).root["/DSS"]
        assert len(dss["/OCSPs"]) >= 2
    pdfsig(path)
    qpdf_check(path)
