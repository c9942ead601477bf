"""Batch signing in the app with the SoftHSM token: per-document results, a broken file
that does not stop the others, stopping midway, and the signed files verifying."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from fixtures_app import make_app
from tui_helpers import settle

from kyso.core.docs.verify import verify_pdf
from kyso.tui.screens.batch import BatchScreen
from kyso.tui.screens.pin import PinScreen
from kyso.tui.screens.sign_plan import SignPlanScreen

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    """Textual runs on asyncio."""
    return "asyncio"


@pytest.fixture
def token_app(tmp_path, softhsm, monkeypatch):
    monkeypatch.setenv("KYSO_MODULE", softhsm.module)
    app = make_app(tmp_path)
    app.key_label = "signer"
    return app


async def _sign_all(app, pilot) -> BatchScreen:
    await settle(app, pilot)
    await pilot.press("space", "space", "space", "space", "k")
    await settle(app, pilot)
    assert isinstance(app.screen, SignPlanScreen)  # each document's place, before the PIN
    await pilot.press("k")
    await settle(app, pilot)
    assert isinstance(app.screen, PinScreen)
    await pilot.press(*"123456", "enter")
    await settle(app, pilot)
    await settle(app, pilot)
    return app.screen


async def test_a_broken_file_is_reported_and_the_others_are_signed(token_app, tmp_path):
    broken = tmp_path / "hong.pdf"
    broken.write_bytes(b"%PDF-1.7\n1 0 obj <<>> endobj\n")
    token_app.service.files[(2, 102)] = broken
    async with token_app.run_test(size=(120, 40)) as pilot:
        batch = await _sign_all(token_app, pilot)
        assert isinstance(batch, BatchScreen)
        results = {r.item.document_id: r for r in batch.outcome.results}
        assert sorted(results) == [1, 2, 3, 4]
        assert not results[2].ok and results[2].skipped
        assert all(results[i].ok and results[i].verified for i in (1, 3, 4))
        summary = str(batch.query_one("#batch-summary").render())
        assert "Đã ký 3/4" in summary
        await pilot.press("r")  # nothing that can be retried: says so, asks no PIN
        await settle(token_app, pilot)
        assert isinstance(token_app.screen, BatchScreen)
    signed = [entry for entry in token_app.service.log if entry[0] == "signed"]
    assert len(signed) == 3
    for _kind, (_doc, _att, path) in signed:
        # verify_pdf runs its own event loop: keep it off this test's loop
        report = await asyncio.to_thread(verify_pdf, Path(path))
        assert report.ok
        assert report.signatures[0].signer_name.startswith("Nguyễn Văn Ký")


async def test_all_four_signed_with_one_pin_then_escape_closes(token_app):
    async with token_app.run_test(size=(120, 40)) as pilot:
        batch = await _sign_all(token_app, pilot)
        assert batch.outcome.signed == 4
        await pilot.press("escape")
        await settle(token_app, pilot)
        assert not isinstance(token_app.screen, BatchScreen)
