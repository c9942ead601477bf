"""Sign inbox documents from a script in one call (what ``kyso sign --doc`` needs):
pre-flight before the PIN, placement, the checks before the PIN, one token session,
sign, verify, queue the uploads, then the optional transition, then sync.

The app runs the same steps with a dialog between them (:mod:`kyso.tui.flows`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kyso.core.errors import SigningError
from kyso.core.service.api import Service
from kyso.core.service.model import SyncStatus
from kyso.core.service.sign_items import BatchOutcome, SignItemResult

__all__ = ["SignReport", "sign_documents"]


@dataclass(frozen=True)
class SignReport:
    """What :func:`sign_documents` did."""

    outcome: BatchOutcome
    """One result per document (signed and verified, or why not)."""
    warnings: tuple[str, ...]
    """What the checks before the PIN noted (certificate days left, level lowered…)."""
    transitioned: tuple[int, ...]
    """Documents moved on with ``then`` after they were signed."""
    sync: SyncStatus | None
    """The store after the final sync (None when ``sync=False``)."""


def sign_documents(
    service: Service,
    doc_ids: list[int],
    *,
    pin: str | None,
    settings: Any,
    key_label: str | None = None,
    out_dir: Path,
    then: str | None = None,
    to: str | None = None,
    note: str = "",
    sync: bool = True,
    placement: Any = None,
    audit: Callable[..., None] | None = None,
    on_result: Callable[[SignItemResult, int, int], None] | None = None,
) -> SignReport:
    """Sign the main attachment of each document with one PIN.

    Each document is placed on its own (remembered box → title → default corner), or
    at ``placement`` when given. Everything that would stop the batch is checked before
    the token is opened: role and state (the server's upload rule), the file, the
    token and its PIN state, the stamp, the certificate; a refusal there raises
    :class:`SigningError` and nothing is signed. Each signed document may then take the
    ``then`` transition (with ``to`` and ``note``, recorded once), and the store syncs.
    """
    from kyso.core.service.sign_plan import prepare_items
    from kyso.core.service.signing import check_before_pin, run_batch, station_token_options

    items = prepare_items(service, doc_ids)
    if placement is not None:
        for item in items:
            item.placement = placement
    ready = [i for i in items if not i.problem]
    if not ready:
        problems = "; ".join(f"{i.title}: {i.problem}" for i in items)
        raise SigningError(problems or "Không có văn bản nào để ký", title="Không ký được")
    presigned, refusal = check_before_pin(service.token_status(), settings, key_label, audit)
    if refusal:
        raise SigningError(refusal, title="Không ký được")
    outcome = run_batch(
        service,
        items,
        pin=pin,
        token_options=station_token_options(settings, key_label),
        image=settings.signing.image,
        reason=settings.signing.reason,
        out_dir=out_dir,
        on_result=on_result,
        audit=audit,
        presigned=presigned,
    )
    del pin
    moved = []
    if then:
        for result in outcome.results:
            if result.ok:
                service.transition(result.item.document_id, then, to, note)
                moved.append(result.item.document_id)
    status = service.sync() if sync else None
    return SignReport(outcome, tuple(presigned.warnings), tuple(moved), status)
