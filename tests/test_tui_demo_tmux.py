"""End to end: the real ``kyso demo`` in tmux (120×40), driven by keystrokes only.

Waits for the inbox, signs the first document (position → Áp dụng → PIN), checks on the
embedded server that the signed version is there and verifies, quits with `q`, and
checks that nothing is left running or on disk.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow

KYSO = str(Path(sys.executable).with_name("kyso"))


def _tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True).stdout


def _screen(session: str) -> str:
    return _tmux("capture-pane", "-p", "-t", session)


def _wait_for(session: str, text: str, timeout: float = 90) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = _screen(session)
        if text in screen:
            return screen
        time.sleep(0.3)
    raise AssertionError(f"{text!r} never appeared; screen:\n{screen}")


@pytest.fixture
def tmux_session(tmp_path):
    from kyso.core.token.provision import find_softhsm_module

    if shutil.which("tmux") is None or find_softhsm_module() is None:
        pytest.fail("tmux and softhsm2 are needed (apt install tmux softhsm2 opensc)")
    name = f"kyso-e2e-{uuid.uuid4().hex[:8]}"
    yield name
    subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)


def test_demo_signs_the_first_document_with_keystrokes(tmux_session, tmp_path):
    info_file = tmp_path / "demo.json"
    done_file = tmp_path / "exit-code"
    command = f"KYSO_DEMO_INFO={info_file} {KYSO} demo --no-images; echo $? > {done_file}; sleep 30"
    _tmux("new-session", "-d", "-s", tmux_session, "-x", "120", "-y", "40", command)
    _wait_for(tmux_session, "Hộp văn bản — Chờ xử lý")
    _wait_for(tmux_session, "Token: kyso-demo")
    info = json.loads(info_file.read_text("utf-8"))
    home = Path(info["home"])
    assert home.is_dir()

    with httpx.Client(base_url=info["url"] + "/api/v1", timeout=30) as http:
        token = http.post("/auth/login", json={"username": "ldso", "password": "kyso-demo"}).json()[
            "token"
        ]
        http.headers["Authorization"] = f"Bearer {token}"
        inbox = http.get("/documents", params={"scope": "inbox"}).json()

        _tmux("send-keys", "-t", tmux_session, "k")
        _wait_for(tmux_session, "Chọn vị trí trước khi ký số")
        _tmux("send-keys", "-t", tmux_session, "Enter")
        _wait_for(tmux_session, "Nhập mã PIN của token")
        _tmux("send-keys", "-t", tmux_session, "123456", "Enter")
        _wait_for(tmux_session, "Đã ký 1/1 văn bản")

        signed_doc = None
        deadline = time.monotonic() + 60
        while signed_doc is None and time.monotonic() < deadline:
            for doc in inbox:
                fresh = http.get(f"/documents/{doc['id']}").json()
                main = next(a for a in fresh["attachments"] if a["is_main"])
                if main["versions"][-1]["signed"] and main["versions"][-1]["uploaded_by"] == "ldso":
                    signed_doc = (fresh, main)
            time.sleep(0.5)
        assert signed_doc is not None, "the signed version never reached the server"
        fresh, main = signed_doc
        n = main["versions"][-1]["n"]
        pdf = http.get(f"/documents/{fresh['id']}/attachments/{main['id']}/versions/{n}/content")
        assert pdf.status_code == 200

    from kyso.core.docs.verify import verify_pdf

    report = verify_pdf(pdf.content)
    assert report.ok, report.to_json()
    assert any("Phạm Quốc Hùng" in s.signer_name for s in report.signatures)

    _tmux("send-keys", "-t", tmux_session, "Escape")
    _wait_for(tmux_session, "Hộp văn bản")
    _tmux("send-keys", "-t", tmux_session, "q")
    deadline = time.monotonic() + 30
    while not done_file.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert done_file.read_text().strip() == "0"
    assert not home.exists(), "the demo folder was left behind"
    with pytest.raises(httpx.TransportError):
        httpx.get(info["url"] + "/openapi.json", timeout=2)


@pytest.mark.parametrize("how", ["pane closed", "SIGTERM"])
def test_demo_ended_by_its_terminal_leaves_nothing_behind(tmux_session, tmp_path, how):
    info_file = tmp_path / "demo.json"
    command = f"KYSO_DEMO_INFO={info_file} exec {KYSO} demo --no-images"
    _tmux("new-session", "-d", "-s", tmux_session, "-x", "80", "-y", "24", command)
    _wait_for(tmux_session, "Hộp văn bản")
    home = Path(json.loads(info_file.read_text())["home"])
    assert home.exists()
    pid = int(_tmux("display-message", "-p", "-t", tmux_session, "#{pane_pid}").strip())
    if how == "pane closed":
        subprocess.run(["tmux", "kill-session", "-t", tmux_session], check=True)  # SIGHUP
    else:
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while home.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not home.exists(), "the demo folder was left behind"
