"""Remembered placements per document type and page count in the local store, each
batch document placed on its own before the PIN, stamps never over text silently, and
batch results that say everything (issue 12 items 3–5). Real store files, real PDFs,
the SoftHSM token and the app under Pilot."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from fixtures_app import make_app
from textual.widgets import DataTable
from tui_helpers import settle

from kyso.core.docs.placement import Placement, resolve_placement
from kyso.core.docs.placement_check import covered_text, overlap_warning, plan_placement
from kyso.core.placements import ANY_BUCKET, page_bucket
from kyso.core.service import signing
from kyso.core.store import Store
from kyso.tui.screens.batch import BatchScreen
from kyso.tui.screens.confirm import ConfirmScreen
from kyso.tui.screens.pin import PinScreen
from kyso.tui.screens.placement import PlacementScreen
from kyso.tui.screens.settings import SettingsScreen
from kyso.tui.screens.sign_plan import SignPlanScreen

pytestmark = pytest.mark.anyio

TITLE = "GIÁM ĐỐC"

# Five document types, each with its own page count and signature block; three have a
# remembered box (reader frame) in an empty part of their last page.
LAYOUTS = {
    1: ("Kế hoạch", 2, (360, 560), (60.0, 60.0, 260.0, 140.0)),
    2: ("Công văn", 1, (80, 560), (330.0, 200.0, 530.0, 280.0)),
    3: ("Quyết định", 5, (380, 520), None),
    4: ("Báo cáo", 3, (100, 600), None),
    6: ("Tờ trình", 1, (360, 600), (370.0, 730.0, 570.0, 810.0)),
}
OVER_BODY = (72.0, 420.0, 272.0, 500.0)
"""A box over the body paragraphs ("Điều …") of every test document."""


@pytest.fixture
def anyio_backend() -> str:
    """Textual runs on asyncio."""
    return "asyncio"


def make_document(path: Path, loai: str, pages: int, title_at: tuple[int, int]) -> Path:
    """An A4 document with body paragraphs on every page and the signer's title and name
    at ``title_at`` on the last page."""
    import pymupdf

    doc = pymupdf.open()
    for number in range(1, pages + 1):
        page = doc.new_page(width=595, height=842)
        page.insert_font(fontname="noto", fontbuffer=pymupdf.Font("notos").buffer)
        page.insert_text((72, 80), "SỞ THÔNG TIN VÀ TRUYỀN THÔNG", fontname="noto", fontsize=12)
        for k in range(16):
            line = f"Điều {k + 1}. {loai}: nội dung thực hiện, trang {number}"
            page.insert_text((72, 150 + 20 * k), line, fontname="noto", fontsize=11)
        if number == pages:
            x, y = title_at
            page.insert_text((x, y), TITLE, fontname="noto", fontsize=12)
            page.insert_text((x - 10, y + 120), "Nguyễn Văn Ký", fontname="noto", fontsize=12)
    doc.subset_fonts()
    doc.save(path, garbage=3, deflate=True)
    doc.close()
    return path


def mixed_app(tmp_path: Path, store: Store):
    """The app over five documents of five types, with remembered boxes in ``store``
    (and two boxes that must not be used: another page-count bucket, another type)."""
    app = make_app(tmp_path)
    service = app.service
    service.store = store
    for doc in service.docs:
        if doc["id"] not in LAYOUTS:
            continue
        loai, pages, title_at, remembered = LAYOUTS[doc["id"]]
        doc["loai"] = loai
        # Every one waits for the leader: a signed version of a document the văn thư
        # holds would be refused, and the pre-flight says so before the PIN.
        doc["holder"], doc["state"] = "ldso", "cho_lanh_dao_so"
        att = doc["attachments"][0]
        path = tmp_path / f"mixed-{doc['id']}.pdf"
        service.files[(doc["id"], att["id"])] = make_document(path, loai, pages, title_at)
        if remembered is not None:
            store.placements.remember(loai, pages, Placement(pages - 1, remembered))
    store.placements.remember("Kế hoạch", 12, Placement(0, OVER_BODY))  # 10+ pages only
    store.placements.remember("Thông báo", 1, Placement(0, OVER_BODY))  # another type
    return app


def signature_box(path: Path) -> tuple[int, tuple[float, ...]]:
    """The page and reader-frame box of the (only) signature widget in ``path``."""
    import pymupdf

    from kyso.core.docs.page_frame import PageFrame

    with pymupdf.open(path) as doc:
        for index in range(doc.page_count):
            page = doc[index]
            for widget in page.widgets() or ():
                if widget.field_type == pymupdf.PDF_WIDGET_TYPE_SIGNATURE:
                    return index, PageFrame.from_page(page).from_mupdf(widget.rect)
    raise AssertionError(f"no signature widget in {path}")


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "stores" / "ldso.sqlite", "ldso") as opened:
        yield opened


@pytest.fixture
def token_env(softhsm, monkeypatch):
    monkeypatch.setenv("KYSO_MODULE", softhsm.module)
    return softhsm


# -- the store ------------------------------------------------------------------------


def test_buckets_and_types_are_kept_apart(store):
    assert [page_bucket(n) for n in (1, 2, 3, 4, 9, 10, 250)] == [
        "1",
        "2–3",
        "2–3",
        "4–9",
        "4–9",
        "10+",
        "10+",
    ]
    book = store.placements
    book.remember("Kế hoạch", 2, Placement(1, (10.0, 20.0, 210.0, 100.0)))
    assert book.find("Kế hoạch", 3).box == (10.0, 20.0, 210.0, 100.0)
    assert book.find("Kế hoạch", 1) is None  # another page-count bucket
    assert book.find("Công văn", 2) is None  # another type never inherits it
    assert book.forget("Kế hoạch", "2–3") and book.find("Kế hoạch", 2) is None


def test_survives_a_restart_and_the_old_file_is_imported_once(tmp_path):
    old = tmp_path / "placements.json"
    entry = {"page": 0, "box": [1, 2, 150, 80]}
    old.write_text(json.dumps({"ldso": {"Kế hoạch": entry, "*": entry}, "vanthu": {}}))
    path = tmp_path / "stores" / "s.sqlite"
    with Store(path, "ldso") as first:
        assert first.placements.import_file(old, "ldso") == 1  # the any-type "*" is dropped
        first.placements.remember("Công văn", 1, Placement(0, (300.0, 40.0, 500.0, 120.0)))
    with Store(path, "ldso") as again:
        assert again.placements.import_file(old, "ldso") == 0  # once only
        kept = {(e.loai, e.bucket): e.box for e in again.placements.all()}
    assert kept == {
        ("Công văn", "1"): (300.0, 40.0, 500.0, 120.0),
        ("Kế hoạch", ANY_BUCKET): (1.0, 2.0, 150.0, 80.0),
    }


# -- placement checks (core, shared with the CLI) ------------------------------------------


def test_overlap_is_found_but_not_the_title_line_or_the_blanks(tmp_path):
    path = make_document(tmp_path / "a.pdf", "Kế hoạch", 1, (360, 560))
    data = path.read_bytes()
    over = Placement(0, OVER_BODY)
    assert any("Điều" in line for line in covered_text(data, over))
    assert "che chữ" in overlap_warning(data, over) and "trang 1" in overlap_warning(data, over)
    # Around the title line itself: only the title, which is ignored.
    hit = resolve_placement(data, anchor=TITLE)
    around = Placement(0, (hit.box[0], hit.box[1], hit.box[2], hit.box[3] + 30))
    assert covered_text(data, around)  # the title line is under it…
    assert covered_text(data, around, ignore=(TITLE,)) == []  # …and is not body text
    assert overlap_warning(data, Placement(0, (300.0, 200.0, 500.0, 280.0))) == ""


def test_default_order_remembered_then_title_then_corner(tmp_path):
    data = make_document(tmp_path / "b.pdf", "Báo cáo", 2, (100, 600)).read_bytes()
    remembered = Placement(1, (330.0, 200.0, 530.0, 280.0))
    assert plan_placement(data, remembered=remembered, title="Giám đốc").placement.rule == (
        "remembered"
    )
    by_title = plan_placement(data, title="Giám đốc")
    assert by_title.placement.rule == "below" and by_title.warning == ""
    assert plan_placement(data, title="Chánh Thanh tra").placement.rule == "default"


# -- the app ----------------------------------------------------------------------------


async def _to_plan(app, pilot, ids: list[int]) -> SignPlanScreen:
    await settle(app, pilot)
    app.flows.start_signing(ids)
    for _ in range(20):
        await settle(app, pilot)
        if isinstance(app.screen, SignPlanScreen):
            return app.screen
    raise AssertionError(f"no placement list, screen is {app.screen!r}")


async def _pin_and_sign(app, pilot, pin: str = "123456") -> BatchScreen:
    await pilot.press("k")
    for _ in range(20):
        await settle(app, pilot)
        if isinstance(app.screen, PinScreen):
            break
    assert isinstance(app.screen, PinScreen)
    await pilot.press(*pin, "enter")
    for _ in range(40):
        await settle(app, pilot)
        if isinstance(app.screen, BatchScreen) and app.screen.outcome is not None:
            return app.screen
    raise AssertionError("the batch did not finish")


async def test_five_types_each_signed_in_its_own_place_none_over_text(tmp_path, store, token_env):
    app = mixed_app(tmp_path, store)
    app.key_label = "signer"
    ids = sorted(LAYOUTS)
    async with app.run_test(size=(140, 40)) as pilot:
        plan = await _to_plan(app, pilot, ids)
        items = {i.document_id: i for i in plan.items}
        assert all(not i.problem and not i.overlap for i in items.values())
        for doc_id, (_loai, pages, _title, remembered) in LAYOUTS.items():
            placed = items[doc_id].placement
            assert placed.page == pages - 1
            if remembered is not None:
                assert placed.rule == "remembered" and placed.box == remembered
            else:
                assert placed.rule == "below"  # under the signer's title line
        rows = [str(c) for c in plan.query_one(DataTable).get_row_at(2)]
        assert rows[1] != "⚠ che chữ" and "trang 5/5" in rows[3] and "dưới dòng chữ neo" in rows[3]
        batch = await _pin_and_sign(app, pilot)
        assert batch.outcome.signed == 5, [r.message for r in batch.outcome.results]
    signed = {doc: Path(path) for kind, (doc, _att, path) in app.service.log if kind == "signed"}
    boxes = set()
    for doc_id, item in items.items():
        page, box = await asyncio.to_thread(signature_box, signed[doc_id])
        assert page == item.placement.page
        assert box == pytest.approx(item.placement.box, abs=0.6)
        original = item.path.read_bytes()
        assert covered_text(original, Placement(page, box), ignore=(TITLE,)) == []
        boxes.add(tuple(round(v) for v in box))
    assert len(boxes) == 5  # no box left over from one document type on another


async def test_overlap_warning_is_shown_before_the_pin(tmp_path, store, token_env):
    app = mixed_app(tmp_path, store)
    app.key_label = "signer"
    store.placements.remember("Báo cáo", 3, Placement(2, OVER_BODY))
    async with app.run_test(size=(140, 40)) as pilot:
        plan = await _to_plan(app, pilot, [1, 4])
        report = next(i for i in plan.items if i.document_id == 4)
        assert "che chữ" in report.overlap and "Điều" in report.overlap
        assert str(plan.query_one(DataTable).get_row_at(1)[1]) == "⚠ che chữ"
        await pilot.press("down")
        await pilot.pause()
        assert report.overlap in str(plan.query_one("#plan-detail").render())
        await pilot.press("k")
        for _ in range(20):
            await settle(app, pilot)
            if isinstance(app.screen, PinScreen):
                break
        assert isinstance(app.screen, PinScreen)
        assert any("che chữ" in n for n in app.screen.notes)
        await pilot.press("escape")  # nothing signed
        await settle(app, pilot)
    assert not [e for e in app.service.log if e[0] == "signed"]


async def test_moving_one_box_in_the_list_remembers_it_for_its_type(tmp_path, store, token_env):
    app = mixed_app(tmp_path, store)
    app.key_label = "signer"
    async with app.run_test(size=(140, 40)) as pilot:
        plan = await _to_plan(app, pilot, [3, 4])
        await pilot.press("down", "enter")  # Báo cáo, placed by the title
        await settle(app, pilot)
        assert isinstance(app.screen, PlacementScreen)
        await pilot.press("left", "left", "enter")
        await settle(app, pilot)
        assert app.screen is plan
        moved = plan.items[1].placement
        assert moved.box[0] == pytest.approx(items_box_x0(tmp_path) - 20)
        await pilot.press("escape")
        await settle(app, pilot)
    kept = store.placements.find("Báo cáo", 3)
    assert kept is not None and kept.box == moved.box


def items_box_x0(tmp_path: Path) -> float:
    data = (tmp_path / "mixed-4.pdf").read_bytes()
    return resolve_placement(data, anchor=TITLE).box[0]


async def test_settings_list_and_clear_the_stored_positions_across_a_restart(tmp_path):
    path = tmp_path / "stores" / "ldso.sqlite"
    with Store(path, "ldso") as first:
        first.placements.remember("Kế hoạch", 2, Placement(1, (10.0, 20.0, 210.0, 100.0)))
    with Store(path, "ldso") as reopened:  # a restart
        app = make_app(tmp_path)
        app.service.store = reopened
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(app, pilot)
            await pilot.press("comma")
            await settle(app, pilot)
            assert isinstance(app.screen, SettingsScreen)
            shown = str(app.screen.query_one("#set-placement").render())
            assert "Kế hoạch, 2–3 trang: trang 2" in shown
            await pilot.press("ctrl+r")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press("escape")  # huỷ: nothing forgotten
            await pilot.pause()
            assert reopened.placements.all()
            await pilot.press("ctrl+r")
            await pilot.pause()
            await pilot.press("y")
            await settle(app, pilot)
            assert "chưa có" in str(app.screen.query_one("#set-placement").render())
    with Store(path, "ldso") as last:
        assert last.placements.all() == []


async def test_results_show_the_whole_reason_audit_it_and_retry_only_what_can_work(
    tmp_path, store, token_env, monkeypatch
):
    app = mixed_app(tmp_path, store)
    app.key_label = "signer"
    # The PIN dialog asks a wrong PIN again (tests/test_tui_sign_rules.py); here the
    # wrong PIN must reach the batch, so the dialog's check lets every PIN through.
    monkeypatch.setattr(signing, "pin_check", lambda settings, key: lambda pin: None)
    broken = tmp_path / ("tệp-hỏng-có-tên-rất-dài-" * 4 + ".pdf")
    broken.write_bytes(b"%PDF-1.7\n1 0 obj <<>> endobj\n")
    app.service.files[(2, 102)] = broken
    async with app.run_test(size=(120, 40)) as pilot:
        await _to_plan(app, pilot, [1, 2])
        batch = await _pin_and_sign(app, pilot, pin="999999")  # wrong PIN: token error
        assert batch.outcome.signed == 0
        by_doc = {r.item.document_id: r for r in batch.outcome.results}
        assert by_doc[1].kind == "token" and by_doc[1].retryable
        assert by_doc[2].kind == "file" and not by_doc[2].retryable
        await pilot.press("down", "enter")
        await pilot.pause()
        detail = str(batch.query_one("#batch-detail").render())
        assert by_doc[2].message in detail.replace("\n", " ") or by_doc[2].message in detail
        assert str(broken) in by_doc[2].message and "Ký lại cũng không được" in detail
        await pilot.press("r")  # only the token failure is signed again
        await settle(app, pilot)
        assert isinstance(app.screen, PinScreen) and app.screen.count == 1
        await pilot.press(*"123456", "enter")
        for _ in range(40):
            await settle(app, pilot)
            if not batch.running:
                break
        assert batch.outcome.signed == 1
        assert [r.item.document_id for r in batch.outcome.results] == [1]
    failures = [e for e in app.audit.entries() if e.action == "sign_failed"]
    reasons = {(e.document_id, e.detail["failure"]): e.detail["reason"] for e in failures}
    assert reasons[(2, "file")] == by_doc[2].message
    assert (1, "token") in reasons
    assert [e.document_id for e in app.audit.entries() if e.action == "sign"] == [1]


async def test_one_document_opens_at_its_own_place_not_another_types_box(tmp_path, store):
    app = mixed_app(tmp_path, store)  # Kế hoạch and Thông báo boxes are remembered
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        app.flows.start_signing([4])  # Báo cáo: nothing remembered for it
        for _ in range(20):
            await settle(app, pilot)
            if isinstance(app.screen, PlacementScreen) and app.screen.page_count:
                break
        screen = app.screen
        assert isinstance(screen, PlacementScreen)
        expected = resolve_placement((tmp_path / "mixed-4.pdf").read_bytes(), anchor=TITLE)
        assert (screen.page, screen.box) == (expected.page, expected.box)
        await pilot.press("escape")
        await settle(app, pilot)
