"""Sign a batch with several worker processes and ONE token session.

The PDF work of a signature (parsing, the stamp, the CMS structure, the output) is
CPU-bound Python that holds the GIL; the token's own part is one short call. So the
documents are prepared and assembled in forked worker processes whose pyHanko signer
is a relay: when pyHanko asks it for the raw signature, it sends the bytes to sign to
the parent, which alone holds the logged-in PKCS#11 session, signs them, and sends
the signature back. One PIN entry, one session, one certificate for the whole batch.

Workers are forked, so they start with everything already imported; the parent is
single-threaded when it forks (the CLI), and a worker never calls the PKCS#11 module.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kyso.core.docs.sign import (
    BatchResult,
    JobResult,
    Prepared,
    SignJob,
    SignOptions,
    StampCache,
    preflight,
    prepare,
    sign_prepared,
)
from kyso.core.errors import KysoError, SigningError, TokenRemovedError
from kyso.core.token.errors import translate

__all__ = ["default_workers", "preflight_parallel", "sign_batch_parallel"]


def default_workers(jobs: int) -> int:
    """Worth forking only for a real batch and with more than one core."""
    cores = os.cpu_count() or 1
    if jobs < 8 or cores < 2:
        return 0
    return min(cores, 4, jobs // 4)


def _ignore_sigint() -> None:
    # Ctrl-C in a terminal reaches the whole process group: the parent decides.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _preflight_chunk(args) -> tuple[list[Prepared], list[JobResult]]:
    jobs, options, notes = args
    return preflight(jobs, options, notes=notes)


def preflight_parallel(
    jobs: Sequence[SignJob], options: SignOptions, *, workers: int, notes: bool = False
) -> tuple[list[Prepared], list[JobResult]]:
    """:func:`kyso.core.docs.sign.preflight` spread over ``workers`` forked processes
    (parsing, placement and the notes are CPU-bound); both lists keep the job order.
    Call it before the token is opened: the workers only read PDFs."""
    jobs = list(jobs)
    if workers < 2 or len(jobs) < 2:
        return preflight(jobs, options, notes=notes)
    size = max(1, -(-len(jobs) // (workers * 4)))  # small chunks even out the load
    chunks = [(jobs[i : i + size], options, notes) for i in range(0, len(jobs), size)]
    context = multiprocessing.get_context("fork")
    with context.Pool(workers, initializer=_ignore_sigint) as pool:
        parts = pool.map(_preflight_chunk, chunks, chunksize=1)
    ready = [item for part, _ in parts for item in part]
    failed = [item for _, part in parts for item in part]
    return ready, failed


@dataclass(frozen=True)
class _RelayKey:
    """What :func:`sign_prepared` needs of a key, with a relay instead of the token."""

    certificate: object
    signer: object
    token_label: str


def _relay_signer(conn, cert_der: bytes, chain: list[bytes], mechanism: bytes):
    from asn1crypto import algos, x509
    from pyhanko.sign.signers.pdf_cms import Signer
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    class RelaySigner(Signer):
        async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run=False):
            conn.send(("sign", data, digest_algorithm))
            kind, payload = conn.recv()
            if kind == "err":
                raise payload
            return payload

    cert = x509.Certificate.load(cert_der)
    store = SimpleCertificateStore.from_certs([cert, *(x509.Certificate.load(c) for c in chain)])
    return RelaySigner(
        signing_cert=cert,
        cert_registry=store,
        signature_mechanism=algos.SignedDigestAlgorithm.load(mechanism),
    )


def _worker(conn, cert_info, cert_der, chain, mechanism, token_label, options) -> None:
    # Ctrl-C in a terminal reaches the whole process group: the parent decides.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    key = _RelayKey(cert_info, _relay_signer(conn, cert_der, chain, mechanism), token_label)
    stamper = StampCache(options)
    while True:
        message = conn.recv()
        if message[0] == "stop":
            return
        _, index, item = message
        job = item.job if isinstance(item, Prepared) else item
        try:
            prepared = item if isinstance(item, Prepared) else prepare(job, options)
            result = JobResult(job, signed=sign_prepared(prepared, key, options, stamper))
        except KysoError as exc:
            result = JobResult(job, error=exc)
        except Exception as exc:  # a worker must always answer
            result = JobResult(job, error=SigningError(f"Ký {job.source.name} thất bại: {exc}"))
        conn.send(("done", index, result))


def _sign_raw(key, data: bytes, digest_algorithm: str) -> bytes:
    try:
        return asyncio.run(key.signer.async_sign_raw(data, digest_algorithm))
    except KysoError:
        raise
    except Exception as exc:
        if type(exc).__module__.startswith("pkcs11"):
            raise translate(exc, "ký", in_session=True) from None
        raise SigningError(f"Token không ký được: {exc}") from None


def sign_batch_parallel(
    jobs: Sequence[SignJob | Prepared],
    key,
    options: SignOptions,
    *,
    workers: int,
    on_result: Callable[[JobResult, int, int], None] | None = None,
    cancel: threading.Event | None = None,
) -> BatchResult:
    """Like :func:`kyso.core.docs.sign.sign_batch`, with ``workers`` forked processes.

    Results are reported as they complete; the returned results are in job order. A
    pulled token or ``cancel`` stops the dispatch: documents in flight finish (or
    fail), the rest are reported as skipped.
    """
    from asn1crypto import x509

    jobs = list(jobs)
    total = len(jobs)
    mechanism = key.signer.get_signature_mechanism_for_digest("sha256").dump()
    cert = key.certificate
    chain = [
        c.dump()
        for c in key.signer.cert_registry
        if isinstance(c, x509.Certificate) and c.dump() != cert.der
    ]
    context = multiprocessing.get_context("fork")
    pipes, processes = [], []
    for _ in range(workers):
        parent, child = context.Pipe()
        process = context.Process(
            target=_worker,
            args=(child, cert, cert.der, chain, mechanism, key.token_label, options),
            daemon=True,
        )
        process.start()
        child.close()
        pipes.append(parent)
        processes.append(process)

    results: dict[int, JobResult] = {}
    stopped: KysoError | None = None
    queue = list(enumerate(jobs))
    busy: dict[object, int] = {}

    def record(index: int, result: JobResult) -> None:
        results[index] = result
        if on_result is not None:
            on_result(result, len(results), total)

    def dispatch(conn) -> None:
        nonlocal stopped
        if stopped is None and cancel is not None and cancel.is_set():
            stopped = SigningError("Đã dừng theo yêu cầu; các tệp còn lại chưa ký.")
        if stopped is None and queue:
            index, item = queue.pop(0)
            busy[conn] = index
            conn.send(("job", index, item))

    refuse: KysoError | None = None  # once set, no more signatures: Ctrl-C, token gone
    # Workers waiting for the answer to a signature request. An interrupt between
    # reading a request and answering it must still answer, or that worker would wait
    # for ever while the parent waits for its result.
    unanswered: set = set()

    def answer(conn, reply) -> None:
        with contextlib.suppress(OSError):  # the worker died meanwhile
            conn.send(reply)
        unanswered.discard(conn)

    def handle(conn) -> None:
        nonlocal stopped, refuse
        try:
            message = conn.recv()
        except EOFError:
            index = busy.pop(conn)
            job = jobs[index].job if isinstance(jobs[index], Prepared) else jobs[index]
            record(index, JobResult(job, error=SigningError("Tiến trình ký bị dừng")))
            return
        if message[0] == "sign":
            unanswered.add(conn)
            if refuse is not None:
                answer(conn, ("err", refuse))
                return
            try:
                answer(conn, ("sig", _sign_raw(key, message[1], message[2])))
            except KysoError as exc:
                if isinstance(exc, TokenRemovedError):
                    stopped = refuse = exc
                answer(conn, ("err", exc))
            return
        _, index, result = message
        del busy[conn]
        if isinstance(result.error, TokenRemovedError) and stopped is None:
            stopped = refuse = result.error
        record(index, result)
        dispatch(conn)

    abandon = False  # a second interrupt: stop the workers instead of waiting for them
    interrupted = False
    try:
        for conn in pipes:
            dispatch(conn)
        # Jobs in flight are always collected, so a file reported skipped is never
        # written behind the caller's back; after Ctrl-C they get no more signatures.
        while busy:
            try:
                for conn in multiprocessing.connection.wait(list(busy)):
                    handle(conn)
            except KeyboardInterrupt:
                if interrupted:
                    abandon = True
                    break
                interrupted = True
                stopped = refuse = SigningError("Đã dừng (Ctrl-C); các tệp còn lại chưa ký.")
                for conn in list(unanswered):
                    answer(conn, ("err", refuse))
    finally:
        if abandon:
            for process in processes:
                process.terminate()  # outputs are atomic: no half-written file appears
        for conn in pipes:
            with contextlib.suppress(OSError):  # a worker that died already
                conn.send(("stop",))
        for process in processes:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
    for index, item in enumerate(jobs):
        if index not in results:
            job = item.job if isinstance(item, Prepared) else item
            reason = stopped or SigningError("Chưa ký")
            record(index, JobResult(job, error=reason, skipped=True))
    return BatchResult(tuple(results[i] for i in range(total)), stopped)
