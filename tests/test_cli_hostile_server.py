"""The hostile corpus through the office commands against the real server (issue 14).

A colleague puts each hostile string where the server lets them (a draft's trích yếu, an
opinion); what the server refuses (control characters) goes in through the CLI itself,
so the refusal's message is printed too. Every command that prints server text runs
with its output piped: no control byte, C1 code or bidi override may come out.
"""

from __future__ import annotations

import pytest
from fixtures_pdf import make_pdf
from hostile_text import HOSTILE
from test_cli_hardening import _assert_clean, run

pytestmark = pytest.mark.slow


def _draft(server, tmp_path, text: str, name: str) -> tuple[int, bool]:
    """A draft by chuyenvien titled ``text`` when the server takes it; (id, taken)."""
    api = server.client("chuyenvien")
    pdf = make_pdf(tmp_path / "draft.pdf", pages=1)

    def create(title: str):
        return api.post(
            "/documents",
            files={"file": ("du-thao.pdf", pdf.read_bytes(), "application/pdf")},
            data={"trich_yeu": title, "loai_ky_hieu": "KH"},
        )

    response = create(text)
    taken = response.status_code == 201
    if not taken:
        assert response.status_code in (400, 422), response.text
        response = create(f"Dự thảo thử {name}")
    assert response.status_code == 201, response.text
    doc_id = response.json()["id"]
    if taken:  # the colleague's opinion too
        opinion = api.post(f"/documents/{doc_id}/opinions", json={"text": text})
        assert opinion.status_code in (200, 201), opinion.text
    return doc_id, taken


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_text_from_the_server_never_reaches_the_terminal(
    shared_demo_server, tmp_path, name
):
    text = HOSTILE[name].replace("\x00", "")  # an argument cannot carry NUL
    server = shared_demo_server
    doc_id, taken = _draft(server, tmp_path, text, name)
    login = run(
        "login", "--server", server.url, "--user", "chuyenvien", env={"KYSO_PASSWORD": "kyso-demo"}
    )
    assert login.returncode == 0, login.stderr
    steps = [
        ("sync",),
        ("inbox",),
        ("inbox", "--all"),
        ("show", str(doc_id)),
        ("opinion", str(doc_id), text),  # refused by the server when it has control chars
        ("mark", str(doc_id)),
        ("transition", str(doc_id), "trinh_lanh_dao_van_phong", "--note", text),
        ("sync",),
        ("show", str(doc_id)),
        ("inbox", "--json"),
        ("show", str(doc_id), "--json"),
        ("logout",),
    ]
    for args in steps:
        result = run(*args)
        assert b"Traceback" not in result.stderr, (args, result.stderr)
        _assert_clean(result.stdout)
        _assert_clean(result.stderr)
    if taken:
        assert name not in {"ansi-clear", "osc-title-clipboard", "c1-csi", "nul-bel"}
