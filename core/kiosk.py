"""The kiosk station's policy, without any UI: the administrator PIN, the idle clock and
whether a token is plugged in.

* The administrator PIN is kept in the config only as a scrypt hash, its salt and cost
  parameters in one string (``scrypt$16384$8$1$<salt>$<hash>``, base64). Checking
  compares in constant time and never raises on a malformed hash (it just fails).
* :class:`IdleClock` says when the station has been left alone long enough to lock.
* :func:`token_present` looks for a token without a PIN. A forwarded token whose p11-kit
  socket stopped answering counts as removed. With ``isolated=True`` the check runs in a
  fresh Python process: a module then reads its configuration (``SOFTHSM2_CONF``, the
  forwarded slots) anew on every check, and a hung vendor module cannot hang the caller.

Run ``python -m kyso.core.kiosk hash-pin`` to make a hash for ``ui.kiosk_admin_pin_hash``.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import getpass
import hashlib
import hmac
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "IdleClock",
    "check_admin_pin",
    "hash_admin_pin",
    "main",
    "token_present",
]

_SCHEME = "scrypt"
_N, _R, _P = 2**14, 8, 1
_DKLEN = 32
_MAXMEM = 64 << 20
_NO_TOKEN = "Chưa cắm token"


# ---------------------------------------------------------------- administrator PIN


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_admin_pin(pin: str, *, n: int = _N, r: int = _R, p: int = _P) -> str:
    """The string to keep in ``ui.kiosk_admin_pin_hash``: scheme, cost, salt and hash."""
    if not pin:
        raise ValueError("Mã PIN quản trị không được để trống")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        pin.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=_DKLEN, maxmem=_MAXMEM
    )
    return f"{_SCHEME}${n}${r}${p}${_b64(salt)}${_b64(digest)}"


def check_admin_pin(pin: str, stored: str) -> bool:
    """True when ``pin`` matches the stored hash; False for a wrong PIN or a bad hash."""
    if not pin or not stored:
        return False
    try:
        scheme, n_text, r_text, p_text, salt_text, hash_text = stored.strip().split("$")
        if scheme != _SCHEME:
            return False
        n, r, p = int(n_text), int(r_text), int(p_text)
        salt = base64.b64decode(salt_text, validate=True)
        expected = base64.b64decode(hash_text, validate=True)
        if not (2 <= n <= 2**20 and 1 <= r <= 32 and 1 <= p <= 16 and expected):
            return False
        digest = hashlib.scrypt(
            pin.encode("utf-8"),
            salt=salt,
            n=n,
            r=r,
            p=p,
            dklen=len(expected),
            maxmem=max(_MAXMEM, 256 * n * r),
        )
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(digest, expected)


# ---------------------------------------------------------------- idle clock


@dataclass
class IdleClock:
    """Seconds since the last key or mouse event, against a timeout.

    ``touch()`` on every input event; ``expired()`` from a periodic check. Times come
    from ``clock`` (monotonic by default) unless given.
    """

    timeout: float
    """Seconds of inactivity before the station locks."""
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    last: float = field(default=0.0, init=False)
    """When the station was last used (``clock`` time)."""

    def __post_init__(self) -> None:
        self.last = self.clock()

    @classmethod
    def minutes(cls, minutes: float, clock: Callable[[], float] = time.monotonic) -> IdleClock:
        """A clock that expires after ``minutes`` idle minutes."""
        return cls(minutes * 60.0, clock)

    def touch(self, now: float | None = None) -> None:
        """Someone used the station: start counting again."""
        self.last = self.clock() if now is None else now

    def idle(self, now: float | None = None) -> float:
        """Seconds since the last :meth:`touch`."""
        return (self.clock() if now is None else now) - self.last

    def expired(self, now: float | None = None) -> bool:
        """True once the station has been idle for ``timeout`` seconds or more."""
        return self.idle(now) >= self.timeout


# ---------------------------------------------------------------- token presence


def _forward_gone(env: Mapping[str, str], module: str | None) -> str | None:
    """Why a forwarded token counts as removed (its socket does not answer), or None."""
    from kyso.core.token.reconnect import ADDRESS_VARIABLE, parse_server_address, probe_socket

    address = env.get(ADDRESS_VARIABLE)
    if not address or (module and "p11-kit-client" not in Path(module).name):
        return None
    path = parse_server_address(address)
    if path is None:
        return None
    probe = probe_socket(path, timeout=1.0)
    if probe.answers:
        return None
    return f"Mất kết nối tới token chuyển tiếp ({path}: {probe.state})"


def _present_here(module: str | None) -> bool | str:
    """The check itself, in this process."""
    from kyso.core.errors import KysoError
    from kyso.core.token.discovery import candidate_modules
    from kyso.core.token.inventory import load_library
    from kyso.core.token.reconnect import reset_module

    try:
        candidates = candidate_modules(module)
    except KysoError as exc:
        return exc.message
    if not candidates:
        return "Không tìm thấy module PKCS#11 của token"
    reasons: list[str] = []
    for candidate in candidates:
        try:
            lib = load_library(candidate.path)
            slots = lib.get_slots(token_present=True)
        except KysoError as exc:
            reasons.append(exc.message)
            continue
        except Exception as exc:  # a module in trouble shows no token
            reasons.append(f"{candidate.name}: {type(exc).__name__}")
            continue
        from pkcs11 import TokenFlag

        for slot in slots:
            try:
                token = slot.get_token()
                if int(token.flags) & TokenFlag.TOKEN_INITIALIZED:
                    return True
            except Exception:  # pulled out while we looked, or its store is gone
                continue
        # Some modules read their slots once (p11-kit-client, SoftHSM): with no token
        # to use, start the module afresh so the next look sees a token put back.
        with contextlib.suppress(Exception):
            reset_module(candidate.path)
    return "; ".join(r for r in reasons if r) or _NO_TOKEN


def token_present(
    module: str | None = None,
    *,
    isolated: bool = False,
    env: Mapping[str, str] | None = None,
    timeout: float = 15.0,
) -> bool | str:
    """Is a token plugged in? No PIN is asked and nothing is signed.

    Returns ``True`` when a slot holds an initialised token, otherwise a short
    Vietnamese reason (a non-empty string: test the result with ``is True``).

    ``module``: the PKCS#11 module to look in (default: discovery's candidates).
    ``isolated``: run the check in a fresh process with ``env`` (default: this process's
    environment), so the module starts from its configuration every time.
    """
    environ = dict(os.environ if env is None else env)
    gone = _forward_gone(environ, module)
    if gone:
        return gone
    if not isolated:
        return _present_here(module)
    cmd = [sys.executable, "-m", "kyso.core.kiosk", "present"]
    if module:
        cmd += ["--module", module]
    try:
        result = subprocess.run(
            cmd, env=environ, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return "Token không trả lời"
    except OSError as exc:
        return f"Không kiểm tra được token: {exc.strerror or exc}"
    if result.returncode == 0:
        return True
    return result.stdout.strip() or _NO_TOKEN


# ---------------------------------------------------------------- command line


def _ask_pin() -> str:
    first = getpass.getpass("Mã PIN quản trị mới: ")
    second = getpass.getpass("Nhập lại: ")
    if first != second:
        raise SystemExit("kyso: hai lần nhập không khớp")
    return first


def main(argv: list[str] | None = None) -> int:
    """``python -m kyso.core.kiosk hash-pin [--save]`` or ``present [--module M]``."""
    parser = argparse.ArgumentParser(prog="python -m kyso.core.kiosk")
    commands = parser.add_subparsers(dest="command", required=True)
    hash_pin = commands.add_parser("hash-pin", help="Tạo mã băm cho mã PIN quản trị kiosk.")
    hash_pin.add_argument(
        "--save", action="store_true", help="Ghi vào ui.kiosk_admin_pin_hash của tệp cấu hình."
    )
    hash_pin.add_argument("--stdin", action="store_true", help="Đọc mã PIN từ dòng đầu của stdin.")
    present = commands.add_parser("present", help="Mã thoát 0 khi đã cắm token.")
    present.add_argument("--module", default=None)
    args = parser.parse_args(argv)
    if args.command == "present":
        found = _present_here(args.module)
        if found is True:
            return 0
        print(found)
        return 1
    pin = sys.stdin.readline().rstrip("\r\n") if args.stdin else _ask_pin()
    if not pin:
        raise SystemExit("kyso: mã PIN quản trị không được để trống")
    hashed = hash_admin_pin(pin)
    if args.save:
        from kyso.config.settings import save_setting

        save_setting("ui", "kiosk_admin_pin_hash", hashed)
        print("Đã lưu ui.kiosk_admin_pin_hash", file=sys.stderr)
    print(hashed)
    return 0


if __name__ == "__main__":  # pragma: no cover - exercised through a subprocess
    sys.exit(main())
