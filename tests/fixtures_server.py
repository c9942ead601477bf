"""The real reference server under uvicorn on 127.0.0.1, for tests.

Fixtures:

- ``demo_server`` — a fresh, seeded demo server for one test (its own data folder, a free
  port). ``demo_server.api`` is the API base URL (``http://127.0.0.1:PORT/api/v1``),
  ``demo_server.url`` the root; ``demo_server.client("ldso")`` gives an ``httpx.Client``
  logged in as that demo user (``base_url`` = the API); ``demo_server.token("ldso")``
  just the bearer token. ``stop()`` / ``start()`` / ``restart()`` keep the same data
  folder and port; ``kill()`` drops open connections without waiting for in-flight
  requests (the "server died mid-push" case). ``add_user(...)`` adds a user, in a new
  organization if asked (for isolation tests).
- ``shared_demo_server`` — one seeded server for the whole session, for tests that only read
  or create their own documents (schemathesis). Do not stop it.
- ``demo_server_factory`` — ``demo_server_factory(seed_demo=True)`` makes more servers in the test
  (``settings=ServerSettings(...)`` for shorter token lifetimes or login delays).

Seeding renders PDFs; it is done once per session into a template folder that each
``demo_server`` copies. Besides the demo PKI the seed trusts and binds, the template
trusts the session's test CA (tests/fixtures_token.py) and binds its ``signer``
certificate to ``ldso``, ``vanthu`` and the organisation (``org:STTTT``), the
administrator's way (:mod:`kyso.server.trust`), so tests sign with the SoftHSM token.
``demo_server.trust(pem)`` adds an anchor, ``demo_server.bind("org:STTTT", der)`` binds
a certificate and
``demo_server.unbind("ldso")`` takes a user's certificate away again.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

from kyso.server.runner import ServerThread, free_port
from kyso.server.settings import ServerSettings

__all__ = ["DEMO_PASSWORD", "DEMO_USERS", "DemoServer", "DieAfterPages", "free_port"]

DEMO_USERS = ("chuyenvien", "ldvanphong", "ldso", "vanthu")
DEMO_PASSWORD = "kyso-demo"


class DemoServer(ServerThread):
    """The reference server in a background thread of the test process, plus helpers."""

    __test__ = False

    def __init__(
        self, data_dir: Path, *, seed_demo: bool = True, port: int | None = None, settings=None
    ):
        # Every test client comes from 127.0.0.1: the per-address login limit would let
        # one test's wrong passwords (schemathesis sends many) lock out the next test.
        settings = settings or ServerSettings(address_free_failures=1_000_000)
        super().__init__(data_dir, port=port, seed_demo=seed_demo, settings=settings)
        self._clients: list[httpx.Client] = []

    def token(self, username: str, password: str = DEMO_PASSWORD) -> str:
        """A fresh bearer token for ``username``."""
        response = httpx.post(
            f"{self.api}/auth/login", json={"username": username, "password": password}
        )
        response.raise_for_status()
        return response.json()["token"]

    def client(self, username: str | None = None, password: str = DEMO_PASSWORD) -> httpx.Client:
        """An ``httpx.Client`` on the API, logged in as ``username`` (or anonymous)."""
        headers = {}
        if username is not None:
            headers["Authorization"] = f"Bearer {self.token(username, password)}"
        client = httpx.Client(base_url=self.api, headers=headers, timeout=30)
        self._clients.append(client)
        return client

    def add_user(
        self,
        username: str,
        role: str,
        *,
        password: str = DEMO_PASSWORD,
        org_ky_hieu: str = "STTTT",
        org_name: str | None = None,
        full_name: str = "Người Dùng Thử",
    ) -> None:
        """Add a user; a new organization is made when ``org_name`` is given."""
        from kyso.server.auth import create_org, create_user
        from kyso.server.db import DB_NAME, Database

        db = Database(self.data_dir / DB_NAME)
        try:
            with db.write() as conn:
                row = conn.execute(
                    "SELECT id FROM orgs WHERE ky_hieu = ?", (org_ky_hieu,)
                ).fetchone()
                if row is None:
                    org_id = create_org(conn, org_name or org_ky_hieu, org_ky_hieu)
                else:
                    org_id = row[0]
                create_user(conn, org_id, username, password, full_name=full_name, role=role)
        finally:
            db.close()

    def _db(self):
        from kyso.server.db import DB_NAME, Database

        return Database(self.data_dir / DB_NAME)

    def trust(self, pem: bytes) -> None:
        """Add trust anchors (PEM or DER), as ``--trust`` does."""
        from kyso.server.trust import read_certificates, trust

        db = self._db()
        try:
            with db.write() as conn:
                trust(conn, read_certificates(pem))
        finally:
            db.close()

    def bind(self, subject: str, cert_der: bytes) -> None:
        """The administrator's binding (``user:ldso`` or ``org:STTTT``), as ``--bind`` does."""
        from kyso.server.trust import bind

        db = self._db()
        try:
            with db.write() as conn:
                bind(conn, subject, cert_der)
        finally:
            db.close()

    def unbind(self, subject: str) -> None:
        """Remove a binding (``ldso`` or ``org:STTTT``) and, for a user, the certificate."""
        db = self._db()
        try:
            with db.write() as conn:
                kind, _, name = subject.rpartition(":")
                key = subject if kind else f"user:{subject}"
                conn.execute("DELETE FROM cert_bindings WHERE subject = ?", (key,))
                if not kind:
                    conn.execute("UPDATE users SET cert_der = NULL WHERE username = ?", (name,))
        finally:
            db.close()

    def close_clients(self) -> None:
        for client in self._clients:
            client.close()
        self._clients.clear()


class DieAfterPages(httpx.HTTPTransport):
    """Lets ``pages`` changes-feed pages through, then the server is gone."""

    def __init__(self, server, pages: int) -> None:
        super().__init__()
        self.server, self.pages = server, pages

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/changes"):
            if self.pages == 0:
                self.server.kill()
            self.pages -= 1
        return super().handle_request(request)


@pytest.fixture(scope="session")
def _seeded_template(tmp_path_factory, pki) -> Path:
    from kyso.server.app import create_app
    from kyso.server.trust import bind, read_certificates, trust

    folder = tmp_path_factory.mktemp("server-template")
    app = create_app(folder, seed_demo=True)
    signer = next(i.cert_der for i in pki.issued if i.identity.label == "signer")
    with app.state.db.write() as conn:
        trust(conn, read_certificates(pki.ca_cert_pem))
        for subject in ("user:ldso", "user:vanthu", "org:STTTT"):
            bind(conn, subject, signer)
    app.state.db.close()
    return folder


def _copy_template(template: Path, target: Path) -> Path:
    shutil.copytree(template, target, dirs_exist_ok=True)
    return target


@pytest.fixture
def demo_server_factory(tmp_path, _seeded_template):
    """Make servers: ``demo_server_factory(seed_demo=True, start=True)``; all stop at teardown."""
    servers: list[DemoServer] = []

    def make(*, seed_demo: bool = True, start: bool = True, settings=None) -> DemoServer:
        folder = tmp_path / f"server-{len(servers)}"
        if seed_demo:
            _copy_template(_seeded_template, folder)
        server = DemoServer(folder, seed_demo=seed_demo, settings=settings)
        servers.append(server)
        return server.start() if start else server

    yield make
    for server in servers:
        server.close_clients()
        server.stop()


@pytest.fixture
def demo_server(demo_server_factory) -> DemoServer:
    """A fresh seeded demo server for this test."""
    return demo_server_factory()


@pytest.fixture(scope="session")
def shared_demo_server(tmp_path_factory, _seeded_template):
    """One seeded server for the whole session (do not stop it)."""
    folder = _copy_template(_seeded_template, tmp_path_factory.mktemp("server-shared"))
    server = DemoServer(folder).start()
    yield server
    server.close_clients()
    server.stop()
