"""A full disk (issue 14): every write error says whether the action was queued, a retry
never doubles it, and nothing kyso started writing is left behind (no temporary file,
no -wal/-shm/-journal kyso created, no empty blob folder).

The disk is real (fixtures_disk: a filled tmpfs, or a zero file-size limit where
mounting is not allowed); kyso runs as its own process against it.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pytest
from fixtures_server import DEMO_PASSWORD
from fixtures_store import SECRET_TOKEN, free_port, make_doc

from kyso.core.store import Store
from kyso.core.sync import Session, save_session

KYSO = str(Path(sys.executable).with_name("kyso"))
LEFTOVERS = ("-wal", "-shm", "-journal", ".part", ".partial")


def _cached_store(disk, monkeypatch) -> Session:
    """An offline session whose data folder is on ``disk``, documents 1 and 2 cached."""
    monkeypatch.setenv("KYSO_HOME", str(disk.root / "home"))
    session = Session(f"http://127.0.0.1:{free_port()}", "ldso", SECRET_TOKEN)
    save_session(session)
    with session.store() as store:
        store.set_meta("me", '{"username": "ldso", "role": "lanh_dao_so"}')
        store.apply_page([make_doc(1), make_doc(2, holder="vanthu", state="cho_van_thu")], "5")
    return session


def _refused(disk, result) -> None:
    """The action failed and says it is not queued: one line, no traceback, no token."""
    assert result.returncode == 1, result
    assert "không nằm trong hàng đợi" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert SECRET_TOKEN not in result.stderr
    if disk.tmpfs:
        assert "đĩa đầy" in result.stderr, result.stderr


def test_opinion_and_mark_on_a_full_disk(small_disk, monkeypatch):
    session = _cached_store(small_disk, monkeypatch)
    before = small_disk.files()
    text = "Đồng ý, đề nghị văn thư phát hành"

    small_disk.fill()
    for args in (("opinion", "1", text), ("mark", "1"), ("transition", "1", "chuyen_van_thu")):
        _refused(small_disk, small_disk.run(KYSO, *args))
        assert small_disk.files() == before  # no -wal, -shm, temporary file left

    small_disk.free()
    # the retry is the only copy: nothing was queued by the failed attempts
    for args in (("opinion", "1", text), ("mark", "1")):
        result = small_disk.run(KYSO, *args)
        assert result.returncode == 0, result.stderr
        assert "Đã xếp hàng, sẽ đồng bộ sau" in result.stdout
    with session.store() as store:
        assert [item.kind for item in store.outbox()] == ["opinion", "mark"]
        assert [o.text for o in store.document(1).opinions].count(text) == 1
        assert store.document(1).marked
    assert not [f for f in small_disk.files() if f.endswith(LEFTOVERS)]


def test_a_write_refused_while_the_app_holds_the_store(small_disk, monkeypatch):
    """The store opens (the app has it open: its -wal and -shm exist) but the action's
    own write finds the disk full: rolled back, said so, nothing queued."""
    session = _cached_store(small_disk, monkeypatch)
    with session.store() as app_store:
        assert app_store.document(1).opinions == ()
        small_disk.fill()
        result = small_disk.run(KYSO, "opinion", "1", "Ý kiến khi đĩa đầy")
        _refused(small_disk, result)
        assert "chưa được lưu" in result.stderr
        assert app_store.outbox_size() == 0
        assert app_store.document(1).opinions == ()
        small_disk.free()
        assert small_disk.run(KYSO, "opinion", "1", "Ý kiến khi đĩa đầy").returncode == 0
        assert app_store.outbox_size() == 1
    assert not [f for f in small_disk.files() if f.endswith(LEFTOVERS)]


_WRITE = """
import sys
from pathlib import Path
from kyso.core.atomic import write_atomic
from kyso.core.errors import KysoError
try:
    write_atomic(Path(sys.argv[1]), b"%PDF-1.7 signed " * 40000)
except KysoError as exc:
    print(exc.message, file=sys.stderr)
    sys.exit(1)
"""


def test_a_signed_output_on_a_full_disk_leaves_nothing(small_disk):
    out = small_disk.root / "out"
    out.mkdir()
    (out / "cong-van.signed.pdf").write_bytes(b"%PDF-1.7 the earlier output")
    before = small_disk.files()
    small_disk.fill()
    for name in ("cong-van.signed.pdf", "quyet-dinh.signed.pdf"):  # replacing, and new
        result = small_disk.run(sys.executable, "-c", _WRITE, str(out / name))
        assert result.returncode == 1, result
        assert "Traceback" not in result.stderr
        assert "không ghi được" in result.stderr.lower()
        if small_disk.tmpfs:
            assert result.stderr.startswith("Đĩa đầy")
        assert small_disk.files() == before  # no .part file
    assert (out / "cong-van.signed.pdf").read_bytes() == b"%PDF-1.7 the earlier output"
    small_disk.free()
    assert small_disk.run(sys.executable, "-c", _WRITE, str(out / "x.pdf")).returncode == 0


_FETCH = """
import sys
from kyso.core.errors import KysoError
from kyso.core.sync import SyncClient, load_session
try:
    with SyncClient(load_session()) as client:
        print(client.fetch_attachment(int(sys.argv[1]), int(sys.argv[2])))
except KysoError as exc:
    print(exc.message, file=sys.stderr)
    sys.exit(1)
"""


@pytest.mark.slow
def test_an_attachment_download_on_a_full_disk(small_disk, monkeypatch, shared_demo_server):
    """The app has the store open; the download into the blob cache finds the disk full."""
    from kyso.core.sync import SyncClient, login

    monkeypatch.setenv("KYSO_HOME", str(small_disk.root / "home"))
    session = login(shared_demo_server.url, "ldso", DEMO_PASSWORD)
    with SyncClient(session) as client:
        client.sync()
        store: Store = client.store
        doc = next(d for d in store.documents("all") if d.get("attachments"))
        att = doc["attachments"][0]
        sha = att["versions"][-1]["sha256"]
        assert not store.blob_path(sha).exists()
        before = small_disk.files()

        small_disk.fill()
        fetch = (sys.executable, "-c", _FETCH, str(doc["id"]), str(att["id"]))
        result = small_disk.run(*fetch)
        assert result.returncode == 1, result
        assert "Traceback" not in result.stderr
        if small_disk.tmpfs:
            assert result.stderr.startswith("Đĩa đầy"), result.stderr
        else:
            assert "Không ghi được" in result.stderr, result.stderr
        assert small_disk.files() == before  # no blob, no temporary file, no empty folder

        small_disk.free()
        result = small_disk.run(*fetch)
        assert result.returncode == 0, result.stderr
        path = Path(result.stdout.strip())
        assert path == store.blob_path(sha)
        assert hashlib.sha256(path.read_bytes()).hexdigest() == sha
