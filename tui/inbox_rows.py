"""What an inbox row says about a document: its texts, its marks, and the folded text the
filter (and the command palette) search. Plain Python over the service's documents."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

from kyso.core.service.model import STATE_LABELS, InboxRow
from kyso.tui.format import date_vn, datetime_vn
from kyso.tui.widgets.inbox_columns import SELECTED, STATE_SHORT

__all__ = ["fold", "haystack", "received_at", "row_texts", "sender", "signature_badge"]


def fold(text: str) -> str:
    """Lower case without diacritics (``Đắk Nông`` → ``dak nong``) for filtering."""
    text = (text or "").replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def received_at(doc: InboxRow) -> str:
    """When the document reached its holder (the store's ``received_at``). Never the last
    change (signing or an opinion must not move a document in the list)."""
    return doc.received_at or ""


def sender(doc: InboxRow) -> str:
    """Who sent the document to its current holder (the store's ``sender``)."""
    return doc.sender or ""


def signature_badge(doc: InboxRow) -> str:
    """``✍`` when the main file's newest version is signed and I signed it, ``✓`` when it
    is signed by someone else, else nothing."""
    if not doc.signed:
        return ""
    return "✍" if doc.signed_by_me else "✓"


def row_texts(doc: InboxRow, selected: bool, names: Mapping[str, str]) -> dict[str, str]:
    """Every text a row may show, whole (the layout picks the columns, the table cuts);
    ``names`` maps usernames to full names."""
    who = sender(doc)
    state = doc.state
    pending = " ⏳" if doc.pending else ""
    received = received_at(doc)
    return {
        "sel": SELECTED if selected else "",
        "mark": (("★" if doc.marked else " ") + signature_badge(doc)).rstrip(),
        "so": doc.so_ky_hieu or "—",
        "trich_yeu": " ".join(doc.trich_yeu.split()),
        "loai": doc.loai,
        "don_vi": doc.don_vi_soan_thao,
        "from": doc.sender_name or names.get(who, who),
        "received": datetime_vn(received),
        "received_short": date_vn(received),
        "state": STATE_LABELS.get(state, state) + pending,
        "state_short": STATE_SHORT.get(state, STATE_LABELS.get(state, state)) + pending,
    }


def haystack(doc: InboxRow) -> str:
    """The text the filter looks in: số/ký hiệu, trích yếu, loại, đơn vị, người soạn,
    sender, state."""
    fields = (doc.so_ky_hieu, doc.trich_yeu, doc.loai, doc.don_vi_soan_thao, doc.nguoi_soan)
    parts = [f or "" for f in fields]
    parts.append(sender(doc))
    parts.append(STATE_LABELS.get(doc.state, ""))
    return " ".join(parts)
