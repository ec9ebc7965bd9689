"""Idempotent writes of fetched documents and their parse results, with dedupe and versions.

One document is one transaction: the ``documents`` row, and (for a report) the ``reports`` row
(a *version*) with its sections, cells and check outcomes plus the ``report_sources`` link, and
its ``report_groups`` row (the *logical report*). Storing the same document again changes nothing.
Transient database errors are retried with tenacity.

Where a parsed document lands (first match wins):

1. exact content: a version already holding a document with the same raw sha256 (files), the
   same cleaner text digest (pages), or the same parsed-content digest -> another source of it;
2. identity: :func:`pipelines.identity.version_relation` against the versions of the same
   (agency, year) (or, when agency or year is unknown, the versions with the same content digest):
   SAME_CONTENT / REPOST -> another source of that version; VERSION -> a new version of that
   logical report; DIFFERENT everywhere -> a new logical report. Table values never decide.
   A document without text (a scan, an image: ``needs_ocr``) whose parse names no agency or
   year is identified by the report title it was linked or named by
   (:func:`pipelines.identity.version_identity`), so it joins its report as a version;
   identical scan bytes under two agencies stay two reports' versions.
3. the group's canonical version is recomputed (:func:`pipelines.identity.canonical_order`).

An HTML page and its PDF attachment thus become one version with two sources when their texts
are identical or near-duplicates, and two versions of one report otherwise (each keeps its own
sections/cells/checks, because each was parsed from different bytes).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, aliased, sessionmaker

from pipelines import identity
from pipelines.cleaning.neardup import Fingerprint
from pipelines.identity import Relation, ReportKey, VersionKey
from pipelines.storage.crossyear import evaluate_cross_year
from pipelines.storage.db import transient
from pipelines.storage.models import (
    CheckOutcome,
    Document,
    Portal,
    Report,
    ReportCell,
    ReportGroup,
    ReportSection,
    ReportSource,
)
from pipelines.storage.queries import Queries
from pipelines.storage.runs import RunLog


class DocumentLike(Protocol):
    url: str
    final_url: str
    status: int
    body: bytes
    content_type: str | None
    filename: str | None
    etag: str | None
    last_modified: str | None
    redirect_chain: list[str]
    portal_id: str | None
    parent_url: str | None
    link_title: str | None
    sha256: str | None
    fetched_at: Any
    cleaned: Any


@dataclass(frozen=True)
class SaveOutcome:
    document_id: int
    document_created: bool
    report_id: int | None = None
    report_created: bool = False
    source_added: bool = False
    status: str | None = None  # parse status of the document
    group_id: int | None = None  # the logical report (report_groups.id)
    group_created: bool = False  # a new logical report (report_groups row)
    pages_created: int = 0  # rows created for pages 2..n of a multi-page article


class ReportStore:
    """Versioned report saves (engine owned by the caller).

    Also a facade for the storage pipeline and the commands, which hold one object per database:
    ``runs`` (:class:`~pipelines.storage.runs.RunLog`: runs, portals, seed health) and ``queries``
    (:class:`~pipelines.storage.queries.Queries`: the read side) on the same engine, with the
    run-log writes and ``counts`` delegated to them.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self.runs = RunLog(engine)
        self.queries = Queries(engine)

    # --- facade: the run log and the read side on the same engine ------------------------

    def upsert_portals(self, rows: list[dict[str, Any]]) -> None:
        self.runs.upsert_portals(rows)

    def start_run(self, mode: str, spider: str | None, filters: dict[str, Any]) -> int:
        return self.runs.start_run(mode, spider, filters)

    def finish_run(self, run_id: int, status: str, stats: dict[str, Any]) -> None:
        self.runs.finish_run(run_id, status, stats)

    def record_health(self, run_id: int, portal_id: str, state: str, *, detail: str | None = None,
                      url: str | None = None, report_links: int = 0) -> None:
        self.runs.record_health(run_id, portal_id, state, detail=detail, url=url, report_links=report_links)

    def counts(self) -> dict[str, int]:
        return self.queries.counts()

    def record_discoveries(self, rows: list[Any]) -> None:
        self.runs.record_discoveries(rows)

    def discovered_columns(self) -> dict[str, str]:
        return self.runs.discovered_columns()

    # --- documents and reports ----------------------------------------------------------

    @transient
    def save(self, doc: DocumentLike, parsed: dict[str, Any] | None = None,
             crawl_run_id: int | None = None, *, reparse: bool = False) -> SaveOutcome:
        """Store one fetched document and its parse result (canonical JSON) in one transaction.

        ``reparse``: ``parsed`` is a new parse of a stored document's bytes whose content differs
        from the version(s) the document is a source of (:mod:`pipelines.reparse`): matched by
        parsed content and identity only, never by its bytes, and never as a repost of a version
        read from this document's own earlier parse, so changed content lands as its own version
        (or joins the version another document gave it); unchanged content finds its version."""
        if not doc.sha256:
            raise ValueError(f"document {doc.url} has no sha256: archive its bytes before storing it")
        with self.sessions.begin() as session:
            parse: tuple[str, str | None, str | None] | None = None
            if parsed is not None:
                parse = (parsed.get("status") or "failed", parsed.get("reason"), parsed.get("parser_version"))
            # a new row is inserted with its parse status (no UPDATE right after the INSERT)
            row, created = self._document_row(session, doc, crawl_run_id, parse)
            if parsed is None or parse is None:
                return SaveOutcome(document_id=row.id, document_created=created)
            status = parse[0]
            row.parse_status = status
            row.parse_reason = parsed.get("reason")
            row.parser_version = parsed.get("parser_version")
            if status == "not_report":
                return SaveOutcome(document_id=row.id, document_created=created, status=status)
            # row.sha256: the bytes first stored for this document (a refetch with other chrome is
            # the same document, see _document_row, and must not become another version)
            key, digest, correction = self.version_identity(doc, parsed, row.sha256)
            stale = self._versions_of(session, row.id) if reparse else set()
            report = self._exact_match(session, row, digest, key, by_bytes=not reparse)
            report_created = group_created = False
            if report is None:
                report, group = self._identity_match(session, key, status, correction, skip=stale)
                if report is None:
                    report_created = True
                    if group is None:
                        group_created = True
                        group = ReportGroup(agency=key.agency, year=key.year)
                        session.add(group)
                        session.flush()
                    report = self._new_report(digest, parsed)
                    report.group_id = group.id
                    report.content_digest = key.digest
                    report.fp_value = key.fingerprint.as_signed()
                    report.fp_shingles = key.fingerprint.shingles
                    report.correction = correction
                    # the only version of a new logical report is its canonical one (confirmed by
                    # _recompute_canonical below; set now, it saves an UPDATE)
                    report.canonical = group_created
                    session.add(report)
                    session.flush()
                    self._insert_contents(session, report.id, parsed, doc.sha256)
            source_added = self._link(session, report, row, new_report=report_created)
            pages_created = self._link_article_pages(session, doc, report, crawl_run_id)
            if report_created and report.group_id is not None:
                # a new logical report's only version is this one: no need to read its versions
                self._recompute_canonical(session, report.group_id, [report] if group_created else None)
                evaluate_cross_year(session, report.group_id)
            return SaveOutcome(document_id=row.id, document_created=created, report_id=report.id,
                               report_created=report_created, source_added=source_added,
                               status=status, group_id=report.group_id,
                               group_created=group_created, pages_created=pages_created)

    @staticmethod
    def version_identity(doc: DocumentLike, parsed: dict[str, Any],
                         sha256: str) -> tuple[ReportKey, str, bool]:
        """(identity key, version digest, is a correction) of a parse of ``doc`` whose stored
        bytes are ``sha256``: what :meth:`save` matches versions by."""
        cleaned = getattr(doc, "cleaned", None)
        text = identity.content_text(parsed, cleaned.content_text if cleaned is not None else None)
        titles = (parsed.get("title"), doc.link_title, getattr(doc, "filename", None))
        agency, year = identity.version_identity(parsed, text, titles)
        key = identity.report_key(agency, year, text)
        digest = (identity.report_digest(parsed) if (parsed.get("status") or "failed") == "ok"
                  else identity.raw_digest(sha256, key))
        return key, digest, identity.is_correction(titles)

    @classmethod
    def _link_article_pages(cls, session: Session, doc: DocumentLike, report: Report,
                            crawl_run_id: int | None) -> int:
        """Pages 2..n of a multi-page article (``doc.article_pages``) are sources of its report too.

        Each page is also stored on its own as a document (an article part, not parsed); the row
        is found again here, or created if the article arrives first. Returns the rows created.
        """
        created = 0
        # the pictures a 图片版 page was read from (put back by the reparse) are its sources too
        for page in [*(getattr(doc, "article_pages", None) or ()), *(getattr(doc, "page_pictures", None) or ())]:
            if not page.sha256:
                raise ValueError(f"article page {page.url} has no sha256: archive its bytes before storing it")
            page_row, new = cls._document_row(session, page, crawl_run_id)
            created += new
            cls._link(session, report, page_row)
        return created

    @staticmethod
    def _link(session: Session, report: Report, document: Document, *, new_report: bool = False) -> bool:
        """Make ``document`` a source of ``report`` unless it is one already; True when added.
        ``new_report``: ``report`` was created in this transaction, so it has no source yet."""
        if not new_report and session.scalar(select(ReportSource.id).where(
                ReportSource.report_id == report.id, ReportSource.document_id == document.id)) is not None:
            return False
        session.add(ReportSource(report_id=report.id, document_id=document.id))
        return True

    @staticmethod
    def _versions_of(session: Session, document_id: int) -> set[int]:
        """Ids of the versions read from ``document_id``'s own parse (it is their first source);
        a version it only joined as a repost was read from another document."""
        # correlated per version of this document (index on report_id), not a GROUP BY over
        # every source in the database
        other = aliased(ReportSource)
        first = select(func.min(other.id)).where(other.report_id == ReportSource.report_id).scalar_subquery()
        return set(session.scalars(select(ReportSource.report_id).where(
            ReportSource.document_id == document_id, ReportSource.id == first)))

    @staticmethod
    def _exact_match(session: Session, row: Document, digest: str, key: ReportKey,
                     by_bytes: bool = True) -> Report | None:
        """A version already holding these exact bytes, this page text, or this parsed content.

        A match whose logical report names another agency or year is ignored (two agencies'
        pages that only say "see the attachment" share a text digest, not a report).
        """
        report = session.scalar(select(Report).where(Report.digest == digest))
        if report is not None:
            return report
        if not by_bytes:
            return None
        same_bytes = (Document.sha256 == row.sha256)
        match = (same_bytes if row.text_digest is None
                 else (same_bytes | (Document.text_digest == row.text_digest)))
        found = session.scalars(
            select(Report).join(ReportSource, ReportSource.report_id == Report.id)
            .join(Document, Document.id == ReportSource.document_id)
            .where(match, Document.id != row.id).order_by(Report.id)).all()
        for report in found:
            group = report.group
            if group is None or not identity.conflicting_identity(key, group.agency, group.year):
                return report
        return None

    @staticmethod
    def _identity_match(session: Session, key: ReportKey, status: str, correction: bool,
                        skip: set[int] | None = None) -> tuple[Report | None, ReportGroup | None]:
        """(version to attach to, None) / (None, group to add a version to) / (None, None).

        Each candidate's relation is :func:`pipelines.identity.version_relation` (a near-duplicate
        of another kind, such as a correction against an original, is a new version).
        """
        if key.agency is not None and key.year is not None:
            candidates = session.scalars(
                select(Report).join(ReportGroup, ReportGroup.id == Report.group_id)
                .where(ReportGroup.agency == key.agency, ReportGroup.year == key.year)
                .order_by(Report.id)).all()
        else:
            candidates = session.scalars(select(Report).where(
                Report.content_digest == key.digest, Report.group_id.is_not(None))
                .order_by(Report.id)).all()
        new = VersionKey(key, status, correction)
        version_of: ReportGroup | None = None
        for candidate in candidates:
            assert candidate.group is not None
            if skip and candidate.id in skip:  # a reparse's own earlier reading of these bytes
                if version_of is None:
                    version_of = candidate.group
                continue
            stored = ReportKey(
                candidate.group.agency, candidate.group.year, candidate.content_digest or "",
                Fingerprint.from_signed(candidate.fp_value or 0, candidate.fp_shingles or 0))
            found = identity.version_relation(
                VersionKey(stored, candidate.status, bool(candidate.correction)), new)
            if found in (Relation.SAME_CONTENT, Relation.REPOST):
                return candidate, None
            if found is Relation.VERSION and version_of is None:
                version_of = candidate.group
        return None, version_of

    @staticmethod
    def _recompute_canonical(session: Session, group_id: int, versions: list[Report] | None = None) -> None:
        """Flag the canonical version of a group: the best of its versions not superseded by a
        reparse (of all of them when every one is superseded). ``versions``: all of the group's
        versions when the caller knows them (a group created in this transaction), else read."""
        session.flush()
        if versions is None:
            versions = list(session.scalars(select(Report).where(Report.group_id == group_id)).all())
        current = [v for v in versions if not v.superseded] or list(versions)
        best = identity.canonical(current)
        for version in versions:
            version.canonical = version.id == best.id
        group = session.get(ReportGroup, group_id)
        assert group is not None
        group.canonical_report_id = best.id

    @staticmethod
    def _document_row(session: Session, doc: DocumentLike, crawl_run_id: int | None,
                      parse: tuple[str, str | None, str | None] | None = None) -> tuple[Document, bool]:
        """The stored row of ``doc`` (found again, or inserted: with ``parse`` = (parse status,
        reason, parser version) when given); True when inserted."""
        existing = session.scalar(select(Document).where(
            Document.requested_url == doc.url, Document.sha256 == doc.sha256))
        if existing is not None:
            return existing, False
        cleaned = getattr(doc, "cleaned", None)
        if cleaned is not None and cleaned.digest:
            # The same page fetched again with other chrome (visit counter, clock, related links):
            # its normalized text is unchanged, so it is the document already stored. The new raw
            # bytes stay in the blob store (archived before this point); the row keeps the first.
            existing = session.scalar(select(Document).where(
                Document.requested_url == doc.url, Document.text_digest == cleaned.digest
            ).order_by(Document.id).limit(1))
            if existing is not None:
                return existing, False
        if doc.portal_id and session.get(Portal, doc.portal_id) is None:
            session.add(Portal(id=doc.portal_id))
        row = Document(
            requested_url=doc.url, final_url=doc.final_url, redirect_chain=list(doc.redirect_chain),
            http_status=doc.status, content_type=doc.content_type, filename=doc.filename,
            fetched_at=doc.fetched_at, etag=doc.etag, last_modified=doc.last_modified,
            sha256=doc.sha256, size=len(doc.body), parent_url=doc.parent_url,
            link_title=doc.link_title, portal_id=doc.portal_id, crawl_run_id=crawl_run_id,
        )
        if parse is not None:
            row.parse_status, row.parse_reason, row.parser_version = parse
        if cleaned is not None:
            row.text_digest, row.page_title = cleaned.digest, cleaned.title
            row.page_published, row.published_source = cleaned.published, cleaned.published_source
            row.index_no, row.publisher = cleaned.index_no, cleaned.publisher
            row.clean_flags = sorted(cleaned.flags)
        session.add(row)
        session.flush()
        return row, True

    @staticmethod
    def _new_report(digest: str, parsed: dict[str, Any]) -> Report:
        """A new version row from a parse result (its sections, cells and checks are inserted
        by :meth:`_insert_contents` once the row has an id)."""
        formats = parsed.get("formats") or {}
        return Report(
            digest=digest, status=parsed.get("status") or "failed", reason=parsed.get("reason"),
            title=parsed.get("title"), agency=parsed.get("agency"), year=parsed.get("year"),
            published=parsed.get("published"), format_t2=formats.get("t2"),
            format_t3=formats.get("t3"), format_t4=formats.get("t4"),
            incomplete=parsed.get("incomplete") or {}, warnings=list(parsed.get("warnings") or []),
            source_format=parsed.get("source_format"), parser_version=parsed.get("parser_version"),
            filled_cells=identity.filled_cells(parsed),
        )

    @staticmethod
    def _insert_contents(session: Session, report_id: int, parsed: dict[str, Any],
                         sha256: str | None) -> None:
        """Insert a new version's sections, cells and check outcomes (``sha256``: the bytes
        parsed, for cell provenance) in bulk, in the parse's order (ids ascending).

        A report has ~260 such rows; building and flushing them as ORM objects one by one was
        most of a save's time. Nothing reads them back through the ORM in the same session.
        PostgreSQL: one ``COPY … FROM STDIN`` per table (psycopg's ``executemany`` still runs one
        INSERT per row, ~3x slower); SQLite: one ``executemany`` per table. Both store exactly
        what the ORM would (the JSON column as ``json.dumps`` of the value, so a missing
        provenance is JSON ``null``, as SQLAlchemy's JSON type writes it), on the session's own
        connection, so in its transaction: tests/storage/test_store.py (row by row, against ORM
        rows, rollback)."""
        sections = [
            (report_id, i, s["key"], s.get("heading") or "", s.get("text") or "")
            for i, s in enumerate(parsed.get("sections") or [])
        ]
        cells = [
            (report_id, key, cell.get("raw"), cell.get("value"), cell["semantic"], cell.get("unit"),
             cell.get("annotation"), json.dumps(_provenance(cell, sha256)))
            for key, cell in (parsed.get("cells") or {}).items()
        ]
        checks = [
            (report_id, c["rule"], c.get("scope") or "", c["strict"], c["lenient"], c.get("detail"))
            for c in parsed.get("checks") or []
        ]
        connection = session.connection()
        dbapi = connection.connection.driver_connection
        postgres = connection.dialect.name == "postgresql"
        for table, rows in ((SECTION_COLUMNS, sections), (CELL_COLUMNS, cells), (CHECK_COLUMNS, checks)):
            if not rows:
                continue
            name, columns = table
            column_list = ", ".join(f'"{c}"' for c in columns)
            if postgres:
                with dbapi.cursor() as cursor, cursor.copy(  # type: ignore[union-attr]
                        f'COPY "{name}" ({column_list}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" for _ in columns)
                dbapi.executemany(  # type: ignore[union-attr]
                    f'INSERT INTO "{name}" ({column_list}) VALUES ({marks})', rows)


#: (table, columns) of the rows :meth:`ReportStore._insert_contents` writes, in its tuples' order
SECTION_COLUMNS = (ReportSection.__tablename__, ("report_id", "ordinal", "key", "heading", "text"))
CELL_COLUMNS = (ReportCell.__tablename__,
                ("report_id", "key", "raw", "value", "semantic", "unit", "annotation", "provenance"))
CHECK_COLUMNS = (CheckOutcome.__tablename__, ("report_id", "rule", "scope", "strict", "lenient", "detail"))


def _provenance(cell: dict[str, Any], sha256: str | None) -> dict[str, Any] | None:
    """A stored cell's provenance: the parsed document's SHA-256 and where in it (None when the
    parse gave no location: a MISSING cell, or a result from before provenance). An OCR'd cell's
    recogniser score rides along as ``confidence``."""
    where = cell.get("provenance")
    if not isinstance(where, dict):
        return None
    score = cell.get("confidence")
    return {"sha256": sha256, **where, **({"confidence": score} if score is not None else {})}
