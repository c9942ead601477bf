"""``kyso inbox --json``: the cached list as JSON, and its way past click.

Scripts run ``kyso inbox --all --json`` over caches of 100,000 documents, where importing
click is a sixth of the command's time. :func:`main_scope` recognises exactly the spellings
of that command and :func:`run` answers them without click, with what the click path does
around the command (its messages, exit codes and notices); anything else, or a shell
completion request, goes through click. This module imports neither click nor the store.
"""

from __future__ import annotations

import errno
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import NoReturn

__all__ = ["exit_for_error", "main_scope", "print_inbox_json", "print_notices", "run"]

_SCOPES = {(): "inbox", ("--all",): "all", ("--signed-by-me",): "signed_by_me"}
_COMPLETE_VAR = "_KYSO_COMPLETE"
"""click's shell-completion variable for the ``kyso`` program (click handles it)."""


def main_scope(argv: Sequence[str], environ: Mapping[str, str]) -> str | None:
    """The scope when ``argv`` (without the program name) is ``inbox --json`` with at most
    one of ``--all`` / ``--signed-by-me``, in any order; ``None`` for anything else."""
    if not argv or argv[0] != "inbox" or _COMPLETE_VAR in environ:
        return None
    rest = list(argv[1:])
    if rest.count("--json") != 1:
        return None
    rest.remove("--json")
    return _SCOPES.get(tuple(rest))


def print_inbox_json(scope: str) -> None:
    """Write the list of ``scope`` as one JSON array and a newline to stdout, streamed in
    pieces of whole rows (:meth:`kyso.core.store.Store.write_inbox_json`), escaped for a
    terminal (:func:`kyso.core.textsafe.safe_json_bytes`)."""
    from kyso.core.service.office import open_store
    from kyso.core.textsafe import safe_json_bytes

    with open_store() as store:
        sys.stdout.flush()
        out = sys.stdout.buffer

        def write(piece: bytes) -> None:
            out.write(safe_json_bytes(piece))  # whole rows: an escape is never cut

        store.write_inbox_json(write, scope)  # type: ignore[arg-type]
        out.write(b"\n")
        out.flush()


def print_notices(echo_err) -> None:
    """Say the notices gathered while running (a repaired file mode, a damaged cache moved
    aside) once each, on stderr, through ``echo_err``."""
    from kyso.core.notices import pop_notices
    from kyso.core.textsafe import safe_line

    for notice in pop_notices():
        echo_err(f"kyso: {safe_line(notice)}")


def exit_for_error(exc: BaseException, echo_err: Callable[[str], object]) -> NoReturn:
    """End the process for a user error or Ctrl-C, as every ``kyso`` command does: a
    KysoError is one line on stderr and exit 1, Ctrl-C is "Đã dừng (Ctrl-C)." and 130."""
    if isinstance(exc, KeyboardInterrupt):
        echo_err("Đã dừng (Ctrl-C).")
        sys.exit(130)
    from kyso.core.textsafe import safe_line

    echo_err(f"kyso: {safe_line(getattr(exc, 'message', str(exc)))}")
    sys.exit(1)


def _echo_err(message: str = "") -> None:
    # As click.echo(message, err=True) writes it: the text (control characters are
    # already pictures, so there is no ANSI sequence to strip), a newline, a flush.
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def _drop_stdout() -> None:
    """After EPIPE: what is still buffered for stdout goes nowhere, so the exit is quiet
    (click wraps the streams to the same end)."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def run(scope: str) -> None:
    """``kyso inbox --json`` for ``scope`` as the click path runs it; exits the process.

    The click path: the command inside ``cli.main(standalone_mode=False)``, the notices
    after it, then kyso.cli.group.main's handlers. Kept the same here: a KysoError is one
    line on stderr and exit 1; Ctrl-C closes the ``^C`` line and says "Đã huỷ." (exit 1);
    a reader that goes away (EPIPE) ends it quietly with exit 1.
    """
    from kyso.core.errors import KysoError

    code = 0
    try:
        try:
            print_inbox_json(scope)
        except (EOFError, KeyboardInterrupt):
            _echo_err()
            code = -1
        except OSError as exc:
            if exc.errno != errno.EPIPE:
                raise
            _drop_stdout()
            code = 1
        finally:
            print_notices(_echo_err)
    except (KysoError, KeyboardInterrupt) as exc:
        exit_for_error(exc, _echo_err)
    if code == -1:
        _echo_err("Đã huỷ.")
        sys.exit(1)
    sys.exit(code)
