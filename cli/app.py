"""``kyso tui`` and ``kyso demo``: the terminal app, on the saved session or on a
throw-away demo (embedded server, demo SoftHSM token, seeded Vietnamese documents).

Nothing heavy is imported before the app's first frame except what the chosen mode
needs: the demo starts a server (FastAPI, uvicorn) by design; ``tui`` imports only
Textual, the store and the settings.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

__all__ = [
    "DEMO_PIN",
    "ROLES",
    "DemoEnvironment",
    "demo",
    "demo_environment",
    "make_demo_token",
    "tui",
]

ROLES = {
    "lanh_dao_so": "ldso",
    "lanh_dao_van_phong": "ldvanphong",
    "chuyen_vien": "chuyenvien",
    "van_thu": "vanthu",
}
"""``--as`` role → demo user name."""
DEMO_PIN = "123456"


def _run_app(
    backend: Any,
    *,
    images: str | None,
    key_label: str | None,
    greeting: str = "",
    settings: Any = None,
    probe: Any = None,
) -> None:
    """Run the app; ``probe`` is the terminal's image support being asked already
    (:class:`kyso.tui.image_probe.ImageProbe`), else it is asked now."""
    from kyso.config.settings import load_settings
    from kyso.tui.image_probe import ImageProbe

    settings = settings or load_settings()
    probe = probe or ImageProbe(images or settings.ui.images)
    try:
        from kyso.tui.app import KysoApp  # while the terminal answers
    finally:
        mode = probe.mode()  # the terminal is given back even when the import fails
    KysoApp(backend, settings=settings, images=mode, key_label=key_label, greeting=greeting).run()


@click.command("tui")
@click.option("--no-images", is_flag=True, help="Không hiện ảnh trang (chỉ chữ).")
@click.option("--key", "key_label", default=None, help="Nhãn khoá ký trên token.")
@click.option("--kiosk", is_flag=True, help="Máy trạm ký số dùng chung (xem docs/kiosk.md).")
def tui(no_images: bool, key_label: str | None, kiosk: bool = False) -> None:
    """Mở ứng dụng ký số trên terminal (phiên đã đăng nhập: `kyso login`)."""
    # kiosk hook (tui/kiosk.py): `--kiosk` or `ui.kiosk = true` starts the station instead
    from kyso.config.settings import load_settings

    settings = load_settings()
    if kiosk or settings.ui.kiosk:
        from kyso.tui.kiosk import run_kiosk

        run_kiosk(images="off" if no_images else None, key_label=key_label)
        return
    from kyso.tui.image_probe import ImageProbe

    # The terminal's answers are waited for while the session, the store and the app load.
    images = "off" if no_images else settings.ui.images
    probe = ImageProbe(images)
    try:
        from kyso.core.service.office import load_session
        from kyso.core.service.store_service import StoreService

        backend = StoreService(load_session(), key_label=key_label)
    except BaseException:
        probe.mode()  # the terminal as it was (the probe holds it) before the error is said
        raise
    _run_app(backend, images=images, key_label=key_label, settings=settings, probe=probe)


# ---------------------------------------------------------------- demo


@dataclass
class DemoEnvironment:
    """A running demo: server URL, the token (or why there is none), the session."""

    home: Path
    url: str
    session: Any
    username: str
    token_module: str | None
    token_note: str
    cache_built: bool = False
    """Whether this run had to make the cached demo data (kyso.cli.demo_cache)."""


@contextmanager
def _server(data: Path, port: int | None = None) -> Iterator[str]:
    from kyso.server.runner import ServerThread

    server = ServerThread(data, port=port, seed_demo=True).start()
    try:
        yield server.url
    finally:
        server.stop()


def make_demo_token(folder: Path, pki_home: Path | None = None) -> tuple[str, Path, Path]:
    """A SoftHSM token in ``folder`` with the demo PKI's certificates (label = user name).

    The PKI is the one kept in ``pki_home`` (a demo server's data folder; default
    ``folder``), made there on first use (kyso.server.demo_pki). Returns the module path,
    the SoftHSM config file and the demo CA certificate (PEM). Raises
    :class:`~kyso.core.errors.KysoError` when SoftHSM or its tools are missing.
    """
    from kyso.core.service.demo_token import make_softhsm_token
    from kyso.server.demo_pki import demo_pki

    pki = demo_pki(pki_home or folder)
    token = make_softhsm_token(folder, pki, label="kyso-demo", pin=DEMO_PIN)
    return token.module, token.conf, pki.write_ca(folder / "demo-ca.pem")


def _demo_token(folder: Path, server_data: Path) -> tuple[str | None, str]:
    """The demo's token, with the keys the demo server trusts and has bound to the demo
    users: the copy of the cached one already in ``folder``, else made there now; put in
    this process's environment."""
    from kyso.core.errors import KysoError
    from kyso.core.service.demo_token import find_softhsm_module

    conf = folder / "softhsm2.conf"
    module = find_softhsm_module() if conf.is_file() else None
    if module is None:
        try:
            module, conf, _ca = make_demo_token(folder, server_data)
        except KysoError as exc:
            return None, (
                f"[KHÔNG CÓ TOKEN DEMO] {exc.message} — xem và chuyển văn bản được, "
                "nhưng không ký số được."
            )
    os.environ["SOFTHSM2_CONF"] = str(conf)
    os.environ["KYSO_MODULE"] = module
    return module, f"Token demo “kyso-demo” (SoftHSM), PIN {DEMO_PIN}"


def prepare_demo_folder(home: Path, *, say: Any = None) -> bool:
    """Give ``home`` the demo server data (``server/``) and token (``softhsm/``), copied
    from the cache (kyso.cli.demo_cache; made there first if missing); what ``home``
    already has is kept. Call before ``KYSO_HOME`` points at ``home``: the cache is the
    user's. Returns whether the cache had to be made."""
    from kyso.cli.demo_cache import SERVER_DIR, TOKEN_DIR, cached_demo, copy_demo

    if (home / SERVER_DIR).is_dir() and (home / TOKEN_DIR / "softhsm2.conf").is_file():
        return False
    cached, built = cached_demo(say=say)
    copy_demo(cached, home)
    return built


def _kept_port(home: Path) -> int:
    """The port a kept demo folder used last time when it is free (the session and the
    local store are kept by server address), else a new free one, remembered."""
    from kyso.server.runner import free_port

    saved = home / "demo-port"
    try:
        port = int(saved.read_text("utf-8"))
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))
        return port
    except (OSError, ValueError):
        port = free_port()
        saved.write_text(str(port), "utf-8")
        return port


@contextmanager
def demo_environment(
    username: str = "ldso", *, echo: Any = None, keep: Path | None = None, fast: bool = False
) -> Iterator[DemoEnvironment]:
    """Start everything the demo needs and take it all down afterwards.

    Sets ``KYSO_HOME`` to the demo folder for the duration (restored afterwards). The
    folder is a temporary one, gone with the server thread and the token files when this
    returns; with ``keep`` it is that folder, made on first use and left in place.

    ``fast`` (what ``kyso demo`` uses): the session and synced store come from the demo
    cache and the server starts in a process of its own, not waited for, so the app draws
    the inbox while the server is still importing FastAPI (it is up long before the first
    sync a user can ask for). Without the cached client data it falls back to the above.
    """
    from kyso.cli.demo_launch import presynced_session
    from kyso.core.service.office import login
    from kyso.core.service.office import sync as run_sync
    from kyso.server.demo_content import DEMO_PASSWORD

    say = echo or (lambda text: None)
    if keep is None:
        home = Path(tempfile.mkdtemp(prefix="kyso-demo-"))
        handlers = _remove_on_hangup(home)
    else:
        home = keep.expanduser().resolve()
        home.mkdir(parents=True, exist_ok=True)
        handlers = {}
    saved = {k: os.environ.get(k) for k in ("KYSO_HOME", "SOFTHSM2_CONF", "KYSO_MODULE")}
    try:
        built = prepare_demo_folder(home, say=say)
        os.environ["KYSO_HOME"] = str(home)
        module, note = _demo_token(home / "softhsm", home / "server")
        say(f"kyso demo: {note}")
        presynced = presynced_session(home, username) if fast and keep is None else None
        if presynced is not None:
            from kyso.cli.demo_launch import server_process

            with server_process(home / "server", presynced.server):
                yield DemoEnvironment(
                    home, presynced.server, presynced, username, module, note, built
                )
            return
        port = _kept_port(home) if keep is not None else None
        with _server(home / "server", port) as url:
            session = login(url, username, DEMO_PASSWORD)
            run_sync(session)
            yield DemoEnvironment(home, url, session, username, module, note, built)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if keep is None:
            shutil.rmtree(home, ignore_errors=True)
        for signum, handler in handlers.items():
            signal.signal(signum, handler)


def _remove_on_hangup(home: Path) -> dict[int, Any]:
    """Remove the demo folder when the terminal goes away (SIGHUP) or on SIGTERM.

    A closed tmux pane or SSH session ends the process without unwinding the app, so the
    ``finally`` above would never run. The folder goes first, then the signal takes its
    default course (the exit status still says which signal ended the demo). Returns the
    handlers replaced, to put back; outside the main thread nothing is changed.
    """
    if threading.current_thread() is not threading.main_thread():
        return {}

    def remove_then_die(signum: int, _frame: Any) -> None:
        shutil.rmtree(home, ignore_errors=True)
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    return {sig: signal.signal(sig, remove_then_die) for sig in (signal.SIGHUP, signal.SIGTERM)}


@click.group("demo", invoke_without_command=True)
@click.option(
    "--as",
    "role",
    type=click.Choice(sorted(ROLES)),
    default="lanh_dao_so",
    show_default=True,
    help="Vai trò đăng nhập.",
)
@click.option("--no-images", is_flag=True, help="Không hiện ảnh trang (chỉ chữ).")
@click.option(
    "--keep",
    "keep",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    metavar="DIR",
    help="Giữ dữ liệu demo (máy chủ, token, phiên) trong DIR giữa các lần chạy.",
)
@click.pass_context
def demo(ctx: click.Context, role: str, no_images: bool, keep: Path | None = None) -> None:
    """Chạy thử: máy chủ nhúng, token demo (PIN 123456), văn bản mẫu; q để thoát.

    \f
    With ``KYSO_DEMO_INFO=FILE`` set, the server URL and the demo folder are written to
    FILE as JSON (for end-to-end tests that check the server while the app runs).
    """
    if ctx.invoked_subcommand is not None:
        return
    from kyso.core.service.store_service import StoreService

    username = ROLES[role]
    say = lambda t: click.echo(t, err=True)  # noqa: E731
    with demo_environment(username, echo=say, keep=keep, fast=True) as env:
        info = os.environ.get("KYSO_DEMO_INFO")
        if info:  # end-to-end tests find the embedded server here (once it is up)
            from kyso.cli.demo_launch import wait_for_server

            wait_for_server(env.url)
            Path(info).write_text(
                json.dumps({"url": env.url, "home": str(env.home), "user": username}), "utf-8"
            )
        backend = StoreService(env.session, key_label=username, module=env.token_module)
        greeting = f"Chế độ demo — đăng nhập: {username}. {env.token_note}. q: thoát"
        _run_app(
            backend, images="off" if no_images else None, key_label=username, greeting=greeting
        )
    if keep is not None:
        say(f"kyso demo: dữ liệu demo giữ trong {env.home} (máy chủ: kyso demo serve --dir …)")


@demo.command("token")
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Thư mục giữ token demo (mặc định: kyso-demo-token trong thư mục dữ liệu).",
)
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
def demo_token(folder: Path | None, as_json: bool) -> None:
    """Tạo (một lần) token demo SoftHSM để thử `kyso sign` và `kyso verify`.

    In ra các biến môi trường cần đặt, ví dụ: eval "$(kyso demo token)".
    """
    from kyso.config.locations import data_dir

    folder = (folder or data_dir() / "kyso-demo-token").expanduser().resolve()
    conf, ca = folder / "softhsm2.conf", folder / "demo-ca.pem"
    if conf.is_file() and ca.is_file():
        from kyso.core.service.demo_token import find_softhsm_module

        module = find_softhsm_module() or ""
    else:
        module, conf, ca = make_demo_token(folder)
    if as_json:
        info = {"module": module, "softhsm2_conf": str(conf), "ca": str(ca), "pin": DEMO_PIN}
        click.echo(json.dumps(info, ensure_ascii=False))
        return
    click.echo(f"export SOFTHSM2_CONF={shlex.quote(str(conf))}")
    click.echo(f"export KYSO_MODULE={shlex.quote(module)}")
    click.echo(f"# PIN {DEMO_PIN}; khoá: {', '.join(ROLES.values())}; CA: {ca}")


from kyso.cli.demo_serve import demo_serve  # noqa: E402  (it imports this module lazily)

demo.add_command(demo_serve)
