"""The token as a front end sees it, without a PIN: what the status bar and the PIN
dialog say (:func:`describe_token`) and the module → slot → token → certificate tree the
token screen lists (:func:`token_inventory`). Front ends never import ``kyso.core.token``.
"""

from __future__ import annotations

from typing import Any

from kyso.core.errors import KysoError
from kyso.core.service.model import TokenStatus

__all__ = ["describe_token", "token_inventory", "token_options"]


def describe_token(module: str | None = None, key_label: str | None = None) -> TokenStatus:
    """The token the station would sign with and the certificate it would use (no PIN
    asked), with the PIN state the token reports: :func:`kyso.core.service.tokens.token_status`
    (``module`` is the configured one)."""
    from kyso.core.service.tokens import token_status

    return token_status(module, key_label)


def token_inventory(module: str | None = None) -> tuple[list[Any], str]:
    """Every PKCS#11 module found, inspected without a PIN: ``(reports, error)``. A
    report is a ``ModuleReport``, or ``(candidate, reason)`` for a module that did not
    load; ``error`` says why no module could be looked for."""
    from kyso.core.token.discovery import candidate_modules
    from kyso.core.token.inventory import inspect_module

    try:
        candidates = candidate_modules(None, module)
    except KysoError as exc:
        return [], exc.message
    reports: list[Any] = []
    for candidate in candidates:
        try:
            reports.append(inspect_module(candidate))
        except KysoError as exc:
            reports.append((candidate, exc.message))
    return reports, ""


def token_options(token_settings: Any, key_label: str | None) -> Any:
    """The ``TokenOptions`` the station signs with: the configured module and token
    (``token_settings``: the settings' ``[token]`` table) and ``key_label``."""
    from types import SimpleNamespace

    from kyso.core.service.tokens import build_token_options

    return build_token_options(SimpleNamespace(token=token_settings), key=key_label)
