"""A pool of worker processes for the CPU-bound stages of a crawl: cleaning and parsing.

Cleaning a page and parsing a document are pure functions of bytes (``clean_page``,
``parse_to_json``); run in a thread they still hold the GIL and starve the reactor, so a crawl
runs them here, in ``HARVEST_PARSE_WORKERS`` processes (default:
:func:`crawler.config.default_parse_workers`, the cores less one; ``0`` runs them in a thread of the
crawl's own process). Fetching goes on while documents parse.

How one job runs: the pipeline awaits :meth:`WorkerPool.run`, which waits for an idle worker
(at most ``size`` jobs are in the workers at once), sends ``(function path, args)`` down the
worker's pipe and waits for the answer in a thread of the pool's own executor (one thread per
worker: the reactor never blocks and other ``to_thread`` users are never starved).

Back-pressure: a pipeline stage that awaits here keeps its item, and so the response it came
from, in Scrapy's scraper slot; once the responses being processed exceed
``SCRAPER_SLOT_MAX_ACTIVE_SIZE`` (5 MB by default) the engine stops handing new downloads to the
scraper (``needs_backout``), and the downloader holds at most ``CONCURRENT_REQUESTS``. So when
parsing falls behind, memory stays bounded by those two settings plus ``size`` documents in the
workers — no unbounded queue of bodies builds up anywhere.

A worker that dies (killed, a crash in a C library) fails only the job it was running: the
caller gets :class:`WorkerDied` naming the signal, the worker is replaced, and the pool goes on.
A job running longer than ``job_timeout_s`` has its worker killed the same way (the readers'
own budget, :mod:`pipelines.parsing.extract.isolate`, normally ends a document long before).

Workers are forked from the readers' forkserver (:func:`pipelines.parsing.extract.isolate._mp_context`,
parser modules preloaded) and are not daemonic, so the heavy readers inside them still run in
their budgeted child processes. :meth:`WorkerPool.close` (at spider close, and at exit) stops them.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import os
import signal
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, ClassVar

from scrapy import signals

from pipelines.parsing.extract.isolate import _mp_context, _signal_name

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

#: seconds a worker may take over one job before it is killed (the readers' budget is 60 s)
DEFAULT_JOB_TIMEOUT_S = 300.0


class WorkerDied(RuntimeError):
    """The worker process running a job ended without answering; ``reason`` says how."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def resolve(target: str) -> Any:
    """The function named ``module:qualname``."""
    module, _, name = target.partition(":")
    obj: Any = importlib.import_module(module)
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


def call_target(target: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Run one job in this process (the in-process path, and what a worker does)."""
    return resolve(target)(*args, **kwargs)


def _worker_main(conn: Any) -> None:
    """Worker process: answer jobs from the pipe until told to stop or the parent goes away."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the crawl's to handle, not ours
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        target, args, kwargs = job
        try:
            message: tuple[Any, ...] = ("ok", call_target(target, args, kwargs))
        except Exception as exc:  # returned to the caller, raised there
            message = ("raised", f"{type(exc).__name__}: {exc}")
        del job, args, kwargs
        try:
            conn.send(message)
        except Exception as exc:  # an unpicklable result
            conn.send(("raised", f"result of {target} could not be sent back: {type(exc).__name__}: {exc}"))


class _Worker:
    """One worker process and its end of the pipe; used by one job at a time."""

    def __init__(self, ctx: Any, index: int) -> None:
        self.conn, child_conn = ctx.Pipe(duplex=True)
        self.proc = ctx.Process(target=_worker_main, args=(child_conn,), daemon=False,
                                name=f"harvest-worker-{index}")
        self.proc.start()
        child_conn.close()

    @property
    def pid(self) -> int | None:
        return self.proc.pid

    def call(self, job: tuple[str, tuple[Any, ...], dict[str, Any]], timeout_s: float) -> Any:
        """Send one job and wait for its answer (blocking; run in the pool's executor)."""
        try:
            self.conn.send(job)
            if not self.conn.poll(timeout_s):
                self.kill()
                raise WorkerDied(f"worker process killed after {timeout_s:g} s on one document")
            message = self.conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            self.proc.join(5)
            raise WorkerDied(f"worker process died ({_signal_name(self.proc.exitcode)}) "
                             "on this document") from None
        if message[0] == "ok":
            return message[1]
        raise RuntimeError(message[1])

    def alive(self) -> bool:
        return self.proc.is_alive()

    def kill(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.proc.kill()
        with contextlib.suppress(OSError, ValueError, AssertionError):
            self.proc.join(5)

    def stop(self, timeout_s: float) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.conn.send(None)
        with contextlib.suppress(AssertionError, ValueError):
            self.proc.join(timeout_s)
        if self.proc.is_alive():
            self.kill()
        with contextlib.suppress(OSError):
            self.conn.close()


def _stop_all(workers: list[_Worker], timeout_s: float) -> None:
    """Stop ``workers`` (all told first, then each waited for) and empty the list."""
    stopping = list(workers)
    workers.clear()
    for worker in stopping:
        with contextlib.suppress(OSError, ValueError):
            worker.conn.send(None)
    for worker in stopping:
        worker.stop(timeout_s)


class WorkerPool:
    """``size`` worker processes answering jobs ``(module:function, args, kwargs)``; see the module doc."""

    def __init__(self, size: int, job_timeout_s: float = DEFAULT_JOB_TIMEOUT_S) -> None:
        if size < 1:
            raise ValueError(f"a worker pool needs at least one process, got {size}")
        self.size = size
        self.job_timeout_s = job_timeout_s
        self._ctx = _mp_context()
        self._lock = threading.Lock()
        self._workers: list[_Worker] = []
        self._idle: asyncio.Queue[_Worker] | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._started = 0
        self._closed = False
        self.deaths = 0
        self.jobs = 0
        self.wait_s = 0.0  # summed time jobs waited for a free worker
        self.run_s = 0.0  # summed time jobs spent in a worker (sent, computed, answered)
        # stops the workers when the pool is garbage-collected or the interpreter exits, whichever
        # comes first (holds the worker list, not the pool)
        self._finalizer = weakref.finalize(self, _stop_all, self._workers, 5.0)

    @property
    def available(self) -> bool:
        """False where processes cannot be forked from a forkserver (then jobs run in-process)."""
        return self._ctx is not None

    def pids(self) -> list[int]:
        return [w.pid for w in self._workers if w.pid is not None]

    def _new_worker(self) -> _Worker:
        self._started += 1
        worker = _Worker(self._ctx, self._started)
        with self._lock:
            self._workers.append(worker)
        return worker

    def _replace(self, worker: _Worker) -> _Worker:
        worker.kill()
        with self._lock, contextlib.suppress(ValueError):
            self._workers.remove(worker)
        return self._new_worker()

    def _start(self) -> asyncio.Queue[_Worker]:
        if self._idle is None:
            self._idle = asyncio.Queue()
            self._executor = ThreadPoolExecutor(max_workers=self.size, thread_name_prefix="harvest-worker-wait")
            for _ in range(self.size):
                self._idle.put_nowait(self._new_worker())
        return self._idle

    async def run(self, target: str, *args: Any, **kwargs: Any) -> Any:
        """The result of ``target(*args, **kwargs)`` computed in a worker process.

        Raises :class:`WorkerDied` when the worker ended (or was killed at the job timeout)
        before answering, ``RuntimeError`` with the message of anything the function raised.
        """
        if self._closed:
            raise RuntimeError("the worker pool is closed")
        if self._ctx is None:
            return await asyncio.to_thread(call_target, target, args, kwargs)
        idle = self._start()
        queued = time.monotonic()
        worker = await idle.get()
        started = time.monotonic()
        self.wait_s += started - queued
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._executor, worker.call, (target, args, kwargs),
                                              self.job_timeout_s)
        except WorkerDied as exc:
            self.deaths += 1
            logger.warning("%s; starting a new worker", exc.reason)
            if not self._closed:
                worker = await asyncio.to_thread(self._replace, worker)
            raise
        finally:
            self.jobs += 1
            self.run_s += time.monotonic() - started
            if not self._closed:
                idle.put_nowait(worker)

    def close(self, timeout_s: float = 5.0) -> None:
        """Stop every worker (a job still running is killed after ``timeout_s``); idempotent."""
        if self._closed:
            return
        self._closed = True
        with self._lock:
            workers = list(self._workers)
        _stop_all(self._workers, timeout_s)
        self._finalizer.detach()
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
        if workers:
            logger.info("worker pool closed: %d processes, %d jobs, %.1f s waiting for a worker, %.1f s in "
                        "workers, %d died on a job", len(workers), self.jobs, self.wait_s, self.run_s, self.deaths)


def default_size() -> int:
    return os.cpu_count() or 1


class _Shared:
    """The process's one pool and the crawlers using it (a ``nightly`` runs one crawler per CMS
    family in one process: they share the workers, not one pool each)."""

    pool: ClassVar[WorkerPool | None] = None
    users: ClassVar[weakref.WeakSet[Any]] = weakref.WeakSet()


def pool_for(crawler: Crawler) -> WorkerPool | None:
    """The worker pool of this process, shared by every crawler running in it and by both the
    cleaning and parsing stages; None when ``HARVEST_PARSE_WORKERS`` is 0 or the platform cannot
    fork workers (then those stages run in a thread). The first crawler's settings size it; it is
    closed when the last crawler using it closes its spider (and at exit)."""
    size = crawler.settings.getint("HARVEST_PARSE_WORKERS", 0)
    if size <= 0:
        return None
    pool = _Shared.pool
    if pool is None or pool._closed:
        pool = WorkerPool(size, crawler.settings.getfloat("HARVEST_PARSE_JOB_TIMEOUT", DEFAULT_JOB_TIMEOUT_S))
        if not pool.available:
            return None
        _Shared.pool, _Shared.users = pool, weakref.WeakSet()
    if crawler not in _Shared.users:
        _Shared.users.add(crawler)
        crawler.signals.connect(_releaser(crawler, pool), signal=signals.spider_closed, weak=False)
    return pool


def _releaser(crawler: Crawler, pool: WorkerPool) -> Callable[..., None]:
    """The spider_closed handler of one crawler: it no longer uses the pool; the last one out
    closes it."""
    ref = weakref.ref(crawler)

    def release(*args: Any, **kwargs: Any) -> None:
        user = ref()
        if user is not None:
            _Shared.users.discard(user)
        if pool is _Shared.pool and not len(_Shared.users):
            pool.close()

    return release
