"""The demo's cache: seeded server data and token made once, copied fresh into every run.

Real parts throughout: the seed, the SoftHSM token, the embedded server under uvicorn,
the client's login and sync. Each test has its own ``KYSO_HOME`` (conftest), so its own
cache (``<KYSO_HOME>/cache/demo``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import subprocess
from pathlib import Path

import httpx
import pytest

from kyso.cli import demo_cache
from kyso.cli.app import demo_environment
from kyso.config.locations import cache_dir

pytestmark = pytest.mark.slow

OPINION = "Ý kiến chỉ có trong lần chạy thứ nhất"


def _http(env) -> httpx.Client:
    return httpx.Client(
        base_url=env.url + "/api/v1",
        headers={"Authorization": f"Bearer {env.session.token}"},
        timeout=30,
    )


def _first_doc(http: httpx.Client) -> int:
    return http.get("/documents", params={"scope": "inbox"}).json()[0]["id"]


def _opinions(http: httpx.Client, doc_id: int) -> list[str]:
    return [o["text"] for o in http.get(f"/documents/{doc_id}").json()["opinions"]]


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folder`` with its size and mtime (ns)."""
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_made_once_then_each_run_gets_a_fresh_copy():
    with demo_environment("ldso") as env:
        assert env.cache_built
        assert env.token_module, env.token_note
        first_home = env.home
        with _http(env) as http:
            doc_id = _first_doc(http)
            response = http.post(f"/documents/{doc_id}/opinions", json={"text": OPINION})
            assert response.status_code == 200, response.text
            assert OPINION in _opinions(http, doc_id)
    assert not first_home.exists(), "the throw-away demo folder was left behind"

    root = cache_dir() / "demo"
    (cached,) = [p for p in root.iterdir() if not p.name.startswith(".")]
    assert cached.name == demo_cache.cache_key()
    marker = json.loads((cached / demo_cache.MARKER).read_text("utf-8"))
    before = _snapshot(cached)
    assert any(name.endswith(".sqlite3") for name in before)
    assert not any(name.endswith(("-wal", "-shm")) for name in before), "copied while open"

    with demo_environment("ldso") as env:
        assert not env.cache_built, "the second run seeded again"
        assert env.home != first_home
        assert os.environ["SOFTHSM2_CONF"] == str(env.home / "softhsm" / "softhsm2.conf")
        conf = Path(os.environ["SOFTHSM2_CONF"]).read_text("utf-8")
        assert f"directories.tokendir = {env.home / 'softhsm' / 'tokens'}" in conf
        with _http(env) as http:
            assert OPINION not in _opinions(http, doc_id), "run 1's change reached run 2"
        _token_signs(env)
        second_home = env.home
    assert not second_home.exists()
    assert _snapshot(cached) == before, "a run changed the cache"
    assert json.loads((cached / demo_cache.MARKER).read_text("utf-8")) == marker


def _token_signs(env) -> None:
    """The copied token opens with the demo PIN and holds the user's key (asked in a
    separate process: a PKCS#11 module reads SOFTHSM2_CONF once per process)."""
    listed = subprocess.run(
        ["pkcs11-tool", "--module", env.token_module, "--token-label", "kyso-demo"]
        + ["--login", "--pin", "123456", "--list-objects", "--type", "privkey"],
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f"label:      {env.username}" in listed, listed


def test_the_key_follows_content_seed_version_and_date(monkeypatch):
    from kyso.server import demo_content, seed

    base = demo_cache.cache_key()
    assert demo_cache.cache_key() == base
    # A new SEED_VERSION is an edit of seed.py, whose source the key reads (not imports).
    sources = demo_cache._seed_sources()
    line = f"SEED_VERSION = {seed.SEED_VERSION}\n".encode()
    assert sum(line in source for source in sources) == 1
    bumped_line = f"SEED_VERSION = {seed.SEED_VERSION + 1}\n".encode()
    monkeypatch.setattr(
        demo_cache, "_seed_sources", lambda: [s.replace(line, bumped_line) for s in sources]
    )
    bumped = demo_cache.cache_key()
    assert bumped != base
    first = demo_content.DEMO_DOCUMENTS[0]
    changed = (dataclasses.replace(first, trich_yeu=first.trich_yeu + "!"),)
    monkeypatch.setattr(demo_content, "DEMO_DOCUMENTS", changed + demo_content.DEMO_DOCUMENTS[1:])
    assert demo_cache.cache_key() not in (base, bumped)
    monkeypatch.undo()
    import kyso.core.clock as clock

    tomorrow = clock.vn_today() + dt.timedelta(days=1)
    monkeypatch.setattr(clock, "vn_today", lambda: tomorrow)
    assert demo_cache.cache_key() != base


def test_a_new_key_makes_a_new_cache_and_drops_the_old(tmp_path, monkeypatch):
    root = tmp_path / "demo"
    stale = root / "0123456789abcdef0123"
    stale.mkdir(parents=True)
    (stale / demo_cache.MARKER).write_text("{}", "utf-8")
    cached, built = demo_cache.cached_demo(root)
    assert built and cached.name == demo_cache.cache_key()
    assert not stale.exists(), "the old key's folder was kept"
    assert demo_cache.cached_demo(root) == (cached, False)

    sources = demo_cache._seed_sources()  # as if seed.py had a new SEED_VERSION
    monkeypatch.setattr(demo_cache, "_seed_sources", lambda: [*sources, b"SEED_VERSION += 1"])
    again, built = demo_cache.cached_demo(root)
    assert built and again != cached
    assert not cached.exists()
    assert [p.name for p in root.iterdir()] == [again.name]


def test_keep_dir_keeps_state_across_runs(tmp_path):
    keep = tmp_path / "kept-demo"
    with demo_environment("ldso", keep=keep) as env:
        assert env.home == keep.resolve()
        first_url = env.url
        with _http(env) as http:
            doc_id = _first_doc(http)
            response = http.post(f"/documents/{doc_id}/opinions", json={"text": OPINION})
            assert response.status_code == 200, response.text
    assert (keep / "server").is_dir() and (keep / "softhsm" / "softhsm2.conf").is_file()
    assert (keep / "data" / "session.json").is_file()

    with demo_environment("ldso", keep=keep) as env:
        assert not env.cache_built
        assert env.url == first_url, "the kept demo moved to another port"
        with _http(env) as http:
            assert OPINION in _opinions(http, doc_id), "the kept demo lost run 1's change"
    assert keep.is_dir()


def test_demo_serve_for_the_cli(tmp_path):
    """`kyso demo serve --dir DIR`: the CLI logs in, syncs and lists the demo inbox."""
    import signal
    import sys
    import time

    from checks import run_kyso

    from kyso.server.runner import free_port

    folder, port = tmp_path / "served", free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "kyso.cli", "demo", "serve", "--dir", str(folder)]
        + ["--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=os.environ.copy(),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, proc.stderr.read().decode()
            try:
                httpx.get(url + "/openapi.json", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the demo server never answered"
                time.sleep(0.2)
        env = {**os.environ, "KYSO_PASSWORD": "kyso-demo"}
        login = run_kyso("login", "--server", url, "--user", "ldso", env=env)
        assert login.returncode == 0, login.stderr
        assert run_kyso("sync", env=env).returncode == 0
        inbox = run_kyso("inbox", "--json", env=env)
        assert inbox.returncode == 0, inbox.stderr
        assert len(json.loads(inbox.stdout)) >= 5
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
    said = proc.stderr.read().decode()
    assert f"kyso login --server {url} --user ldso" in said
    assert f"SOFTHSM2_CONF={folder / 'softhsm' / 'softhsm2.conf'}" in said
    assert (folder / "server" / "kyso-server.sqlite3").is_file()


def test_fast_start_shows_the_cached_inbox_and_its_server_comes_up():
    from kyso.cli.demo_launch import wait_for_server
    from kyso.core.sync import load_session, open_store

    with demo_environment("ldso"):  # makes the cache (with the users' synced stores)
        pass
    with demo_environment("vanthu", fast=True) as env:
        # Before the server answers: the session and the synced inbox are there already.
        assert load_session() == env.session
        with open_store() as store:
            assert store.count("all") > 0
            assert store.me()["username"] == "vanthu"
        assert wait_for_server(env.url)
        with _http(env) as http:  # the cached token is valid on this run's server copy
            assert http.get("/me").json()["username"] == "vanthu"
        from kyso.core.sync import sync

        assert sync().pulled == 0  # the cached store is up to date with the server
        url = env.url
    assert not wait_for_server(url, timeout=1), "the demo server outlived the demo"
