"""``kyso web``: the same terminal app in a browser, for stations without a terminal.

textual-serve runs one app process per browser tab (``python -m kyso.cli tui`` or
``… demo``) with the same Python and the same environment (``KYSO_HOME``,
``KYSO_MODULE``, ``SOFTHSM2_CONF``, ``P11_KIT_SERVER_ADDRESS``…) and streams its screen
over a websocket. Whoever opens the page acts as the logged-in user, so every request
must carry this launch's secret or its cookie (kyso.cli.web_auth); the server listens on
loopback unless ``--allow-remote`` says otherwise, and then only over TLS unless
``--insecure`` says otherwise.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import shlex
import socket
import ssl
import sys
from pathlib import Path
from typing import Any

import click

from kyso.cli.app import ROLES
from kyso.cli.ports import check_port
from kyso.cli.web_auth import WebGuard, tls_context

__all__ = ["DEFAULT_PORT", "app_command", "browser_url", "is_loopback", "web"]

DEFAULT_PORT = 8471
"""Next to ``kyso server``'s 8470."""

_WILDCARDS = {"", "0.0.0.0", "::"}


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and any address in 127.0.0.0/8 or ``::1``.

    Other host names are not resolved: a name can point anywhere, so it counts as remote.
    """
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def browser_url(host: str, port: int, *, tls: bool = False) -> str:
    """The address a browser uses to reach ``host:port`` (IPv6 in brackets)."""
    name = host.strip().strip("[]")
    if name in _WILDCARDS:
        name = socket.getfqdn()
    elif ":" in name:
        name = f"[{name}]"
    return f"{'https' if tls else 'http'}://{name}:{port}"


def app_command(*, demo: bool, role: str) -> str:
    """The shell command textual-serve starts for each browser tab.

    The same interpreter as this process, so a virtualenv or a pipx install serves
    itself; images are off because the browser terminal shows no graphics protocol.
    """
    python = shlex.quote(sys.executable)
    if demo:
        return f"{python} -m kyso.cli demo --as {shlex.quote(role)} --no-images"
    return f"{python} -m kyso.cli tui --no-images"


_STOP_SESSIONS_SECONDS = 30
"""How long Ctrl+C waits for the open tabs' apps to quit and clean up."""


def _make_server(
    command: str, host: str, port: int, guard: WebGuard, tls: ssl.SSLContext | None
) -> Any:
    """A textual-serve server behind ``guard`` that speaks Vietnamese and ends its sessions.

    Without the ``on_shutdown`` below, aiohttp waits its full shutdown timeout (60 s) for
    each open websocket before cancelling it; cancelling at once makes textual-serve send
    each app its quit message, so ``kyso demo`` sessions remove their data folders.
    """
    import asyncio
    import signal

    from aiohttp import web as aioweb
    from textual_serve.server import Server

    class _KysoServer(Server):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._sessions: set[asyncio.Task[Any]] = set()

        def initialize_logging(self) -> None:
            # textual-serve logs every request at INFO; keep only problems.
            logging.basicConfig(level=logging.WARNING, format="kyso web: %(message)s")

        async def on_startup(self, app: Any) -> None:
            # The secret goes to the launching user's terminal once, and nowhere else.
            click.echo("kyso web: mở địa chỉ này trong trình duyệt (Ctrl+C để dừng):", err=True)
            click.echo(guard.url())

        async def handle_websocket(self, request: Any) -> Any:
            task = asyncio.current_task()
            if task is not None:
                self._sessions.add(task)
            try:
                return await super().handle_websocket(request)
            finally:
                self._sessions.discard(task)  # type: ignore[arg-type]

        async def on_shutdown(self, app: Any) -> None:
            sessions = list(self._sessions)
            if not sessions:
                return
            click.echo(f"kyso web: đóng {len(sessions)} phiên đang mở…", err=True)
            for task in sessions:
                task.cancel()
            await asyncio.wait(sessions, timeout=_STOP_SESSIONS_SECONDS)

        async def _guarded_app(self) -> Any:
            # textual-serve 1.1 has no public hook for middlewares or TLS: its app factory
            # (the private _make_app) is wrapped here, and serve() below repeats
            # Server.serve with ssl_context added and the access log off (the first
            # request's query carries the secret).
            app = await self._make_app()
            app.middlewares.insert(0, guard.middleware())
            return app

        def serve(self, debug: bool = False) -> None:
            self.debug = debug
            self.initialize_logging()
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            with contextlib.suppress(NotImplementedError):  # Windows
                loop.add_signal_handler(signal.SIGINT, self.request_exit)
                loop.add_signal_handler(signal.SIGTERM, self.request_exit)
            aioweb.run_app(
                self._guarded_app(),
                host=self.host,
                port=self.port,
                ssl_context=tls,
                access_log=None,
                handle_signals=False,
                loop=loop,
                print=lambda *args: None,
            )

    return _KysoServer(
        command,
        host=host.strip("[]"),
        port=port,
        title="kyso — ký số văn bản",
        public_url=guard.public_url,
    )


@click.command("web")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Địa chỉ lắng nghe; chỉ loopback nếu không có --allow-remote.",
)
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--allow-remote",
    is_flag=True,
    help="Cho phép lắng nghe trên địa chỉ không phải loopback; cần --cert/--key hoặc --insecure.",
)
@click.option(
    "--cert",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Chứng thư TLS (PEM) để phục vụ qua HTTPS; đi cùng --key.",
)
@click.option(
    "--key",
    "key_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Khóa riêng TLS (PEM) của --cert.",
)
@click.option(
    "--insecure",
    is_flag=True,
    help="Cho --allow-remote chạy không TLS (sau proxy HTTPS, hoặc mạng tin cậy).",
)
@click.option(
    "--public-url",
    default=None,
    help="Địa chỉ trình duyệt dùng để vào trang (sau proxy HTTPS, hoặc khi --host 0.0.0.0).",
)
@click.option("--demo", is_flag=True, help="Mỗi phiên trình duyệt chạy `kyso demo` (văn bản mẫu).")
@click.option(
    "--as",
    "role",
    type=click.Choice(sorted(ROLES)),
    default="lanh_dao_so",
    show_default=True,
    help="Vai trò đăng nhập khi có --demo.",
)
def web(
    host: str,
    port: int,
    allow_remote: bool,
    cert: Path | None,
    key_file: Path | None,
    insecure: bool,
    public_url: str | None,
    demo: bool,
    role: str,
) -> None:
    """Mở ứng dụng ký số trong trình duyệt (textual-serve), cho máy không có terminal.

    Mỗi thẻ trình duyệt là một phiên `kyso tui` riêng (hoặc `kyso demo --as VAI_TRÒ`
    với --demo), chạy bằng cùng Python và cùng biến môi trường (KYSO_HOME, KYSO_MODULE…).
    Mỗi lần chạy có một mã truy cập ngẫu nhiên: chỉ địa chỉ in ra (…/?k=MÃ) mở được
    trang, các yêu cầu khác nhận 403. Chỉ lắng nghe trên loopback (127.0.0.0/8, ::1,
    localhost) trừ khi có --allow-remote, và khi đó cần --cert/--key hoặc --insecure.

    Mã thoát: 2 khi --host không phải loopback mà thiếu --allow-remote, khi --allow-remote
    thiếu TLS lẫn --insecure, hoặc --cert/--key thiếu một; 1 khi chưa đăng nhập (không có
    --demo), chứng thư TLS không nạp được hoặc cổng đang được dùng.
    """
    if not is_loopback(host) and not allow_remote:
        raise click.UsageError(
            f"--host {host} không phải địa chỉ loopback: ai vào được mạng cũng mở được phiên "
            "ký số; thêm --allow-remote nếu thật sự muốn."
        )
    if (cert is None) != (key_file is None):
        raise click.UsageError("--cert và --key phải đi cùng nhau (chứng thư và khóa riêng TLS).")
    if allow_remote and cert is None and not insecure:
        raise click.UsageError(
            "--allow-remote cần HTTPS: thêm --cert TỆP_CHỨNG_THƯ --key TỆP_KHÓA, hoặc "
            "--insecure nếu trang nằm sau proxy HTTPS hay trong mạng tin cậy (không thì mã "
            "truy cập và PIN đi qua mạng không mã hóa)."
        )
    if not demo:
        from kyso.core.service.office import load_session

        load_session()  # not logged in → one line here instead of a dead page per tab
    tls = tls_context(cert, key_file) if cert is not None and key_file is not None else None
    check_port(host, port, title="Web")
    url = (public_url or browser_url(host, port, tls=tls is not None)).rstrip("/")
    if not is_loopback(host) and tls is None:
        click.echo(
            "kyso web: CẢNH BÁO — không có TLS: mã truy cập và PIN đi qua HTTP; chỉ dùng "
            "trong mạng tin cậy hoặc sau proxy HTTPS.",
            err=True,
        )
    guard = WebGuard(public_url=url, port=port)
    _make_server(app_command(demo=demo, role=role), host, port, guard, tls).serve()
