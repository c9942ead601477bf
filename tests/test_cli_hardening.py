"""The CLI against hostile text, ended sessions and loose file modes (issue 14), through
the real ``kyso`` executable (output piped) and the real server under uvicorn."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from fixtures_store import make_doc
from hostile_text import CONTROL_BYTES, HOSTILE, UNSAFE_CHARS

KYSO = Path(sys.executable).with_name("kyso")


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([str(KYSO), *args], capture_output=True, env=full_env, timeout=120)


def _assert_clean(output: bytes) -> str:
    bad = sorted({b for b in output if b in CONTROL_BYTES})
    assert not bad, f"control bytes on the terminal: {bad}"
    text = output.decode("utf-8")
    assert not (set(text) & UNSAFE_CHARS)
    return text


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_text_never_reaches_the_terminal(offline_store, name):
    text = HOSTILE[name]
    doc = make_doc(
        1,
        trich_yeu=text,
        don_vi_soan_thao=text,
        holder="ldso",
        opinions=[{"id": 1, "author": text, "text": text, "at": "2026-01-05T10:00:00+07:00"}],
    )
    doc["attachments"][0]["name"] = text
    doc["flow"][0]["note"] = text
    offline_store.apply_page([doc], "9")
    for args in (("inbox",), ("inbox", "--all"), ("show", "1")):
        result = run(*args)
        assert result.returncode == 0, result.stderr
        out = _assert_clean(result.stdout)
        _assert_clean(result.stderr)
        assert out.strip()
    for args in (("inbox", "--json"), ("show", "1", "--json")):
        result = run(*args)
        assert result.returncode == 0, result.stderr
        _assert_clean(result.stdout)
        data = json.loads(result.stdout)  # escaped, yet the data is intact
        first = data[0] if isinstance(data, list) else data
        assert first["trich_yeu"] == text


# --- sessions -----------------------------------------------------------------------------


def _login(server, user: str = "ldso") -> subprocess.CompletedProcess:
    result = run(
        "login", "--server", server.url, "--user", user, env={"KYSO_PASSWORD": "kyso-demo"}
    )
    assert result.returncode == 0, result.stderr
    return result


def _saved_token(home: Path) -> str:
    return json.loads((home / "data" / "session.json").read_text())["token"]


def _me(server, token: str) -> int:
    return httpx.get(f"{server.api}/me", headers={"Authorization": f"Bearer {token}"}).status_code


def test_logout_revokes_the_token_on_the_server(demo_server, _isolated_home):
    _login(demo_server)
    token = _saved_token(_isolated_home)
    assert _me(demo_server, token) == 200
    out = run("logout")
    assert out.returncode == 0, out.stderr
    assert "Đã đăng xuất" in out.stdout.decode()
    assert _me(demo_server, token) == 401
    assert not (_isolated_home / "data" / "session.json").exists()
    assert token.encode() not in out.stdout + out.stderr
    assert run("logout").stdout.decode().startswith("Chưa đăng nhập")


def test_offline_logout_removes_the_session_and_revokes_later(demo_server, _isolated_home):
    _login(demo_server)
    token = _saved_token(_isolated_home)
    demo_server.stop()
    out = run("logout")
    assert out.returncode == 0
    assert "sẽ được thu hồi khi kết nối lại" in out.stderr.decode()
    assert token.encode() not in out.stdout + out.stderr
    data = _isolated_home / "data"
    assert not (data / "session.json").exists()
    pending = data / "pending-revokes.json"
    assert stat.S_IMODE(pending.stat().st_mode) == 0o600
    assert run("inbox").returncode == 1  # nobody is logged in here any more
    demo_server.start()
    assert _me(demo_server, token) == 200  # the server has not heard yet
    _login(demo_server, "vanthu")  # the next login revokes the old token
    assert _me(demo_server, token) == 401
    assert not pending.exists()


def test_loose_session_modes_are_repaired_and_said_once(offline_store, _isolated_home):
    data = _isolated_home / "data"
    os.chmod(data, 0o755)
    os.chmod(data / "session.json", 0o644)
    first = run("inbox")
    assert first.returncode == 0
    err = first.stderr.decode()
    assert err.count("Quyền truy cập quá rộng") == 1 and "0600" in err and "0700" in err
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "session.json").stat().st_mode) == 0o600
    second = run("inbox")
    assert second.returncode == 0 and "Quyền truy cập" not in second.stderr.decode()


def test_throttled_login_is_one_clear_line(demo_server_factory, _isolated_home):
    from kyso.server.settings import ServerSettings

    server = demo_server_factory(
        settings=ServerSettings(login_free_failures=1, login_delay_seconds=60)
    )
    bad = {"KYSO_PASSWORD": "sai"}
    assert run("login", "--server", server.url, "--user", "ldso", env=bad).returncode == 1
    again = run("login", "--server", server.url, "--user", "ldso", env=bad)
    assert again.returncode == 1
    assert again.stderr.decode().startswith("kyso: Đăng nhập sai quá nhiều lần; hãy thử lại sau")


def test_a_cursor_ahead_of_the_server_resyncs_from_zero(demo_server, _isolated_home):
    from kyso.core.sync import load_session, sync

    _login(demo_server)
    sync()
    with load_session().store() as store:
        count = len(store.documents("all"))
        assert count > 0
        store.delete_document(store.documents("all")[0]["id"])
        store.apply_page([], "999999")  # as after the server was restored from a backup
    report = sync()
    assert report.pulled == count
    with load_session().store() as store:
        assert len(store.documents("all")) == count
        assert int(store.cursor) < 999999
