"""Run one format reader in a child process under a hard budget: wall clock and address space.

The readers that can explode on a small hostile input (a PDF flate bomb or glyph flood, an HTML
page of rowspan × colspan bombs, a .doc whose OLE2 chains loop inside catdoc) run here. The child
is forked from a multiprocessing *forkserver* that has the readers imported already, so a
document costs one fork, not an interpreter start. In the child, ``RLIMIT_AS`` caps the address
space at ``Limits.budget_memory_mb`` (a runaway allocation becomes a ``MemoryError`` or a dead
child; catdoc inherits the cap); the parent waits at most ``Limits.budget_s`` and then kills the
child with SIGKILL. Every way the child can end becomes either the reader's result or an
:class:`ExtractionError` whose reason names the reader and the budget it exceeded.
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import os
import signal
import threading
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Literal

from pipelines.parsing.extract.errors import ExtractionError
from pipelines.parsing.extract.limits import MB, Deadline, Limits, peak_rss_mb
from pipelines.parsing.types import ExtractedDocument

if TYPE_CHECKING:
    from multiprocessing.context import ForkServerContext

# reader name → (module, function); each function takes (body, *, limits, deadline, **kwargs).
READERS = {
    "pdf": ("pipelines.parsing.extract.pdf", "extract_pdf"),
    "doc": ("pipelines.parsing.extract.doc", "extract_doc"),
    "html": ("pipelines.parsing.extract.html", "extract_html"),
    "ocr_pdf": ("pipelines.parsing.extract.ocr", "extract_ocr_pdf"),
    "ocr_image": ("pipelines.parsing.extract.ocr", "extract_ocr_image"),
    "ocr_pictures": ("pipelines.parsing.extract.ocr", "extract_ocr_pictures"),
}
_PRELOAD = ["pipelines.parsing.extract.isolate", "pdfplumber", "pdfminer.pdfparser", "pypdfium2",
            "pipelines.parsing.extract.pdfium_text", "pdfplumber.table",
            *sorted({module for module, _ in READERS.values()}),
            # the crawl's worker processes (pipelines.workers) fork from this server too
            "pipelines.parsing", "pipelines.cleaning.cleaner"]

_lock = threading.Lock()
_context: ForkServerContext | Literal[False] | None = None  # False: no forkserver on this platform


def _mp_context() -> ForkServerContext | None:
    """The forkserver context (created once, readers preloaded), or None where there is none."""
    global _context
    with _lock:
        if _context is None:
            try:
                ctx = multiprocessing.get_context("forkserver")
            except ValueError:
                _context = False
            else:
                ctx.set_forkserver_preload(_PRELOAD)
                _context = ctx
        return _context or None


def _child(conn, reader: str, body: bytes, limits: Limits, spent_s: float, kwargs: dict) -> None:
    """Child process: cap the address space, run the reader, send one message, exit."""
    with contextlib.suppress(OSError):
        os.setpgid(0, 0)  # its own process group: a kill also reaches a converter it started
    try:
        import resource

        cap = limits.budget_memory_mb * MB
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, ValueError, OSError):
        pass
    try:
        module, name = READERS[reader]
        fn = getattr(importlib.import_module(module), name)
        deadline = Deadline(min(limits.deadline_s, limits.budget_s) - spent_s)
        doc = fn(body, limits=replace(limits, isolate=False), deadline=deadline, **kwargs)
        # ("ok", document, peak MB) | ("error", code, reason, peak MB) | ("memory", peak MB)
        message: tuple[Any, ...] = ("ok", doc, peak_rss_mb())
    except ExtractionError as exc:
        message = ("error", exc.code, exc.reason, peak_rss_mb())
    except MemoryError:
        message = ("memory", peak_rss_mb())
    except RecursionError:
        message = ("error", "too_deep", f"{reader}: markup nested too deeply to read", peak_rss_mb())
    except Exception as exc:  # reported to the parent, which wraps it like an in-process failure
        message = ("error", "failed", f"{reader}: reader failed unexpectedly ({type(exc).__name__}: {exc})",
                   peak_rss_mb())
    del body
    try:
        conn.send(message)
    except MemoryError:
        conn.send(("memory", peak_rss_mb()))
    finally:
        conn.close()


def _signal_name(exitcode: int | None) -> str:
    if exitcode is None or exitcode >= 0:
        return f"exit code {exitcode}"
    try:
        return signal.Signals(-exitcode).name
    except ValueError:
        return f"signal {-exitcode}"


def _kill(proc) -> None:
    """SIGKILL the child and its process group (catdoc and any other converter it runs)."""
    with contextlib.suppress(OSError):  # ProcessLookupError, PermissionError included
        os.killpg(proc.pid, signal.SIGKILL)
    proc.kill()


def run_isolated(reader: str, body: bytes, *, limits: Limits, spent_s: float = 0.0,
                 **kwargs) -> ExtractedDocument:
    """Run ``READERS[reader]`` over ``body`` in a budgeted child process.

    ``spent_s`` is the part of the budget already used on this document (sniffing, a first
    in-process attempt). Raises :class:`ExtractionError` with code ``deadline`` when the
    document outlives ``limits.budget_s`` (the child is killed), ``memory`` when the child
    exceeds ``limits.budget_memory_mb`` (or dies of a signal under that cap), else whatever the
    reader raised."""
    ctx = _mp_context()
    if ctx is None or multiprocessing.current_process().daemon:
        # No forkserver (non-Unix) or inside a daemonic worker: read in-process, cooperative limits only.
        module, name = READERS[reader]
        fn = getattr(importlib.import_module(module), name)
        return fn(body, limits=replace(limits, isolate=False), deadline=Deadline(limits.deadline_s), **kwargs)
    memory = f"the {limits.budget_memory_mb} MiB memory budget"
    receiver, sender = ctx.Pipe(duplex=False)
    started = time.monotonic() - spent_s
    proc = ctx.Process(target=_child, args=(sender, reader, body, limits, spent_s, kwargs), daemon=True,
                       name=f"reader-{reader}")
    proc.start()
    sender.close()
    message = None
    try:
        if receiver.poll(max(0.0, limits.budget_s - (time.monotonic() - started))):
            try:
                message = receiver.recv()
            except (EOFError, OSError):
                message = None  # the child died without a word
        else:
            _kill(proc)
            raise ExtractionError(
                f"{reader}: exceeded the {limits.budget_s:g} s reading budget; reader process killed",
                "deadline")
    finally:
        proc.join(5)
        if proc.is_alive():
            _kill(proc)
            proc.join()
        receiver.close()
    if message is None:
        raise ExtractionError(
            f"{reader}: reader process died ({_signal_name(proc.exitcode)}) under {memory}", "memory")
    kind = message[0]
    if kind == "ok":
        return message[1]
    if kind == "memory":
        raise ExtractionError(f"{reader}: exceeded {memory}; reader stopped", "memory")
    _, code, reason, _peak = message
    raise ExtractionError(reason, code)
