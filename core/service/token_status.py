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
    """The first token found and the certificate it would sign with (no PIN asked),
    with the PIN state the token reports (``count_low``, ``final_try``, ``locked``)."""
    from kyso.core.token.discovery import candidate_modules
    from kyso.core.token.inventory import inspect_module

    try:
        candidates = candidate_modules(None, module)
    except KysoError as exc:
        return TokenStatus(message=exc.message)
    reasons = []
    for candidate in candidates:
        try:
            report = inspect_module(candidate)
        except KysoError as exc:
            reasons.append(exc.message)
            continue
        if report.error:
            reasons.append(report.error)
        for slot in report.slots:
            token = slot.token
            if token is None:
                continue
            certs = [c for c in token.certificates if c.can_sign]
            if key_label:
                certs = [c for c in certs if c.label == key_label] or certs
            if not certs:
                continue
            cert = certs[0]
            return TokenStatus(
                True,
                token.label,
                cert.common_name,
                f"{cert.not_after:%d/%m/%Y}",
                pin_state=token.pin_state,
            )
    return TokenStatus(message="; ".join(reasons) or "Chưa cắm token")


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
    from kyso.core.token.session import TokenOptions

    return TokenOptions(
        configured_module=token_settings.module or None,
        token_label=token_settings.label or None,
        key_label=key_label,
    )
