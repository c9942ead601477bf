"""Modules registered with p11-kit, read from its module configs (pkcs11.conf(5)).

Token drivers packaged for Debian and Ubuntu register themselves with a ``NAME.module``
file instead of being put on a fixed path. p11-kit reads, later ones winning key by key
for the same NAME: ``/usr/share/p11-kit/modules`` (packages), ``/etc/pkcs11/modules``
(the administrator) and ``~/.config/pkcs11/modules`` (the user, unless
``/etc/pkcs11/pkcs11.conf`` says ``user-config: none``; ``only`` ignores the system ones).
Nothing is loaded here.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "PROGRAM",
    "RegisteredModule",
    "config_dirs",
    "module_dir",
    "read_config",
    "registered_modules",
]

PROGRAM = "kyso"
"""The program name ``enable-in:`` / ``disable-in:`` lists are matched against."""

SYSTEM_DIRS = (Path("/usr/share/p11-kit/modules"), Path("/etc/pkcs11/modules"))
GLOBAL_CONFIG = Path("/etc/pkcs11/pkcs11.conf")


@dataclass(frozen=True)
class RegisteredModule:
    """A module named in a p11-kit module config."""

    name: str
    """The config's file name without ``.module`` (``softhsm2``, ``opensc-pkcs11``)."""
    path: str
    """The library, relative names resolved against :func:`module_dir`."""
    config: str
    """The config file that last set ``module:`` (where to look when it is wrong)."""


def module_dir() -> Path:
    """Where p11-kit loads relative module names from (``$(libdir)/pkcs11``)."""
    import sysconfig

    arch = sysconfig.get_config_var("MULTIARCH") or "x86_64-linux-gnu"
    debian = Path("/usr/lib") / arch / "pkcs11"
    return debian if debian.is_dir() else Path("/usr/lib/pkcs11")


def read_config(path: Path) -> dict[str, str]:
    """``name: value`` lines of one config file; ``#`` starts a comment line only."""
    values: dict[str, str] = {}
    try:
        text = path.read_text("utf-8", errors="replace")
    except OSError:
        return values
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or ":" not in line:
            continue
        key, value = line.split(":", 1)
        values[key.strip()] = value.strip()
    return values


def _user_dir(env: dict[str, str]) -> Path | None:
    base = env.get("XDG_CONFIG_HOME") or (
        str(Path(env["HOME"]) / ".config") if env.get("HOME") else None
    )
    return Path(base) / "pkcs11" / "modules" if base else None


def config_dirs(env: dict[str, str] | None = None) -> list[Path]:
    """The module config folders p11-kit reads, in the order later ones win."""
    env = dict(os.environ if env is None else env)
    mode = read_config(GLOBAL_CONFIG).get("user-config", "merge")
    user = _user_dir(env)
    if mode == "none" or user is None:
        return list(SYSTEM_DIRS)
    if mode == "only":
        return [user]
    return [*SYSTEM_DIRS, user]


def _names(value: str | None) -> set[str]:
    return {part for part in re.split(r"[\s,]+", value or "") if part}


def _enabled(config: dict[str, str], program: str) -> bool:
    if "enable-in" in config and program not in _names(config["enable-in"]):
        return False
    return program not in _names(config.get("disable-in"))


def registered_modules(
    env: dict[str, str] | None = None,
    *,
    dirs: list[Path] | None = None,
    relative_to: Path | None = None,
    program: str = PROGRAM,
) -> list[RegisteredModule]:
    """The modules p11-kit would offer ``program``, in name order, files that exist only.

    Trust-policy modules (``p11-kit-trust``: the system's CA anchors, no keys) and the
    forwarding client (offered by discovery only when its socket is set) are left out.
    """
    merged: dict[str, dict[str, str]] = {}
    origin: dict[str, str] = {}
    for folder in config_dirs(env) if dirs is None else dirs:
        try:
            files = sorted(folder.glob("*.module"))
        except OSError:
            continue
        for file in files:
            values = read_config(file)
            name = file.name.removesuffix(".module")
            merged.setdefault(name, {}).update(values)
            if "module" in values:
                origin[name] = str(file)
    base = relative_to or module_dir()
    found: list[RegisteredModule] = []
    for name in sorted(merged):
        config = merged[name]
        library = config.get("module")
        if not library or not _enabled(config, program):
            continue
        if config.get("trust-policy", "no").lower() in ("yes", "true"):
            continue
        path = library if os.path.isabs(library) else str(base / library)
        if "p11-kit-client" in Path(path).name or not os.path.exists(path):
            continue
        found.append(RegisteredModule(name, path, origin.get(name, "")))
    return found
