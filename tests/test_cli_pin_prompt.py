"""`kyso sign` at a terminal: a mistyped PIN is asked again; a script's PIN never is.

The command runs in a pty of its own (its controlling terminal), as at a signing station,
and the test types at the PIN prompt as a user would.
"""

from __future__ import annotations

import os
import pty
import select
import time

import pytest
from checks import KYSO, pdfsig
from checks import run_kyso as kyso
from fixtures_token import TEST_PIN, kyso_env

from kyso.cli.common import PIN_ATTEMPTS

PROMPT = "PIN của token".encode()


class Terminal:
    """``kyso`` started in a pty: read what it shows, type at it."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: the pty is its terminal
            os.execvpe(KYSO[0], [*KYSO, *args], env)
        self.seen = b""

    def wait_for(self, text: bytes, count: int = 1, timeout: float = 60) -> None:
        """Read until ``text`` has appeared ``count`` times in all the output so far."""
        deadline = time.monotonic() + timeout
        while self.seen.count(text) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} x{count} never appeared in {self.seen!r}")
            if select.select([self.fd], [], [], 0.2)[0]:
                try:
                    chunk = os.read(self.fd, 4096)
                except OSError:  # the child has exited and closed the pty
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"ended before {text!r} x{count}: {self.seen!r}")
                self.seen += chunk

    def type(self, line: str) -> None:
        os.write(self.fd, line.encode() + b"\r")

    def mistype_then(self, pin: str) -> None:
        """Type a wrong PIN at the prompt, see it refused and asked again, type ``pin``."""
        self.wait_for(PROMPT)
        self.type("00000000")
        self.wait_for(PROMPT, count=2)
        assert "Sai mã PIN".encode() in self.seen
        self.type(pin)

    def exit_code(self, timeout: float = 120) -> int:
        """Read everything left, then the exit status."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if select.select([self.fd], [], [], 0.2)[0]:
                try:
                    chunk = os.read(self.fd, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                self.seen += chunk
        _, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        return os.waitstatus_to_exitcode(status)


@pytest.fixture
def terminal_env(softhsm):
    env = kyso_env(softhsm)
    env.pop("KYSO_PIN", None)
    return env


def test_a_mistyped_pin_is_asked_again_then_signs(terminal_env, pdf_path, tmp_path):
    out = tmp_path / "out.pdf"
    term = Terminal(["sign", str(pdf_path), "-o", str(out)], terminal_env)
    term.mistype_then(TEST_PIN)
    assert term.exit_code() == 0, term.seen.decode(errors="replace")
    assert b"00000000" not in term.seen and TEST_PIN.encode() not in term.seen  # hidden input
    assert "Signature is Valid" in pdfsig(out)


def test_the_prompt_gives_up_after_the_last_attempt(terminal_env, pdf_path, tmp_path):
    out = tmp_path / "out.pdf"
    term = Terminal(["sign", str(pdf_path), "-o", str(out)], terminal_env)
    for attempt in range(1, PIN_ATTEMPTS + 1):
        term.wait_for(PROMPT, count=attempt)
        term.type("00000000")
    assert term.exit_code() == 1
    assert term.seen.count(PROMPT) == PIN_ATTEMPTS
    assert not out.exists()


def test_a_pin_from_the_environment_is_tried_once(softhsm, pdf_path, tmp_path):
    """A script's wrong PIN would be the same wrong PIN again: one try, then the error."""
    out = tmp_path / "out.pdf"
    result = kyso("sign", pdf_path, "-o", out, env=kyso_env(softhsm, KYSO_PIN="00000000"))
    assert result.returncode == 1
    assert result.stderr.count("Sai mã PIN") == 1
    assert "PIN của token" not in result.stderr


def test_sign_doc_asks_a_mistyped_pin_again(terminal_env, softhsm, demo_server):
    """`kyso sign --doc` opens the token inside the use case: the PIN it is handed was
    tried first, so a typo is asked again there too, not after the checks ran for nothing."""
    from issuance_helpers import api, create_kehoach, session_for

    doc_id = create_kehoach(demo_server, with_appendix=False)
    moved = api(demo_server, "chuyenvien").post(
        f"/documents/{doc_id}/transitions", json={"action": "trinh_lanh_dao_so"}
    )
    assert moved.status_code == 200, moved.text
    session_for(demo_server, "ldso")
    assert kyso("sync", env=terminal_env).returncode == 0
    term = Terminal(["sign", "--doc", str(doc_id), "--key", "signer"], terminal_env)
    term.mistype_then(TEST_PIN)
    assert term.exit_code() == 0, term.seen.decode(errors="replace")
    assert f"✓ Văn bản {doc_id}".encode() in term.seen
    versions = api(demo_server, "ldso").get(f"/documents/{doc_id}").json()["attachments"][0]
    assert versions["versions"][-1]["signed"] is True
