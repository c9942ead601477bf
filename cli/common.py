"""Pieces the CLI commands share: PIN input, token options, output helpers."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any, TypeVar

import click

__all__ = [
    "PIN_ATTEMPTS",
    "checked_pin",
    "echo",
    "echo_json",
    "logged_in",
    "read_pin",
    "token_options",
]

T = TypeVar("T")

PIN_ATTEMPTS = 3
"""How many times a PIN typed at the prompt is asked (tokens lock after 3 to 15 wrong ones;
the token's own count of tries left is said after each)."""


def read_pin(pin_stdin: bool, options: Any = None) -> str | None:
    """The PIN from ``KYSO_PIN``, else stdin (``--pin-stdin``), else a hidden prompt.

    With the ``TokenOptions`` to sign with, a token whose PIN is locked is refused first
    (:func:`kyso.core.service.tokens.refuse_locked`): nothing is asked. Returns None when
    the user entered nothing at the prompt of a PIN-pad token.
    """
    if options is not None:
        from kyso.core.service.tokens import refuse_locked

        refuse_locked(options)
    pin = os.environ.get("KYSO_PIN")
    if pin:
        return pin
    if pin_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise click.UsageError("--pin-stdin: không đọc được PIN từ stdin")
        return line
    if not sys.stdin.isatty():
        raise click.UsageError("Cần PIN: đặt KYSO_PIN, dùng --pin-stdin hoặc chạy trong terminal")
    return click.prompt("PIN của token", hide_input=True, err=True)


def _asked_at_the_prompt(pin_stdin: bool) -> bool:
    return not os.environ.get("KYSO_PIN") and not pin_stdin and sys.stdin.isatty()


def _attempts(options: Any, pin_stdin: bool, attempt: Callable[[str | None], T]) -> T:
    """``attempt(pin)`` with the PIN read by :func:`read_pin`; a wrong PIN typed at the
    prompt is asked again, with what the token says of the tries left, up to
    :data:`PIN_ATTEMPTS` times; a locked PIN ends it at once. A PIN from ``KYSO_PIN`` or
    ``--pin-stdin`` is never tried twice: a script would only use up the token's tries
    with the same wrong PIN."""
    from kyso.core.errors import PinError, PinLockedError

    asking = _asked_at_the_prompt(pin_stdin)
    for number in range(1, PIN_ATTEMPTS + 1):
        pin = read_pin(pin_stdin, options if number == 1 else None)
        try:
            return attempt(pin)
        except PinLockedError:
            raise
        except PinError as exc:
            if not asking or pin is None or number == PIN_ATTEMPTS:
                raise
            echo(f"✗ {exc}", err=True)
        finally:
            del pin
    raise AssertionError("unreachable: the last attempt returns or raises")


@contextmanager
def logged_in(options: Any, pin_stdin: bool) -> Iterator[Any]:
    """A logged-in session on the chosen token, the PIN asked as :func:`_attempts` does."""
    from kyso.core.service.tokens import open_session

    with ExitStack() as stack:
        yield _attempts(
            options, pin_stdin, lambda pin: stack.enter_context(open_session(options, pin))
        )


def checked_pin(options: Any, pin_stdin: bool) -> str | None:
    """A PIN the token accepted (logged in and out once), asked as :func:`_attempts`
    does, for a use case that opens the token itself (issuance, ``sign --doc``)."""
    from kyso.core.service.tokens import check_pin

    def attempt(pin: str | None) -> str | None:
        if pin is not None:
            check_pin(options, pin)
        return pin

    return _attempts(options, pin_stdin, attempt)


def token_options(module: str | None, token: str | None, key: str | None):
    """Token options from the command line and the config file."""
    from kyso.core.service.tokens import build_token_options

    return build_token_options(module=module, token=token, key=key)


def echo(text: object = "", *, err: bool = False) -> None:
    """Print one line whose text may come from the server, a file or a token: control,
    C1 and bidi-override characters are made visible instead of reaching the terminal."""
    from kyso.core.textsafe import safe_line

    click.echo(safe_line(text), err=err)


def echo_json(data) -> None:
    """Print JSON with Vietnamese left readable (control characters escaped)."""
    from kyso.core.textsafe import safe_json_text

    click.echo(safe_json_text(json.dumps(data, ensure_ascii=False, indent=2, default=str)))
