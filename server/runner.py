"""Run the server inside the current process, in a background thread (uvicorn).

Used by ``kyso demo`` (an embedded server beside the app) and by the tests. The thread
serves until :meth:`ServerThread.stop` (graceful: in-flight requests finish) or
:meth:`ServerThread.kill` (open connections are dropped, as when a server dies).
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from kyso.core.errors import KysoError

if TYPE_CHECKING:
    from kyso.server.settings import ServerSettings

__all__ = ["ServerThread", "free_port"]


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class ServerThread:
    """The reference server over ``data_dir`` on ``host:port``, restartable in place."""

    def __init__(
        self,
        data_dir: Path,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        seed_demo: bool = False,
        settings: ServerSettings | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.host = host
        self.port = port or free_port(host)
        self.seed_demo = seed_demo
        self.settings = settings
        self.app = None
        self._server = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The server's root URL (``http://127.0.0.1:PORT``)."""
        return f"http://{self.host}:{self.port}"

    @property
    def api(self) -> str:
        """The API base URL (``…/api/v1``)."""
        return f"{self.url}/api/v1"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, timeout: float = 30) -> ServerThread:
        """Start (again) on the same folder and port; return once it accepts connections."""
        import uvicorn

        from kyso.server.app import create_app

        if self.running:
            return self
        self.app = create_app(self.data_dir, seed_demo=self.seed_demo, settings=self.settings)
        config = uvicorn.Config(
            self.app,
            host=self.host,
            port=self.port,
            log_level="warning",
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=5,
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, name=f"kyso-server-{self.port}", daemon=True)
        self._server, self._thread = server, thread
        thread.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not thread.is_alive():
                break
            if server.started and self._accepts():
                return self
            time.sleep(0.02)
        self._shutdown(force=True)
        raise KysoError(f"Không khởi động được máy chủ trên cổng {self.port}.", title="Máy chủ")

    def _accepts(self) -> bool:
        try:
            with socket.create_connection((self.host, self.port), timeout=1):
                return True
        except OSError:
            return False

    def stop(self) -> None:
        """Graceful stop: in-flight requests finish, then the thread ends."""
        self._shutdown(force=False)

    def kill(self) -> None:
        """Abrupt stop: connections are dropped without waiting for the responses."""
        self._shutdown(force=True)

    def restart(self) -> ServerThread:
        self.stop()
        return self.start()

    def _shutdown(self, *, force: bool) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.should_exit = True
        if force:
            server.force_exit = True
        thread.join(timeout=30)
        if self.app is not None:
            self.app.state.db.close()
        self._server = self._thread = None
