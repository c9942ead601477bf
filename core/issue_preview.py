"""What issuance will do to a document, shown before the clerk applies.

:func:`seal_preview` says where the seal, the number and the date will go on the
leader-signed main file (the issuance screen draws them over the rendered page);
:func:`default_seal` is the seal image issuance uses and where it came from.

Plain Python: no click, no Textual. Everything here blocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kyso.core.errors import DocumentError
from kyso.core.server_calls import fetch_file

if TYPE_CHECKING:
    from kyso.core.store import Store
    from kyso.core.sync import SyncClient

__all__ = ["SealPreview", "default_seal", "seal_preview"]


@dataclass(frozen=True)
class SealPreview:
    """Where issuance will write on the leader-signed main file (PDF user space), for the
    issuance screen's preview: draw ``seal_box`` (and the number/date boxes) over the
    rendered ``page`` of ``path``."""

    path: Path
    """The leader-signed main file in the local cache."""
    page: int
    """0-based page of the leader's signature (where the seal goes)."""
    leader_box: tuple[float, float, float, float]
    seal_box: tuple[float, float, float, float]
    number_box: tuple[float, float, float, float] | None
    """The "Số: …" blank on the first page, when found."""
    date_box: tuple[float, float, float, float] | None
    """The "…, ngày … tháng … năm …" blank on the first page, when found."""


def seal_preview(client: SyncClient, document_id: int) -> SealPreview:
    """Download the main file if needed and say where the seal, number and date will go.

    :class:`DocumentError` when the leader's signature is not on the file.
    """
    from io import BytesIO

    from pyhanko.pdf_utils.reader import PdfFileReader

    from kyso.core.docs.issuance import find_issuance_slots, leader_widget, placed_seal_box
    from kyso.core.docs.issue_geometry import page_frame

    document = client.store.document_json(document_id)
    if document is None:
        raise DocumentError(
            f"Không có văn bản {document_id} trong bộ nhớ đệm (hãy chạy `kyso sync`)."
        )
    main = next((a for a in document.get("attachments") or () if a.get("is_main")), None)
    if main is None:
        raise DocumentError(f"Văn bản {document_id} không có tệp chính.")
    path = fetch_file(client, document_id, main["id"])
    data = path.read_bytes()
    reader = PdfFileReader(BytesIO(data), strict=False)
    leader = leader_widget(reader)
    if leader is None:
        raise DocumentError("Tệp chính chưa có chữ ký (hiển thị) của lãnh đạo.")
    slots = find_issuance_slots(data)
    frame = page_frame(reader.find_page_for_modification(leader[0])[0].get_object())
    return SealPreview(
        path,
        leader[0],
        leader[1],
        placed_seal_box(leader[1], frame)[0],
        slots.number_box if slots else None,
        slots.date_box if slots else None,
    )


def default_seal(store: Store, configured: str | None = None) -> tuple[bytes, str]:
    """The seal image and where it came from: the configured PNG, else a demo seal drawn
    with the organization's name (``make_seal_png``)."""
    from kyso.core.docs.seal import make_seal_png

    if configured:
        try:
            return Path(
                configured
            ).expanduser().read_bytes(), f"con dấu trong cấu hình ({configured})"
        except OSError as exc:
            raise DocumentError(
                f"Không đọc được ảnh con dấu {configured}: {exc.strerror}"
            ) from None
    org = ((store.me() or {}).get("org") or {}).get("name") or "Cơ quan"
    return make_seal_png(org), f"con dấu mẫu (demo) vẽ theo tên “{org}”"
