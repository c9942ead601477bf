"""The demo seed and its Decree 30 PDFs, and the `kyso server` command."""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter

import httpx
import pytest
from fixtures_server import free_port

from kyso.server.demo_content import DEMO_DOCUMENTS, DEMO_USERS
from kyso.server.demo_docs import date_line, render_appendix, render_document

TET = DEMO_DOCUMENTS[0]


def pdf_text(data: bytes) -> list[str]:
    import pymupdf

    with pymupdf.open(stream=data, filetype="pdf") as doc:
        return [page.get_text() for page in doc]


def test_the_tet_plan_is_laid_out_as_decree_30_asks():
    import pymupdf

    data = render_document(TET)
    with pymupdf.open(stream=data, filetype="pdf") as doc:
        assert 2 <= doc.page_count <= 3
        assert all(abs(p.rect.width - 595.3) < 1 and abs(p.rect.height - 841.9) < 1 for p in doc)
        first = doc[0]
        text = first.get_text()
        spans = [
            span
            for block in first.get_text("dict")["blocks"]
            for line in block.get("lines", [])
            for span in line["spans"]
        ]
        last = doc[-1]
        title = last.search_for("GIÁM ĐỐC")
        name = last.search_for("Phạm Quốc Hùng")
    assert "UBND TỈNH ĐẮK NÔNG" in text
    assert "SỞ THÔNG TIN VÀ TRUYỀN THÔNG" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert re.search(r"Số:\s+/KH-STTTT", text), "the number is left blank for the clerk"
    assert "KẾ HOẠCH" in text
    assert "Tết trồng cây đời đời nhớ ơn Bác Hồ" in text
    assert "\ufffd" not in text
    date = [s for s in spans if s["text"].startswith("Đắk Nông, ngày")]
    assert date, "the date line is there"
    assert date[0]["flags"] & 2, "the date line is italic"
    assert re.fullmatch(r"Đắk Nông, ngày\s+tháng\s+năm 2026", date[0]["text"])
    header = {s["text"]: s["bbox"] for s in spans}
    assert header["UBND TỈNH ĐẮK NÔNG"][0] < 200 < header["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"][0]
    # the signature block: title line, room for the signature, then the name
    assert title and name
    assert name[0].y0 - title[0].y1 > 60
    assert abs((title[0].x0 + title[0].x1) / 2 - (name[0].x0 + name[0].x1) / 2) < 2


def test_the_fonts_are_embedded_so_diacritics_render_anywhere():
    import pymupdf

    with pymupdf.open(stream=render_document(TET), filetype="pdf") as doc:
        fonts = {f[3] for page in doc for f in page.get_fonts()}
        pix = doc[0].get_pixmap(dpi=40)
    assert fonts and all("Noto" in name for name in fonts)
    assert pix.width > 0


def test_the_appendix_is_a_separate_file_with_a_table():
    data = render_appendix(TET)
    assert data is not None
    text = pdf_text(data)[0]
    assert "PHỤ LỤC" in text
    assert re.search(r"Kèm theo Kế hoạch số\s+/KH-STTTT", text)
    assert "Chi đoàn Thanh niên Sở" in text
    assert render_appendix(DEMO_DOCUMENTS[2]) is None


def test_date_line():
    assert date_line("Đắk Nông", dt.date(2022, 5, 5), 2022) == "Đắk Nông, ngày 05 tháng 5 năm 2022"
    assert date_line("Đắk Nông", dt.date(2026, 2, 3), 2026) == "Đắk Nông, ngày 03 tháng 02 năm 2026"
    assert re.fullmatch(r"Đắk Nông, ngày\s+tháng\s+năm 2026", date_line("Đắk Nông", None, 2026))


def test_every_demo_document_renders():
    for doc in DEMO_DOCUMENTS:
        pages = pdf_text(render_document(doc))
        assert "GIÁM ĐỐC" in pages[-1], doc.trich_yeu
        assert doc.signer_name in pages[-1]


def test_seeded_server(demo_server):
    ld = demo_server.client("ldso")
    everything = ld.get("/documents", params={"scope": "all"}).json()
    inbox = ld.get("/documents").json()
    assert len(inbox) >= 5, "the leader's demo inbox is full"
    assert all(d["state"] == "cho_lanh_dao_so" for d in inbox)
    tet = next(d for d in everything if "Tết trồng cây" in d["trich_yeu"])
    assert tet["trich_yeu"] == (
        "Kế hoạch tham gia hưởng ứng “Tết trồng cây đời đời nhớ ơn Bác Hồ” và chăm sóc cây "
        "cảnh cơ quan năm 2026"
    )
    assert (tet["loai"], tet["loai_ky_hieu"], tet["so_ky_hieu"]) == ("Kế hoạch", "KH", None)
    assert len(tet["attachments"]) == 2
    assert tet["opinions"] and tet["flow"]
    assert tet["marked"] is True
    main = tet["attachments"][0]
    pdf = ld.get(f"/documents/{tet['id']}/attachments/{main['id']}/versions/1/content")
    assert pdf.content.startswith(b"%PDF")
    assert re.search(r"Số:\s+/KH-STTTT", pdf_text(pdf.content)[0])

    # all documents, as the drafter sees them (he drafted every one)
    cv_all = demo_server.client("chuyenvien").get("/documents", params={"scope": "all"}).json()
    assert len(cv_all) >= 12
    states = Counter(d["state"] for d in cv_all)
    assert set(states) >= {"du_thao", "cho_lanh_dao_van_phong", "cho_lanh_dao_so", "tra_lai"}
    assert set(states) >= {"cho_van_thu", "da_ban_hanh", "ket_thuc"}
    holders = {d["holder"] for d in cv_all}
    assert holders == {u.username for u in DEMO_USERS}
    issued = [d for d in cv_all if d["so_ky_hieu"]]
    assert issued and all(re.fullmatch(r"\d{2,}/\S+", d["so_ky_hieu"]) for d in issued)
    assert any(d["related"] for d in cv_all)
    users = {u["username"]: u for u in ld.get("/users").json()}
    assert users["ldso"]["title"] == "Giám đốc"
    assert users["ldvanphong"]["title"] == "Chánh Văn phòng"


def test_seeded_signatures_verify(demo_server):
    from kyso.core.docs.verify import verify_pdf

    vt = demo_server.client("vanthu")
    signed = [
        (d, a, v)
        for d in vt.get("/documents", params={"scope": "all"}).json()
        for a in d["attachments"]
        for v in a["versions"]
        if v["signed"]
    ]
    assert signed
    for doc, att, ver in signed:
        data = vt.get(f"/documents/{doc['id']}/attachments/{att['id']}/versions/{ver['n']}/content")
        report = verify_pdf(data.content)
        assert report.ok, report
        assert report.signatures[0].signer_name == "Phạm Quốc Hùng"


def test_seeding_twice_changes_nothing(tmp_path):
    from kyso.server.app import create_app

    first = create_app(tmp_path, seed_demo=True)
    with first.state.db.connect() as conn:
        before = conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    first.state.db.close()
    again = create_app(tmp_path, seed_demo=True)
    with again.state.db.connect() as conn:
        after = conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    again.state.db.close()
    assert before == after == len(DEMO_DOCUMENTS)


def test_kyso_server_command(tmp_path):
    kyso = [sys.executable, "-m", "kyso.cli"]
    helptext = subprocess.run([*kyso, "server", "--help"], capture_output=True, text=True)
    assert helptext.returncode == 0
    assert "--seed-demo" in helptext.stdout
    port = free_port()
    proc = subprocess.Popen(
        [*kyso, "server", "--port", str(port), "--data", str(tmp_path / "d"), "--seed-demo"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ},
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stderr.read().decode()
            try:
                httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        login = httpx.post(
            f"http://127.0.0.1:{port}/api/v1/auth/login",
            json={"username": "vanthu", "password": "kyso-demo"},
        )
        assert login.status_code == 200
        assert (tmp_path / "d" / "kyso-server.sqlite3").exists()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
    stderr = proc.stderr.read().decode()
    assert "kyso-demo" not in stderr
    assert login.json()["token"] not in stderr


@pytest.mark.parametrize("doc", DEMO_DOCUMENTS[:1])
def test_demo_docs_module_is_reusable(doc, tmp_path):
    out = tmp_path / "kh.pdf"
    out.write_bytes(render_document(doc))
    assert out.stat().st_size > 1000


def test_kyso_server_on_a_busy_port_says_so(tmp_path):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "kyso.cli",
                "server",
                "--port",
                str(port),
                "--data",
                str(tmp_path),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert f"127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr
