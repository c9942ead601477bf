"""Sign inbox documents in one call, for a script (``kyso sign --doc``) or any front end
without dialogs between the steps: the signing use case's own steps (:mod:`.sign_plan`,
:mod:`.signing`) in order, then an optional transition whose note is the one opinion,
then a sync. The app runs the same steps with a dialog between them
(:mod:`kyso.tui.flows`).

Each document's main attachment is placed where the signer signs this type (remembered
box → title line → the caller's flags instead of the default corner). Everything that
can refuse is checked before the PIN is asked: the documents (role and state may upload
a signed version, and may take the transition; the file is a signable PDF), then
:func:`~kyso.core.service.signing.check_before_pin` (token present and not locked, the
stamp, the certificate). The PIN is read through a callback only after they all passed.
The signed files are verified with the strict verdict before their upload is queued in
the store's outbox.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kyso.core.errors import KysoError, SigningError

if TYPE_CHECKING:
    from kyso.core.docs.placement import Box, Placement
    from kyso.core.service.api import Service
    from kyso.core.service.sign_items import SignItem
    from kyso.core.service.signing import SignSetup
    from kyso.core.sync import Session

__all__ = [
    "PlacementFlags",
    "SignDocumentsOutcome",
    "SignDocumentsRequest",
    "SignedDocumentResult",
    "sign_documents",
]


@dataclass(frozen=True)
class PlacementFlags:
    """Where to sign when neither a remembered box nor the title line places it."""

    page: int = -1
    """1-based page, −1 the last."""
    box: Box | None = None
    anchor: str | None = None

    @property
    def given(self) -> bool:
        """The caller said something (else the default corner stays)."""
        return self.page != -1 or self.box is not None or bool(self.anchor)


@dataclass(frozen=True)
class SignDocumentsRequest:
    """What the signer asked for."""

    document_ids: tuple[int, ...]
    setup: SignSetup
    """The token, the stamp and the certificate check's options
    (:func:`kyso.core.service.signing.station_setup`, or a script's flags over it)."""
    then: str | None = None
    """A transition queued after each signed upload (``chuyen_van_thu``…)."""
    to: str | None = None
    """The transition's recipient, when the action needs one."""
    note: str = ""
    """The transition's note: the server keeps it as the one opinion."""
    flags: PlacementFlags = field(default_factory=PlacementFlags)


@dataclass(frozen=True)
class SignedDocumentResult:
    """How one document went."""

    document_id: int
    title: str
    ok: bool
    message: str
    placement: Placement | None = None
    transition: str | None = None
    """The action queued after the upload, if any."""


@dataclass(frozen=True)
class SignDocumentsOutcome:
    """The batch: one result per document, and what the sync said."""

    results: tuple[SignedDocumentResult, ...]
    sync_note: str | None = None
    """``None`` when everything reached the server, else why not (queued or refused)."""
    stopped: str = ""

    @property
    def signed(self) -> int:
        """How many documents were signed, verified and queued."""
        return sum(1 for r in self.results if r.ok)


def sign_documents(
    request: SignDocumentsRequest,
    *,
    read_pin: Callable[[], str | None],
    service: Service | None = None,
    session: Session | None = None,
    on_warning: Callable[[str], None] | None = None,
    audit: Callable[..., Any] | None = None,
) -> SignDocumentsOutcome:
    """Sign the main attachment of each document of ``request`` (see the module doc).

    ``read_pin`` is called once, after every check before the PIN passed. A document
    that cannot be signed is reported and the others go on; when none can, or the token
    or the certificate refuses, nothing asks for the PIN and a
    :class:`~kyso.core.errors.SigningError` says why. ``service`` defaults to a
    :class:`~kyso.core.service.store_service.StoreService` on ``session`` (default: the
    saved one), closed afterwards.
    """
    from kyso.core.service.office import load_session
    from kyso.core.service.sign_plan import nothing_to_sign, prepare_items
    from kyso.core.service.store_service import StoreService

    _check_then(request)
    options = request.setup.token_options
    own = service is None
    if service is None:
        service = StoreService(
            session or load_session(), key_label=options.key_label, module=options.module
        )
    try:
        items = prepare_items(service, list(dict.fromkeys(request.document_ids)))
        refused = [_refusal(service, item, request) for item in items]
        problems = nothing_to_sign(items)
        if problems:
            raise SigningError(f"Không văn bản nào ký được ({problems})")
        ready = [item for item in items if not item.problem]
        warn = on_warning or (lambda _line: None)
        for item in ready:
            for line in item.notes:
                warn(f"Văn bản {item.document_id}: {line}")
        checked = _check_before_pin(request.setup, audit, warn)
        with tempfile.TemporaryDirectory(prefix="kyso-sign-") as tmp:
            signed = _sign(service, ready, request, checked, read_pin(), Path(tmp), audit)
        results = [r for r in refused if r] + signed.results
        note = _sync(service) if any(r.ok for r in results) else None
    finally:
        if own:
            service.close()
    return SignDocumentsOutcome(tuple(results), note, signed.stopped)


def _check_then(request: SignDocumentsRequest) -> None:
    """The transition asked for exists and has what it needs (before anything else)."""
    from kyso.core import workflow
    from kyso.core.errors import WorkflowError

    if not request.then:
        return
    try:
        action = workflow.Action(request.then)
    except ValueError:
        names = ", ".join(a.value for a in workflow.Action)
        raise WorkflowError(
            f"Thao tác không hợp lệ: {request.then!r}. Chọn một trong: {names}"
        ) from None
    if action == workflow.Action.LUAN_CHUYEN and not request.to:
        raise WorkflowError("Luân chuyển cần người nhận (--to).")


def _refusal(
    service: Service, item: SignItem, request: SignDocumentsRequest
) -> SignedDocumentResult | None:
    """The item's problem as a result (None when it can be signed); the transition's
    rule and the placement flags are applied here, before the PIN."""
    from kyso.core import workflow
    from kyso.core.service.sign_plan import replan_item

    if not item.problem and request.then:
        doc = service.document(item.document_id)
        try:
            workflow.check_transition(
                service.user.role,
                doc.state,
                request.then,
                is_holder=doc.holder == service.user.username,
            )
        except (KysoError, ValueError) as exc:
            item.problem = getattr(exc, "message", str(exc))
    cornered = item.placement is not None and item.placement.rule == "default"
    if not item.problem and cornered and request.flags.given:
        try:
            replan_item(service, item, _flagged(item.path, request.flags))
        except KysoError as exc:
            item.problem = exc.message
    if not item.problem:
        return None
    return SignedDocumentResult(item.document_id, item.title, False, item.problem)


def _flagged(path: Path | None, flags: PlacementFlags) -> Placement:
    from kyso.core.docs.placement import resolve_placement

    data = path.read_bytes() if path is not None else b""
    return resolve_placement(data, page=flags.page, box=flags.box, anchor=flags.anchor)


def _check_before_pin(
    setup: SignSetup, audit: Callable[..., Any] | None, warn: Callable[[str], None]
) -> Any:
    """:func:`~kyso.core.service.signing.check_before_pin` on the token ``setup`` names:
    the ``Presigned`` check (its warnings said), or a :class:`SigningError`."""
    from kyso.core.service.signing import check_before_pin
    from kyso.core.service.tokens import token_status

    options = setup.token_options
    token = token_status(
        options.configured_module,
        options.key_label,
        module=options.module,
        token_label=options.token_label,
    )
    checked, refusal = check_before_pin(token, setup, audit)
    if refusal:
        raise SigningError(refusal, title="Token" if not token.ready else "Không ký được")
    for line in checked.warnings:
        warn(line)
    return checked


@dataclass(frozen=True)
class _Signed:
    results: list[SignedDocumentResult]
    stopped: str


def _sign(
    service: Service,
    items: list[SignItem],
    request: SignDocumentsRequest,
    checked: Any,
    pin: str | None,
    out_dir: Path,
    audit: Callable[..., Any] | None,
) -> _Signed:
    """One token session (:func:`kyso.core.service.signing.run_batch`: sign, verify,
    queue the upload), then the transition of each signed document."""
    from kyso.core.service.signing import run_batch

    outcome = run_batch(
        service,
        items,
        pin=pin,
        token_options=request.setup.token_options,
        image=request.setup.image,
        reason=request.setup.reason,
        out_dir=out_dir,
        audit=audit,
        presigned=checked,
    )
    del pin
    results = []
    for done in outcome.results:
        item, message, then = done.item, done.message, None
        if done.ok and request.then:
            try:
                service.transition(item.document_id, request.then, request.to, request.note)
                then = request.then
            except KysoError as exc:  # the signed version stays queued; say what did not
                message += f"; chưa chuyển được: {exc.message}"
        results.append(
            SignedDocumentResult(
                item.document_id, item.title, done.ok, message, item.placement, then
            )
        )
    return _Signed(results, outcome.stopped)


def _sync(service: Service) -> str | None:
    """Push the queued uploads and transitions, pull the rest: None when all went."""
    status = service.sync()
    if status.state == "offline":
        return f"Đã xếp hàng, sẽ đồng bộ sau: {status.message}"
    if status.state == "conflict" and status.message:
        return f"Máy chủ từ chối: {status.message}"
    return None
