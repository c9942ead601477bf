"""The demo's SoftHSM token for the front ends (``kyso demo``, ``kyso demo token``, the
demo cache): found and made through :mod:`kyso.core.token.provision`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kyso.core.token.provision import SoftToken

__all__ = ["find_softhsm_module", "make_softhsm_token"]


def find_softhsm_module() -> str | None:
    """Path of libsofthsm2.so, or None when SoftHSM2 is not installed."""
    from kyso.core.token.provision import find_softhsm_module as find

    return find()


def make_softhsm_token(folder: Path, pki: Any, *, label: str, pin: str) -> SoftToken:
    """A SoftHSM token in ``folder`` holding ``pki``'s keys and certificates; raises
    :class:`~kyso.core.errors.KysoError` when SoftHSM or its tools are missing."""
    from kyso.core.token.provision import make_softhsm_token as make

    return make(folder, pki, label=label, pin=pin)
