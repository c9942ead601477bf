"""The local cache on real SQLite files: schema, pages, reads, optimistic actions, outbox."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat

import pytest
from fixtures_store import make_doc

from kyso.core.errors import DocumentError, StoreError
from kyso.core.store import _INBOX_COLUMNS, Store, store_path
from kyso.core.store_schema import LIST_INDEXES, SCHEMA_VERSION


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "stores" / "s.sqlite", "ldso") as s:
        yield s


def test_new_file_is_migrated_wal_and_versioned(tmp_path):
    path = store_path(tmp_path, "https://eoffice.example.vn/", "ldso")
    Store(path, "ldso").close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"documents", "attachments", "versions", "opinions", "flow", "outbox"} <= tables
    assert {"sync_state", "conflicts"} <= tables
    conn.close()
    # reopening does not migrate again or lose anything
    with Store(path, "ldso") as store:
        store.apply_page([make_doc(1)], "3")
        queued = store.add_opinion(1, "Đồng ý")
    with Store(path, "ldso") as store:
        assert store.document(1).trich_yeu == make_doc(1)["trich_yeu"]
        assert [i.key for i in store.outbox()] == [queued.key]
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


def test_store_path_is_per_server_and_user(tmp_path):
    a = store_path(tmp_path, "https://a.example.vn", "ldso")
    b = store_path(tmp_path, "https://b.example.vn", "ldso")
    c = store_path(tmp_path, "https://a.example.vn", "vanthu")
    assert len({a, b, c}) == 3
    assert store_path(tmp_path, "https://a.example.vn/", "ldso") == a


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "x.sqlite"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    with pytest.raises(StoreError, match="mới hơn"):
        Store(path, "ldso")


def test_garbage_file_is_moved_aside_and_the_store_starts_afresh(tmp_path):
    from kyso.core.notices import pop_notices

    pop_notices()
    path = tmp_path / "bad.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    with Store(path, "ldso") as store:
        assert store.outbox_size() == 0 and store.cursor == "0"
    aside = [p for p in tmp_path.iterdir() if ".damaged-" in p.name]
    assert len(aside) == 1 and aside[0].read_bytes().startswith(b"this is not a database")
    notices = pop_notices()
    assert len(notices) == 1 and "Bộ nhớ đệm bị hỏng" in notices[0]


def test_page_and_cursor_land_together(store):
    store.apply_page([make_doc(1), make_doc(2, holder="vanthu")], "17")
    assert store.cursor == "17"
    assert [r.id for r in store.inbox()] == [1]
    assert sorted(r.id for r in store.inbox("all")) == [1, 2]
    row = store.inbox()[0]
    assert row.trich_yeu.startswith("Kế hoạch tham gia")
    assert row.state == "cho_lanh_dao_so" and row.holder == "ldso" and row.marked is False


def test_failed_page_leaves_nothing(store):
    store.apply_page([make_doc(1)], "1")
    with pytest.raises(KeyError):
        store.apply_page([make_doc(2), {"no": "id"}], "2")
    assert store.cursor == "1"
    assert [r.id for r in store.inbox("all")] == [1]


def test_newer_copy_replaces_older_and_children(store):
    store.apply_page([make_doc(1)], "1")
    store.apply_page(
        [
            make_doc(
                1,
                version=2,
                holder="vanthu",
                state="cho_van_thu",
                opinions=[
                    {"id": 4, "author": "ldso", "text": "Đồng ý", "at": "2026-01-05T10:00:00+07:00"}
                ],
            )
        ],
        "2",
    )
    d = store.document(1)
    assert d.version == 2 and d.holder == "vanthu"
    assert [o.text for o in d.opinions] == ["Đồng ý"]
    assert len(d.flow) == 1 and d.flow[0].action == "trinh_lanh_dao_so"
    assert store.inbox() == []


def test_signed_by_me_scope(store):
    signed = make_doc(3)
    signed["attachments"][0]["versions"].append(
        {
            "n": 2,
            "sha256": "a" * 64,
            "size": 5,
            "uploaded_by": "ldso",
            "uploaded_at": "2026-01-05T11:00:00+07:00",
            "signed": True,
            "note": "",
        }
    )
    store.apply_page([make_doc(1), signed], "2")
    assert [r.id for r in store.inbox("signed_by_me")] == [3]


def test_missing_document_is_a_document_error(store):
    with pytest.raises(DocumentError, match="kyso sync"):
        store.document(99)
    with pytest.raises(DocumentError):
        store.transition(99, "chuyen_van_thu", to="vanthu")


def test_action_and_outbox_are_one_transaction(store):
    store.apply_page([make_doc(1)], "1")
    item = store.transition(1, "chuyen_van_thu", to="vanthu", note="Đã ký")
    assert item.base_version == 1 and len(item.key) == 36
    d = store.document(1)
    assert d.holder == "vanthu" and d.pending == 1
    assert d.flow[-1].pending and d.flow[-1].note == "Đã ký"
    assert store.outbox()[0].key == item.key
    assert store.inbox() == []  # optimistic: it left my inbox


def test_action_rolled_back_when_outbox_write_fails(store, tmp_path):
    store.apply_page([make_doc(1)], "1")
    # A second connection holds the write lock: the action must fail as a whole.
    other = sqlite3.connect(store.path, isolation_level=None, timeout=0)
    other.execute("BEGIN IMMEDIATE")
    store._conn.execute("PRAGMA busy_timeout = 0")
    with pytest.raises(StoreError):
        store.add_opinion(1, "Đồng ý")
    other.execute("ROLLBACK")
    other.close()
    assert store.outbox_size() == 0
    assert store.document(1).opinions == ()


def test_queued_actions_survive_a_new_server_copy(store):
    store.apply_page([make_doc(1)], "1")
    store.add_opinion(1, "Đề nghị bổ sung số liệu")
    store.set_mark(1, True)
    # a newer server copy arrives before the push: my queued actions stay visible
    store.apply_page([make_doc(1, version=2, trich_yeu="Sửa trích yếu")], "2")
    d = store.document(1)
    assert d.trich_yeu == "Sửa trích yếu" and d.marked
    assert [o.text for o in d.opinions] == ["Đề nghị bổ sung số liệu"]
    assert d.pending == 2


def test_complete_rebases_later_actions(store):
    store.apply_page([make_doc(1)], "1")
    first = store.add_opinion(1, "một")
    second = store.transition(1, "chuyen_van_thu", to="vanthu")
    assert first.base_version == second.base_version == 1
    store.complete(
        first,
        make_doc(
            1,
            version=2,
            opinions=[
                {"id": 1, "author": "ldso", "text": "một", "at": "2026-01-05T10:00:00+07:00"}
            ],
        ),
    )
    (left,) = store.outbox()
    assert left.key == second.key and left.base_version == 2
    d = store.document(1)
    assert [o.pending for o in d.opinions] == [False]
    assert d.holder == "vanthu" and d.pending == 1


def test_refused_action_becomes_visible_conflict(store):
    store.apply_page([make_doc(1)], "1")
    item = store.transition(1, "chuyen_van_thu", to="vanthu")
    c = store.refuse(item, status=412, message="Văn bản đã thay đổi", conflict=True)
    assert c.reason == "conflict" and store.outbox_size() == 0
    # the server copy comes back: the optimistic change is gone, the conflict stays
    store.put_document(make_doc(1, version=3, holder="ldvanphong"))
    assert store.document(1).holder == "ldvanphong"
    assert [x.key for x in store.conflicts()] == [item.key]
    assert store.sync_status().conflicts == 1
    store.dismiss_conflict(c.id)
    assert store.conflicts() == [] and len(store.conflicts(include_dismissed=True)) == 1


def test_mark_toggle(store):
    store.apply_page([make_doc(1)], "1")
    assert store.toggle_mark(1).payload == {"marked": True}
    assert store.inbox()[0].marked is True
    assert store.toggle_mark(1).payload == {"marked": False}
    assert store.inbox()[0].marked is False


def test_signed_version_blob_and_outbox(store, tmp_path):
    store.apply_page([make_doc(1)], "1")
    pdf = tmp_path / "signed.pdf"
    pdf.write_bytes(b"%PDF-1.7\n signed bytes")
    item = store.add_signed_version(1, 10, pdf, note="Đã ký số")
    digest = hashlib.sha256(pdf.read_bytes()).hexdigest()
    assert item.kind == "upload" and item.payload["sha256"] == digest
    blob = store.blob_path(digest)
    assert blob.read_bytes() == pdf.read_bytes()
    assert stat.S_IMODE(os.stat(blob).st_mode) == 0o600
    latest = store.document(1).attachments[0].latest
    assert latest.n == 2 and latest.signed and latest.pending
    assert store.attachment_path(1, 10) == blob
    assert store.attachment_path(1, 10, 1) is None  # not downloaded yet
    assert [r.id for r in store.inbox("signed_by_me")] == [1]


def test_signed_version_rejects_non_pdf(store, tmp_path):
    store.apply_page([make_doc(1)], "1")
    bad = tmp_path / "x.pdf"
    bad.write_bytes(b"hello")
    with pytest.raises(DocumentError, match="không phải tệp PDF"):
        store.add_signed_version(1, 10, bad)
    assert store.outbox_size() == 0


def test_put_blob_checks_digest(store):
    with pytest.raises(StoreError):
        store.put_blob(b"abc", expected_sha256="0" * 64)
    digest = store.put_blob(b"abc")
    assert store.blob_path(digest).read_bytes() == b"abc"


def test_outbox_survives_reopen(tmp_path):
    path = tmp_path / "stores" / "s.sqlite"
    with Store(path, "ldso") as s:
        s.apply_page([make_doc(1)], "1")
        key = s.add_opinion(1, "Đồng ý").key
    with Store(path, "ldso") as s:
        assert [i.key for i in s.outbox()] == [key]
        assert s.document(1).opinions[0].pending


def test_sync_status_records_errors(store):
    store.record_sync(error="Không kết nối được máy chủ")
    st = store.sync_status()
    assert st.last_error and st.last_sync_at is None
    store.record_sync()
    st = store.sync_status()
    assert st.last_error is None and st.last_sync_at


def test_inbox_over_many_documents_reads_columns(store):
    store.apply_page([make_doc(i, marked=i % 7 == 0) for i in range(1, 2001)], "2000")
    rows = store.inbox_dicts("all")
    assert len(rows) == 2000
    assert {
        "id",
        "so_ky_hieu",
        "trich_yeu",
        "loai",
        "don_vi_soan_thao",
        "state",
        "holder",
        "marked",
    } <= set(rows[0])
    assert sum(r["marked"] for r in rows) == 2000 // 7


def test_optimistic_transition_follows_the_workflow_table(offline_store):
    # ldso holds 1 in cho_lanh_dao_so; chuyen_van_thu goes to the first van_thu user
    offline_store.transition(1, "chuyen_van_thu", note="Đã ký, chuyển phát hành")
    d = offline_store.document(1)
    assert (d.state, d.holder) == ("cho_van_thu", "vanthu")
    assert d.opinions[-1].text == "Đã ký, chuyển phát hành" and d.opinions[-1].pending
    assert d.flow[-1].action == "chuyen_van_thu" and d.flow[-1].from_user == "ldso"


def test_luan_chuyen_keeps_state_and_holder(offline_store):
    offline_store.transition(1, "luan_chuyen", to="vanthu")
    d = offline_store.document(1)
    assert (d.state, d.holder) == ("cho_lanh_dao_so", "ldso")


def test_transition_checked_locally_before_queueing(offline_store):
    from kyso.core.errors import WorkflowError

    with pytest.raises(WorkflowError, match="không hợp lệ"):
        offline_store.transition(1, "ky_bua")
    with pytest.raises(WorkflowError, match="Lãnh đạo Sở không được"):
        offline_store.transition(1, "ban_hanh")
    with pytest.raises(WorkflowError, match="không do bạn"):
        offline_store.transition(2, "luan_chuyen", to="ldso")  # held by vanthu
    with pytest.raises(WorkflowError, match="--to"):
        offline_store.transition(1, "luan_chuyen")
    assert offline_store.outbox_size() == 0


def test_fast_inbox_dicts_match_the_rows(store):
    store.apply_page([make_doc(i, marked=i == 2) for i in range(1, 6)], "5")
    store.add_opinion(3, "x")
    for scope in ("inbox", "all", "signed_by_me"):
        assert store.inbox_dicts(scope) == [r.as_dict() for r in store.inbox(scope)]
        assert json.loads(store.inbox_json(scope)) == store.inbox_dicts(scope)
    assert [d["pending"] for d in store.inbox_dicts() if d["id"] == 3] == [1]
    with pytest.raises(StoreError):
        store.inbox("nobody")


def test_allowed_actions_for_the_ui(offline_store, store):
    assert offline_store.allowed_actions(1) == [
        "chuyen_van_thu",
        "chuyen_tra_chuyen_vien",
        "luan_chuyen",
    ]
    assert offline_store.allowed_actions(2) == []  # held by vanthu
    store.apply_page([make_doc(1)], "1")
    assert store.allowed_actions(1) == []  # my role is not known yet


def test_whole_documents_for_a_view(store):
    store.apply_page([make_doc(1), make_doc(2, holder="vanthu")], "2")
    store.add_opinion(1, "Đồng ý")
    (doc,) = store.documents()
    assert doc["id"] == 1 and doc["pending"] == 1 and doc["opinions"][-1]["pending"]
    assert [d["id"] for d in store.documents("all")] == [r.id for r in store.inbox("all")]
    assert store.documents("signed") == store.documents("signed_by_me") == []
    assert store.document_json(2)["pending"] == 0 and store.document_json(3) is None


def test_two_processes_creating_the_same_store(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "stores" / "same.sqlite"
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from kyso.core.store import Store\n"
        "Store(Path(sys.argv[1]), 'ldso').close()\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(path)], stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    errors = [p.communicate(timeout=60)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
    with Store(path, "ldso") as s:
        assert s.outbox_size() == 0 and s.cursor == "0"


def test_inbox_dicts_match_inbox_and_share_repeated_values(store):
    # A ministry's 100,000-document view must fit in memory: values that repeat from row to
    # row (loai, state, holder, the page's received time) are one object, not one per row.
    store.apply_page([make_doc(i) for i in range(1, 2501)], "2500")
    dicts = store.inbox_dicts("all")
    assert [d["id"] for d in dicts] == [r.id for r in store.inbox("all")]
    assert store.inbox_dicts("all", limit=3) == dicts[:3]
    assert json.loads(store.inbox_json("all")) == dicts
    first, last = dicts[0], dicts[-1]
    for name in ("loai", "don_vi_soan_thao", "state", "holder", "received_at"):
        assert first[name] == last[name]
        assert first[name] is last[name], name
    assert first["trich_yeu"] != last["trich_yeu"]


@pytest.mark.parametrize("scope", ["all", "inbox"])
def test_list_views_are_read_from_a_covering_index(store, scope):
    # Each documents row holds the whole JSON; the list must not walk those pages.
    store.apply_page([make_doc(i) for i in range(1, 50)], "49")
    where, params = store._inbox_where(scope)
    plan = store._query(
        f"EXPLAIN QUERY PLAN SELECT {_INBOX_COLUMNS} FROM documents {where} "
        "ORDER BY updated_at DESC, id DESC",
        params,
    )
    details = " ".join(row[-1] for row in plan)
    assert "COVERING INDEX" in details and "TEMP B-TREE" not in details, details


def _indexes(store) -> set[str]:
    return {r[0] for r in store._query("SELECT name FROM sqlite_master WHERE type = 'index'")}


def test_bulk_load_keeps_the_list_indexes_and_a_cache_left_without_them_gets_them_back(
    tmp_path,
):
    # A first sync grows them as pages come in their order (tests/test_sync_stage.py has
    # the page that drops them until the end).
    path = tmp_path / "stores" / "s.sqlite"
    with Store(path, "ldso") as store:
        with store.bulk_load() as first:
            assert first
            assert set(LIST_INDEXES) <= _indexes(store)
            store.apply_page([make_doc(i) for i in range(1, 40)], "39")
            assert len(store.inbox_dicts("all")) == 39  # read correctly meanwhile
        assert set(LIST_INDEXES) <= _indexes(store)
        with store.bulk_load() as first:  # not empty any more: not a first sync
            assert not first
            store.apply_page([make_doc(40)], "40")
        assert set(LIST_INDEXES) <= _indexes(store)
        # A first sync killed after dropping them leaves the cache without them ...
        with store.transaction() as conn:
            for name in LIST_INDEXES:
                conn.execute(f"DROP INDEX {name}")
    with Store(path, "ldso") as store:  # ... and the next open puts them back.
        assert set(LIST_INDEXES) <= _indexes(store)
        assert len(store.inbox_dicts("all")) == 40
