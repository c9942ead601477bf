"""A first sync's pages taken apart in a process of its own.

SQLite's JSON work on a page is most of storing it, and it does not run faster in a
second thread of the same process: measured here, two threads' statements took about as
long as the same statements one after the other, two processes half as long (Debian's
SQLite is built without lookaside memory, so its many small allocations go through one
lock). So while the store writes one page, this process makes the next page's rows
(:func:`kyso.core.store_bulk.stage_page`) and sends them back serialized.

The protocol, over the child's stdin and stdout: the parent first writes one line, the
JSON list ``[username]``; then per page ``<8-byte length><page's UTF-8 text>`` (the
parent has checked it is UTF-8) and ``<8-byte length><received>``; the child answers
``<1-byte status><8-byte length><payload>``: status 0 the serialized rows, 1 the page was
refused (:data:`kyso.core.store_bulk.BAD_PAGE`), 2 another error's text. The child's
first line, before any answer, is :data:`_HELLO`.

Run as ``python -m kyso.core.stage_worker``.
"""

from __future__ import annotations

import contextlib
import json
import os
import struct
import subprocess
import sys
from typing import BinaryIO

from kyso.core.errors import SyncError
from kyso.core.store_bulk import page_text, stage_page

__all__ = ["StageWorker", "main"]

_LENGTH = struct.Struct("<Q")
_MAX_LENGTH = 1 << 31
"""No page or staged page is this big: a longer length is a broken answer."""
_OK, _REFUSED, _FAILED = 0, 1, 2
_STATUSES = {bytes([_OK]), bytes([_REFUSED]), bytes([_FAILED])}
_HELLO = b"kyso-stage 1\n"
"""The child's first line, before any answer."""


class StageWorker:
    """The child process; :meth:`stage` is :func:`~kyso.core.store_bulk.stage_page` done
    there. Not for two threads at once. Use as a context manager."""

    def __init__(self, username: str) -> None:
        self._proc = subprocess.Popen(
            # -P: not the current folder first on the path (a kyso/ there is not run)
            [sys.executable, "-P", "-m", "kyso.core.stage_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # never on the user's screen; the parent falls back
            env=_child_environment(),
        )
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._to, self._from = self._proc.stdin, self._proc.stdout
        self._to.write(json.dumps([username]).encode() + b"\n")
        self._to.flush()
        self._greeted = False

    def stage(self, page: bytes, received: str) -> bytes:
        """The rows of ``page`` (its UTF-8 text), serialized; :class:`SyncError` for a
        page SQLite refuses, :class:`OSError` if the child is gone or says what it should
        not (it is then stopped).

        The text is checked to be UTF-8 here, not in the child: this thread mostly waits,
        the child's work is what a first sync waits for."""
        if self._proc.poll() is not None:  # stopped or gone: every later page at once
            raise OSError("kyso stage worker: the process ended")
        page_text(page)
        try:
            if not self._greeted:
                # Anything else first (a sitecustomize that prints) would be read as
                # lengths: such a child is not used.
                if self._from.readline(len(_HELLO)) != _HELLO:
                    raise OSError("kyso stage worker: not the expected answer")
                self._greeted = True
            _send(self._to, page)
            _send(self._to, received.encode("utf-8"))
            self._to.flush()
            status = self._from.read(1)
            if status not in _STATUSES:
                raise OSError("kyso stage worker: not the expected answer")
            payload = _receive(self._from)
        except OSError:
            self._proc.kill()
            raise
        if status == bytes([_OK]):
            return payload
        if status == bytes([_REFUSED]):
            raise SyncError(payload.decode("utf-8"))
        raise OSError(f"kyso stage worker: {payload.decode('utf-8', 'replace')}")

    def close(self) -> None:
        """End the child (it exits when its input closes)."""
        with contextlib.suppress(OSError):
            self._to.close()
        try:
            self._proc.wait(5)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._from.close()

    def __enter__(self) -> StageWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_SECRETS = ("KYSO_PIN", "KYSO_PASSWORD")
"""What a script may have put in kyso's environment that the child has no use for."""


def _child_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in _SECRETS}


def _send(stream: BinaryIO, data: bytes) -> None:
    stream.write(_LENGTH.pack(len(data)))
    stream.write(data)


def _receive(stream: BinaryIO) -> bytes:
    head = stream.read(_LENGTH.size)
    if len(head) != _LENGTH.size:
        raise OSError("kyso stage worker: the process ended")
    (length,) = _LENGTH.unpack(head)
    if length > _MAX_LENGTH:
        raise OSError("kyso stage worker: not the expected answer")
    data = stream.read(length)
    if len(data) != length:
        raise OSError("kyso stage worker: the process ended")
    return data


def main() -> None:
    """The child's loop: pages in, staged rows out, until its input ends."""
    import signal

    # Ctrl+C at the terminal is the parent's to handle; this process ends with its input.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    sink.write(_HELLO)
    sink.flush()
    (username,) = json.loads(source.readline())
    while True:
        try:
            page = _receive(source)
            received = _receive(source).decode("utf-8")
        except OSError:
            return  # the parent closed our input: done
        try:
            status, payload = _OK, stage_page(page, username, received, checked=True)
        except SyncError as exc:
            status, payload = _REFUSED, str(exc).encode("utf-8")
        except Exception as exc:  # told to the parent, which takes the page apart itself
            status, payload = _FAILED, repr(exc).encode("utf-8")
        sink.write(bytes([status]))
        _send(sink, payload)
        sink.flush()


if __name__ == "__main__":
    main()
