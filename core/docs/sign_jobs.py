"""What signing is given and gives back: options, jobs, and results.

:mod:`kyso.core.docs.sign` signs with these (and its names include them); the app, the CLI
and :mod:`kyso.core.docs.parallel` build and read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kyso.core.docs.issuance import IssuanceSlots
from kyso.core.docs.ltv import LtvPlan
from kyso.core.docs.pdf import PdfCheck
from kyso.core.docs.placement import Box, Placement
from kyso.core.errors import KysoError

__all__ = ["BatchResult", "JobResult", "Prepared", "SignJob", "SignOptions", "SignedDocument"]


@dataclass(frozen=True)
class SignOptions:
    """How each document is signed. Empty values mean "choose sensibly"."""

    page: int = -1
    """1-based page for the visible signature; −1 is the last page."""
    box: Box | None = None
    """Explicit box (x0, y0, x1, y1) in PDF points."""
    anchor: str | None = None
    """Place the box under the first match of this text (e.g. the signer's title)."""
    default_placement: Placement | None = None
    """The user's remembered position, used when neither box nor anchor is given."""
    image: Path | None = None
    """Signature image, PNG with transparency."""
    reason: str | None = None
    location: str | None = None
    field_name: str | None = None
    """Signature field; default ``Signature<n>``, the first name not in the file."""
    timestamp_url: str | None = None
    """An RFC 3161 TSA: signatures become PAdES B-T."""
    visible: bool = True
    issuance_fields: bool = True
    """Add empty number/date fields over a Decree 30 document's blanks in the same
    revision, so the clerk can fill them later without breaking this signature."""
    ltv: LtvPlan | None = None
    """The batch's PAdES level (:func:`kyso.core.docs.presign.presign`)."""
    repair: bool = False
    """Rewrite a damaged, never-signed input (on a copy) before signing it."""


@dataclass(frozen=True)
class SignJob:
    """One file to sign and where the signed copy goes."""

    source: Path
    output: Path


@dataclass(frozen=True)
class Prepared:
    """A job that passed the pre-flight: its bytes, facts and signature box."""

    job: SignJob
    data: bytes = field(repr=False)
    check: PdfCheck
    placement: Placement | None
    field_name: str
    slots: IssuanceSlots | None = None
    """The Decree 30 blanks, where empty number/date fields are added."""
    blanks_missing: bool = False
    """Page 1 has a Decree 30 heading but no blanks were found (pre-flight ``notes``)."""
    overlap: str = ""
    """The warning when the stamp would cover the document's text (``notes``)."""
    parsed: list = field(default_factory=list, repr=False, compare=False)
    """The pre-flight's pyHanko reader, for the signature in this process to take over
    (once: a writer changes the objects it read). Not sent to a worker process."""

    def take_reader(self):
        """The pre-flight's reader, or None when it was taken or never sent here."""
        return self.parsed.pop() if self.parsed else None

    def __getstate__(self) -> dict:
        return {**self.__dict__, "parsed": []}


@dataclass(frozen=True)
class SignedDocument:
    """A signed file on disk."""

    job: SignJob
    placement: Placement | None
    field_name: str
    signer: str
    signed_at: str
    size: int


@dataclass(frozen=True)
class JobResult:
    """What became of one job in a batch."""

    job: SignJob
    signed: SignedDocument | None = None
    error: KysoError | None = None
    skipped: bool = False
    """Not attempted because the batch stopped first (token pulled, cancelled)."""

    @property
    def ok(self) -> bool:
        return self.signed is not None


@dataclass(frozen=True)
class BatchResult:
    results: tuple[JobResult, ...]
    stopped: KysoError | None = None
    """Why the batch stopped early, if it did."""

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    @property
    def signed(self) -> list[JobResult]:
        return [r for r in self.results if r.ok]

    @property
    def failed(self) -> list[JobResult]:
        return [r for r in self.results if not r.ok]
