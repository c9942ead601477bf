"""PAdES levels: B-B, B-T (a signature timestamp), B-LT (plus the chain and OCSP/CRL
answers in the DSS) and B-LTA (plus a document timestamp), and the timestamper that
retries a slow TSA.

A :class:`LtvPlan` is made once per batch: its timestamper and validation context are
shared by every file, so the TSA's certificates and every OCSP/CRL answer are fetched
once, not per file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kyso.core.errors import SigningError

__all__ = ["LEVELS", "LtvPlan", "level_metadata", "make_timestamper", "plan_level"]

LEVELS = ("B-B", "B-T", "B-LT", "B-LTA")


@dataclass(frozen=True)
class LtvPlan:
    """The level a batch signs at, with the shared objects it needs."""

    level: str = "B-B"
    timestamper: Any = field(default=None, compare=False, repr=False)
    validation_context: Any = field(default=None, compare=False, repr=False)

    @property
    def long_term(self) -> bool:
        return self.level in ("B-LT", "B-LTA")

    def metadata(self) -> dict[str, Any]:
        """Keyword arguments for pyHanko's ``PdfSignatureMetadata``."""
        if not self.long_term:
            return {}
        return {
            "embed_validation_info": True,
            "use_pades_lta": self.level == "B-LTA",
            "validation_context": self.validation_context,
        }


def level_metadata(plan: LtvPlan | None, timestamp_url: str | None) -> tuple[Any, dict]:
    """The timestamper and pyHanko metadata for one signature: the batch's plan, else a
    plain B-T timestamper for ``timestamp_url``, else neither (B-B)."""
    if plan is not None:
        return plan.timestamper, plan.metadata()
    if timestamp_url:
        from pyhanko.sign.timestamps import HTTPTimeStamper

        return HTTPTimeStamper(timestamp_url), {}
    return None, {}


def make_timestamper(url: str, *, timeout: float = 180.0, tries: int = 3):
    """An RFC 3161 client that waits ``timeout`` seconds per request and tries up to
    ``tries`` times (the government TSA may take minutes to answer).

    It keeps one HTTP session per process for the whole batch: pyHanko's default client
    opens a new aiohttp session (and TLS context) for every file, since each signature
    runs its own event loop — about a tenth of a second per file, as much as the rest of
    a B-B signature. A forked worker opens its own session, never its parent's sockets.
    """
    import os

    import requests
    from pyhanko.sign.timestamps.common_utils import TimestampRequestError, set_tsp_headers
    from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper

    class BatchTimeStamper(RequestsHTTPTimeStamper):
        _session: Any = None
        _pid: int = 0

        def _post(self, req):
            if self._session is None or self._pid != os.getpid():
                self._session, self._pid = requests.Session(), os.getpid()
            try:
                reply = self._session.post(
                    self.url, req.dump(), headers=set_tsp_headers({}), timeout=self.timeout
                )
            except OSError as exc:
                raise TimestampRequestError("Error in communication with timestamp server") from exc
            if reply.headers.get("Content-Type") != "application/timestamp-reply":
                raise TimestampRequestError("Timestamp server response is malformed.", reply)
            from asn1crypto import tsp

            return tsp.TimeStampResp.load(reply.content)

        async def async_request_tsa_response(self, req):
            import asyncio

            for attempt in range(max(1, tries)):
                try:
                    return await asyncio.to_thread(self._post, req)
                except TimestampRequestError:
                    if attempt + 1 >= max(1, tries):
                        raise
            raise AssertionError("unreachable")

    return BatchTimeStamper(url, timeout=timeout)


def plan_level(
    requested: str,
    *,
    explicit: bool,
    timestamp_url: str | None,
    long_term_ready: bool,
    why_not: str,
    validation_context: Any = None,
    tsa_timeout: float = 180.0,
    tsa_tries: int = 3,
) -> tuple[LtvPlan, tuple[str, ...]]:
    """The level to sign at and the warnings of a lowered level.

    ``long_term_ready``: the signer's path was checked and its revocation answer
    obtained (``why_not`` says why not). A level asked for on the command line
    (``explicit``) that cannot be reached is a :class:`SigningError`; the configured one
    is lowered to what can be done, with a warning.
    """
    if requested not in LEVELS:
        raise SigningError(f"Mức ký {requested!r} không hợp lệ; chọn một trong {', '.join(LEVELS)}")
    level, warnings = requested, []
    if level != "B-B" and not timestamp_url:
        if explicit:
            raise SigningError(
                f"Mức {requested} cần máy chủ dấu thời gian (--timestamp-url hoặc "
                "signing.timestamp_url)."
            )
        level = "B-B"
        if requested != "B-T":
            warnings.append(f"Chưa cấu hình máy chủ dấu thời gian: ký mức B-B thay vì {requested}.")
    if level in ("B-LT", "B-LTA") and not long_term_ready:
        if explicit:
            raise SigningError(f"Không ký được mức {requested}: {why_not}.")
        warnings.append(f"Ký mức B-T thay vì {requested}: {why_not}.")
        level = "B-T"
    timestamper = (
        make_timestamper(timestamp_url, timeout=tsa_timeout, tries=tsa_tries)
        if level != "B-B" and timestamp_url
        else None
    )
    context = validation_context if level in ("B-LT", "B-LTA") else None
    return LtvPlan(level, timestamper, context), tuple(warnings)
