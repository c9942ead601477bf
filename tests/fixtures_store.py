"""Fixtures for the local cache and the sync client: sample documents, offline sessions."""

from __future__ import annotations

import hashlib
import json
import socket

import pytest

from kyso.core.sync import Session, save_session

SECRET_TOKEN = "tok-Zx9-never-show-me-7f3a"
"""A recognisable token: tests check it never shows up in messages or output."""


def make_doc(doc_id: int, **over) -> dict:
    """A Document in the server's shape (docs/api.md)."""
    doc = {
        "id": doc_id,
        "version": 1,
        "trich_yeu": f"Kế hoạch tham gia hưởng ứng Tết trồng cây số {doc_id}",
        "loai": "Kế hoạch",
        "loai_ky_hieu": "KH",
        "don_vi_soan_thao": "Văn phòng Sở",
        "nguoi_soan": "chuyenvien",
        "holder": "ldso",
        "state": "cho_lanh_dao_so",
        "so": None,
        "ky_hieu": None,
        "so_ky_hieu": None,
        "ngay_ban_hanh": None,
        "marked": False,
        "related": [],
        "created_at": "2026-01-05T08:00:00+07:00",
        "updated_at": f"2026-01-05T09:{doc_id % 60:02d}:00+07:00",
        "attachments": [
            {
                "id": doc_id * 10,
                "name": "KH trồng cây.pdf",
                "is_main": True,
                "versions": [
                    {
                        "n": 1,
                        "sha256": hashlib.sha256(b"x%d" % doc_id).hexdigest(),
                        "size": 100,
                        "uploaded_by": "chuyenvien",
                        "uploaded_at": "2026-01-05T08:00:00+07:00",
                        "signed": False,
                        "note": "",
                    }
                ],
            }
        ],
        "opinions": [],
        "flow": [
            {
                "from": "chuyenvien",
                "to": "ldso",
                "action": "trinh_lanh_dao_so",
                "note": "Kính trình",
                "at": "2026-01-05T08:30:00+07:00",
            }
        ],
    }
    doc.update(over)
    return doc


def queued_mark(doc_id: int = 1) -> dict:
    """An outbox row as a damaged cache's salvage hands it back: one queued mark."""
    return {
        "key": f"k-{doc_id}",
        "kind": "mark",
        "document_id": doc_id,
        "base_version": 1,
        "payload": json.dumps({"marked": True}),
        "created_at": "2026-01-01T08:00:00+07:00",
    }


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (right now)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def offline_session(_isolated_home) -> Session:
    """A saved session for ``ldso`` pointing at a port where no server listens."""
    session = Session(f"http://127.0.0.1:{free_port()}", "ldso", SECRET_TOKEN)
    save_session(session)
    return session


@pytest.fixture
def offline_store(offline_session):
    """The offline session's store, holding documents 1 and 2 (1 is in my inbox)."""
    with offline_session.store() as store:
        store.set_meta("me", '{"username": "ldso", "role": "lanh_dao_so"}')
        users = [
            {"username": "vanthu", "role": "van_thu"},
            {"username": "ldso", "role": "lanh_dao_so"},
        ]
        store.set_meta("users", json.dumps(users))
        store.apply_page([make_doc(1), make_doc(2, holder="vanthu", state="cho_van_thu")], "5")
        yield store
