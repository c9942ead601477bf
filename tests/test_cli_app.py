"""`kyso tui` / `kyso demo` as commands: help, no session, and the demo's clean-up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

KYSO = str(Path(sys.executable).with_name("kyso"))


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [KYSO, *args], capture_output=True, text=True, env=os.environ.copy(), timeout=60
    )


def test_tui_without_a_session_says_how_to_log_in():
    result = _run("tui")
    assert result.returncode == 1
    assert "Chưa đăng nhập" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_demo_help_lists_the_roles():
    result = _run("demo", "--help")
    assert result.returncode == 0
    for role in ("van_thu", "chuyen_vien", "lanh_dao_van_phong", "lanh_dao_so"):
        assert role in result.stdout


def test_demo_environment_starts_and_cleans_up(monkeypatch):
    import httpx

    from kyso.cli.app import demo_environment

    before = os.environ.get("KYSO_HOME")
    with demo_environment("vanthu") as env:
        assert os.environ["KYSO_HOME"] == str(env.home)
        assert env.session.username == "vanthu"
        with env.session.store() as store:
            assert store.me()["role"] == "van_thu"
            assert store.count("all") > 0
        assert httpx.get(env.url + "/openapi.json", timeout=5).status_code == 200
        home = env.home
        url = env.url
    assert os.environ.get("KYSO_HOME") == before
    assert not home.exists()
    try:
        httpx.get(url + "/openapi.json", timeout=2)
    except httpx.TransportError:
        pass
    else:
        raise AssertionError("the demo server is still answering")
