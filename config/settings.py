"""Settings: defaults from ``default.toml`` overlaid with the user's config file.

Read with tomllib and validated strictly: an unknown section or key, or a value of the
wrong type, is an error naming the key, so a typo never silently does nothing. Written
back with tomlkit so the user's comments survive.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any

from kyso.config.locations import config_file
from kyso.core.errors import KysoError

__all__ = [
    "ConfigError",
    "ServerSettings",
    "Settings",
    "SigningSettings",
    "TokenSettings",
    "UiSettings",
    "load_settings",
    "save_setting",
]


class ConfigError(KysoError):
    """The config file cannot be read or has a bad key or value."""

    title = "Cấu hình"


@dataclass(frozen=True)
class TokenSettings:
    module: str = ""
    """Path of the PKCS#11 module; empty means discover one."""
    label: str = ""
    """Label of the token to use when several are present."""


@dataclass(frozen=True)
class SigningSettings:
    method: str = "token"
    """``token`` (Ký số token) or ``remote``."""
    image: str = ""
    """Signature image (PNG with transparency); empty for a text-only stamp."""
    reason: str = ""
    """Reason written into each signature."""
    location: str = ""
    """Location written into each signature."""
    timestamp_url: str = ""
    """RFC 3161 timestamp authority; set, signatures become PAdES B-T."""
    level: str = "B-LT"
    """PAdES level: ``B-B``, ``B-T``, ``B-LT`` or ``B-LTA``; lowered with a warning when
    the timestamp or the revocation data cannot be had."""
    revocation: str = "prefer"
    """Revocation check before the PIN: ``require``, ``prefer`` or ``off``."""
    timestamp_timeout: float = 180.0
    """Seconds to wait for the timestamp authority, per try."""
    timestamp_tries: int = 3
    ocsp_timeout: float = 180.0
    """Seconds to wait for an OCSP responder or a CRL download, per try."""
    ocsp_tries: int = 3
    seal: str = ""
    """The organization's seal (PNG with transparency) for the clerk's issuance; empty
    means a demo seal drawn with the organization's name."""


@dataclass(frozen=True)
class ServerSettings:
    url: str = ""
    """The e-office server's base URL."""
    verify_tls: bool = True
    """Verify the server's TLS certificate."""


@dataclass(frozen=True)
class UiSettings:
    theme: str = "textual-dark"
    """Textual theme name."""
    images: str = "auto"
    """Thumbnails: ``auto``, ``halfblock`` or ``off``."""
    kiosk: bool = False
    """Run as a locked-down kiosk station."""
    kiosk_idle_minutes: float = 5.0
    """Kiosk: lock after this many idle minutes (no key, no mouse)."""
    kiosk_admin_pin_hash: str = ""
    """Kiosk: the administrator PIN as ``python -m kyso.core.kiosk hash-pin`` prints it;
    empty means nobody can quit the kiosk from the app."""
    keymap: dict[str, str] = field(default_factory=dict)
    """Binding id → keys, applied with Textual's ``set_keymap``."""


@dataclass(frozen=True)
class Settings:
    token: TokenSettings = field(default_factory=TokenSettings)
    signing: SigningSettings = field(default_factory=SigningSettings)
    server: ServerSettings = field(default_factory=ServerSettings)
    ui: UiSettings = field(default_factory=UiSettings)


_CHOICES = {
    ("signing", "method"): {"token", "remote"},
    ("signing", "level"): {"B-B", "B-T", "B-LT", "B-LTA"},
    ("signing", "revocation"): {"require", "prefer", "off"},
    ("ui", "images"): {"auto", "halfblock", "off"},
}


_POSITIVE = {
    ("ui", "kiosk_idle_minutes"),
    ("signing", "timestamp_timeout"),
    ("signing", "timestamp_tries"),
    ("signing", "ocsp_timeout"),
    ("signing", "ocsp_tries"),
}


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"Không đọc được tệp cấu hình {path}: {exc}") from None


def _merge(settings: Settings, data: dict[str, Any], source: str) -> Settings:
    sections = {f.name: f for f in fields(Settings)}
    for section_name, values in data.items():
        if section_name not in sections:
            raise ConfigError(f"{source}: mục không hợp lệ [{section_name}]")
        if not isinstance(values, dict):
            raise ConfigError(f"{source}: [{section_name}] phải là một bảng")
        section = getattr(settings, section_name)
        known = {f.name: f for f in fields(section)}
        updates: dict[str, Any] = {}
        for key, value in values.items():
            if key not in known:
                raise ConfigError(f"{source}: khoá không hợp lệ {section_name}.{key}")
            expected = type(getattr(section, key))
            if expected is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)  # `idle_minutes = 5` is meant as 5.0
            if not isinstance(value, expected) or (
                expected is not bool and isinstance(value, bool)
            ):
                raise ConfigError(
                    f"{source}: {section_name}.{key} phải là {expected.__name__}, "
                    f"không phải {type(value).__name__}"
                )
            allowed = _CHOICES.get((section_name, key))
            if allowed is not None and value not in allowed:
                raise ConfigError(
                    f"{source}: {section_name}.{key} = {value!r}; chọn một trong "
                    + ", ".join(sorted(allowed))
                )
            if (section_name, key) in _POSITIVE and not value > 0:
                raise ConfigError(f"{source}: {section_name}.{key} phải lớn hơn 0")
            updates[key] = value
        settings = replace(settings, **{section_name: replace(section, **updates)})
    return settings


def load_settings(path: Path | None = None) -> Settings:
    """Defaults, then the user's file (``path`` or the platform location)."""
    defaults = tomllib.loads(
        resources.files("kyso.config").joinpath("default.toml").read_text("utf-8")
    )
    settings = _merge(Settings(), defaults, "default.toml")
    path = path or config_file()
    return _merge(settings, _read_toml(path), str(path))


def save_setting(section: str, key: str, value: Any, path: Path | None = None) -> None:
    """Set one key in the user's config file, keeping its comments and layout."""
    import tomlkit

    path = path or config_file()
    _merge(Settings(), {section: {key: value}}, "setting")  # validate first
    document = tomlkit.parse(path.read_text("utf-8")) if path.exists() else tomlkit.document()
    if section not in document:
        document[section] = tomlkit.table()
    document[section][key] = value  # type: ignore[index]
    path.parent.mkdir(parents=True, exist_ok=True)
    from kyso.core.atomic import write_atomic

    write_atomic(path, tomlkit.dumps(document).encode("utf-8"))
