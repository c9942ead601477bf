"""The sync client with no server listening: clear messages, nothing lost, no secrets shown."""

from __future__ import annotations

import os
import stat

import pytest
from fixtures_store import SECRET_TOKEN, free_port

from kyso.core.errors import SyncError
from kyso.core.sync import (
    Session,
    SyncClient,
    load_session,
    login,
    logout,
    push_quietly,
    session_file,
)


def test_session_file_is_private_and_token_not_in_repr(offline_session):
    path = session_file()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    loaded = load_session()
    assert loaded == offline_session
    assert SECRET_TOKEN not in repr(loaded)
    logout()
    with pytest.raises(SyncError, match="kyso login"):
        load_session()


def test_broken_session_file_is_a_clear_error(_isolated_home):
    session_file().write_text("{not json")
    with pytest.raises(SyncError, match="bị hỏng"):
        load_session()


def test_push_offline_keeps_everything_queued(offline_session, offline_store):
    offline_store.transition(1, "chuyen_van_thu", note="Đã ký")
    offline_store.add_opinion(1, "Đồng ý ban hành")
    keys = [i.key for i in offline_store.outbox()]
    with (
        SyncClient(offline_session, offline_store, retries=2, backoff=0.01) as client,
        pytest.raises(SyncError) as info,
    ):
        client.sync()
    message = str(info.value)
    assert message.startswith("Không kết nối được máy chủ")
    assert SECRET_TOKEN not in message
    assert [i.key for i in offline_store.outbox()] == keys
    assert offline_store.outbox()[0].attempts == 1
    status = offline_store.sync_status()
    assert status.last_error.startswith("Không kết nối được") and status.outbox == 2
    # the optimistic change stays visible while offline
    d = offline_store.document(1)
    assert d.state == "cho_van_thu" and d.holder == "vanthu" and d.pending == 2


def test_push_quietly_says_queued(offline_session, offline_store):
    offline_store.set_mark(1, True)
    note = push_quietly(offline_store, offline_session, retries=0)
    assert note.queued and note.message.startswith("Đã xếp hàng, sẽ đồng bộ sau")
    assert SECRET_TOKEN not in note.message
    assert offline_store.outbox_size() == 1


def test_login_offline_is_a_clear_error(_isolated_home):
    with pytest.raises(SyncError, match="Không kết nối được máy chủ"):
        login(f"http://127.0.0.1:{free_port()}", "ldso", "kyso-demo")
    assert not session_file().exists()


def test_login_rejects_a_non_url(_isolated_home):
    with pytest.raises(SyncError, match="http"):
        login("eoffice.example.vn", "ldso", "kyso-demo")


def test_tls_verification_is_on_by_default(_isolated_home):
    # A TLS server we cannot verify: connecting to a plain port with https fails, and the
    # client was built with verification on.
    session = Session(f"https://127.0.0.1:{free_port()}", "ldso", SECRET_TOKEN)
    assert session.verify_tls is True
    with SyncClient(session, retries=0) as client:
        assert client._http._transport._pool._ssl_context.verify_mode.name == "CERT_REQUIRED"
        with pytest.raises(SyncError, match="Không kết nối được"):
            client.pull()
