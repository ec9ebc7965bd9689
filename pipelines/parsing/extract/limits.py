"""Per-document resource limits for the format readers and the deadline helper."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from pipelines.parsing.extract.errors import ExtractionError

MB = 1024 * 1024
_HWM = re.compile(rb"^VmHWM:\s+(\d+)\s+kB", re.M)


def vm_hwm_mb(pid: int | str = "self") -> float | None:
    """Linux's VmHWM (peak resident memory of the current program) of process ``pid`` in MiB; None
    where /proc has no such process or no such line."""
    try:
        with open(f"/proc/{pid}/status", "rb") as fh:
            found = _HWM.search(fh.read())
    except OSError:
        return None
    return int(found.group(1)) / 1024 if found else None


def peak_rss_mb() -> float:
    """This process's own peak resident memory in MiB (:func:`vm_hwm_mb`).

    Not ``getrusage().ru_maxrss``: Linux carries that over ``execve`` from the process that started
    this one, so a program launched by a large parent (a benchmark holding a 1,000-portal farm)
    reports the parent's peak as its own. ru_maxrss is the fallback where /proc is missing."""
    own = vm_hwm_mb()
    if own is not None:
        return own
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux and BSD: KiB


@dataclass(frozen=True)
class Limits:
    """Resource limits applied to one document; every violation raises :class:`ExtractionError`."""

    max_bytes: int = 50 * MB  # size of the input body, checked before any parsing
    max_pages: int = 300  # PDF / OFD pages
    deadline_s: float = 60.0  # wall clock for the whole extraction
    subprocess_timeout_s: float = 30.0  # external converters (catdoc)
    max_uncompressed_bytes: int = 200 * MB  # sum of member sizes in a ZIP container (DOCX/XLSX/OFD)
    max_compression_ratio: float = 200.0  # per ZIP member, uncompressed / compressed
    max_table_cells: int = 1_000_000  # one expanded table grid (rowspan/colspan bombs)
    max_document_cells: int = 5_000_000  # all expanded HTML table grids of one document together
    max_sheet_rows: int = 100_000  # XLS/XLSX rows per sheet
    max_member_bytes: int = 100 * MB  # one ZIP member, counted while inflating (directory sizes lie)
    max_stream_bytes: int = 256 * MB  # one inflated PDF stream (flate bombs)
    # The reading budget of one document: readers that can explode (PDF, DOC, HTML with large
    # table spans) run in a child process that is killed at budget_s and limited to
    # budget_memory_mb of address space (see :mod:`pipelines.parsing.extract.isolate`).
    budget_s: float = 60.0
    budget_memory_mb: int = 1024
    isolate: bool = True  # False: run every reader in-process (the child itself; platforms without fork)
    # HTML whose tables expand to more cells than this (rowspan × colspan summed) is read in the child.
    html_isolate_cells: int = 100_000
    # OCR (optional extra): one page image may not exceed this many pixels (a 20,000 × 20,000
    # picture is refused before decoding); the OCR child gets its own, larger budget.
    max_image_pixels: int = 40_000_000
    #: False: scans and pictures are not OCR'd here (the crawl defers them to `scrapy reparse --status
    #: needs_ocr`); the document stays needs_ocr with that reason
    ocr: bool = True
    ocr_budget_s: float = 900.0
    ocr_page_s: float = 120.0  # a page taking longer ends the reading (deadline)
    ocr_memory_mb: int = 3072


DEFAULT_LIMITS = Limits()


class Deadline:
    """Wall-clock budget for one extraction; ``check()`` between pages/elements."""

    def __init__(self, seconds: float, *, clock=time.monotonic) -> None:
        self._clock = clock
        self.seconds = seconds
        self.started = clock()

    def elapsed(self) -> float:
        return self._clock() - self.started

    def remaining(self) -> float:
        return self.seconds - self.elapsed()

    def check(self, where: str = "") -> None:
        elapsed = self.elapsed()
        if elapsed > self.seconds:
            suffix = f" ({where})" if where else ""
            raise ExtractionError(
                f"deadline exceeded: {elapsed:.1f} s > limit {self.seconds:g} s{suffix}",
                "deadline",
            )
