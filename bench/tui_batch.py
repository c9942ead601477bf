"""The parts of bench_tui that need no inbox: page thumbnails, and batch signing in the app
(``run_batch`` over the real StoreService: SQLite store, blob folder, outbox) against
``kyso sign`` on the same files and token."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

PIN = "123456"
ROOT = Path(__file__).resolve().parent.parent
KYSO = str(Path(sys.executable).with_name("kyso"))


def thumbnails(work: Path) -> tuple[float, float]:
    sys.path.insert(0, str(ROOT / "tests"))
    from fixtures_pdf import make_pdf

    from kyso.core.docs.render import Renderer, ThumbnailCache

    pdf = make_pdf(work / "thumb.pdf", pages=12)
    renderer = Renderer(ThumbnailCache())
    renderer.page_count(pdf)  # open once: the preview keeps it open
    uncached, cached = [], []
    for page in range(12):
        t0 = time.perf_counter()
        renderer.thumbnail(pdf, page, 520)
        uncached.append((time.perf_counter() - t0) * 1000)
    for _ in range(3):
        for page in range(12):
            t0 = time.perf_counter()
            renderer.thumbnail(pdf, page, 520)
            cached.append((time.perf_counter() - t0) * 1000)
    renderer.close()
    return statistics.median(uncached), statistics.median(cached)


def batch(work: Path, count: int = 20) -> tuple[float, float]:
    """Seconds for `kyso sign` on ``count`` files and for the app's batch on the same."""
    sys.path.insert(0, str(ROOT / "tests"))
    from fixtures_pdf import make_pdf

    from kyso.core.service.sign_items import SignItem
    from kyso.core.service.signing import run_batch
    from kyso.core.token.provision import Identity, make_pki, make_softhsm_token
    from kyso.core.token.session import TokenOptions

    pki = make_pki([Identity("signer", "Nguyễn Văn Ký", title="Giám đốc")])
    token = make_softhsm_token(work / "token", pki, pin=PIN)
    os.environ["SOFTHSM2_CONF"] = str(token.conf)
    files = [make_pdf(work / f"in-{i:02d}.pdf", pages=3) for i in range(count)]
    env = {**os.environ, "KYSO_PIN": PIN, "KYSO_MODULE": token.module}
    out = work / "cli-out"
    out.mkdir()
    t0 = time.monotonic()
    subprocess.run(
        [
            KYSO,
            "sign",
            *map(str, files),
            "--out-dir",
            str(out),
            "--page",
            "1",
            "--box",
            "300,100,500,180",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    cli = time.monotonic() - t0

    from kyso.core.docs.placement import Placement

    service = batch_backend(work / "home-batch", count)
    items = [SignItem(i, i * 10, f.name, path=f) for i, f in enumerate(files, start=1)]
    t0 = time.monotonic()
    try:
        outcome = run_batch(
            service,
            items,
            pin=PIN,
            placement=Placement(0, (300, 100, 500, 180)),
            token_options=TokenOptions(module=token.module),
            out_dir=work / "app-out",
        )
    finally:
        queued = service.store.outbox_size()
        service.close()
    app = time.monotonic() - t0
    if outcome.signed != count or queued != count:
        raise RuntimeError(f"app batch signed {outcome.signed}/{count}, queued {queued}")
    return cli, app


def batch_backend(home: Path, count: int):
    """The app's real service: a SQLite store with ``count`` documents (attachment ids
    ``10 × id``) for an offline session, signed files going to its blob folder."""
    from fixtures_store import make_doc

    from kyso.core.service.store_service import StoreService
    from kyso.core.sync import Session

    os.environ["KYSO_HOME"] = str(home)
    session = Session("http://127.0.0.1:9", "ldso", "x")
    with session.store() as store:
        store.set_meta("me", '{"username": "ldso", "role": "lanh_dao_so"}')
        store.apply_page([make_doc(i) for i in range(1, count + 1)], str(count))
    return StoreService(session)
