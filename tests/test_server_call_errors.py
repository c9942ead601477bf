"""The clerk's online calls raise typed errors the app and the CLI can branch on, against
the real server: an ended session is an AuthError (log in again), not "the server cannot
be reached"; a refusal by role is a WorkflowError, a document whose state changed first a
ConflictError."""

from __future__ import annotations

import pytest
from issuance_helpers import PASSWORD, client_for, to_clerk_over_http

from kyso.core.copy_service import allocate_copy_number
from kyso.core.docs.seal import make_seal_png
from kyso.core.errors import AuthError, ConflictError, SyncError, WorkflowError
from kyso.core.issue_service import allocate_number, cancel_number, issue, number_info
from kyso.core.sync import load_session, login


def test_no_session_and_a_wrong_password_are_auth_errors(demo_server):
    with pytest.raises(AuthError, match="Chưa đăng nhập"):
        load_session()
    with pytest.raises(AuthError, match="Sai tên đăng nhập"):
        login(demo_server.url, "vanthu", PASSWORD + "x")


def test_an_ended_session_is_an_auth_error_everywhere(demo_server, signing_key, tmp_path):
    [doc_id] = to_clerk_over_http(demo_server, signing_key, tmp_path, 1)
    with client_for(demo_server, "vanthu") as vt:
        assert number_info(vt, doc_id).pending is None
        assert vt.request("POST", "/auth/logout").status_code == 204  # the token is revoked
        calls = {
            "number": lambda: number_info(vt, doc_id),
            "allocate": lambda: allocate_number(vt, doc_id),
            "copy number": lambda: allocate_copy_number(vt, doc_id, "sao-y"),
            "issue": lambda: issue(vt, doc_id, key=signing_key, seal_png=make_seal_png("Sở")),
        }
        for what, call in calls.items():
            with pytest.raises(AuthError) as caught:
                call()
            assert "Phiên đăng nhập" in caught.value.message, what
            assert "ngoại tuyến" not in caught.value.message, what
            assert caught.value.title == "Đăng nhập"


def test_refusals_are_typed_by_what_the_server_said(demo_server, signing_key, tmp_path):
    [doc_id] = to_clerk_over_http(demo_server, signing_key, tmp_path, 1)
    with (
        client_for(demo_server, "ldso") as leader,
        pytest.raises(WorkflowError, match="Chỉ văn thư"),  # 403: not this role
    ):
        allocate_number(leader, doc_id)
    with client_for(demo_server, "vanthu") as vt:
        with pytest.raises(ConflictError, match="không có số đang giữ") as caught:  # 409
            cancel_number(vt, doc_id, "thử")
        assert isinstance(caught.value, SyncError) and caught.value.title == "Xung đột"
        entry, created = allocate_number(vt, doc_id)
        assert created and entry.status == "pending"
        assert cancel_number(vt, doc_id, "thử").status == "cancelled"
