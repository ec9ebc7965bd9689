"""Format readers: bytes of any supported format → :class:`ExtractedDocument`.

``extract()`` sniffs the real format from the bytes (content type and file name are hints only),
enforces :class:`Limits`, and dispatches to one reader per format; the readers that can explode
(PDF, DOC, HTML with huge table spans) run in a budgeted child process (:mod:`.isolate`). Every failure is an
:class:`ExtractionError` with a ``code`` and a human-readable ``reason``.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import replace

from pipelines.parsing.extract.errors import ExtractionError
from pipelines.parsing.extract.isolate import READERS, run_isolated
from pipelines.parsing.extract.limits import DEFAULT_LIMITS, Deadline, Limits
from pipelines.parsing.extract.sniff import format_hint, sniff
from pipelines.parsing.extract.text import charset_from_content_type
from pipelines.parsing.types import ExtractedDocument

__all__ = ["DEFAULT_LIMITS", "ExtractionError", "Limits", "extract", "read_bounded", "sniff", "with_pictures"]

OCR_FAILED = "ocr: failed: "  # the warning that says why OCR could not read a document's pages
#: the warning of a document whose OCR was left to `scrapy reparse --status needs_ocr` (Limits.ocr False)
OCR_DEFERRED = "ocr: deferred to `scrapy reparse --status needs_ocr`"
_COMPATIBLE_HINTS = {("html", "text"), ("text", "html")}


def extract(body: bytes, *, content_type: str | None = None, filename: str | None = None,
            limits: Limits | None = None) -> ExtractedDocument:
    """Read ``body`` into an :class:`ExtractedDocument`.

    Raises only :class:`ExtractionError`: any other failure of a reader is wrapped (code
    ``failed``, or ``too_deep`` for pathological nesting) with the format and the cause."""
    try:
        return _extract(body, content_type=content_type, filename=filename, limits=limits)
    except ExtractionError:
        raise
    except RecursionError as exc:
        raise ExtractionError(f"{filename or 'document'}: markup nested too deeply to read", "too_deep") from exc
    except MemoryError as exc:
        raise ExtractionError(f"{filename or 'document'}: out of memory while reading", "too_large") from exc
    except Exception as exc:
        raise ExtractionError(
            f"{filename or 'document'}: reader failed unexpectedly ({type(exc).__name__}: {exc})", "failed"
        ) from exc


def _extract(body: bytes, *, content_type: str | None, filename: str | None,
             limits: Limits | None) -> ExtractedDocument:
    limits = limits or DEFAULT_LIMITS
    name = filename or "document"
    if body is None or len(body) == 0:
        raise ExtractionError(f"{name}: empty input (0 bytes)", "empty")
    if len(body) > limits.max_bytes:
        raise ExtractionError(
            f"{name}: {len(body)} bytes exceeds max_bytes={limits.max_bytes}", "too_large")
    deadline = Deadline(limits.deadline_s)
    hint = format_hint(content_type, filename)
    fmt = sniff(body, hint)
    warnings: list[str] = []
    if hint and hint != fmt and (hint, fmt) not in _COMPATIBLE_HINTS:
        warnings.append(f"{name}: content type/file name suggest {hint} but the bytes are {fmt}; read as {fmt}")
    charset = charset_from_content_type(content_type)

    if fmt == "image":  # a scanned page: there is no text to read without OCR
        from pipelines.parsing.extract import ocr
        if not ocr.available():
            return ExtractedDocument(blocks=(), source_format="image", needs_ocr=True,
                                     warnings=(*warnings, ocr.missing_reason()))
        if not limits.ocr:
            return ExtractedDocument(blocks=(), source_format="image", needs_ocr=True,
                                     warnings=(*warnings, OCR_DEFERRED))
        try:
            return _run_ocr("ocr_image", body, limits, 1, warnings=warnings)
        except ExtractionError as exc:  # a picture OCR cannot read (corrupt, huge, over budget) stays unread
            raise ExtractionError(f"{exc.reason} [{exc.code}]; OCR could not read the picture", "needs_ocr") from exc
    if fmt == "pdf":
        if limits.isolate:
            doc = run_isolated("pdf", body, limits=limits, spent_s=deadline.elapsed(), warnings=warnings)
        else:
            from pipelines.parsing.extract.pdf import extract_pdf
            doc = extract_pdf(body, limits=limits, deadline=deadline, warnings=warnings)
        return _ocr_pdf_pages(body, doc, limits) if doc.needs_ocr else doc
    if fmt == "docx":
        from pipelines.parsing.extract.docx import extract_docx
        return extract_docx(body, limits=limits, deadline=deadline, warnings=warnings)
    if fmt == "xlsx":
        from pipelines.parsing.extract.xls import extract_xlsx
        return extract_xlsx(body, limits=limits, deadline=deadline, warnings=warnings)
    if fmt == "xls":
        from pipelines.parsing.extract.xls import extract_xls
        return extract_xls(body, limits=limits, deadline=deadline, warnings=warnings)
    if fmt == "doc":
        if limits.isolate:
            return run_isolated("doc", body, limits=limits, spent_s=deadline.elapsed(), warnings=warnings)
        from pipelines.parsing.extract.doc import extract_doc
        return extract_doc(body, limits=limits, deadline=deadline, warnings=warnings)
    if fmt == "ofd":
        from pipelines.parsing.extract.ofd import extract_ofd
        return extract_ofd(body, limits=limits, deadline=deadline, warnings=warnings)
    if fmt == "zip":
        raise ExtractionError(f"{name}: ZIP archive that is not DOCX, XLSX or OFD (or a corrupt one)",
                              "unsupported" if hint not in ("docx", "xlsx", "ofd") else "corrupt")
    if fmt == "html":
        from pipelines.parsing.extract.html import HeavyTables, extract_html
        try:
            return extract_html(body, limits=limits, deadline=deadline, declared_charset=charset,
                                warnings=warnings)
        except HeavyTables:  # rowspan × colspan expansion too large to risk in this process
            return run_isolated("html", body, limits=limits, spent_s=deadline.elapsed(), declared_charset=charset,
                                warnings=warnings)
    if hint in ("pdf", "docx", "xlsx", "ofd", "doc", "xls"):
        # Labelled as a binary container but the bytes are not one: corrupt or mislabelled.
        _binary_guard(body, name, hint)
    from pipelines.parsing.extract.text import extract_text
    return extract_text(body, declared_charset=charset, what=name, warnings=warnings)


def _run_ocr(reader: str, body: bytes, limits: Limits, n_pages: int, **kwargs) -> ExtractedDocument:
    """An OCR reader in the budgeted child: its own time (per page, capped) and memory budget."""
    budget = min(limits.ocr_budget_s, 30.0 + limits.ocr_page_s * max(1, n_pages))
    ocr_limits = replace(limits, budget_s=budget, deadline_s=budget, budget_memory_mb=limits.ocr_memory_mb)
    if limits.isolate:
        return run_isolated(reader, body, limits=ocr_limits, **kwargs)
    module, name = READERS[reader]
    fn = getattr(importlib.import_module(module), name)
    return fn(body, limits=ocr_limits, deadline=Deadline(budget), **kwargs)


def _ocr_pdf_pages(body: bytes, doc: ExtractedDocument, limits: Limits) -> ExtractedDocument:
    """A PDF with pages without a text layer: OCR those pages (when the extra is installed) and
    put their blocks in page order among the text-layer blocks."""
    from pipelines.parsing.extract import ocr

    if not ocr.available():
        return replace(doc, warnings=(*doc.warnings, ocr.missing_reason()))
    if not limits.ocr:
        return replace(doc, warnings=(*doc.warnings, OCR_DEFERRED))
    pages = list(doc.ocr_pages)
    try:
        read = _run_ocr("ocr_pdf", body, limits, len(pages), pages=pages)
    except ExtractionError as exc:  # the text-layer reading stands; the scan stays needs_ocr
        return replace(doc, warnings=(*doc.warnings, f"{OCR_FAILED}{exc.reason} [{exc.code}]"))
    if not read.blocks:
        return replace(doc, ocr=True, warnings=(*doc.warnings, *read.warnings, "ocr: no text recognised"))
    ocr_set = set(pages)
    kept = [b for b in doc.blocks if b.page not in ocr_set]
    blocks = sorted([*kept, *read.blocks], key=lambda b: b.page or 0)  # stable: order within a page kept
    return replace(doc, blocks=tuple(blocks), needs_ocr=False, ocr=True,
                   warnings=(*doc.warnings, f"ocr: pages {pages} read by OCR"))


def with_pictures(doc: ExtractedDocument, pictures: list[tuple[str, bytes]],
                  limits: Limits | None = None) -> ExtractedDocument:
    """An HTML page whose report is published as pictures (图片版), read with its pictures:
    ``pictures`` are (SHA-256, bytes) in page order; each is OCR'd as page k of the document
    (its SHA-256 in ``picture_sources``) after the page's own blocks (title, signature).

    Bounded: at most :data:`pipelines.pictures.MAX_PICTURES` pictures and ``limits.max_bytes`` in
    all; what is not an image, too large, corrupt or no page of a report (icon, QR code) is left
    out with a warning. Without the extra, with ``limits.ocr`` False, or when nothing is read, the
    page stays ``needs_ocr`` (the warnings say why)."""
    from pipelines.parsing.extract import ocr
    from pipelines.pictures import MAX_PICTURES

    limits = limits or DEFAULT_LIMITS
    warnings: list[str] = []
    if not pictures:
        return replace(doc, needs_ocr=True, warnings=(*doc.warnings, "pictures: none archived with the page"))
    if not ocr.available():
        return replace(doc, needs_ocr=True, warnings=(*doc.warnings, ocr.missing_reason()))
    if not limits.ocr:
        return replace(doc, needs_ocr=True, warnings=(*doc.warnings, OCR_DEFERRED))
    bodies: list[bytes] = []
    sources: list[str] = []
    total = 0
    for k, (sha256, data) in enumerate(pictures, start=1):
        if k > MAX_PICTURES or total + len(data) > limits.max_bytes:
            warnings.append(f"pictures: {len(pictures) - k + 1} of {len(pictures)} not read (over "
                            f"{MAX_PICTURES} pictures or max_bytes={limits.max_bytes} in all)")
            break
        if sniff(data, None) != "image":
            warnings.append(f"picture {k} (sha256 {sha256}): not an image; not read")
            data = b""  # keeps the page numbering: picture k stays page k
        bodies.append(data)
        sources.append(sha256)
        total += len(data)
    try:
        read = _run_ocr("ocr_pictures", b"", limits, max(1, len(bodies)), pictures=bodies, warnings=warnings)
    except ExtractionError as exc:
        failed = f"{OCR_FAILED}{exc.reason} [{exc.code}]"
        return replace(doc, needs_ocr=True, warnings=(*doc.warnings, *warnings, failed))
    blocks = (*doc.blocks, *read.blocks)
    return replace(doc, blocks=blocks, needs_ocr=not read.blocks, ocr=True, picture_sources=tuple(sources),
                   warnings=(*doc.warnings, *read.warnings,
                             f"ocr: {len(bodies)} picture(s) of the page read by OCR" if read.blocks
                             else "ocr: no text recognised in the pictures"))


def read_bounded(path, max_bytes: int | None = None) -> bytes:
    """The bytes of the file at ``path``, read in chunks with the size check first: a file over
    ``max_bytes`` (default ``DEFAULT_LIMITS.max_bytes``) raises :class:`ExtractionError`
    (``too_large``) without being read. ``OSError`` passes through."""
    limit = DEFAULT_LIMITS.max_bytes if max_bytes is None else max_bytes
    name = getattr(path, "name", None) or str(path)
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if size > limit:
            raise ExtractionError(f"{name}: {size} bytes exceeds max_bytes={limit}; not read", "too_large")
        chunks, total = [], 0
        while chunk := fh.read(1024 * 1024):
            total += len(chunk)
            if total > limit:  # the file grew, or is not a regular file
                raise ExtractionError(f"{name}: more than {limit} bytes exceeds max_bytes={limit}; not read",
                                      "too_large")
            chunks.append(chunk)
    return b"".join(chunks)


def _binary_guard(body: bytes, name: str, hint: str) -> None:
    from pipelines.parsing.extract.text import decode_text
    try:
        decode_text(body[:65536], None, name)
    except ExtractionError as exc:
        raise ExtractionError(f"{name}: labelled {hint} but is not a valid {hint} file ({exc.reason})",
                              "corrupt") from exc
