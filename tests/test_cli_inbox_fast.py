"""``kyso inbox --json`` without click (kyso.cli.inbox_json): the console script answers
it past click, and must print, say and exit exactly as the click path does — for a list
longer than one streamed piece with hostile text, when nobody is logged in, with a
damaged session file, with a repaired file mode (a notice), and when the reader leaves.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures_store import make_doc
from hostile_text import CONTROL_BYTES, HOSTILE, UNSAFE_CHARS

from kyso.cli.inbox_json import main_scope
from kyso.core.textsafe import safe_json_text

KYSO = Path(sys.executable).with_name("kyso")
FLAGS = (("--json",), ("--all", "--json"), ("--json", "--signed-by-me"))
CLICK_PATH = (
    "import sys\nsys.argv = ['kyso', *sys.argv[1:]]\nfrom kyso.cli.group import main\nmain()\n"
)


def fast(*args: str, **kw) -> subprocess.CompletedProcess:
    """The console script, as a user runs it (the path without click)."""
    return subprocess.run([str(KYSO), *args], capture_output=True, timeout=120, **kw)


def through_click(*args: str, **kw) -> subprocess.CompletedProcess:
    """The same arguments through the click group, as every other command runs."""
    return subprocess.run(
        [sys.executable, "-c", CLICK_PATH, *args], capture_output=True, timeout=120, **kw
    )


def assert_same(a: subprocess.CompletedProcess, b: subprocess.CompletedProcess) -> None:
    assert (a.returncode, a.stderr.decode(), a.stdout) == (
        b.returncode,
        b.stderr.decode(),
        b.stdout,
    )


@pytest.mark.parametrize(
    ("argv", "scope"),
    [
        (["inbox", "--json"], "inbox"),
        (["inbox", "--all", "--json"], "all"),
        (["inbox", "--json", "--all"], "all"),
        (["inbox", "--signed-by-me", "--json"], "signed_by_me"),
        (["inbox", "--json", "--signed-by-me"], "signed_by_me"),
        (["inbox"], None),
        (["inbox", "--all"], None),
        (["inbox", "--json", "--json"], None),
        (["inbox", "--all", "--signed-by-me", "--json"], None),  # click's rule: the last
        (["inbox", "--all", "--all", "--json"], None),
        (["inbox", "--json", "--help"], None),
        (["inbox", "--jso"], None),
        (["--kiosk", "inbox", "--json"], None),
        (["show", "--json"], None),
        ([], None),
    ],
)
def test_only_the_exact_spellings_skip_click(argv, scope):
    assert main_scope(argv, {}) == scope
    assert main_scope(argv, {"_KYSO_COMPLETE": "bash_complete"}) is None


def test_a_long_hostile_list_is_the_same_bytes_as_through_click(offline_store):
    # More rows than one streamed piece (128), with every hostile string in several
    # columns; the reference is built by Python from the rows the app reads.
    texts = sorted(HOSTILE.items())
    docs = [
        make_doc(
            i,
            trich_yeu=f'"{texts[i % len(texts)][1]}"\nsố {i}\t\\ “trích”',
            don_vi_soan_thao=texts[(i + 3) % len(texts)][1][:50],
            loai=texts[(i + 5) % len(texts)][0],
            so_ky_hieu=f"{i}/KH-STTTT\x1b[31m" if i % 7 == 0 else None,
            holder="ldso" if i % 3 else "vanthu",
        )
        for i in range(3, 303)
    ]
    offline_store.apply_page(docs, "303")
    offline_store.toggle_mark(5)
    offline_store.add_opinion(6, HOSTILE["c1-csi"])
    for flags in FLAGS:
        done = fast("inbox", *flags)
        assert done.returncode == 0, done.stderr
        assert_same(done, through_click("inbox", *flags))
        scope = {"--all": "all", "--signed-by-me": "signed_by_me"}.get(flags[-1], "inbox")
        scope = "all" if "--all" in flags else scope
        rows = offline_store.inbox_dicts(scope)
        python_built = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
        assert done.stdout == (safe_json_text(python_built) + "\n").encode()
        assert json.loads(done.stdout) == rows
        assert not set(done.stdout) & CONTROL_BYTES
        assert not set(done.stdout.decode()) & UNSAFE_CHARS
    assert len(json.loads(fast("inbox", "--all", "--json").stdout)) == 302


def test_errors_and_notices_are_the_same(offline_store, _isolated_home):
    session = _isolated_home / "data" / "session.json"
    # A looser mode is repaired and said once, on stderr: give both runs the same file.
    for run in (fast, through_click):
        session.chmod(0o644)
        done = run("inbox", "--all", "--json")
        assert done.returncode == 0 and "0600" in done.stderr.decode(), done.stderr
    session.chmod(0o644)
    first = fast("inbox", "--all", "--json")
    session.chmod(0o644)
    assert_same(first, through_click("inbox", "--all", "--json"))

    good = session.read_bytes()
    session.write_text("{not json", "utf-8")
    done = fast("inbox", "--json")
    assert done.returncode == 1 and done.stderr.decode().startswith("kyso: "), done.stderr
    assert_same(done, through_click("inbox", "--json"))

    session.unlink()
    done = fast("inbox", "--all", "--json")
    assert done.returncode == 1 and "kyso login" in done.stderr.decode(), done.stderr
    assert_same(done, through_click("inbox", "--all", "--json"))
    session.write_bytes(good)
    session.chmod(0o600)


def test_a_reader_that_leaves_ends_it_quietly_as_click_does(offline_store):
    offline_store.apply_page([make_doc(i, trich_yeu="Kế hoạch " * 60) for i in range(3, 4003)], "9")
    codes = []
    for command in ([str(KYSO)], [sys.executable, "-c", CLICK_PATH]):
        proc = subprocess.Popen(
            [*command, "inbox", "--all", "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert proc.stdout.read(100).startswith(b'[{"id":')
        proc.stdout.close()  # the reader goes away (like `| head -c 100`)
        err = proc.stderr.read()
        codes.append((proc.wait(timeout=120), err.decode()))
    assert codes[0] == codes[1] == (1, "")


def test_the_console_script_does_not_import_click(offline_store, tmp_path):
    probe = tmp_path / "modules.txt"
    code = (
        "import atexit, sys\n"
        f"atexit.register(lambda: open({str(probe)!r}, 'w').write(' '.join(sys.modules)))\n"
        "sys.argv = ['kyso', 'inbox', '--all', '--json']\n"
        "from kyso.cli.main import main\n"
        "main()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert [r["id"] for r in json.loads(done.stdout)] == [r.id for r in offline_store.inbox("all")]
    loaded = set(probe.read_text().split())
    assert "kyso.core.store" in loaded  # the probe sees the modules
    for name in ("click", "kyso.cli.group", "kyso.cli.office", "httpx"):
        assert name not in loaded, name
    # Every other command still goes through click, `cli` still importable from main.
    assert fast("inbox", "--help").stdout.decode().startswith("Cách dùng: kyso inbox")
    from kyso.cli.main import cli

    assert "inbox" in cli.list_commands(None)


def test_ctrl_c_says_the_same_as_click(offline_store):
    offline_store.apply_page([make_doc(i, trich_yeu="Kế hoạch " * 60) for i in range(3, 4003)], "9")
    said = []
    for command in ([str(KYSO)], [sys.executable, "-c", CLICK_PATH]):
        proc = subprocess.Popen(
            [*command, "inbox", "--all", "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert proc.stdout.read(100).startswith(b'[{"id":')  # it is writing the rows
        proc.send_signal(signal.SIGINT)
        proc.stdout.read()
        said.append((proc.wait(timeout=120), proc.stderr.read().decode()))
    assert said[0] == said[1] == (1, "\nĐã huỷ.\n")
