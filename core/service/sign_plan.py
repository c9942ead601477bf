"""The pre-flight of a signing batch, before any PIN: each document's main
attachment found and checked, and each placed on its own (its type's remembered box for
its page count → the signer's title line → the default corner) with any text the stamp
would cover noted for the signer to accept or move.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kyso.core.errors import KysoError
from kyso.core.service.api import Service
from kyso.core.service.sign_items import SignItem, item_title

__all__ = ["nothing_to_sign", "plan_item", "prepare_items", "replan_item"]


def prepare_items(service: Service, doc_ids: list[int]) -> list[SignItem]:
    """Find each document's main attachment and check it can be signed (no PIN yet).

    Checks: my role may upload a signed version for the document's state (else the
    server would refuse it after the PIN), a main PDF attachment exists and is on this
    machine, it opens, it is not encrypted or broken, and no certification signature
    locks it against changes.
    """
    from kyso.core.docs.pdf import check_pdf

    items: list[SignItem] = []
    for doc_id in doc_ids:
        try:
            doc = service.document(doc_id)
        except KysoError as exc:
            items.append(SignItem(doc_id, 0, f"#{doc_id}", problem=exc.message))
            continue
        att = doc.main_attachment
        item = SignItem(doc_id, att.id if att else 0, item_title(doc), loai=doc.loai)
        items.append(item)
        refusal = service.sign_refusal(doc)
        if refusal:  # the server would refuse the signed upload: not signed at all
            item.problem = refusal
            continue
        if att is None:
            item.problem = "Văn bản không có tệp đính kèm"
            continue
        if not att.name.lower().endswith(".pdf"):
            item.problem = f"{att.name}: chỉ ký được tệp PDF"
            continue
        try:
            item.path = service.attachment_file(doc_id, att.id)
            check = check_pdf(item.path)
        except KysoError as exc:
            item.problem = exc.message
            continue
        item.page_count = check.page_count
        if check.locked:
            item.problem = "Tệp đã được chứng thực khoá, không cho ký thêm"
            continue
        if doc.loai_ky_hieu:
            item.warning = _blanks_warning(item.path, doc.loai_ky_hieu)
        plan_item(service, item)
    return items


def nothing_to_sign(items: list[SignItem]) -> str:
    """Why none of ``items`` can be signed, one line (empty when one can): the batch
    stops there, before any dialog or PIN."""
    if any(not item.problem for item in items):
        return ""
    return "; ".join(f"{i.title}: {i.problem}" for i in items) or "Không có văn bản nào để ký"


def plan_item(service: Service, item: SignItem) -> None:
    """Place one document on its own: its type's remembered box for its page count,
    else the signer's title line, else the default corner; note any covered text."""
    from kyso.core.docs.placement_check import plan_placement

    try:
        found = service.placements().find(item.loai, item.page_count)
        planned = plan_placement(
            item.path.read_bytes() if item.path else b"",
            remembered=found.placement() if found is not None else None,
            title=service.user.title,
        )
    except OSError as exc:
        item.problem = f"Không đọc được tệp: {exc.strerror}"
        return
    except KysoError as exc:
        item.problem = exc.message
        return
    item.placement, item.overlap = planned.placement, planned.warning


def replan_item(service: Service, item: SignItem, placement: Any) -> None:
    """The signer moved ``item``'s box: keep it and check what it covers now."""
    from kyso.core.docs.placement_check import overlap_warning, title_anchors

    item.placement = placement
    try:
        item.overlap = overlap_warning(
            item.path.read_bytes() if item.path else b"",
            placement,
            ignore=tuple(title_anchors(service.user.title)),
        )
    except (OSError, KysoError):
        item.overlap = ""


def _blanks_warning(path: Path, loai_ky_hieu: str) -> str:
    """The Decree 30 blanks the leader's signature prepares for the clerk, if missing."""
    from kyso.core.docs.issuance_blanks import blanks_warning, find_issuance_slots

    try:
        slots = find_issuance_slots(path.read_bytes())
    except (KysoError, OSError):
        return ""
    return blanks_warning(loai_ky_hieu, slots) or ""
