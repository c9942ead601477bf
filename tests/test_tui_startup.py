"""`kyso tui` start-up: what its first frame costs (the modules loaded, the rows in it) and
the terminal's image questions asked in a thread while the app imports."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import threading
import time

import pytest

FIRST_FRAME = r"""
import json, sys
import textual.app

seen = {}
display = textual.app.App._display

def first(self, screen, renderable):
    display(self, screen, renderable)
    if renderable is None or seen:
        return
    tables = screen.query("#inbox-table")
    seen["rows"] = tables.first().row_count if tables else 0
    seen["modules"] = sorted(sys.modules)
    self.exit()

textual.app.App._display = first
from kyso.cli.main import cli
cli.main(["tui", "--no-images"], standalone_mode=False)
open(sys.argv[1], "w").write(json.dumps(seen))
"""

NOT_BEFORE_THE_FIRST_FRAME = (
    "pkcs11",
    "pyhanko",
    "fitz",
    "pymupdf",
    "httpx",
    "sqlite_utils",
    "PIL",
    "kyso.core.token",
    "kyso.core.docs",
    "kyso.tui.screens.document",
    "kyso.tui.screens.batch",
    "kyso.tui.screens.settings",
    "kyso.tui.screens.token",
)


def test_the_first_frame_has_rows_and_loads_nothing_the_inbox_does_not_need(
    offline_store, tmp_path
):
    out = tmp_path / "first.json"
    done = subprocess.run(
        [sys.executable, "-c", FIRST_FRAME, str(out)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    import json

    seen = json.loads(out.read_text())
    assert seen["rows"] == 1  # the first screenful is read before the first frame
    loaded = set(seen["modules"])
    assert "kyso.tui.screens.inbox" in loaded  # the probe sees the modules
    for name in NOT_BEFORE_THE_FIRST_FRAME:
        assert not {m for m in loaded if m == name or m.startswith(name + ".")}, name


PROBE = r"""
import sys, termios, time
from kyso.tui.image_probe import ImageProbe

before = termios.tcgetattr(0)
probe = ImageProbe("auto")
asking = probe._thread.is_alive()
mode = probe.mode()
after = termios.tcgetattr(0)
import textual_image._terminal as terminal
import textual_image.renderable as renderable
print(mode, asking, before == after, renderable.Image.__name__, renderable.Image.__module__,
      terminal.get_cell_size(), file=sys.stderr)
"""


def _run_in_pty(code: str, answer: bool) -> str:
    """Run ``code`` with a pty as its terminal; with ``answer``, the terminal answers the
    sixel (DA1) and cell-size questions as a sixel terminal with 9×18 pixel cells does."""
    master, slave = pty.openpty()
    # 120×40 cells, no pixel size (as tmux says): the cell size is asked with an escape.
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    stop = threading.Event()

    def terminal() -> None:
        while not stop.is_set():
            ready, _, _ = select.select([master], [], [], 0.05)
            if not ready:
                continue
            try:
                asked = os.read(master, 1024)
            except OSError:
                return
            if not answer:
                continue
            if b"\x1b[c" in asked:
                os.write(master, b"\x1b[?62;4;22c")
            if b"\x1b[16t" in asked:
                os.write(master, b"\x1b[6;18;9t")

    responder = threading.Thread(target=terminal, daemon=True)
    responder.start()
    try:
        done = subprocess.run(
            [sys.executable, "-c", code],
            stdin=slave,
            stdout=slave,
            stderr=subprocess.PIPE,
            timeout=120,
            env={**os.environ, "TERM": "xterm-256color"},
        )
    finally:
        stop.set()
        responder.join()
        os.close(master)
        os.close(slave)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    return done.stderr.decode().strip().splitlines()[-1]


def test_a_silent_terminal_is_waited_for_in_a_thread_and_given_back_as_it_was():
    start = time.monotonic()
    line = _run_in_pty(PROBE, answer=False)
    mode, asking, restored, _name, module, _size = line.split(" ", 5)
    assert (mode, asking, restored) == ("auto", "True", "True")
    assert module.endswith("halfcell")  # no sixel, no kitty protocol: half cells
    assert time.monotonic() - start < 60


def test_the_terminals_answers_reach_the_app():
    line = _run_in_pty(PROBE, answer=True)
    mode, _asking, restored, _name, module, size = line.split(" ", 5)
    assert (mode, restored) == ("auto", "True")
    assert module.endswith("sixel")
    assert size == "CellSize(width=9, height=18)"


def test_no_images_asks_the_terminal_nothing(tmp_path):
    code = (
        "import sys\n"
        "from kyso.tui.image_probe import ImageProbe\n"
        "print(ImageProbe('off').mode(), 'textual_image' in sys.modules, file=sys.stderr)\n"
    )
    assert _run_in_pty(code, answer=False) == "off False"


def test_kyso_tui_without_a_session_gives_the_terminal_back(tmp_path, monkeypatch):
    # The error is said after the thread asking the terminal is done with it.
    code = (
        "import sys, termios\n"
        "before = termios.tcgetattr(0)\n"
        "from kyso.cli.main import main\n"
        "sys.argv = ['kyso', 'tui']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(termios.tcgetattr(0) == before, file=sys.stderr)\n"
    )
    monkeypatch.setenv("KYSO_HOME", str(tmp_path / "nobody"))
    assert _run_in_pty(code, answer=False) == "True"


@pytest.fixture
def anyio_backend() -> str:
    """Textual runs on asyncio."""
    return "asyncio"


@pytest.mark.anyio
async def test_the_inbox_is_laid_out_again_when_the_width_changes_only(static_app):
    from textual.widgets import DataTable
    from tui_helpers import settle

    async with static_app.run_test(size=(120, 40)) as pilot:
        await settle(static_app, pilot)
        screen = static_app.screen
        wide = screen._columns
        assert wide and sum(c.width for c in wide) <= 120
        await pilot.resize_terminal(120, 30)  # taller or shorter: the same columns
        await settle(static_app, pilot)
        assert screen._columns is wide
        await pilot.resize_terminal(80, 24)
        await settle(static_app, pilot)
        narrow = screen._columns
        assert narrow != wide and sum(c.width for c in narrow) <= 80
        assert screen.query_one(DataTable).row_count == len(screen._rows) > 0
