"""Re-run the current parser over archived documents, with no network (``scrapy reparse``).

A stored document is read again exactly as the crawl read it (:func:`reparse_document`): its raw
bytes from the blob store, the page cleaner for an HTML page (:mod:`pipelines.cleaning`), the
parser input of :func:`pipelines.report.parser_input` (a multi-page article's pages joined, its
missing pages flagged again), the seed's agency as hint, then :meth:`ReportStore.save` with the
same version identity (:mod:`pipelines.identity`).

Outcome per document:

* unchanged: the new parse has the content of the version the document is a source of; that
  version and the document record the current parser version, nothing else changes;
* changed: the new content is stored as a version (every earlier version is kept); a version
  whose every parsed source now reads as another content is marked ``superseded`` and loses
  canonical status to the current reading;
* failed: the archived bytes are missing or corrupt; reported by report id, the run goes on.

A page whose report is published as pictures (图片版) is read with its archived pictures (the
documents fetched from it), in the page's order, by OCR; the crawl left it ``needs_ocr``.

Each document is one transaction, and ``documents.parser_version`` records which parser read it,
so a run killed at any point resumes where it stopped and a second run finds nothing to do.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select

from crawler.items import FetchedDocument
from pipelines import parsing
from pipelines.cleaning.cleaner import clean_page
from pipelines.cleaning.pipeline import is_html
from pipelines.pictures import picture_urls
from pipelines.report import (
    container_of,
    flag_missing_pages,
    missing_pages,
    page_pictures,
    parse_to_json,
    parser_input,
)
from pipelines.storage.blobs import BlobCorrupted, BlobStore, BlobStoreUnavailable
from pipelines.storage.crossyear import evaluate_cross_year
from pipelines.storage.models import Document, Portal, Report, ReportSource
from pipelines.storage.store import ReportStore

#: the warning :func:`pipelines.report.flag_missing_pages` leaves on an article with pages missing
MISSING_PAGES = re.compile(r"^article: \d+ of \d+ pages missing: (?P<urls>.+)$")
STATUSES = ("ok", "failed", "needs_ocr", "not_report")


def version_key(version: str | None) -> tuple[int, ...]:
    """Sortable form of a parser version ("1.10.0" > "1.9.2"); an unknown version sorts first."""
    if not version:
        return ()
    return tuple(int(part) if part.isdigit() else -1 for part in re.split(r"[.\-+]", version))


@dataclass
class ReparseStats:
    documents: int = 0
    reparsed: int = 0
    changed: int = 0
    failed: int = 0
    started: float = field(default_factory=time.monotonic)
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"documents={self.documents} reparsed={self.reparsed} changed={self.changed} "
                f"failed={self.failed} duration_s={time.monotonic() - self.started:.2f}")


class MissingBytes(RuntimeError):
    """A document's archived bytes are absent from (or corrupt in) the blob store."""


def select_documents(store: ReportStore, *, province: str | None = None, status: str | None = None,
                     below_version: str | None = None) -> list[int]:
    """Ids of the parsed documents to read again, in storage order.

    A document is parsed when the crawl ran the parser on it (article pages 2..n are read with
    their page 1, never alone). ``below_version`` (default: the current parser's) keeps the
    documents last read by an older parser, so done work is skipped.
    """
    limit = version_key(below_version or parsing.PARSER_VERSION)
    query = select(Document.id, Document.parser_version).where(Document.parse_status.is_not(None))
    if province:
        query = query.join(Portal, Portal.id == Document.portal_id).where(Portal.province == province)
    if status:
        query = query.where(Document.parse_status == status)
    with store.sessions() as session:
        rows = session.execute(query.order_by(Document.id)).all()
    return [doc_id for doc_id, version in rows if version_key(version) < limit]


def _fetched(row: Document, blobs: BlobStore) -> FetchedDocument:
    try:
        body = blobs.get(row.sha256)
    except (FileNotFoundError, BlobCorrupted, BlobStoreUnavailable) as exc:
        state = ("corrupt" if isinstance(exc, BlobCorrupted) else "missing" if isinstance(exc, FileNotFoundError)
                 else f"unreadable ({exc})")
        raise MissingBytes(f"archived bytes of document {row.id} ({row.final_url}, sha256 {row.sha256}) "
                           f"are {state}") from exc
    fetched_at = row.fetched_at if row.fetched_at is not None else datetime.now(UTC)
    doc = FetchedDocument(
        url=row.requested_url, final_url=row.final_url, status=row.http_status, body=body,
        fetched_at=fetched_at, content_type=row.content_type, filename=row.filename, etag=row.etag,
        last_modified=row.last_modified, redirect_chain=list(row.redirect_chain or []),
        portal_id=row.portal_id, parent_url=row.parent_url, link_title=row.link_title, sha256=row.sha256)
    if is_html(doc):  # as the cleaning stage does
        headers = {"Content-Type": doc.content_type} if doc.content_type else None
        doc.cleaned = clean_page(doc.body, url=doc.final_url, headers=headers)
    return doc


def _article(store: ReportStore, row: Document, blobs: BlobStore, doc: FetchedDocument,
             versions: list[Report]) -> None:
    """Put back a multi-page article's pages 2..n (sources of its report whose parent is this page,
    in page order) and the pages the crawl could not fetch (named by the earlier parse)."""
    with store.sessions() as session:
        pages = session.scalars(
            select(Document).join(ReportSource, ReportSource.document_id == Document.id)
            .where(ReportSource.report_id.in_([v.id for v in versions]), Document.parent_url == row.requested_url,
                   Document.parse_status.is_(None), Document.id != row.id).distinct()).all()
    seen: set[str] = set()
    ordered = sorted(pages, key=lambda p: [int(n) for n in re.findall(r"\d+", p.requested_url)] + [p.id])
    for page in ordered:
        if page.requested_url in seen:
            continue
        seen.add(page.requested_url)
        doc.article_pages.append(_fetched(page, blobs))
    for version in versions:
        for warning in version.warnings or []:
            found = MISSING_PAGES.match(str(warning))
            if found:
                doc.article_missing = [u for u in found["urls"].split(", ") if u not in seen]
                return


def _pictures(store: ReportStore, row: Document, blobs: BlobStore, doc: FetchedDocument) -> list[FetchedDocument]:
    """The archived pictures of a page (pictures fetched with it: image documents whose parent is
    this page), in the page's order (:func:`pipelines.pictures.picture_urls` over its content
    container); a picture the page no longer shows is left out."""
    with store.sessions() as session:
        rows = session.scalars(
            select(Document).where(Document.parent_url.in_({row.final_url, row.requested_url}),
                                   Document.id != row.id, Document.content_type.like("image/%"))
            .order_by(Document.id)).all()
    if not rows:
        return []
    container = container_of(doc)
    order = picture_urls(container if container is not None else doc.body.decode("utf-8", "replace"),
                         row.final_url)
    by_url: dict[str, Document] = {}
    for picture in rows:
        for url in (picture.requested_url, picture.final_url):
            by_url.setdefault(url, picture)
    return [_fetched(by_url[url], blobs) for url in order if url in by_url]


def reparse_document(store: ReportStore, blobs: BlobStore, document_id: int) -> bool:
    """Read one stored document again and store the outcome; True when its content changed.

    Raises :class:`MissingBytes` (nothing is written then)."""
    with store.sessions() as session:
        row = session.get(Document, document_id)
        assert row is not None, document_id
        versions = list(session.scalars(
            select(Report).join(ReportSource, ReportSource.report_id == Report.id)
            .where(ReportSource.document_id == document_id).order_by(Report.id)))
        hint = session.scalar(select(Portal.agency).where(Portal.id == row.portal_id)) if row.portal_id else None
    doc = _fetched(row, blobs)
    _article(store, row, blobs, doc, versions)
    pictures = None
    if is_html(doc):
        doc.page_pictures = _pictures(store, row, blobs, doc)
        pictures = page_pictures(doc)
    body, content_type = parser_input(doc)
    parsed = parse_to_json(body, content_type, doc.filename, hint, pictures=pictures)
    flag_missing_pages(parsed, missing_pages(doc), 1 + len(doc.article_pages) + len(doc.article_missing))
    current = {v.id for v in versions if not v.superseded}
    unchanged = not current and row.parse_status == "not_report"  # still no report
    outcome = store.save(doc, parsed, reparse=True)
    if outcome.report_id is not None:
        unchanged = outcome.report_id in current and not outcome.report_created
    if unchanged:
        _record_version(store, document_id, outcome.report_id)
        return False
    _supersede(store, [v.id for v in versions if v.id != outcome.report_id], outcome.report_id)
    return True


def _record_version(store: ReportStore, document_id: int, report_id: int | None) -> None:
    with store.sessions.begin() as session:
        row = session.get(Document, document_id)
        assert row is not None
        row.parser_version = parsing.PARSER_VERSION
        if report_id is not None:
            report = session.get(Report, report_id)
            assert report is not None
            report.parser_version = parsing.PARSER_VERSION


def _supersede(store: ReportStore, old_ids: list[int], new_id: int | None) -> None:
    """Mark the earlier versions every parsed source of which the current parser has read (and
    found other content in) as superseded; recompute their groups' canonical versions."""
    if not old_ids:
        return
    with store.sessions.begin() as session:
        groups: set[int] = set()
        for report in session.scalars(select(Report).where(Report.id.in_(old_ids))):
            if report.parser_version == parsing.PARSER_VERSION:
                continue  # another source read by this parser confirmed this content
            sources = session.scalars(
                select(Document.parser_version).join(ReportSource, ReportSource.document_id == Document.id)
                .where(ReportSource.report_id == report.id, Document.parse_status.is_not(None))).all()
            if all(v == parsing.PARSER_VERSION for v in sources):
                report.superseded = True
                if report.group_id is not None:
                    groups.add(report.group_id)
        if new_id is not None:
            new = session.get(Report, new_id)
            if new is not None and new.group_id is not None:
                groups.add(new.group_id)
        for group_id in groups:
            ReportStore._recompute_canonical(session, group_id)
            # the canonical version may have changed: its year pairs' cross-year checks follow it
            evaluate_cross_year(session, group_id)


def reparse(store: ReportStore, blobs: BlobStore, document_ids: list[int],
            progress: Callable[[ReparseStats], None] | None = None,
            problem: Callable[[str], None] | None = None) -> ReparseStats:
    """Read ``document_ids`` again one by one (one transaction each); the run's figures."""
    stats = ReparseStats(documents=len(document_ids))
    for document_id in document_ids:
        try:
            changed = reparse_document(store, blobs, document_id)
        except MissingBytes as exc:
            stats.failed += 1
            message = f"{_report_ids(store, document_id)}: {exc}"
            stats.problems.append(message)
            if problem is not None:
                problem(message)
        else:
            stats.reparsed += 1
            stats.changed += int(changed)
        if progress is not None:
            progress(stats)
    return stats


def _report_ids(store: ReportStore, document_id: int) -> str:
    with store.sessions() as session:
        ids = sorted(session.scalars(select(ReportSource.report_id).where(
            ReportSource.document_id == document_id)))
    return ("report " + ", ".join(map(str, ids))) if ids else f"document {document_id} (no report)"
