"""Concurrent and repeated writes on the real server: exactly one effect, always."""

from __future__ import annotations

import threading
import uuid

import httpx
from fixtures_pdf import make_pdf


def new_draft(server, tmp_path) -> dict:
    pdf = make_pdf(tmp_path / "du-thao.pdf", pages=1).read_bytes()
    response = server.client("chuyenvien").post(
        "/documents",
        files={"file": ("du-thao.pdf", pdf, "application/pdf")},
        data={"trich_yeu": "Kế hoạch song song", "loai_ky_hieu": "KH"},
    )
    assert response.status_code == 201
    return response.json()


def run_together(calls) -> list[httpx.Response]:
    """Start every call at the same moment (a barrier), return the responses in order."""
    barrier = threading.Barrier(len(calls))
    results: list[httpx.Response | None] = [None] * len(calls)

    def worker(i, call):
        barrier.wait()
        results[i] = call()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results  # type: ignore[return-value]


def test_the_same_key_sent_five_times_at_once_has_one_effect(demo_server, tmp_path):
    doc = new_draft(demo_server, tmp_path)
    token = demo_server.token("chuyenvien")
    key = str(uuid.uuid4())

    def send():
        return httpx.post(
            f"{demo_server.api}/documents/{doc['id']}/opinions",
            json={"text": "Chỉ một lần"},
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
            timeout=60,
        )

    responses = run_together([send] * 5)
    assert {r.status_code for r in responses} == {200}
    assert len({r.content for r in responses}) == 1
    now = demo_server.client("chuyenvien").get(f"/documents/{doc['id']}").json()
    assert [o["text"] for o in now["opinions"]] == ["Chỉ một lần"]


def test_two_writers_on_the_same_version_one_wins(demo_server, tmp_path):
    doc = new_draft(demo_server, tmp_path)
    token = demo_server.token("chuyenvien")

    def opinion(text):
        return lambda: httpx.post(
            f"{demo_server.api}/documents/{doc['id']}/opinions",
            json={"text": text},
            headers={"Authorization": f"Bearer {token}", "If-Match": '"1"'},
            timeout=60,
        )

    responses = run_together([opinion("A"), opinion("B"), opinion("C")])
    assert sorted(r.status_code for r in responses) == [200, 412, 412]
    now = demo_server.client("chuyenvien").get(f"/documents/{doc['id']}").json()
    assert len(now["opinions"]) == 1
    assert now["version"] == 2


def test_a_transition_raced_by_two_holders_applies_once(demo_server, tmp_path):
    doc = new_draft(demo_server, tmp_path)
    token = demo_server.token("chuyenvien")

    def submit(action):
        return lambda: httpx.post(
            f"{demo_server.api}/documents/{doc['id']}/transitions",
            json={"action": action},
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )

    responses = run_together([submit("trinh_lanh_dao_so"), submit("trinh_lanh_dao_van_phong")])
    assert sorted(r.status_code for r in responses) == [200, 409]
    assert len(demo_server.client("chuyenvien").get(f"/documents/{doc['id']}").json()["flow"]) == 1


def test_a_replay_after_a_restart_returns_the_first_answer(demo_server, tmp_path):
    doc = new_draft(demo_server, tmp_path)
    cv = demo_server.client("chuyenvien")
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = cv.post(
        f"/documents/{doc['id']}/transitions",
        json={"action": "trinh_lanh_dao_so", "note": "Trình"},
        headers=key,
    )
    demo_server.kill()
    demo_server.start()
    again = cv.post(
        f"/documents/{doc['id']}/transitions",
        json={"action": "trinh_lanh_dao_so", "note": "Trình"},
        headers=key,
    )
    assert again.status_code == first.status_code == 200
    assert again.content == first.content
    assert len(cv.get(f"/documents/{doc['id']}").json()["flow"]) == 1


def test_changes_seen_by_a_reader_while_writers_work_have_no_gaps(demo_server, tmp_path):
    cv = demo_server.client("chuyenvien")
    ids = [new_draft(demo_server, tmp_path)["id"] for _ in range(3)]
    token = demo_server.token("chuyenvien")
    start = cv.get("/changes").json()["cursor"]

    def write(doc_id):
        def call():
            last = None
            for i in range(5):
                last = httpx.post(
                    f"{demo_server.api}/documents/{doc_id}/opinions",
                    json={"text": f"ý kiến {i}"},
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=60,
                )
            return last

        return call

    seen: dict[int, int] = {}
    cursor = start

    def read():
        nonlocal cursor
        for _ in range(20):
            page = cv.get("/changes", params={"since": cursor}).json()
            for change in page["changes"]:
                seen[change["document"]["id"]] = change["document"]["version"]
            cursor = page["cursor"]
        return httpx.Response(200)

    run_together([*(write(i) for i in ids), read])
    # one more pull after the writers finished: the reader ends with the newest state
    page = cv.get("/changes", params={"since": cursor}).json()
    for change in page["changes"]:
        seen[change["document"]["id"]] = change["document"]["version"]
    assert {i: seen.get(i) for i in ids} == {i: 6 for i in ids}
