"""``kyso inbox``/``show`` with people's full names and Vietnamese dates (ISO in JSON), and
``kyso conflicts`` after a real refusal by the real server."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

from issuance_helpers import api, create_kehoach, session_for

from kyso.core.clock import VN_TZ, vn_today

KYSO = Path(sys.executable).with_name("kyso")


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(KYSO), *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=120,
    )


def _sent_to_leader(server) -> int:
    doc_id = create_kehoach(server, with_appendix=False)
    r = api(server, "chuyenvien").post(
        f"/documents/{doc_id}/transitions",
        json={"action": "trinh_lanh_dao_so", "note": "Kính trình"},
    )
    assert r.status_code == 200, r.text
    return doc_id


def _full_names(server) -> dict[str, str]:
    users = api(server, "ldso").get("/users").json()
    return {u["username"]: u["full_name"] for u in users}


def test_inbox_and_show_print_full_names_and_vietnamese_dates(demo_server):
    doc_id = _sent_to_leader(demo_server)
    session_for(demo_server, "ldso")
    assert run("sync").returncode == 0
    names = _full_names(demo_server)
    today = vn_today().strftime("%d/%m/%Y")

    inbox = run("inbox")
    assert inbox.returncode == 0, inbox.stderr
    [line] = [x for x in inbox.stdout.splitlines() if x.split()[0] == str(doc_id)]
    assert names["chuyenvien"] in line and " chuyenvien " not in line
    assert today in line

    shown = run("show", str(doc_id))
    assert shown.returncode == 0, shown.stderr
    text = shown.stdout
    assert f"Người soạn:       {names['chuyenvien']}" in text
    assert f"Đang xử lý:       {names['ldso']}" in text
    assert f"{names['chuyenvien']} → {names['ldso']}: Trình lãnh đạo Sở — Kính trình" in text
    flow_line = next(x for x in text.splitlines() if "Trình lãnh đạo Sở" in x)
    assert flow_line.split()[0] == today  # dd/mm/yyyy HH:MM, Vietnam time

    data = json.loads(run("show", str(doc_id), "--json").stdout)
    at = dt.datetime.fromisoformat(data["flow"][-1]["at"].replace("Z", "+00:00"))
    assert at.astimezone(VN_TZ).strftime("%d/%m/%Y") == today  # ISO in JSON
    assert data["nguoi_soan"] == "chuyenvien"  # JSON keeps the user names
    rows = json.loads(run("inbox", "--json").stdout)
    [row] = [r for r in rows if r["id"] == doc_id]
    assert dt.datetime.fromisoformat(row["received_at"].replace("Z", "+00:00")).tzinfo


def test_conflicts_after_the_server_refused(demo_server):
    doc_id = _sent_to_leader(demo_server)
    session_for(demo_server, "ldso")
    assert run("sync").returncode == 0
    assert run("conflicts", "--json").stdout.strip() == "[]"
    assert "Không có xung đột." in run("conflicts").stdout
    # Someone else (the leader on another machine) sends it back before this one syncs.
    r = api(demo_server, "ldso").post(
        f"/documents/{doc_id}/transitions", json={"action": "chuyen_tra_chuyen_vien"}
    )
    assert r.status_code == 200, r.text
    stale = run("transition", str(doc_id), "chuyen_van_thu")
    assert stale.returncode == 1 and "Máy chủ từ chối" in stale.stderr

    listed = json.loads(run("conflicts", "--json").stdout)
    assert len(listed) == 1
    [c] = listed
    assert (c["document_id"], c["kind"], c["action"]) == (doc_id, "transition", "chuyen_van_thu")
    assert c["reason"] in ("conflict", "rejected") and c["status"] >= 400
    when = dt.datetime.fromisoformat(c["at"].replace("Z", "+00:00"))
    assert abs(dt.datetime.now(dt.UTC) - when) < dt.timedelta(minutes=10)
    text = run("conflicts").stdout
    assert f"văn bản {doc_id}" in text and "Chuyển: Chuyển Văn thư Sở" in text
    assert when.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M") in text

    hidden = run("conflicts", "--dismiss", str(c["id"]))
    assert hidden.returncode == 0 and "Đã ẩn 1 xung đột." in hidden.stdout
    assert json.loads(run("conflicts", "--json").stdout) == []
    assert len(json.loads(run("conflicts", "--all", "--json").stdout)) == 1
    missing = run("conflicts", "--dismiss", "999")
    assert missing.returncode == 1 and "Không có xung đột 999" in missing.stderr


def test_actions_and_sync_in_json(demo_server):
    doc_id = _sent_to_leader(demo_server)
    session_for(demo_server, "ldso")
    synced = json.loads(run("sync", "--json").stdout)
    assert synced["pulled"] >= 1 and synced["outbox"] == 0
    assert synced["conflicts"] == [] and synced["rejected"] == []

    said = run("opinion", str(doc_id), "Cần bổ sung kinh phí.", "--json")
    assert said.returncode == 0, said.stderr
    assert json.loads(said.stdout) == {
        "document_id": doc_id,
        "opinion": "Cần bổ sung kinh phí.",
        "sync": "sent",
        "note": None,
    }
    marked = json.loads(run("mark", str(doc_id), "--on", "--json").stdout)
    assert (marked["marked"], marked["sync"]) == (True, "sent")
    moved = json.loads(run("transition", str(doc_id), "chuyen_tra_chuyen_vien", "--json").stdout)
    assert (moved["action"], moved["sync"]) == ("chuyen_tra_chuyen_vien", "sent")
    doc = api(demo_server, "ldso").get(f"/documents/{doc_id}").json()
    assert doc["state"] == "tra_lai" and doc["holder"] == "chuyenvien"
    assert [o["text"] for o in doc["opinions"]] == ["Kính trình", "Cần bổ sung kinh phí."]
    out = json.loads(run("logout", "--json").stdout)
    assert out["was_logged_in"] and out["revoked"]
