"""``kyso web``: the same terminal app in a browser, for stations without a terminal.

textual-serve runs one app process per browser tab (``python -m kyso.cli tui`` or
``… demo``) with the same Python and the same environment (``KYSO_HOME``,
``KYSO_MODULE``, ``SOFTHSM2_CONF``, ``P11_KIT_SERVER_ADDRESS``…) and streams its screen
over a websocket. There is no authentication in front of it: whoever opens the page acts
as the logged-in user and types the token PIN into it, so the server listens on loopback
unless ``--allow-remote`` says otherwise.
"""

from __future__ import annotations

import ipaddress
import logging
import shlex
import socket
import sys
from typing import Any

import click

from kyso.cli.app import ROLES
from kyso.core.errors import KysoError

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


def browser_url(host: str, port: int) -> str:
    """The address a browser uses to reach ``host:port`` (IPv6 in brackets)."""
    name = host.strip().strip("[]")
    if name in _WILDCARDS:
        name = socket.getfqdn()
    elif ":" in name:
        name = f"[{name}]"
    return f"http://{name}:{port}"


def app_command(*, demo: bool, role: str) -> str:
    """The shell command textual-serve starts for each browser tab.

    The same interpreter as this process, so a virtualenv or a pipx install serves
    itself; images are off because the browser terminal shows no graphics protocol.
    """
    python = shlex.quote(sys.executable)
    if demo:
        return f"{python} -m kyso.cli demo --as {shlex.quote(role)} --no-images"
    return f"{python} -m kyso.cli tui --no-images"


def _check_port(host: str, port: int) -> None:
    """Fail with one clear line before textual-serve prints a traceback."""
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
        family, kind, proto, _, address = infos[0]
        with socket.socket(family, kind, proto) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(address)
    except OSError as exc:
        raise KysoError(
            f"Không mở được {host}:{port} ({exc.strerror or exc}); cổng đang được dùng?",
            title="Web",
        ) from None


_STOP_SESSIONS_SECONDS = 30
"""How long Ctrl+C waits for the open tabs' apps to quit and clean up."""


def _make_server(command: str, host: str, port: int, url: str) -> Any:
    """A textual-serve server that speaks Vietnamese and ends its sessions on Ctrl+C.

    Without the ``on_shutdown`` below, aiohttp waits its full shutdown timeout (60 s) for
    each open websocket before cancelling it; cancelling at once makes textual-serve send
    each app its quit message, so ``kyso demo`` sessions remove their data folders.
    """
    import asyncio

    from textual_serve.server import Server

    class _KysoServer(Server):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._sessions: set[asyncio.Task[Any]] = set()

        def initialize_logging(self) -> None:
            # textual-serve logs every request at INFO; keep only problems.
            logging.basicConfig(level=logging.WARNING, format="kyso web: %(message)s")

        async def on_startup(self, app: Any) -> None:
            click.echo(f"kyso web: mở {self.public_url}/ trong trình duyệt (Ctrl+C để dừng)")

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

    return _KysoServer(
        command, host=host.strip("[]"), port=port, title="kyso — ký số văn bản", public_url=url
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
    help="Cho phép lắng nghe trên địa chỉ không phải loopback (không có xác thực!).",
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
    host: str, port: int, allow_remote: bool, public_url: str | None, demo: bool, role: str
) -> None:
    """Mở ứng dụng ký số trong trình duyệt (textual-serve), cho máy không có terminal.

    Mỗi thẻ trình duyệt là một phiên `kyso tui` riêng (hoặc `kyso demo --as VAI_TRÒ`
    với --demo), chạy bằng cùng Python và cùng biến môi trường (KYSO_HOME, KYSO_MODULE…).
    Không có xác thực: chỉ lắng nghe trên loopback (127.0.0.0/8, ::1, localhost) trừ khi
    có --allow-remote.

    Mã thoát: 2 khi --host không phải loopback mà thiếu --allow-remote; 1 khi chưa đăng
    nhập (không có --demo) hoặc cổng đang được dùng.
    """
    if not is_loopback(host) and not allow_remote:
        raise click.UsageError(
            f"--host {host} không phải địa chỉ loopback: ai vào được mạng cũng mở được phiên "
            "ký số; thêm --allow-remote nếu thật sự muốn."
        )
    if not demo:
        from kyso.core.sync import load_session

        load_session()  # not logged in → one line here instead of a dead page per tab
    _check_port(host, port)
    url = (public_url or browser_url(host, port)).rstrip("/")
    if not is_loopback(host):
        click.echo(
            "kyso web: CẢNH BÁO — trang không có xác thực và PIN đi qua HTTP; chỉ dùng trong "
            "mạng tin cậy hoặc sau proxy HTTPS có đăng nhập.",
            err=True,
        )
    _make_server(app_command(demo=demo, role=role), host, port, url).serve()
