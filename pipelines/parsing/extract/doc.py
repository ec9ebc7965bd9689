"""Legacy Word (.doc, WPS) reader via ``catdoc -w -d utf-8`` (keeps every table cell: one table
row per line, cells separated by tabs)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile

from pipelines.parsing.extract.errors import ExtractionError
from pipelines.parsing.extract.limits import MB, Deadline, Limits
from pipelines.parsing.extract.text import normalise_ws
from pipelines.parsing.types import Block, ExtractedDocument

CATDOC = "catdoc"


def catdoc_blocks(text: str) -> list[Block]:
    """Blocks from catdoc output: runs of lines holding tabs are table rows, other lines text."""
    blocks: list[Block] = []
    run: list[list[str]] = []

    def close() -> None:
        if not run:
            return
        if all(len(r) > 1 and r[-1] == "" for r in run):
            # Every row ends with a tab: catdoc's cell terminator, not an empty last column.
            for r in run:
                r.pop()
        if len(run) == 1 and sum(1 for c in run[0] if c) < 2:
            blocks.append(Block(kind="text", text=normalise_ws(" ".join(run[0]))))
        else:
            width = max(len(r) for r in run)
            rows = tuple(tuple(r) + (None,) * (width - len(r)) for r in run)
            blocks.append(Block(kind="table", rows=rows))
        run.clear()

    for raw in text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0c", "\n").split("\n"):
        if "\t" in raw:
            run.append([normalise_ws(c) for c in raw.split("\t")])
            continue
        close()
        blocks.append(Block(kind="text", text=normalise_ws(raw)))
    close()
    while blocks and blocks[-1].kind == "text" and not blocks[-1].text:
        blocks.pop()
    return blocks


def _memory_cap(megabytes: int):
    """``preexec_fn`` capping the converter's address space (a looping OLE2 chain otherwise makes
    catdoc allocate until the machine runs out)."""
    def cap() -> None:
        try:
            import resource

            limit = megabytes * MB
            soft, hard = resource.getrlimit(resource.RLIMIT_AS)
            if soft == resource.RLIM_INFINITY or soft > limit:
                resource.setrlimit(resource.RLIMIT_AS, (limit, limit if hard == resource.RLIM_INFINITY
                                                        or hard > limit else hard))
        except (ImportError, ValueError, OSError):
            pass
    return cap


def extract_doc(body: bytes, *, limits: Limits, deadline: Deadline, warnings: list[str] | None = None,
                catdoc: str | None = None) -> ExtractedDocument:
    exe = shutil.which(catdoc or CATDOC)
    if not exe:
        raise ExtractionError(
            f"doc: converter {catdoc or CATDOC!r} not found on PATH (install the Debian package 'catdoc')",
            "converter_missing")
    timeout = max(0.1, min(limits.subprocess_timeout_s, deadline.remaining()))
    fd, path = tempfile.mkstemp(suffix=".doc")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(body)
        try:
            proc = subprocess.run([exe, "-w", "-d", "utf-8", path], capture_output=True, timeout=timeout,
                                  check=False, preexec_fn=_memory_cap(limits.budget_memory_mb))
        except subprocess.TimeoutExpired as exc:
            raise ExtractionError(f"doc: catdoc did not finish within {timeout:g} s (subprocess timeout)",
                                  "deadline") from exc
    finally:
        os.unlink(path)
    if proc.returncode != 0:
        err = "; ".join(proc.stderr.decode("utf-8", errors="replace").split("\n")).strip()[:200]
        if "Cannot allocate memory" in err or proc.returncode == -signal.SIGSEGV:
            # A looping or lying OLE2 chain makes catdoc grow until the address-space cap stops it.
            raise ExtractionError(
                f"doc: catdoc exceeded the {limits.budget_memory_mb} MiB memory budget "
                f"(exit code {proc.returncode}: {err or 'no message'})", "memory")
        raise ExtractionError(f"doc: catdoc failed with exit code {proc.returncode}: {err or 'no message'}",
                              "corrupt")
    text = proc.stdout.decode("utf-8", errors="replace")
    warns = list(warnings or [])
    if "\ufffd" in text:
        warns.append(f"doc: catdoc output has {text.count(chr(0xFFFD))} undecodable characters")
    blocks = catdoc_blocks(text)
    if not any(b.text or b.kind == "table" for b in blocks):
        raise ExtractionError("doc: catdoc found no text in the document", "empty")
    return ExtractedDocument(blocks=tuple(blocks), source_format="doc", warnings=tuple(warns))
