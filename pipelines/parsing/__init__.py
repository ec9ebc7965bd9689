"""Report parser: bytes of any supported format → :class:`ParsedReport` or :class:`ParseFailure`.

``parse_document`` is the one entry point; it never raises for bad input. ``parse_extracted`` is
the semantic layer alone (recognition, metadata, sections, tables, checks) over an
:class:`ExtractedDocument` produced by the format readers in :mod:`pipelines.parsing.extract`.
"""

from __future__ import annotations

from pipelines.parsing.extract.ocr import available as _ocr_available
from pipelines.parsing.types import ExtractedDocument, ParsedReport, ParseFailure, Status

# 1.3.0: scans and pictures read by OCR when the optional extra is installed. The "+ocr" suffix
# records that it was: a document read without it sorts below, so `scrapy reparse --status
# needs_ocr` takes up the scans once the extra is installed, and a second run finds nothing to do.
BASE_PARSER_VERSION = "1.3.0"
PARSER_VERSION = BASE_PARSER_VERSION + ("+ocr" if _ocr_available() else "")

__all__ = ["BASE_PARSER_VERSION", "PARSER_VERSION", "ParseFailure", "ParsedReport", "parse_document", "parse_extracted"]


def parse_extracted(doc: ExtractedDocument, *, name: str = "document",
                    agency_hint: str | None = None, pictures_at_hand: bool = True) -> ParsedReport | ParseFailure:
    """Semantic layer over extracted content. ``agency_hint``: the seed's agency, used only to
    expand a short form the title prints ("财金局") into its full name. ``pictures_at_hand``
    False: a page whose report is published as pictures (图片版) was read without them (the
    crawl): it stays ``needs_ocr``, deferred to `scrapy reparse --status needs_ocr`."""
    from pipelines.parsing.checks import run_checks
    from pipelines.parsing.extract.text import strip_boilerplate
    from pipelines.parsing.metadata import extract_metadata, looks_like_report
    from pipelines.parsing.sections import find_sections
    from pipelines.parsing.tables import extract_tables

    if doc.needs_ocr and doc.picture_sources:
        return ParseFailure(status="needs_ocr", reason=f"{name}: the report is published as pictures (图片版); "
                            f"OCR read nothing of them ({'; '.join(doc.warnings[-3:])})",
                            source_format=doc.source_format, parser_version=PARSER_VERSION,
                            warnings=tuple(doc.warnings))
    if doc.needs_ocr:
        from pipelines.parsing.extract.ocr import available, missing_reason

        hint = "" if available() else f" — {missing_reason()}"
        from pipelines.parsing.extract import OCR_DEFERRED, OCR_FAILED

        failed = [w.removeprefix(OCR_FAILED) for w in doc.warnings if w.startswith(OCR_FAILED)]
        deferred = OCR_DEFERRED in doc.warnings
        why = ("OCR recognised no text in its images" if doc.ocr
               else f"no text layer (image-only); OCR failed: {failed[-1]}" if failed
               else f"no text layer (image-only); {OCR_DEFERRED}" if deferred
               else f"no text layer (image-only); OCR needed{hint}")
        # a deferred scan records the version without OCR, so `scrapy reparse --status needs_ocr` selects it
        return ParseFailure(status="needs_ocr", reason=f"{name}: {why}",
                            source_format=doc.source_format,
                            parser_version=BASE_PARSER_VERSION if deferred else PARSER_VERSION,
                            warnings=tuple(doc.warnings))
    md = extract_metadata(doc, agency_hint=agency_hint)
    tables = extract_tables(doc, year=md.year)
    has_tables = any(k.startswith(("t3.", "t4.")) for k in tables.cells) or len(
        [k for k in tables.cells if k.startswith("t2.")]) >= 3
    pre2019 = not has_tables and md.year is not None and md.year <= 2018
    # A text document gets the page cleaner's boilerplate removal before its sections are read
    # (metadata above still sees its byline; tables read every line as printed).
    body_doc = strip_boilerplate(doc) if doc.source_format == "text" else doc
    sections = find_sections(body_doc, pre2019=pre2019)
    n_main = sum(1 for s in sections if s.key.startswith("s") or s.key.startswith("pre2019"))
    ok, reason = looks_like_report(doc, md, n_main, has_tables)
    if not ok and _report_in_pictures(doc, md):
        from pipelines.parsing.extract import OCR_DEFERRED

        # read without its pictures (the crawl): the version without OCR, so the reparse selects it
        later = "" if pictures_at_hand else f"; {OCR_DEFERRED}"
        return ParseFailure(status="needs_ocr", title=md.title, agency=md.agency, year=md.year,
                            reason=f"{name}: the report is published as {doc.images} image(s) with no text "
                                   f"of its own (图片版); OCR needed{later}",
                            source_format=doc.source_format,
                            parser_version=PARSER_VERSION if pictures_at_hand else BASE_PARSER_VERSION,
                            warnings=tuple(doc.warnings))
    if not ok:
        return ParseFailure(status="not_report", reason=f"{name}: {reason}", title=md.title, agency=md.agency,
                            year=md.year, source_format=doc.source_format, parser_version=PARSER_VERSION,
                            warnings=tuple(doc.warnings))
    formats = dict(tables.formats)
    extra = dict(md.extra)
    if pre2019:
        formats = {"t2": "pre2019", "t3": "pre2019", "t4": "pre2019"}
        extra["pre2019"] = True
    cells = tables.cells
    if doc.ocr:
        from pipelines.parsing.extract.ocr import name_doubtful, with_confidence

        cells = with_confidence(doc, cells)
        extra["ocr"] = True
        if doc.picture_sources:  # page k of a cell's provenance is picture k of the page
            extra["pictures"] = [{"page": k, "sha256": s} for k, s in enumerate(doc.picture_sources, start=1)]
    checks = tuple(run_checks(cells))
    if doc.ocr:
        checks = name_doubtful(checks, cells)
    return ParsedReport(
        title=md.title, agency=md.agency, year=md.year, published=md.published, formats=formats,
        sections=tuple(sections), cells=cells, incomplete=dict(tables.incomplete), checks=checks,
        warnings=tuple(doc.warnings) + tuple(tables.warnings), source_format=doc.source_format,
        parser_version=PARSER_VERSION, extra=extra,
    )


def _report_in_pictures(doc: ExtractedDocument, md) -> bool:
    """An HTML page titled as an annual report whose body is images, not text."""
    from pipelines.parsing import patterns as P

    if not doc.images or md.title is None or md.notice or md.year is None:
        return False
    rest = P.LABEL_WS.sub("", doc.text).replace(P.LABEL_WS.sub("", md.title), "", 1)
    return len(rest) <= P.IMAGE_REPORT_MAX_CHARS


def parse_document(body: bytes, *, content_type: str | None = None, filename: str | None = None,
                   limits=None, agency_hint: str | None = None,
                   pictures: list[tuple[str, bytes]] | None = None) -> ParsedReport | ParseFailure:
    """Parse one document; never raises for bad input (failures are :class:`ParseFailure`).

    ``agency_hint``: the agency of the seed the document was found under (optional); it only
    replaces a short form of the name printed in the title, never a different agency.
    ``pictures``: (SHA-256, bytes) of an HTML page's report pictures in page order; a page whose
    report is published as pictures (图片版) is read from them by OCR
    (:func:`pipelines.parsing.extract.with_pictures`). None: not at hand (the page stays
    ``needs_ocr``, deferred)."""
    from pipelines.parsing.extract import ExtractionError, extract

    name = filename or "document"
    try:
        doc = extract(body, content_type=content_type, filename=filename, limits=limits)
    except ExtractionError as exc:
        status: Status = "needs_ocr" if exc.code in ("needs_ocr", "no_text_layer") else "failed"
        reason = exc.reason if name in exc.reason else f"{name}: {exc.reason}"
        return ParseFailure(status=status, reason=f"{reason} [{exc.code}]", parser_version=PARSER_VERSION)
    except Exception as exc:  # a reader bug must not escape the entry point
        return ParseFailure(status="failed", reason=f"{name}: unexpected {type(exc).__name__}: {exc}",
                            parser_version=PARSER_VERSION)
    try:
        if pictures is not None and doc.images and not doc.ocr and doc.source_format == "html":
            from pipelines.parsing.extract import with_pictures
            from pipelines.parsing.metadata import extract_metadata

            if _report_in_pictures(doc, extract_metadata(doc, agency_hint=agency_hint)):
                doc = with_pictures(doc, pictures, limits)
        return parse_extracted(doc, name=name, agency_hint=agency_hint, pictures_at_hand=pictures is not None)
    except Exception as exc:  # defensive: report, never raise
        return ParseFailure(status="failed", reason=f"{name}: parser error {type(exc).__name__}: {exc}",
                            source_format=doc.source_format, parser_version=PARSER_VERSION,
                            warnings=tuple(doc.warnings))
