"""The demo's server data and SoftHSM token, made once and copied into each demo folder.

Making them (16 PDFs, a PKI, the leaders' signatures, scrypt hashes, a SoftHSM token and
its keys) takes seconds; copying them takes milliseconds. The finished pair is kept in
``<cache_dir>/demo/<key>/`` and never opened in place: every ``kyso demo`` copies it
(SQLite file, blobs, demo PKI, token files) into its own folder, so each run starts from
the same state and changes nothing in the cache.

The key hashes everything that shapes the result: the demo content (organisation, users,
documents), the seed's code (:data:`kyso.server.seed.SEED_VERSION` and the seed modules'
source), kyso's version, the SoftHSM module, and Vietnam's date. The date is there
because the seed dates its history relative to the moment it runs and that moment is
also inside the leaders' signatures and the registry's notes ("Cấp số …, ngày …"),
which an SQL shift of the tables could not reach: a cache from yesterday would show a
stale history, and one from December would number the registry in last year's book.
The first demo of a day therefore pays for the seed once; older keys are then removed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["DemoFiles", "cache_key", "cached_client", "cached_demo", "copy_demo"]

SERVER_DIR = "server"
TOKEN_DIR = "softhsm"
CLIENTS_DIR = "demo-clients"
CACHE_FORMAT = 2
"""What a cached folder holds (2: with the demo users' synced stores, ``CLIENTS_DIR``)."""
MARKER = "demo-cache.json"
_SEED_MODULES = ("seed", "demo_content", "demo_docs", "demo_pki")


@dataclass(frozen=True)
class DemoFiles:
    """A demo folder's server data and token (``module`` None: no token, ``note`` says why)."""

    server: Path
    token_conf: Path | None
    module: str | None
    note: str
    built: bool = False
    """Whether the cache had to be made for this run (the slow path)."""


def cache_key() -> str:
    """The hash naming the cached demo: content, seed code, versions, SoftHSM, VN date."""
    from importlib.metadata import PackageNotFoundError, version

    from kyso.core.clock import vn_today
    from kyso.core.service.demo_token import find_softhsm_module
    from kyso.server import demo_content

    digest = hashlib.sha256()
    try:
        kyso_version = version("kyso")
    except PackageNotFoundError:
        kyso_version = "unknown"
    content = (
        demo_content.DEMO_ORG,
        demo_content.DEMO_USERS,
        demo_content.DEMO_DOCUMENTS,
        demo_content.DEMO_PASSWORD,
    )
    for part in (CACHE_FORMAT, kyso_version, find_softhsm_module(), vn_today(), content):
        digest.update(repr(part).encode("utf-8") + b"\0")
    for source in _seed_sources():
        digest.update(source)
    return digest.hexdigest()[:20]


def _seed_sources() -> list[bytes]:
    """The source of the seed modules: a developer's edit counts, and so does a new
    ``SEED_VERSION`` in seed.py (read there, not imported: the seed imports FastAPI)."""
    import importlib.util

    sources = []
    for name in _SEED_MODULES:
        spec = importlib.util.find_spec(f"kyso.server.{name}")
        if spec is not None and spec.origin:
            sources.append(Path(spec.origin).read_bytes())
    return sources


def cached_demo(root: Path | None = None, *, say: Any = None) -> tuple[Path, bool]:
    """The cached demo folder for today's key (made now if missing) and whether it was made.

    ``root`` defaults to ``<cache_dir>/demo``. A folder is made under a temporary name and
    renamed into place when whole, so a crash or a second demo starting at the same time
    never sees half of one; folders of other keys are removed afterwards. ``say`` is told
    when the slow part starts.
    """
    if root is None:
        from kyso.config.locations import cache_dir

        root = cache_dir() / "demo"
    key = cache_key()
    ready = root / key
    if (ready / MARKER).is_file():
        return ready, False
    if say is not None:
        say("kyso demo: lần đầu trong ngày — tạo máy chủ, văn bản mẫu và token demo (vài giây)…")
    root.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix=".build-", dir=root))
    try:
        _build(build, key)
        try:
            os.rename(build, ready)
        except OSError:  # another demo published the same key first: use that one
            if not (ready / MARKER).is_file():
                raise
    finally:
        shutil.rmtree(build, ignore_errors=True)
    _prune(root, key)
    return ready, True


def _prune(root: Path, key: str) -> None:
    """Remove other keys' folders, and builds a killed demo left (over an hour old)."""
    import time

    for old in root.iterdir():
        if old.name == key:
            continue
        if old.name.startswith("."):
            try:
                if time.time() - old.stat().st_mtime < 3600:
                    continue
            except OSError:
                continue
        shutil.rmtree(old, ignore_errors=True)


def _build(folder: Path, key: str) -> None:
    """Seed a server data folder and make the token with the same keys, in ``folder``."""
    from kyso.core.clock import vn_now
    from kyso.core.errors import KysoError
    from kyso.server.app import create_app

    app = create_app(folder / SERVER_DIR, seed_demo=True)
    app.state.db.close()  # the copies must be of a closed database (no WAL left)
    token_error = ""
    try:
        from kyso.cli.app import make_demo_token

        make_demo_token(folder / TOKEN_DIR, folder / SERVER_DIR)
    except KysoError as exc:  # not cached: the next run tries again (SoftHSM installed?)
        token_error = exc.message
        shutil.rmtree(folder / TOKEN_DIR, ignore_errors=True)
    try:
        _presync(folder)
    except (KysoError, OSError):  # the demo then logs in and syncs at start (slower)
        shutil.rmtree(folder / CLIENTS_DIR, ignore_errors=True)
    marker = {"key": key, "built_at": vn_now().isoformat(), "token_error": token_error}
    (folder / MARKER).write_text(json.dumps(marker, ensure_ascii=False), "utf-8")


def _presync(folder: Path) -> None:
    """Every demo user logged in and synced once, kept in ``clients/``: their session
    tokens (valid in the cached server's database, 30 days) and synced stores, so a demo
    run can show the inbox before its server has started (:func:`cached_client`)."""
    from kyso.core.service.office import login, sync
    from kyso.core.store import store_path
    from kyso.server.demo_content import DEMO_PASSWORD, DEMO_USERS
    from kyso.server.runner import ServerThread

    clients = folder / CLIENTS_DIR
    clients.mkdir()
    saved = os.environ.get("KYSO_HOME")
    server = ServerThread(folder / SERVER_DIR, seed_demo=True).start()
    tokens = {}
    try:
        for user in DEMO_USERS:
            home = Path(tempfile.mkdtemp(prefix="client-", dir=folder))
            os.environ["KYSO_HOME"] = str(home)
            session = login(server.url, user.username, DEMO_PASSWORD)
            sync(session)
            tokens[user.username] = session.token
            from kyso.config.locations import data_dir

            store = store_path(data_dir(), server.url, user.username)
            shutil.copyfile(store, clients / f"{user.username}.sqlite")
            shutil.rmtree(home, ignore_errors=True)
    finally:
        if saved is None:
            os.environ.pop("KYSO_HOME", None)
        else:
            os.environ["KYSO_HOME"] = saved
        server.stop()
    (clients / "tokens.json").write_text(json.dumps(tokens), "utf-8")
    os.chmod(clients / "tokens.json", 0o600)


def cached_client(home: Path, username: str) -> tuple[Path, str] | None:
    """The synced store and session token of ``username`` in a demo folder copied from
    the cache (``None`` when the cache has none: made by an older kyso)."""
    clients = home / CLIENTS_DIR
    try:
        token = json.loads((clients / "tokens.json").read_text("utf-8"))[username]
    except (OSError, ValueError, KeyError):
        return None
    store = clients / f"{username}.sqlite"
    return (store, str(token)) if store.is_file() else None


def copy_demo(cached: Path, home: Path) -> DemoFiles:
    """Copy the cached server data and token into ``home`` (``server/``, ``softhsm/``);
    parts ``home`` already has (a kept demo folder) are left as they are."""
    server = home / SERVER_DIR
    if not server.is_dir():
        _copy_tree(cached / SERVER_DIR, server)
        if (cached / CLIENTS_DIR).is_dir():  # the sessions are valid with this copy only
            _copy_tree(cached / CLIENTS_DIR, home / CLIENTS_DIR)
    token = home / TOKEN_DIR
    conf = token / "softhsm2.conf"
    if not conf.is_file() and (cached / TOKEN_DIR / "softhsm2.conf").is_file():
        _copy_tree(cached / TOKEN_DIR, token)
        _point_conf_at(conf, token / "tokens")
    if not conf.is_file():
        return DemoFiles(server, None, None, "")
    from kyso.core.service.demo_token import find_softhsm_module

    return DemoFiles(server, conf, find_softhsm_module(), "")


def _copy_tree(source: Path, target: Path) -> None:
    """Copy under a temporary name, then rename: a folder that exists is whole."""
    partial = target.with_name(f".{target.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    shutil.copytree(source, partial)
    os.rename(partial, target)


def _point_conf_at(conf: Path, tokens: Path) -> None:
    """Point a copied SoftHSM config at the copy's token directory (it names the cache's)."""
    lines = conf.read_text("utf-8").splitlines()
    lines = [
        f"directories.tokendir = {tokens}" if line.startswith("directories.tokendir") else line
        for line in lines
    ]
    conf.write_text("\n".join(lines) + "\n", "utf-8")
