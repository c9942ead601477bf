"""Terminal-app benchmarks at 10,000 and 100,000 documents: `kyso tui` to its first inbox
frame in a real terminal (tmux) against Toolong (`tl FILE`, its own venv) and a bare
Textual app in the same rounds, peak memory once the whole view is loaded, a keypress and
a filter keystroke (key → frame, no test driver), page thumbnails uncached and cached, and
batch signing 20 documents in the app against `kyso sign` on the same files.

Everything is real: a local store filled through its own API with a saved (offline)
session, `kyso tui` as a user starts it in a tmux pane (bench/tmux_frame.py), the app
under Textual's headless driver for memory and keys, PyMuPDF for the thumbnails, a fresh
SoftHSM token for signing, the SQLite store and its blob folder for the app's batch. No
network. The kyso tree is byte-compiled once first, as an installed kyso is (this machine
sets PYTHONDONTWRITEBYTECODE, which would recompile every module on every start).
"""

from __future__ import annotations

import asyncio
import compileall
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

DOCUMENTS = 10_000
COUNTS = (10_000, 100_000)
RSS_TARGET = {10_000: 120, 100_000: 200}
"""Peak RSS targets in MB by document count."""
_FILTER_WORK = 0.0
_ANSWERS: dict[str, float] = {}
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import tui_batch  # noqa: E402
import tui_store  # noqa: E402
import tui_toolong  # noqa: E402
from tmux_frame import Frame, TmuxHarness  # noqa: E402

KYSO = str(Path(sys.executable).with_name("kyso"))
INBOX = re.compile(r"Hộp văn bản — Chờ xử lý[\s\S]*Kế hoạch số \d+")
"""The inbox title and a row of tui_store's documents: the first frame a user waits for."""

_CHILD = r"""
import os, re, sys, time
from kyso.core.sync import Session
from kyso.tui.app import KysoApp
from kyso.core.service.store_service import StoreService
from kyso.config.settings import Settings, UiSettings

class Timed(KysoApp):
    # Every frame goes through _display; the headless driver skips the terminal output,
    # so it is rendered here too (what a real terminal would be sent), then timed.
    _first = False
    _done = False
    _loaded_at = None

    def _display(self, screen, renderable) -> None:
        super()._display(screen, renderable)
        if renderable is None or self._done:
            return
        if hasattr(renderable, "render_segments"):
            renderable.render_segments(self.console)
        now = time.monotonic()
        if not self._first:
            self._first = True
            print(f"READY {now}", flush=True)
        table = screen.query("#inbox-table")
        if table and table.first().row_count:
            self._done = True
            print(f"FRAME {now}", flush=True)
            self._waited = 0
            self.set_interval(0.02, self._all_loaded)

    def _all_loaded(self) -> None:
        # Peak memory once the whole view is in and drawn (the first frame shows only a
        # screenful; the rest arrives from a worker): no fixed wait.
        screen = self.screen
        loaded = getattr(screen, "_complete", False) and len(screen.documents) >= COUNT
        if not loaded:
            self._waited += 1
            if self._waited * 0.02 > 300:
                print("NOT-LOADED", flush=True)
                self.exit()
            return
        if self._loaded_at is None:
            self._loaded_at = time.monotonic()
            print(f"LOADED {self._loaded_at}", flush=True)
            return  # one more tick: the frame with the whole view drawn
        # VmHWM, the peak of this program's own memory: ru_maxrss would also count the
        # benchmark process this one was forked from (Linux keeps it across exec).
        status = open("/proc/self/status").read()
        rss = int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024
        print(f"RSS {rss:.1f} {len(screen.documents)}", flush=True)
        self.exit()

COUNT = int(os.environ.get("KYSO_BENCH_DOCUMENTS", "10000"))
session = Session("http://127.0.0.1:9", "ldso", "x")
service = StoreService(session)
Timed(service, settings=Settings(ui=UiSettings(images="off")), images="off").run(
    headless=True, size=(120, 40)
)
"""


def _loaded(home: Path, count: int, runs: int = 5) -> tuple[float, float]:
    """Median ms from process start to the whole view loaded (headless driver); peak RSS
    MB once it is loaded (max over the runs)."""
    env = {**os.environ, "KYSO_HOME": str(home), "KYSO_BENCH_DOCUMENTS": str(count)}
    rss, loaded = [], []
    for _ in range(runs):
        start = time.monotonic()
        out = subprocess.run(
            [sys.executable, "-c", _CHILD],
            env=env,
            capture_output=True,
            text=True,
            timeout=400,
            cwd=ROOT,
        )
        lines = {x.split()[0]: x.split()[1:] for x in out.stdout.splitlines() if x.strip()}
        if "FRAME" not in lines or "RSS" not in lines:
            raise RuntimeError(f"no frame or not loaded: {out.stdout[-500:]} {out.stderr[-2000:]}")
        if int(lines["RSS"][1]) != count:
            raise RuntimeError(f"loaded {lines['RSS'][1]} documents, not {count}")
        loaded.append((float(lines["LOADED"][0]) - start) * 1000)
        rss.append(float(lines["RSS"][0]))
    return statistics.median(loaded), max(rss)


def _save_session(home: Path) -> None:
    """The saved session `kyso tui` opens (tui_store's offline ``ldso``)."""
    subprocess.run(
        [
            sys.executable,
            "-c",
            "from kyso.core.sync import Session, save_session;"
            "save_session(Session('http://127.0.0.1:9', 'ldso', 'x'))",
        ],
        env={**os.environ, "KYSO_HOME": str(home)},
        check=True,
    )


def _kyso_tui(work: Path) -> Callable[[TmuxHarness, int], Frame]:
    """One `kyso tui` run in the harness on the store of ``count`` documents."""

    def run(harness: TmuxHarness, count: int) -> Frame:
        home = work / f"home-{count}"
        return harness.first_frame([KYSO, "tui"], INBOX, env={"KYSO_HOME": str(home)})

    return run


async def _answer(app, key: str, ready=None) -> float:
    """ms from a key event reaching the app to the first frame it draws after it (with
    ``ready``: the first frame for which ``ready()`` is true), including the terminal
    output the headless driver skips. No Pilot round trip: what a user waits for."""
    from textual import events

    loop = asyncio.get_running_loop()
    done = loop.create_future()
    display = app._display

    def timed(screen, renderable) -> None:
        display(screen, renderable)
        if renderable is None or done.done() or (ready is not None and not ready()):
            return
        if hasattr(renderable, "render_segments"):
            renderable.render_segments(app.console)  # what a real terminal would be sent
        done.set_result(time.perf_counter())

    app._display = timed
    try:
        t0 = time.perf_counter()
        app._driver.send_message(events.Key(key, key if len(key) == 1 else None))
        end = await asyncio.wait_for(done, 5)
    finally:
        del app._display
    return (end - t0) * 1000


async def _answers(app, pilot, settle) -> dict[str, float]:
    """Key → frame for cursor moves, filter keystrokes (echo) and the filtered list."""
    screen = app.screen
    box = screen.query_one("#inbox-filter")
    downs, echoes, filtered = [], [], []
    for _ in range(30):
        downs.append(await _answer(app, "down"))
        await pilot.pause()
    await pilot.press("slash")
    await settle(app, pilot)
    for word in ("ke", "hoach", "99"):
        for ch in word:
            echoes.append(await _answer(app, ch))
            await pilot.pause()
        await settle(app, pilot)
        box.value = ""
        await settle(app, pilot)
    for word in ("kế hoạch", "tết", "bác"):
        box.value = word[:-1]
        box.cursor_position = len(box.value)
        await settle(app, pilot)
        text = word
        filtered.append(await _answer(app, word[-1], ready=lambda t=text: screen.filter_text == t))
        await settle(app, pilot)
    return {
        "down": statistics.median(downs),
        "echo": statistics.median(echoes),
        "filtered": statistics.median(filtered),
    }


def _keypress(home: Path, count: int = DOCUMENTS) -> tuple[float, float]:
    """Median ms per keypress (cursor down; a filter keystroke) through Pilot in a
    ``count``-row inbox; key → frame without the driver goes to ``_ANSWERS``."""
    os.environ["KYSO_HOME"] = str(home)
    sys.path.insert(0, str(ROOT / "tests"))
    from tui_helpers import settle

    from kyso.config.settings import Settings, UiSettings
    from kyso.core.service.store_service import StoreService
    from kyso.core.sync import Session
    from kyso.tui.app import KysoApp

    async def main() -> tuple[float, float]:
        service = StoreService(Session("http://127.0.0.1:9", "ldso", "x"))
        app = KysoApp(service, settings=Settings(ui=UiSettings(images="off")), images="off")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            assert len(app.screen.documents) == count
            downs = []
            for _ in range(40):
                t0 = time.perf_counter()
                await pilot.press("down")
                downs.append((time.perf_counter() - t0) * 1000)
            if count >= 1000:
                _ANSWERS.update(await _answers(app, pilot, settle))
                await pilot.press("escape", "escape")
                await settle(app, pilot)
            await pilot.press("slash")
            await settle(app, pilot)
            typing = []
            for ch in "ke hoach 99":
                t0 = time.perf_counter()
                await pilot.press(ch if ch != " " else "space")
                typing.append((time.perf_counter() - t0) * 1000)
            # The app's own work per key, without the test driver's rendering round trip.
            screen = app.screen
            work = []
            for text in ("k", "ke", "ke h", "ke ho", "ke hoa", "ke hoac", "ke hoach"):
                t0 = time.perf_counter()
                screen.filter_text = text
                screen.refresh_table()
                work.append((time.perf_counter() - t0) * 1000)
        global _FILTER_WORK
        _FILTER_WORK = statistics.median(work)
        return statistics.median(downs), statistics.median(typing)

    return asyncio.run(main())


def _row(name: str, value: float, unit: str, what: str, limit: float | None = None) -> dict:
    row = {"name": name, "value": value, "unit": unit, "what": what}
    if limit is not None:
        row["target"] = f"≤ {limit:g} {unit}"
        row["pass"] = value <= limit
    return row


def _size_rows(home: Path, count: int) -> list[dict]:
    """The rows that depend on the document count, measured at ``count``."""
    from kyso.tui.screens.inbox import FILTER_DELAY

    n = f"{count:,}"
    loaded, rss = _loaded(home, count, runs=5 if count <= 10_000 else 3)
    _ANSWERS.clear()
    down, typing = _keypress(home, count)
    return [
        _row(
            f"process start → whole view loaded, {n} documents",
            loaded,
            "ms",
            "headless driver: to the inbox holding every document of the view (read in a"
            " worker after the first frame)",
        ),
        _row(
            f"peak RSS, app with {n} documents (after all are loaded)",
            rss,
            "MB",
            "ru_maxrss of the app process, read once the whole view is in and drawn",
            RSS_TARGET.get(count),
        ),
        _row(
            f"cursor down, key → next frame (no test driver), {n} documents",
            _ANSWERS["down"],
            "ms",
            "key event posted to the app → the next frame rendered to terminal output; "
            "moves 41-70 from the top, each scrolling the list one line",
            16,
        ),
        _row(
            f"filter keystroke, key → echo frame (no test driver), {n} documents",
            _ANSWERS["echo"],
            "ms",
            "a letter typed in the filter box → the frame showing it",
            16,
        ),
        _row(
            f"last filter keystroke → filtered list on screen, {n} documents",
            _ANSWERS["filtered"],
            "ms",
            f"incl. the {FILTER_DELAY * 1000:.0f} ms debounce, then filter, sort and rows",
        ),
        _row(
            f"filter over {n} documents, app work only (filter, sort, rows)",
            _FILTER_WORK,
            "ms",
            "refresh_table() with a new filter text, timed in-process",
            50,
        ),
        _row(
            f"keypress (cursor down) through Pilot, {n} documents",
            down,
            "ms",
            "pilot.press round trip: includes the test driver's own waiting",
        ),
        _row(
            f"filter keystroke through Pilot, {n} documents",
            typing,
            "ms",
            "pilot.press round trip for one letter in the filter box",
        ),
    ]


def run(work: Path, counts: tuple[int, ...] = COUNTS) -> list[dict]:
    """Run the app benchmarks (the size-dependent ones at each of ``counts``)."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    for folder in ("core", "tui", "cli", "config"):  # as an installed kyso has them
        compileall.compile_dir(ROOT / folder, quiet=1)
    cli, app = tui_batch.batch(work)  # first: the token module reads SOFTHSM2_CONF once per process
    rows: list[dict] = []
    for count in counts:
        home = work / f"home-{count}"
        t0 = time.perf_counter()
        tui_store.fill_store(home, count)
        print(f"   (store of {count:,} filled in {time.perf_counter() - t0:.0f} s)", flush=True)
        _save_session(home)
        rows += _size_rows(home, count)
    # The first frame in tmux at every size, Toolong's and a bare app's in the same rounds.
    rows = tui_toolong.rows(work, counts, _kyso_tui(work)) + rows
    small = work / "home-small"
    tui_store.fill_store(small, 10)
    base_down, base_typing = _keypress(small, 10)
    uncached, cached = tui_batch.thumbnails(work)
    ratio = app / cli
    return rows + [
        _row(
            "same keypress through Pilot, 10-document inbox (reference)",
            base_down,
            "ms",
            "Pilot's own overhead: compare with the rows above",
        ),
        _row(
            "same filter keystroke through Pilot, 10-document inbox (reference)",
            base_typing,
            "ms",
            "Pilot's own overhead for a filter keystroke",
        ),
        _row(
            "page thumbnail 520 px, uncached",
            uncached,
            "ms",
            "PyMuPDF render of one page of an open 12-page PDF, median",
            30,
        ),
        _row("page thumbnail 520 px, cached", cached, "ms", "the same from the cache", 5),
        _row(
            "`kyso sign`, 20 documents",
            cli * 1000,
            "ms",
            "one `kyso sign` process: start, login, 20 files, exit",
        ),
        _row(
            "app batch (sign + verify + store), 20 documents",
            app * 1000,
            "ms",
            "run_batch in-process with the real StoreService: login, sign, verify, blob "
            "+ outbox in SQLite",
        ),
        {
            **_row("app batch / `kyso sign`", ratio, "×", "the two rows above"),
            "target": "≤ 1.5×",
            "pass": ratio <= 1.5,
        },
    ]


if __name__ == "__main__":
    counts = tuple(int(c) for c in sys.argv[1].split(",")) if len(sys.argv) > 1 else COUNTS
    for row in run(HERE / "_work" / "bench_tui", counts):
        print(f"{row['name']}: {row['value']:.1f} {row['unit']} {row.get('target', '')}")
