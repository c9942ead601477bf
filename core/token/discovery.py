"""Find the PKCS#11 module to use.

Order: the explicit ``--module``, then ``KYSO_MODULE``, then the config file, then the
known-module list in ``config/modules.toml`` (vendor drivers, OpenSC, SoftHSM, and the
p11-kit client when a forwarded token's socket is set), then the modules registered with
p11-kit (:mod:`kyso.core.token.p11kit_registry`). Only files that exist are probed;
nothing is loaded here.
"""

from __future__ import annotations

import os
import sysconfig
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from kyso.core.errors import TokenError
from kyso.core.token.p11kit_registry import registered_modules

__all__ = ["KnownModule", "ModuleCandidate", "candidate_modules", "known_modules", "resolve_module"]


@dataclass(frozen=True)
class KnownModule:
    """A vendor's or a stack's module and where its installers put it."""

    name: str
    paths: tuple[str, ...]
    requires_env: str | None = None
    """Offered only when this environment variable is set (e.g. the p11-kit socket)."""


@dataclass(frozen=True)
class ModuleCandidate:
    """A module file that exists, with where kyso heard of it."""

    path: str
    name: str
    source: str
    """``--module``, ``KYSO_MODULE``, ``config``, ``known`` or ``p11-kit`` (registered in
    a p11-kit module config)."""

    @property
    def discovered(self) -> bool:
        """Found by looking around (known paths, p11-kit), not chosen by the user: when it
        fails, the next candidate may still have the token."""
        return self.source in ("known", "p11-kit")


def _multiarch() -> str:
    return sysconfig.get_config_var("MULTIARCH") or "x86_64-linux-gnu"


def known_modules() -> list[KnownModule]:
    """The known-module list from ``config/modules.toml``, paths expanded."""
    text = resources.files("kyso.config").joinpath("modules.toml").read_text("utf-8")
    arch = _multiarch()
    return [
        KnownModule(
            name=entry["name"],
            paths=tuple(p.replace("{multiarch}", arch) for p in entry["paths"]),
            requires_env=entry.get("requires_env"),
        )
        for entry in tomllib.loads(text)["module"]
    ]


def candidate_modules(
    explicit: str | None = None, configured: str | None = None
) -> list[ModuleCandidate]:
    """Every module worth trying, best first, without loading any of them.

    An explicit or environment choice is returned even when the file is missing, so
    the caller can say exactly which path was wrong.
    """
    for source, value in (("--module", explicit), ("KYSO_MODULE", os.environ.get("KYSO_MODULE"))):
        if value:
            return [ModuleCandidate(value, Path(value).name, source)]
    if configured:
        return [ModuleCandidate(configured, Path(configured).name, "config")]
    found: list[ModuleCandidate] = []
    forwarded = bool(os.environ.get("P11_KIT_SERVER_ADDRESS"))
    for module in known_modules():
        if module.requires_env and not os.environ.get(module.requires_env):
            continue
        for path in module.paths:
            if os.path.exists(path):
                found.append(ModuleCandidate(path, module.name, "known"))
                break
    seen = {os.path.realpath(c.path) for c in found}
    for registered in registered_modules():
        real = os.path.realpath(registered.path)
        if real not in seen:
            seen.add(real)
            found.append(ModuleCandidate(registered.path, registered.name, "p11-kit"))
    if forwarded:
        # A forwarded token is what the user asked for by setting the socket.
        found.sort(key=lambda c: "p11-kit-client" not in c.path)
    return found


def resolve_module(explicit: str | None = None, configured: str | None = None) -> ModuleCandidate:
    """The one module to use, or a :class:`TokenError` saying what to install or set."""
    candidates = candidate_modules(explicit, configured)
    if not candidates:
        raise TokenError(
            "Không tìm thấy module PKCS#11 của token. Cài driver của token "
            "hoặc chỉ đường dẫn bằng --module / KYSO_MODULE."
        )
    first = candidates[0]
    if not first.discovered and not os.path.exists(first.path):
        raise TokenError(f"Module PKCS#11 không tồn tại: {first.path} (từ {first.source})")
    return first
