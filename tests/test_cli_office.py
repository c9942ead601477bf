"""The office commands through the real ``kyso`` executable, KYSO_HOME in a temp folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from fixtures_store import SECRET_TOKEN

KYSO = Path(sys.executable).with_name("kyso")


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [str(KYSO), *args], capture_output=True, text=True, env=full_env, timeout=120
    )


def test_inbox_json_lists_cached_documents(offline_store):
    result = run("inbox", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["id"] for r in rows] == [1]
    for key in (
        "id",
        "so_ky_hieu",
        "trich_yeu",
        "loai",
        "don_vi_soan_thao",
        "state",
        "holder",
        "marked",
    ):
        assert key in rows[0]
    assert rows[0]["trich_yeu"].startswith("Kế hoạch tham gia hưởng ứng Tết trồng cây")
    all_rows = json.loads(run("inbox", "--all", "--json").stdout)
    assert sorted(r["id"] for r in all_rows) == [1, 2]


def test_inbox_text_and_show(offline_store):
    result = run("inbox")
    assert result.returncode == 0
    assert "Chờ lãnh đạo Sở ký" in result.stdout
    shown = run("show", "1")
    assert shown.returncode == 0
    assert "Luồng văn bản:" in shown.stdout and "Trình lãnh đạo Sở" in shown.stdout
    data = json.loads(run("show", "1", "--json").stdout)
    assert data["id"] == 1 and data["flow"][0]["action"] == "trinh_lanh_dao_so"


def test_actions_offline_are_queued(offline_store):
    result = run("transition", "1", "chuyen_van_thu", "--note", "Đã ký")
    assert result.returncode == 0, result.stderr
    assert "Đã xếp hàng, sẽ đồng bộ sau" in result.stdout
    assert "Không kết nối được máy chủ" in result.stderr
    assert run("mark", "1").returncode == 0
    assert run("opinion", "2", "Đề nghị phát hành sớm").returncode == 0
    outbox = offline_store.outbox()
    assert [i.kind for i in outbox] == ["transition", "mark", "opinion"]
    assert offline_store.document(1).marked
    # sync while offline: exit 1, one clear line, the token never shown
    synced = run("sync")
    assert synced.returncode == 1
    assert synced.stderr.startswith("kyso: Không kết nối được máy chủ")
    assert "Traceback" not in synced.stderr
    for out in (result, synced):
        assert SECRET_TOKEN not in out.stdout + out.stderr
    assert offline_store.outbox_size() == 3


def test_user_errors_are_one_line(offline_store):
    missing = run("show", "999")
    assert missing.returncode == 1
    assert missing.stderr.strip().startswith("kyso: Không có văn bản 999")
    bad = run("transition", "1", "ky_bua")
    assert bad.returncode == 1 and "Thao tác không hợp lệ" in bad.stderr
    assert offline_store.outbox_size() == 0


def test_not_logged_in(_isolated_home):
    result = run("inbox")
    assert result.returncode == 1
    assert "kyso login" in result.stderr


def test_login_needs_a_server(_isolated_home):
    result = run("login", "--user", "ldso", env={"KYSO_PASSWORD": "kyso-demo"})
    assert result.returncode == 1
    assert "KYSO_SERVER" in result.stderr


def test_actions_offline_in_json(offline_store):
    result = run("mark", "1", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["document_id"], data["marked"], data["sync"]) == (1, True, "queued")
    assert data["note"].startswith("Đã xếp hàng, sẽ đồng bộ sau")
    assert SECRET_TOKEN not in result.stdout + result.stderr
