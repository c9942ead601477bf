"""Helpers for the issuance tests: real documents taken through the real server's flow."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

import httpx

from kyso.core.docs.sign import SignOptions, sign_file
from kyso.core.sync import Session, SyncClient, login

VN = dt.timezone(dt.timedelta(hours=7))
PASSWORD = "kyso-demo"


def vn_today() -> dt.date:
    """Today in Vietnam, as the server counts it."""
    return dt.datetime.now(VN).date()


@lru_cache(maxsize=1)
def kehoach_pdfs() -> tuple[bytes, bytes]:
    """The seed's Kế hoạch (blank number and date) and its appendix, as the seed renders them."""
    from kyso.server.demo_content import DEMO_DOCUMENTS
    from kyso.server.demo_docs import render_appendix, render_document

    doc = next(d for d in DEMO_DOCUMENTS if "Tết trồng cây" in d.trich_yeu)
    appendix = render_appendix(doc)
    assert appendix is not None
    return render_document(doc), appendix


def kehoach_meta() -> tuple[str, str, str]:
    """(trích yếu, file name, appendix file name) of the seed's Kế hoạch."""
    from kyso.server.demo_content import DEMO_DOCUMENTS

    doc = next(d for d in DEMO_DOCUMENTS if "Tết trồng cây" in d.trich_yeu)
    return doc.trich_yeu, doc.file_name, doc.appendix.file_name


def signature_png(folder: Path) -> Path:
    """A blue handwritten-like signature on a transparent background."""
    from PIL import Image, ImageDraw

    path = folder / "chu-ky.png"
    if not path.exists():
        image = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
        ImageDraw.Draw(image).line(
            [(10, 100), (80, 20), (150, 90), (290, 30)], fill=(20, 40, 200, 255), width=6
        )
        image.save(path)
    return path


def api(server, username: str) -> httpx.Client:
    """An HTTP client on the API logged in as ``username``."""
    return server.client(username)


def create_kehoach(server, *, with_appendix: bool = True) -> int:
    """chuyenvien drafts the seed's Kế hoạch (and its appendix); returns the document id."""
    main, appendix = kehoach_pdfs()
    trich_yeu, name, appendix_name = kehoach_meta()
    cv = api(server, "chuyenvien")
    r = cv.post(
        "/documents",
        files={"file": (name, main, "application/pdf")},
        data={"trich_yeu": trich_yeu, "loai_ky_hieu": "KH"},
    )
    assert r.status_code == 201, r.text
    doc_id = r.json()["id"]
    if with_appendix:
        r = cv.post(
            f"/documents/{doc_id}/attachments",
            files={"file": (appendix_name, appendix, "application/pdf")},
        )
        assert r.status_code == 201, r.text
    return doc_id


def to_clerk_over_http(
    server, signing_key, folder: Path, count: int, *, with_appendix: bool = False
) -> list[int]:
    """``count`` Kế hoạch drafted, sent to the leader, signed by him (real token signature
    with the prepared number/date fields) and sent to the clerk, over the plain API."""
    cv, ld = api(server, "chuyenvien"), api(server, "ldso")
    image = signature_png(folder)
    ids = []
    for index in range(count):
        doc_id = create_kehoach(server, with_appendix=with_appendix)
        r = cv.post(f"/documents/{doc_id}/transitions", json={"action": "trinh_lanh_dao_so"})
        assert r.status_code == 200, r.text
        doc = r.json()
        main = next(a for a in doc["attachments"] if a["is_main"])
        src = folder / f"draft-{doc_id}.pdf"
        src.write_bytes(
            ld.get(f"/documents/{doc_id}/attachments/{main['id']}/versions/1/content").content
        )
        out = folder / f"signed-{doc_id}.pdf"
        sign_file(src, out, signing_key, SignOptions(anchor="GIÁM ĐỐC", image=image))
        r = ld.post(
            f"/documents/{doc_id}/attachments/{main['id']}/versions",
            files={"file": ("x.pdf", out.read_bytes(), "application/pdf")},
            data={"signed": "true", "note": f"ký {index}"},
        )
        assert r.status_code == 200, r.text
        r = ld.post(f"/documents/{doc_id}/transitions", json={"action": "chuyen_van_thu"})
        assert r.status_code == 200, r.text
        ids.append(doc_id)
    return ids


def session_for(server, username: str) -> Session:
    """Log ``username`` in with the real client (saves the session; returns it)."""
    return login(server.url, username, PASSWORD)


def client_for(server, username: str) -> SyncClient:
    """A sync client with its own local store for ``username``; synced once."""
    client = SyncClient(session_for(server, username), retries=1, backoff=0.05)
    client.sync()
    return client
