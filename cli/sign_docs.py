"""``kyso sign --doc ID``: the CLI face of :mod:`kyso.core.service.sign_documents`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from kyso.cli.common import checked_pin, echo, echo_json

if TYPE_CHECKING:
    from kyso.core.service.sign_documents import PlacementFlags
    from kyso.core.service.signing import SignSetup

__all__ = ["sign_inbox_documents", "sign_setup"]


def _action_label(action: str) -> str:
    from kyso.core.workflow import ACTION_LABELS, Action

    try:
        return ACTION_LABELS[Action(action)]
    except ValueError:
        return action


def sign_setup(
    options: Any,
    image: Path | None,
    reason: str | None,
    timestamp_url: str | None,
    *,
    level: str | None,
    trust: tuple[Path, ...],
) -> SignSetup:
    """What ``kyso sign`` signs with, files or ``--doc`` alike: the flags over the
    config file's ``[signing]`` (``options``: the token options of the flags)."""
    from kyso.config.settings import load_settings
    from kyso.core.service.signing import SignSetup

    signing = load_settings().signing
    return SignSetup(
        options,
        signing,
        image=str(image) if image else signing.image,
        reason=reason or signing.reason,
        timestamp_url=timestamp_url or signing.timestamp_url or None,
        level=level,
        trust=trust,
    )


def sign_inbox_documents(
    doc_ids: tuple[int, ...],
    setup: SignSetup,
    flags: PlacementFlags,
    *,
    then: str | None,
    to: str | None,
    note: str,
    pin_stdin: bool,
    as_json: bool,
) -> None:
    """Sign the documents, print one line (or one JSON object) per document, and exit 1
    when any of them was not signed."""
    from kyso.cli.presign import audit
    from kyso.core.errors import SigningError
    from kyso.core.service.sign_documents import SignDocumentsRequest, sign_documents

    if note and not then:
        raise click.UsageError(
            "--note đi cùng --then (ý kiến ghi kèm thao tác chuyển); "
            "thêm ý kiến riêng bằng `kyso opinion`"
        )
    request = SignDocumentsRequest(doc_ids, setup, then=then, to=to, note=note, flags=flags)

    def said(result) -> None:
        if as_json:
            return
        if result.ok:
            where = ""
            if result.placement is not None:
                where = f" (trang {result.placement.page + 1}, {result.placement.rule_text})"
            moved = f"; {_action_label(result.transition)}" if result.transition else ""
            echo(f"✓ Văn bản {result.document_id} {result.title}: {result.message}{where}{moved}")
        else:
            echo(f"✗ Văn bản {result.document_id} {result.title}: {result.message}", err=True)

    outcome = sign_documents(
        request,
        read_pin=lambda: checked_pin(request.setup.token_options, pin_stdin),
        on_warning=lambda line: click.echo(f"! {line}", err=True),
        audit=audit,
    )
    for result in outcome.results:
        said(result)
    if as_json:
        echo_json(
            {
                "signed": outcome.signed,
                "sync": "ok" if outcome.sync_note is None else "queued_or_refused",
                "sync_note": outcome.sync_note,
                "stopped": outcome.stopped or None,
                "documents": [
                    {
                        "id": r.document_id,
                        "title": r.title,
                        "ok": r.ok,
                        "message": r.message,
                        "placement": r.placement.to_json() if r.placement else None,
                        "transition": r.transition,
                    }
                    for r in outcome.results
                ],
            }
        )
    elif outcome.signed:
        if outcome.sync_note is None:
            echo("Đã đồng bộ với máy chủ.")
        else:
            echo(outcome.sync_note, err=True)
    total = len(outcome.results)
    if outcome.stopped:
        raise SigningError(f"{outcome.stopped} Đã ký {outcome.signed}/{total} văn bản.")
    if outcome.signed < total:
        raise SigningError(f"{total - outcome.signed}/{total} văn bản không ký được")
