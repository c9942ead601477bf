"""kyso.core.audit: the hash-chained station log."""

from __future__ import annotations

import json

from kyso.core.audit import GENESIS, AuditLog, station_origin


def test_entries_chain_and_verify(tmp_path):
    log = AuditLog(tmp_path / "audit.jsonl")
    first = log.append("view", user="ldso", document_id=3, sha256="ab" * 32, page=1)
    second = log.append("sign", user="ldso", document_id=3, certificate="Phạm Quốc Hùng")
    assert first.prev == GENESIS and second.prev == first.hash
    assert [e.seq for e in AuditLog(log.path).entries()] == [1, 2]
    assert log.verify() == (True, "2 mục, chuỗi băm nguyên vẹn")
    assert "Phạm Quốc Hùng" in log.path.read_text("utf-8")


def test_a_new_log_object_continues_the_chain(tmp_path):
    path = tmp_path / "audit.jsonl"
    AuditLog(path).append("view", user="a")
    again = AuditLog(path).append("mark", user="a", document_id=1)
    assert again.seq == 2
    assert AuditLog(path).verify()[0]


def test_editing_a_line_breaks_the_chain(tmp_path):
    log = AuditLog(tmp_path / "audit.jsonl")
    for n in range(3):
        log.append("view", user="ldso", document_id=n)
    lines = log.path.read_text("utf-8").splitlines()
    entry = json.loads(lines[1])
    entry["document_id"] = 99
    lines[1] = json.dumps(entry, ensure_ascii=False)
    log.path.write_text("\n".join(lines) + "\n", "utf-8")
    ok, why = AuditLog(log.path).verify()
    assert not ok and "Mục 2" in why


def test_removing_a_line_breaks_the_chain(tmp_path):
    log = AuditLog(tmp_path / "audit.jsonl")
    for n in range(3):
        log.append("view", user="ldso", document_id=n)
    lines = log.path.read_text("utf-8").splitlines()
    log.path.write_text("\n".join([lines[0], lines[2]]) + "\n", "utf-8")
    assert not AuditLog(log.path).verify()[0]


def test_origin_names_an_ssh_client(monkeypatch):
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.7 52100 10.0.0.1 22")
    assert station_origin() == "ssh 10.0.0.7"
    monkeypatch.delenv("SSH_CONNECTION")
    monkeypatch.delenv("SSH_CLIENT", raising=False)
    assert station_origin().startswith("tại chỗ ")
