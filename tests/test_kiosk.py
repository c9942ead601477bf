"""The kiosk station: the policy in core (admin PIN hash, idle clock, token presence) and
Pilot tests of :class:`KioskApp` against the real reference server and real SoftHSM
tokens — quit blocked, idle lock, lock when the token is pulled out, user switch.

Waits are bounded loops on the app's state, never timing asserts.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest
from fixtures_p11kit import start_p11_kit_server
from textual.command import CommandPalette
from textual.widgets import DataTable, Input

from kyso.config.settings import ConfigError, ServerSettings, Settings, UiSettings, load_settings
from kyso.core.errors import KysoError
from kyso.core.kiosk import IdleClock, check_admin_pin, hash_admin_pin, main, token_present
from kyso.core.sync import session_file
from kyso.core.token.provision import Identity, make_pki, make_softhsm_token
from kyso.tui.kiosk import HIGH_CONTRAST, KioskApp
from kyso.tui.screens.admin import AdminPinScreen
from kyso.tui.screens.inbox import InboxScreen
from kyso.tui.screens.welcome import WelcomeScreen
from kyso.tui.widgets.status_bar import StatusBar

ADMIN_PIN = "864209"
ADMIN_HASH = hash_admin_pin(ADMIN_PIN)
PASSWORD = "kyso-demo"


# ---------------------------------------------------------------- core policy


def test_admin_pin_hash_checks_in_constant_time_and_never_raises():
    stored = hash_admin_pin(ADMIN_PIN)
    assert stored.startswith("scrypt$16384$8$1$")
    assert ADMIN_PIN not in stored
    assert check_admin_pin(ADMIN_PIN, stored)
    assert not check_admin_pin("864208", stored)
    assert not check_admin_pin("", stored)
    assert hash_admin_pin(ADMIN_PIN) != stored  # a fresh salt every time
    for bad in ("", "garbage", "scrypt$x$8$1$AA==$AA==", "md5$1$1$1$AA==$AA==", "scrypt$2$1$1$!$!"):
        assert not check_admin_pin(ADMIN_PIN, bad)


def test_hash_pin_command_prints_a_hash_that_checks(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("2468\n"))
    assert main(["hash-pin", "--stdin", "--save"]) == 0
    printed = capsys.readouterr().out.strip()
    assert check_admin_pin("2468", printed)
    assert load_settings().ui.kiosk_admin_pin_hash == printed


def test_idle_clock_expires_after_its_timeout_and_touch_restarts_it():
    now = [100.0]
    clock = IdleClock.minutes(0.5, clock=lambda: now[0])
    assert clock.timeout == 30.0
    now[0] = 129.0
    assert not clock.expired()
    clock.touch()
    now[0] = 150.0
    assert not clock.expired()
    assert clock.expired(159.0)


def test_kiosk_settings_are_validated(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[ui]\nkiosk = true\nkiosk_idle_minutes = 2\n", "utf-8")
    ui = load_settings(path).ui
    assert ui.kiosk and ui.kiosk_idle_minutes == 2.0
    assert ui.kiosk_admin_pin_hash == ""
    path.write_text("[ui]\nkiosk_idle_minutes = 0\n", "utf-8")
    with pytest.raises(ConfigError, match="kiosk_idle_minutes"):
        load_settings(path)
    path.write_text('[ui]\nkiosk_idle_minutes = "5"\n', "utf-8")
    with pytest.raises(ConfigError, match="kiosk_idle_minutes"):
        load_settings(path)


@pytest.fixture
def own_token(tmp_path_factory):
    """A SoftHSM token of its own (not the session's), found through its own config.

    SoftHSM reads ``SOFTHSM2_CONF`` once per process and this process already uses the
    session token, so presence is checked in a fresh process (``isolated=True``).
    """
    folder = tmp_path_factory.mktemp("kiosk-token")
    pki = make_pki([Identity("kiosk", "Người Dùng Kiosk", key_id=b"\x01")])
    token = make_softhsm_token(folder, pki, label="kyso-kiosk")
    check = partial(
        token_present,
        token.module,
        isolated=True,
        env={**os.environ, "SOFTHSM2_CONF": str(token.conf)},
    )
    return token, folder / "tokens", check


def _pull_out(tokens: Path) -> None:
    """Remove every token folder SoftHSM keeps (the USB token is pulled out)."""
    removed = 0
    for child in tokens.iterdir():
        shutil.rmtree(child)
        removed += 1
    assert removed == 1


def test_token_present_sees_a_token_and_its_removal(own_token):
    _token, tokens, check = own_token
    assert check() is True
    _pull_out(tokens)
    gone = check()
    assert isinstance(gone, str) and gone


def test_a_forwarded_socket_that_stopped_answering_counts_as_removed(softhsm, monkeypatch):
    short = Path(f"/tmp/kyso-kiosk-{os.getpid()}")
    short.mkdir(exist_ok=True)
    fwd = start_p11_kit_server(softhsm, short / "p11.sock")
    try:
        monkeypatch.setenv("P11_KIT_SERVER_ADDRESS", fwd.address)
        assert token_present(fwd.client_module, isolated=True) is True
        fwd.stop()
        gone = token_present(fwd.client_module, isolated=True)
        assert isinstance(gone, str) and "chuyển tiếp" in gone
    finally:
        fwd.stop()
        shutil.rmtree(short, ignore_errors=True)


# ---------------------------------------------------------------- the app


@pytest.fixture
def anyio_backend() -> str:
    """Textual runs on asyncio."""
    return "asyncio"


def _settings(url: str = "", idle: float = 5.0, admin: str = ADMIN_HASH) -> Settings:
    return Settings(
        server=ServerSettings(url=url),
        ui=UiSettings(
            images="off", kiosk=True, kiosk_idle_minutes=idle, kiosk_admin_pin_hash=admin
        ),
    )


def _kiosk(url: str = "", *, idle: float = 5.0, check=None, poll: float = 0.2) -> KioskApp:
    return KioskApp(_settings(url, idle), token_check=check or (lambda: True), token_poll=poll)


async def _until(pilot, condition, what: str, rounds: int = 300) -> None:
    """Let the app run until ``condition()`` holds (at most ~``rounds`` × 0.05 s)."""
    for _ in range(rounds):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting for: {what}")


async def _type(pilot, text: str) -> None:
    await pilot.press(*text)


async def _log_in(app: KioskApp, pilot, user: str) -> InboxScreen:
    """Type the user name and password on the welcome screen; wait for the inbox rows."""
    await _until(pilot, lambda: app.token_state is True, "the token is seen")
    welcome = app.screen
    assert isinstance(welcome, WelcomeScreen)
    welcome.query_one("#welcome-user", Input).focus()
    await _type(pilot, user)
    await pilot.press("enter")
    await _type(pilot, PASSWORD)
    await pilot.press("enter")
    await _until(pilot, lambda: isinstance(app.screen, InboxScreen), f"{user}'s inbox")
    inbox = app.screen
    await _until(pilot, lambda: inbox.query_one(DataTable).row_count > 0, "inbox rows")
    return inbox


async def _until_locked(app: KioskApp, pilot, what: str) -> WelcomeScreen:
    """Wait for the welcome screen to be back and drawn."""

    def locked() -> bool:
        screen = app.screen
        return isinstance(screen, WelcomeScreen) and bool(screen.query("#welcome-note"))

    await _until(pilot, locked, what)
    return app.screen


def _row_ids(inbox: InboxScreen) -> set[int]:
    table = inbox.query_one(DataTable)
    return {int(key.value) for key in table.rows}


async def _palette_names(app: KioskApp, pilot, query: str) -> list[str]:
    await pilot.press("ctrl+p")
    await _until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
    await _type(pilot, query)
    await pilot.pause(0.5)
    palette = app.screen
    from textual.command import CommandList

    options = palette.query_one(CommandList)
    names = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
    await pilot.press("escape")
    await _until(pilot, lambda: not isinstance(app.screen, CommandPalette), "palette closed")
    return names


@pytest.mark.anyio
async def test_quit_is_blocked_without_the_admin_pin_and_allowed_with_it(demo_server):
    app = _kiosk(demo_server.url)
    async with app.run_test(size=(100, 30)) as pilot:
        inbox = await _log_in(app, pilot, "ldso")
        inbox.query_one(DataTable).focus()
        for key in ("q", "ctrl+q", "ctrl+c", "ctrl+z"):
            await pilot.press(key)
            await pilot.pause()
            if isinstance(app.screen, AdminPinScreen):
                await pilot.press("escape")
                await pilot.pause()
            assert app.is_running and app.return_code is None, key
            assert isinstance(app.screen, InboxScreen), key
        # the palette offers neither the app-wide commands nor the app's Thoát
        names = await _palette_names(app, pilot, "chụp")
        assert not any("Chụp màn hình" in n for n in names), names
        names = await _palette_names(app, pilot, "thoát")
        assert not any("Thoát" in n for n in names), names
        assert list(app.get_system_commands(app.screen)) == []
        # a wrong PIN keeps it running
        await pilot.press("q")
        await _until(pilot, lambda: isinstance(app.screen, AdminPinScreen), "admin PIN box")
        await _type(pilot, "111111")
        await pilot.press("enter")
        await pilot.pause()
        assert app.is_running and app.return_code is None and not app.admin
        # the right one quits
        await pilot.press("ctrl+q")
        await _until(pilot, lambda: isinstance(app.screen, AdminPinScreen), "admin PIN box")
        await _type(pilot, ADMIN_PIN)
        await pilot.press("enter")
        await _until(pilot, lambda: app.return_code is not None, "the app exits")
    assert app.return_code == 0


@pytest.mark.anyio
async def test_admin_pin_opens_the_system_commands_until_the_next_lock(demo_server):
    app = _kiosk(demo_server.url)
    async with app.run_test(size=(100, 30)) as pilot:
        inbox = await _log_in(app, pilot, "ldso")
        inbox.query_one(DataTable).focus()
        names = await _palette_names(app, pilot, "quản trị")
        assert any("Máy trạm: Quản trị" in n for n in names), names
        app.action_admin()
        await _until(pilot, lambda: isinstance(app.screen, AdminPinScreen), "admin PIN box")
        await _type(pilot, ADMIN_PIN)
        await pilot.press("enter")
        await _until(pilot, lambda: app.admin, "admin mode")
        names = await _palette_names(app, pilot, "thoát")
        assert any("Ứng dụng: Thoát" in n for n in names), names
        names = await _palette_names(app, pilot, "chụp")
        assert any("Ứng dụng: Chụp màn hình" in n for n in names), names
        await pilot.press("f12")
        await _until_locked(app, pilot, "locked")
        assert not app.admin
        assert list(app.get_system_commands(app.screen)) == []


@pytest.mark.anyio
async def test_without_an_admin_pin_hash_nobody_quits(demo_server):
    app = KioskApp(_settings(demo_server.url, admin=""), token_check=lambda: True)
    async with app.run_test(size=(100, 30)) as pilot:
        await _until(pilot, lambda: app.token_state is True, "token seen")
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.is_running and not isinstance(app.screen, AdminPinScreen)


@pytest.mark.anyio
async def test_idle_station_locks_and_forgets_the_session(demo_server):
    app = _kiosk(demo_server.url)
    async with app.run_test(size=(100, 30)) as pilot:
        await _log_in(app, pilot, "ldso")
        assert app.session is not None and session_file().exists()
        # Short only once logged in: a slow login must not count as idle time.
        app.idle.timeout = 1.2
        await _until_locked(app, pilot, "the idle lock")
        assert app.session is None
        assert app.service.user.username == ""
        assert not any(isinstance(s, InboxScreen) for s in app.screen_stack)
        assert not session_file().exists()
        assert app._renderer is None
        note = str(app.screen.query_one("#welcome-note").render())
        assert "không dùng" in note


@pytest.mark.anyio
async def test_a_running_batch_is_not_idle_time(demo_server):
    app = _kiosk(demo_server.url)
    async with app.run_test(size=(100, 30)) as pilot:
        await _log_in(app, pilot, "ldso")

        async def signing() -> None:  # stands in for BatchScreen's signing thread
            await asyncio.sleep(2.5)

        batch = app.run_worker(signing(), group="sign-batch")
        app.idle.timeout = 0.05  # long past while the batch runs
        while not batch.is_finished:
            assert app.session is not None and isinstance(app.screen, InboxScreen)
            await pilot.pause(0.05)
        await _until_locked(app, pilot, "the idle lock after the batch")


@pytest.mark.anyio
async def test_pulling_the_token_out_locks_at_once(demo_server, own_token):
    _token, tokens, check = own_token
    app = _kiosk(demo_server.url, check=check, poll=0.2)
    async with app.run_test(size=(100, 30)) as pilot:
        await _log_in(app, pilot, "ldso")
        assert app.token_state is True
        _pull_out(tokens)
        await _until_locked(app, pilot, "the token lock")
        assert app.session is None and app.service.user.username == ""
        assert "rút" in str(app.screen.query_one("#welcome-note").render())
        # and nobody logs in again without a token
        await _until(pilot, lambda: isinstance(app.token_state, str), "no token seen")
        welcome = app.screen
        welcome.query_one("#welcome-user", Input).value = "ldso"
        welcome.query_one("#welcome-password", Input).value = PASSWORD
        welcome.query_one("#welcome-password", Input).focus()
        await pilot.press("enter")
        await pilot.pause(0.5)
        assert isinstance(app.screen, WelcomeScreen) and app.session is None


@pytest.mark.anyio
async def test_stopping_the_forwarded_token_locks(demo_server, softhsm, monkeypatch):
    short = Path(f"/tmp/kyso-kiosk-app-{os.getpid()}")
    short.mkdir(exist_ok=True)
    fwd = start_p11_kit_server(softhsm, short / "p11.sock")
    monkeypatch.setenv("P11_KIT_SERVER_ADDRESS", fwd.address)
    check = partial(token_present, fwd.client_module, isolated=True)
    try:
        app = _kiosk(demo_server.url, check=check, poll=0.2)
        async with app.run_test(size=(100, 30)) as pilot:
            await _log_in(app, pilot, "ldso")
            fwd.stop()
            await _until_locked(app, pilot, "the lock")
            assert app.session is None
    finally:
        fwd.stop()
        shutil.rmtree(short, ignore_errors=True)


@pytest.mark.anyio
async def test_the_next_user_sees_none_of_the_previous_users_documents(demo_server):
    app = _kiosk(demo_server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        inbox = await _log_in(app, pilot, "ldso")
        leader_rows = _row_ids(inbox)
        leader_docs = {d.id: d for d in app.service.documents("inbox")}
        assert leader_rows == set(leader_docs)
        assert all(d.holder == "ldso" for d in leader_docs.values())
        await pilot.press("f12")
        await _until_locked(app, pilot, "locked")
        assert app.user_names == {}
        assert not app.screen.query(DataTable)
        assert app.screen.query_one("#welcome-user", Input).value == ""
        assert app.screen.query_one("#welcome-password", Input).value == ""
        inbox = await _log_in(app, pilot, "chuyenvien")
        assert app.service.user.username == "chuyenvien"
        rows = _row_ids(inbox)
        docs = {d.id: d for d in app.service.documents("inbox")}
        assert rows == set(docs)
        assert rows.isdisjoint(leader_rows)
        assert all(d.holder == "chuyenvien" for d in docs.values())
        assert inbox.query_one(StatusBar).user.username == "chuyenvien"


# ---------------------------------------------------------------- look and files


def test_bare_linux_console_gets_high_contrast_and_no_images(monkeypatch):
    monkeypatch.setenv("TERM", "linux")
    app = KioskApp(Settings(ui=UiSettings(images="auto")), token_check=lambda: True)
    assert app.images == "off"
    assert app.theme == HIGH_CONTRAST.name
    monkeypatch.setenv("TERM", "xterm-256color")
    app = KioskApp(Settings(ui=UiSettings(images="auto")), token_check=lambda: True)
    assert app.images == "auto" and app.theme == "textual-dark"


def test_copies_go_only_into_the_users_folder(tmp_path):
    app = _kiosk()
    source = tmp_path / "a.pdf"
    source.write_bytes(b"%PDF-1.7\n")
    inside = app.download_folder() / "a.pdf"
    app.save_copy(source, inside)
    assert inside.read_bytes() == source.read_bytes()
    with pytest.raises(KysoError, match="chỉ lưu"):
        app.save_copy(source, tmp_path / "elsewhere.pdf")
    with pytest.raises(KysoError):
        app.save_copy(source, app.download_folder() / ".." / ".." / "escape.pdf")
    app.admin = True
    app.save_copy(source, tmp_path / "elsewhere.pdf")
    assert (tmp_path / "elsewhere.pdf").exists()


def test_welcome_screen_snapshot(snap_compare):
    app = _kiosk("https://vpdt.sotttt.example.gov.vn")

    async def run_before(pilot) -> None:
        await _until(pilot, lambda: app.token_state is True, "token seen")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


# ---------------------------------------------------------------- command line


@pytest.mark.parametrize(
    ("args", "config"),
    [(["--kiosk"], ""), (["tui", "--kiosk"], ""), (["tui"], "[ui]\nkiosk = true\n")],
    ids=["kyso --kiosk", "kyso tui --kiosk", "ui.kiosk = true"],
)
def test_cli_starts_the_station_without_a_saved_session(monkeypatch, _isolated_home, args, config):
    from click.testing import CliRunner

    from kyso.cli.main import cli

    if config:
        (_isolated_home / "config.toml").write_text(config, "utf-8")
    started: list[KioskApp] = []
    monkeypatch.setattr(KioskApp, "run", lambda self, **kw: started.append(self))
    monkeypatch.setenv("TERM", "linux")
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert len(started) == 1
    assert started[0].images == "off" and started[0].theme == HIGH_CONTRAST.name


def test_in_process_check_sees_a_token_pulled_out_and_put_back(own_token):
    """The station's default check runs in its own process; SoftHSM (like p11-kit-client)
    reads its slots once, so a miss starts the module afresh and a token put back shows."""
    token, tokens, _check = own_token
    script = (
        "import os, shutil, sys\n"
        "from kyso.core.kiosk import token_present\n"
        "m, tokens = sys.argv[1], sys.argv[2]\n"
        "out = [token_present(m) is True]\n"
        "os.rename(tokens, tokens + '.out'); os.mkdir(tokens)\n"
        "out.append(token_present(m) is True)\n"
        "os.rmdir(tokens); os.rename(tokens + '.out', tokens)\n"
        "out.append(token_present(m) is True)\n"
        "print(out)\n"
    )
    env = {**os.environ, "SOFTHSM2_CONF": str(token.conf)}
    result = subprocess.run(
        [sys.executable, "-c", script, token.module, str(tokens)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[True, False, True]"
