"""Pilot tests of the clerk's (văn thư) screens: Phát hành and Sổ đăng ký.

Most run over the in-memory service (the seed's Kế hoạch as the leader-signed file, a
registry book in memory); one runs against the real server and the SoftHSM token: the
leader signs through his store, the clerk issues from the screen with keystrokes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from fixtures_app import LEADER, make_service
from issuance_helpers import client_for, create_kehoach, kehoach_meta, kehoach_pdfs
from issuance_helpers import signature_png as leader_signature_png
from static_service import StaticService
from textual.widgets import Checkbox, DataTable, Input
from tui_helpers import settle

from kyso.config.settings import Settings, UiSettings
from kyso.core.service.model import TokenStatus, UserInfo
from kyso.tui.app import KysoApp
from kyso.tui.commands import binding_commands
from kyso.tui.screens.help import HelpScreen
from kyso.tui.screens.inbox import InboxScreen
from kyso.tui.screens.issuance import IssuanceScreen, boxes_map, parse_date
from kyso.tui.screens.pin import PinScreen
from kyso.tui.screens.registry import COLUMNS, RegistryScreen, documents_folder, edxml_name
from kyso.tui.screens.save import SaveScreen

pytestmark = pytest.mark.anyio

CLERK = UserInfo("vanthu", "Phạm Thị Thư", "van_thu", "Văn thư", "Sở Thông tin và Truyền thông")
TODAY = dt.date(2026, 11, 27)
KE_HOACH = 6
"""The clerk's document in the in-memory service: the seed's Kế hoạch, leader-signed."""


@pytest.fixture
def anyio_backend() -> str:
    """Textual runs on asyncio."""
    return "asyncio"


def _book_row(row_id: int, so: int, kh: str, day: str, status: str = "issued", **extra) -> dict:
    row = {
        "id": row_id,
        "doc_id": 100 + row_id,
        "year": int(day[:4]),
        "so": so,
        "so_ky_hieu": f"{so:02d}/{kh}-STTTT",
        "ngay": day,
        "status": status,
        "ten_loai_trich_yeu": "Quyết định thành lập Tổ công tác chuyển đổi số của Sở",
        "nguoi_ky": "Phạm Quốc Hùng",
        "noi_nhan": "UBND tỉnh (b/c); Các phòng, đơn vị thuộc Sở",
        "noi_luu": "VT, VP",
        "so_luong_ban": 5,
        "ngay_chuyen": f"{day}T09:30:00+07:00",
        "ky_nhan": "",
        "ghi_chu": "",
    }
    row.update(extra)
    return row


def clerk_backend(folder: Path) -> StaticService:
    """The sample documents seen by the văn thư; document 6 is the seed's Kế hoạch,
    waiting for her, with where its number, date and seal go."""
    from kyso.core.docs.issuance import find_issuance_slots, seal_box
    from kyso.core.docs.placement import resolve_placement
    from kyso.core.issue_service import SealPreview

    service = make_service(folder)
    service.user = CLERK
    service.today = TODAY
    service.token = TokenStatus(True, "kyso-demo", "Phạm Thị Thư", "31/12/2027")
    main, _appendix = kehoach_pdfs()
    trich_yeu, name, _ = kehoach_meta()
    path = folder / "ke-hoach.pdf"
    path.write_bytes(main)
    doc = next(d for d in service.docs if d["id"] == KE_HOACH)
    doc.update(trich_yeu=trich_yeu, loai="Kế hoạch", loai_ky_hieu="KH")
    doc["attachments"][0]["name"] = name
    service.files[(KE_HOACH, doc["attachments"][0]["id"])] = path
    for other in service.docs:
        if other["id"] != KE_HOACH and other["holder"] == "vanthu":
            other["so_ky_hieu"] = None
    placement = resolve_placement(main, anchor="GIÁM ĐỐC")
    slots = find_issuance_slots(main)
    service.previews[KE_HOACH] = SealPreview(
        path,
        placement.page,
        placement.box,
        seal_box(placement.box),
        slots.number_box,
        slots.date_box,
    )
    service.book = [
        _book_row(1, 1, "QĐ", "2026-01-05"),
        _book_row(2, 2, "KH", "2026-02-10", ten_loai_trich_yeu="Kế hoạch chuyển đổi số năm 2026"),
        _book_row(3, 7, "TB", "2025-12-30", ten_loai_trich_yeu="Thông báo lịch trực Tết"),
    ]
    return service


def clerk_app(folder: Path, images: str = "off") -> KysoApp:
    """The app as the văn thư over :func:`clerk_backend`."""
    settings = Settings(ui=UiSettings(images=images, theme="textual-dark"))
    return KysoApp(clerk_backend(folder), settings=settings, images=images)


async def open_issuance(app: KysoApp, pilot) -> IssuanceScreen:
    """From the inbox: cursor on the Kế hoạch, then `p`."""
    await settle(app, pilot)
    inbox = app.screen
    assert isinstance(inbox, InboxScreen)
    for _ in range(inbox.query_one(DataTable).row_count):
        if inbox.current_id() == KE_HOACH:
            break
        await pilot.press("down")
    assert inbox.current_id() == KE_HOACH
    await pilot.press("p")
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, IssuanceScreen)
    return screen


def _text(screen, selector: str) -> str:
    return str(screen.query_one(selector).render())


# -- pure helpers ------------------------------------------------------------------------


def test_boxes_map_marks_the_seal_over_the_leader():
    drawn = boxes_map(
        [((0, 0, 200, 200), "▒"), ((100, 0, 300, 100), "█")], (400, 400), cols=4, rows=4
    )
    assert drawn.splitlines() == ["····", "····", "▒▒··", "▒▓█·"]


def test_parse_date_accepts_vietnamese_and_iso():
    assert parse_date("05/02/2026") == dt.date(2026, 2, 5)
    assert parse_date("2026-11-27") == dt.date(2026, 11, 27)
    with pytest.raises(ValueError):
        parse_date("31/02/2026")


# -- in-memory service -------------------------------------------------------------------


async def test_clerk_keys_exist_only_for_the_van_thu(tmp_path):
    leader = KysoApp(make_service(tmp_path), settings=Settings(ui=UiSettings(images="off")))
    async with leader.run_test(size=(120, 40)) as pilot:
        await settle(leader, pilot)
        names = [n for n, _h, _c in binding_commands(leader.screen)]
        assert "Hộp văn bản: Phát hành" not in names and "Hộp văn bản: Sổ đăng ký" not in names
        await pilot.press("p", "b")  # nothing happens for a leader
        await settle(leader, pilot)
        assert isinstance(leader.screen, InboxScreen)
    assert leader.service.user == LEADER

    app = clerk_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        names = [n for n, _h, _c in binding_commands(app.screen)]
        assert "Hộp văn bản: Phát hành" in names and "Hộp văn bản: Sổ đăng ký" in names
        footer_keys = {b.binding.id for b in app.screen.active_bindings.values()}
        assert {"issuance.open", "registry.open"} <= footer_keys
        await pilot.press("question_mark")
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one(DataTable)
        ids = {str(table.get_row_at(i)[2]) for i in range(table.row_count)}
        assert {"issuance.open", "registry.open"} <= ids


async def test_issuance_shows_the_number_date_seal_and_where_they_go(tmp_path):
    app = clerk_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_issuance(app, pilot)
        info = _text(screen, "#issuance-info")
        assert "Số/ký hiệu sẽ lấy: 03/KH-STTTT" in info
        assert "con dấu mẫu (demo)" in info and "Sở Thông tin và Truyền thông" in info
        assert screen.query_one("#issuance-date", Input).value == "27/11/2026"
        assert screen.query_one("#issuance-only", Checkbox).value is False
        preview = screen.preview
        assert screen.page == preview.page  # the leader's signature page first
        page = _text(screen, "#page-text-body")
        assert "█ con dấu, chữ ký cơ quan" in page and "▒ chữ ký lãnh đạo" in page
        assert "▓" in page  # the seal covers part of the leader's signature
        if preview.page != 0:
            await pilot.press("pageup")
            await settle(app, pilot)
        page = _text(screen, "#page-text-body")
        assert screen.page == 0
        assert "S Số: 03/KH-STTTT" in page
        assert "N Đắk Nông, ngày 27 tháng 11 năm 2026" in page
        assert app.service.log == []  # nothing was taken by looking


async def test_the_thumbnail_shows_the_seal_box_in_red(tmp_path):
    import io

    from PIL import Image

    app = clerk_app(tmp_path, images="halfblock")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_issuance(app, pilot)
        assert screen.query_one("#page-image-view").image is not None
        image = Image.open(io.BytesIO(screen._marked_png(screen._boxes()))).convert("RGB")
        scale = image.width / screen.page_size[0]
        x0, y0, _x1, y1 = screen.preview.seal_box
        middle = int((screen.page_size[1] - (y0 + y1) / 2) * scale)
        assert image.getpixel((int(x0 * scale) + 1, middle)) == (220, 0, 0)
        leader_right = screen.preview.leader_box[2]
        assert image.getpixel((int(leader_right * scale) - 1, middle)) == (30, 60, 220)


async def test_only_number_toggle_issues_without_pin_or_seal(tmp_path):
    app = clerk_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_issuance(app, pilot)
        await pilot.press("o")
        await settle(app, pilot)
        assert screen.only_number and screen.query_one("#issuance-only", Checkbox).value
        assert "█" not in _text(screen, "#page-text-body")
        assert "chỉ điền số KH, ngày tháng năm" in _text(screen, "#issuance-info")
        await pilot.press("o", "o")  # off and on again
        assert screen.only_number
        await pilot.press("enter")
        await settle(app, pilot)
        assert not isinstance(app.screen, PinScreen)
        assert ("issue", (KE_HOACH, "03/KH-STTTT", True)) in app.service.log
        progress = _text(screen, "#issuance-progress")
        assert "Đã phát hành: Số 03/KH-STTTT, ngày 27/11/2026 (chỉ điền số, ngày)" in progress
        assert progress.count("✔") == 6  # five steps and the result
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, InboxScreen)
    doc = app.service.document(KE_HOACH)
    assert doc.state == "da_ban_hanh" and doc.so_ky_hieu == "03/KH-STTTT"


async def test_apply_asks_the_pin_then_issues_with_an_edited_date(tmp_path):
    app = clerk_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_issuance(app, pilot)
        await pilot.press("d")
        box = screen.query_one("#issuance-date", Input)
        assert app.focused is box
        box.value = ""
        await pilot.press(*"05/02/2026", "enter")
        await settle(app, pilot)
        assert screen.date == dt.date(2026, 2, 5)
        assert app.focused is not box
        await pilot.press("enter")  # Áp dụng
        await settle(app, pilot)
        assert isinstance(app.screen, PinScreen)
        await pilot.press(*"123456", "enter")
        await settle(app, pilot)
        assert app.screen is screen
        progress = _text(screen, "#issuance-progress")
        assert "Đã phát hành: Số 03/KH-STTTT, ngày 05/02/2026" in progress
        assert "đã ký số cơ quan và đóng dấu" in progress
    [row] = [r for r in app.service.book if r["doc_id"] == KE_HOACH]
    assert row["status"] == "issued" and row["ngay"] == "2026-02-05"


async def test_a_missing_seal_file_is_said_before_any_pin(tmp_path):
    from dataclasses import replace

    app = clerk_app(tmp_path)
    missing = tmp_path / "con-dau-khong-co.png"
    app.settings = replace(app.settings, signing=replace(app.settings.signing, seal=str(missing)))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_issuance(app, pilot)
        assert "Không đọc được ảnh con dấu" in _text(screen, "#issuance-info")
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is screen and screen.result is None
        await pilot.press("o", "enter")  # only number and date need no seal
        await settle(app, pilot)
        assert screen.result is not None and not screen.result.signed


async def test_a_bad_date_is_refused(tmp_path):
    app = clerk_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_issuance(app, pilot)
        await pilot.press("d")
        screen.query_one("#issuance-date", Input).value = "31/02/2026"
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen.date == TODAY
        assert app.focused is screen.query_one("#issuance-date", Input)


async def test_a_refused_issuance_says_why_and_that_the_number_was_cancelled(tmp_path):
    app = clerk_app(tmp_path)
    app.service.refuse_issue = "Chữ ký của lãnh đạo không còn nguyên vẹn"
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_issuance(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press(*"123456", "enter")
        await settle(app, pilot)
        progress = _text(screen, "#issuance-progress")
        assert "✘ Chữ ký của lãnh đạo không còn nguyên vẹn" in progress
        assert "Số 03/KH-STTTT đã được ghi là bị huỷ" in progress
        assert "✘ Gửi máy chủ" in progress
        assert "số đã huỷ: 03/KH-STTTT" in _text(screen, "#issuance-info")
        assert screen.result is None
    assert app.service.document(KE_HOACH).state == "cho_van_thu"


async def test_a_held_number_is_reused_or_cancelled_with_a_reason(tmp_path):
    from kyso.tui.screens.issuance import ReasonScreen

    app = clerk_app(tmp_path)
    app.service.book.append(_book_row(4, 3, "KH", "2026-11-26", status="pending", doc_id=KE_HOACH))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_issuance(app, pilot)
        assert "03/KH-STTTT (đã giữ cho văn bản này, sẽ dùng lại)" in _text(
            screen, "#issuance-info"
        )
        await pilot.press("h")
        await settle(app, pilot)
        assert isinstance(app.screen, ReasonScreen)
        await pilot.press(*"Sai ngày", "enter")
        await settle(app, pilot)
        assert app.screen is screen
        assert ("cancel", (KE_HOACH, "Sai ngày")) in app.service.log
        info = _text(screen, "#issuance-info")
        assert "Số/ký hiệu sẽ lấy: 04/KH-STTTT" in info and "số đã huỷ: 03/KH-STTTT" in info
        await pilot.press("h")  # nothing held any more: no dialog
        await settle(app, pilot)
        assert app.screen is screen


async def test_issue_key_on_a_document_not_waiting_for_the_clerk(tmp_path):
    from textual.notifications import Notify

    app = clerk_app(tmp_path)
    assert [d.id for d in app.service.clerk_inbox()] == [5, KE_HOACH]
    for doc in app.service.docs:
        if doc["holder"] == "vanthu":
            doc["state"] = "da_ban_hanh"  # nothing waits for the clerk any more
    assert app.service.clerk_inbox() == []
    posted = []
    async with app.run_test(size=(120, 40), message_hook=posted.append) as pilot:
        await settle(app, pilot)
        assert app.screen.current_id() is not None
        await pilot.press("p")
        await settle(app, pilot)
        assert isinstance(app.screen, InboxScreen)
    messages = [m.notification.message for m in posted if isinstance(m, Notify)]
    assert any("Đã ban hành" in m and "chỉ phát hành" in m for m in messages), messages


async def test_registry_book_years_and_export(tmp_path):
    from kyso.config.locations import data_dir

    app = clerk_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("b")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, RegistryScreen)
        screen.year = 2026
        screen.reload()
        await settle(app, pilot)
        table = screen.query_one(DataTable)
        headers = [str(c.label) for c in table.columns.values()]
        assert headers == [h for _k, h, _w in COLUMNS] and len(headers) == 10
        assert headers[2] == "Tên loại và trích yếu nội dung"
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert [r[0] for r in rows] == ["01/QĐ-STTTT", "02/KH-STTTT"]
        assert rows[1][1] == "10/02/2026" and rows[1][3] == "Phạm Quốc Hùng"
        assert "năm 2026" in _text(screen, "#registry-title")
        await pilot.press("left_square_bracket")
        await settle(app, pilot)
        assert screen.year == 2025
        assert [str(table.get_row_at(i)[0]) for i in range(table.row_count)] == ["07/TB-STTTT"]
        await pilot.press("c")  # asks where, offering the documents folder
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, SaveScreen)
        offered = Path(dialog.query_one("#save-path", Input).value)
        assert offered == documents_folder() / "so-dang-ky-van-ban-di-2025.csv"
        written = tmp_path / "xuat" / "so-2025.csv"
        dialog.query_one("#save-path", Input).value = str(written)
        await pilot.press("enter")
        await settle(app, pilot)
        assert written.exists() and "07/TB-STTTT" in written.read_text("utf-8-sig")
        assert str(written) in _text(screen, "#registry-status")
        assert not (data_dir() / "so-dang-ky").exists()  # nothing silently in the data folder
        await pilot.press("p")  # Esc in the dialog: nothing is written
        await settle(app, pilot)
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is screen and "Đã huỷ" in _text(screen, "#registry-status")
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, InboxScreen)


async def test_the_issued_number_shows_in_the_registry(tmp_path):
    app = clerk_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_issuance(app, pilot)
        await pilot.press("o", "enter")
        await settle(app, pilot)
        await pilot.press("escape")
        await settle(app, pilot)
        app.push_screen(RegistryScreen(2026))
        await settle(app, pilot)
        table = app.screen.query_one(DataTable)
        numbers = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert numbers[-1] == "03/KH-STTTT"


# -- the real server and the SoftHSM token -----------------------------------------------


def _leader_signs_and_sends_to_clerk(server, softhsm, folder: Path) -> int:
    """The seed's Kế hoạch: drafted, trình lãnh đạo Sở, signed by the leader with the
    token (kyso's number/date fields prepared), uploaded through his store, chuyển văn thư."""
    from kyso.core.docs.sign import SignOptions, sign_file
    from kyso.core.token.session import TokenOptions, open_token

    doc_id = create_kehoach(server)
    with client_for(server, "chuyenvien") as cv:
        cv.store.transition(doc_id, "trinh_lanh_dao_so", note="Kính trình Giám đốc ký.")
        assert cv.sync().pushed == 1
    with client_for(server, "ldso") as ld:
        doc = ld.store.document_json(doc_id)
        main = next(a for a in doc["attachments"] if a["is_main"])
        draft = ld.fetch_attachment(doc_id, main["id"])
        signed = folder / "leader.pdf"
        # The PKCS#11 login belongs to the process: log out before the app logs in.
        with open_token(TokenOptions(module=softhsm.module), "123456") as token:
            sign_file(
                draft,
                signed,
                token.signing_key("signer"),
                SignOptions(anchor="GIÁM ĐỐC", image=leader_signature_png(folder)),
            )
        ld.store.add_signed_version(doc_id, main["id"], signed, note="Đã ký số")
        ld.store.transition(doc_id, "chuyen_van_thu", note="Đề nghị phát hành.")
        report = ld.sync()
        assert report.pushed == 2 and not report.conflicts and not report.rejected
    return doc_id


async def test_clerk_issues_from_the_screen_against_the_server(
    demo_server, softhsm, tmp_path, monkeypatch
):
    from kyso.core.service.store_service import StoreService
    from kyso.core.sync import login
    from kyso.core.sync import sync as run_sync

    monkeypatch.setenv("KYSO_MODULE", softhsm.module)
    # pyHanko's blocking API runs its own event loop: prepare outside the test's loop.
    doc_id = await asyncio.to_thread(
        _leader_signs_and_sends_to_clerk, demo_server, softhsm, tmp_path
    )

    session = login(demo_server.url, "vanthu", "kyso-demo")
    run_sync(session)
    service = StoreService(session, key_label="signer", module=softhsm.module)
    app = KysoApp(
        service, settings=Settings(ui=UiSettings(images="off")), images="off", key_label="signer"
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        inbox = app.screen
        for _ in range(inbox.query_one(DataTable).row_count):
            if inbox.current_id() == doc_id:
                break
            await pilot.press("down")
        assert inbox.current_id() == doc_id
        await pilot.press("p")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, IssuanceScreen)
        number = screen.info.preview
        assert number and number.endswith("/KH-STTTT")
        assert f"Số/ký hiệu sẽ lấy: {number}" in _text(screen, "#issuance-info")
        assert screen.preview.number_box is not None
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, PinScreen)
        await pilot.press(*"123456", "enter")
        await settle(app, pilot)
        await settle(app, pilot)
        assert screen.result is not None, _text(screen, "#issuance-progress")
        progress = _text(screen, "#issuance-progress")
        assert f"Đã phát hành: Số {number}" in progress
        assert "2/2 chữ ký hợp lệ" in progress
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("b")
        await settle(app, pilot)
        registry = app.screen
        assert isinstance(registry, RegistryScreen)
        table = registry.query_one(DataTable)
        rows = {str(table.get_row_at(i)[0]): table.get_row_at(i) for i in range(table.row_count)}
        assert number in rows
        assert "Kế hoạch tham gia hưởng ứng" in str(rows[number][2])
        await pilot.press("p")  # the printable book, saved where the clerk says
        await settle(app, pilot)
        app.screen.query_one("#save-path", Input).value = str(tmp_path / "so.pdf")
        await pilot.press("enter")
        await settle(app, pilot)
        written = registry.written
        assert written == tmp_path / "so.pdf"
        assert written.read_bytes()[:5] == b"%PDF-"
        assert str(written) in _text(registry, "#registry-status")
        # the issued document as an edXML package, from its row in the book
        row = next(i for i in range(table.row_count) if str(table.get_row_at(i)[0]) == number)
        table.move_cursor(row=row)
        await pilot.press("x")
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, SaveScreen)
        assert dialog.query_one("#save-path", Input).value.endswith(edxml_name(number))
        dialog.query_one("#save-path", Input).value = str(tmp_path / "vb.xml")
        await pilot.press("enter")
        await settle(app, pilot)
        await settle(app, pilot)
        assert registry.written == tmp_path / "vb.xml", _text(registry, "#registry-status")
        xml = (tmp_path / "vb.xml").read_text("utf-8")
        assert "<edXML:Place>Đắk Nông</edXML:Place>" in xml
        assert "<edXML:OrganId>000.17.00.H17</edXML:OrganId>" in xml
    with demo_server.client("vanthu") as client:
        doc = client.get(f"/documents/{doc_id}").json()
    assert doc["state"] == "da_ban_hanh"
    assert doc["so_ky_hieu"] == number
    main = next(a for a in doc["attachments"] if a["is_main"])
    assert main["versions"][-1]["uploaded_by"] == "vanthu"


# -- snapshots -----------------------------------------------------------------------------

SIZES = [(80, 24), (120, 40)]


def _shot(push, *keys: str):
    async def run_before(pilot) -> None:
        app = pilot.app
        await settle(app, pilot)
        app.push_screen(push())
        await settle(app, pilot)
        for key in keys:
            await pilot.press(key)
            await settle(app, pilot)
        await settle(app, pilot)
        app.clear_notifications()
        await pilot.pause()

    return run_before


SNAPSHOTS = {
    "issuance": _shot(lambda: IssuanceScreen(KE_HOACH, today=TODAY)),
    "issuance_first_page": _shot(lambda: IssuanceScreen(KE_HOACH, today=TODAY), "pageup"),
    "issuance_only_number_done": _shot(lambda: IssuanceScreen(KE_HOACH, today=TODAY), "o", "enter"),
    "registry": _shot(lambda: RegistryScreen(2026)),
}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", sorted(SNAPSHOTS))
def test_clerk_screen_snapshot(snap_compare, tmp_path, name, size):
    app = clerk_app(tmp_path)
    assert snap_compare(app, terminal_size=size, run_before=SNAPSHOTS[name])
