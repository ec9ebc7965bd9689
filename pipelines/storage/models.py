"""Database tables of the harvest (SQLAlchemy 2 typed declarative models).

Raw bytes never live in the database: ``documents.sha256`` addresses them in the blob store
(:mod:`pipelines.storage.blobs`). Cells are stored in long form, one row per canonical cell key
(``../shared/spec/report-schema.md``), with the printed string next to the parsed value.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


def _now() -> datetime:
    from datetime import UTC

    return datetime.now(UTC)


class Portal(Base):
    """A seed: one portal's annual-report column (mirrors a row of ``seeds/``)."""

    __tablename__ = "portals"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    province: Mapped[str | None] = mapped_column(String(40), index=True)  # --province of the commands
    # where and at which level the agency sits (the seed's columns; the export's place columns)
    city: Mapped[str | None] = mapped_column(String(60))
    county: Mapped[str | None] = mapped_column(String(60))
    adcode: Mapped[str | None] = mapped_column(String(12))
    level: Mapped[str | None] = mapped_column(String(30))
    agency: Mapped[str | None] = mapped_column(String(200))
    column_url: Mapped[str | None] = mapped_column(Text)
    platform: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    documents: Mapped[list[Document]] = relationship(back_populates="portal")


class CrawlRun(Base):
    """One invocation of a crawl (demo, nightly, backfill, single spider) and its summary.

    ``status``: ``running``, then the spider's close reason (``finished``, ``shutdown`` …), or
    ``failed`` when a document could not be archived or stored, or ``killed`` when a later run
    found the process (``pid`` on ``host``) gone while the row still said ``running``.
    """

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mode: Mapped[str] = mapped_column(String(20))
    spider: Mapped[str | None] = mapped_column(String(60))
    filters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20), default="running")
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)
    pid: Mapped[int | None] = mapped_column(Integer)  # process that ran it
    host: Mapped[str | None] = mapped_column(String(255))  # where that process ran


class Document(Base):
    """One fetched resource (page or attachment): where it came from and the digest of its bytes."""

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("requested_url", "sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    requested_url: Mapped[str] = mapped_column(Text)
    final_url: Mapped[str] = mapped_column(Text)
    redirect_chain: Mapped[list[Any]] = mapped_column(default=list)
    http_status: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(200))
    filename: Mapped[str | None] = mapped_column(String(400))
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    etag: Mapped[str | None] = mapped_column(String(400))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    parent_url: Mapped[str | None] = mapped_column(Text)
    link_title: Mapped[str | None] = mapped_column(Text)
    portal_id: Mapped[str | None] = mapped_column(ForeignKey("portals.id"), index=True)
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    # what the cleaner read off an HTML page (pipelines.cleaning): metadata and the stable digest
    text_digest: Mapped[str | None] = mapped_column(String(64), index=True)
    page_title: Mapped[str | None] = mapped_column(Text)
    page_published: Mapped[str | None] = mapped_column(String(10))
    published_source: Mapped[str | None] = mapped_column(String(20))
    index_no: Mapped[str | None] = mapped_column(String(120))
    publisher: Mapped[str | None] = mapped_column(String(200))
    clean_flags: Mapped[list[Any]] = mapped_column(default=list)
    # parse outcome of these bytes: ok | not_report | needs_ocr | failed
    parse_status: Mapped[str | None] = mapped_column(String(20), index=True)  # reparse --status
    parse_reason: Mapped[str | None] = mapped_column(Text)
    # the parser version whose outcome parse_status records (crawl or ``scrapy reparse``)
    parser_version: Mapped[str | None] = mapped_column(String(40))

    portal: Mapped[Portal | None] = relationship(back_populates="documents")


class ReportGroup(Base):
    """A logical report: one agency's annual report for one year, across all its versions.

    Design (issue 5): ``reports`` stays what it was — one parsed content with its sources,
    sections, cells and checks — and now *is a version*; this table groups the versions. That is
    the least disruptive choice: every existing foreign key (sources, sections, cells, checks)
    and every query on ``reports`` keeps working, and a version needs nothing a report did not
    already have. ``canonical_report_id`` points at the version chosen by the rule in
    :func:`pipelines.identity.canonical_order` (also flagged ``reports.canonical``).
    """

    __tablename__ = "report_groups"
    # ReportStore.save finds the versions of one (agency, year), and cross-year checks the groups
    # of (agency, year ± 1): one composite index instead of intersecting two single-column ones
    __table_args__ = (Index("ix_report_groups_agency_year", "agency", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency: Mapped[str | None] = mapped_column(String(200), index=True)  # normalized agency name
    year: Mapped[int | None] = mapped_column(Integer, index=True)
    canonical_report_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)

    versions: Mapped[list[Report]] = relationship(back_populates="group", order_by="Report.id")


class Report(Base):
    """One version of a report: one parsed content (or a failed attempt at one), by ``digest``.

    ``digest`` is the content digest of the parsed report for ``ok`` reports, and
    ``raw:<sha256>`` of the source bytes for ``failed``/``needs_ocr`` ones, so re-storing the
    same content is a no-op and two URLs serving one report share one row.
    """

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(80), unique=True)
    status: Mapped[str] = mapped_column(String(20))  # ok | failed | needs_ocr
    reason: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    agency: Mapped[str | None] = mapped_column(String(200), index=True)
    year: Mapped[int | None] = mapped_column(Integer, index=True)
    published: Mapped[str | None] = mapped_column(String(10))
    format_t2: Mapped[str | None] = mapped_column(String(10))
    format_t3: Mapped[str | None] = mapped_column(String(10))
    format_t4: Mapped[str | None] = mapped_column(String(10))
    incomplete: Mapped[dict[str, Any]] = mapped_column(default=dict)
    warnings: Mapped[list[Any]] = mapped_column(default=list)
    source_format: Mapped[str | None] = mapped_column(String(10))
    parser_version: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    # version identity (issue 5): the logical report, and the content key relation() compares
    group_id: Mapped[int | None] = mapped_column(ForeignKey("report_groups.id"), index=True)
    canonical: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    correction: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # 更正版
    content_digest: Mapped[str | None] = mapped_column(String(64), index=True)
    fp_value: Mapped[int | None] = mapped_column(BigInteger)  # signed 64-bit SimHash
    fp_shingles: Mapped[int | None] = mapped_column(Integer)
    filled_cells: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # non-MISSING cells
    # ``scrapy reparse``: every source document of this version now parses (current parser) to
    # another content; the version is kept, but is canonical only when all versions are superseded
    superseded: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    group: Mapped[ReportGroup | None] = relationship(back_populates="versions")
    sources: Mapped[list[ReportSource]] = relationship(
        back_populates="report", cascade="all, delete-orphan", passive_deletes=True)
    sections: Mapped[list[ReportSection]] = relationship(
        back_populates="report", cascade="all, delete-orphan", passive_deletes=True,
        order_by="ReportSection.ordinal")
    cells: Mapped[list[ReportCell]] = relationship(
        back_populates="report", cascade="all, delete-orphan", passive_deletes=True)
    checks: Mapped[list[CheckOutcome]] = relationship(
        back_populates="report", cascade="all, delete-orphan", passive_deletes=True)


class ReportSource(Base):
    """A document a report was read from (one report, many URLs)."""

    __tablename__ = "report_sources"
    __table_args__ = (UniqueConstraint("report_id", "document_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)

    report: Mapped[Report] = relationship(back_populates="sources")
    document: Mapped[Document] = relationship()


class ReportSection(Base):
    __tablename__ = "report_sections"
    __table_args__ = (UniqueConstraint("report_id", "ordinal"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    ordinal: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(20))
    heading: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)

    report: Mapped[Report] = relationship(back_populates="sections")


class ReportCell(Base):
    """One statutory-table cell in long form (``report-schema.md`` keys)."""

    __tablename__ = "report_cells"
    __table_args__ = (UniqueConstraint("report_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(80), index=True)
    raw: Mapped[str | None] = mapped_column(Text)
    value: Mapped[float | None] = mapped_column(Float)
    semantic: Mapped[str] = mapped_column(String(10))
    unit: Mapped[str | None] = mapped_column(String(20))
    annotation: Mapped[str | None] = mapped_column(Text)
    # where the value was read (issue 11): {"sha256": <document parsed>, "block": …, "page"/"table"/
    # "row"/"col"/"span": …}; see pipelines.parsing.types.Cell.provenance. NULL for cells stored before.
    provenance: Mapped[dict[str, Any] | None] = mapped_column()

    report: Mapped[Report] = relationship(back_populates="cells")


class CheckOutcome(Base):
    """One consistency rule (勾稽关系) evaluated on one report, strictly and leniently."""

    __tablename__ = "check_outcomes"
    __table_args__ = (UniqueConstraint("report_id", "rule", "scope"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    rule: Mapped[str] = mapped_column(String(60))
    scope: Mapped[str] = mapped_column(String(60))
    strict: Mapped[str] = mapped_column(String(16))
    lenient: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(Text)

    report: Mapped[Report] = relationship(back_populates="checks")


class SeedHealth(Base):
    """What one crawl run saw of one seed: OK, EMPTY, BLOCKED:<kind>, BROKEN:<kind>, …"""

    __tablename__ = "seed_health"
    # the latest row of every seed and each seed's history (crawler/health.py, seeds status)
    __table_args__ = (UniqueConstraint("crawl_run_id", "portal_id"),
                      Index("ix_seed_health_portal_run", "portal_id", "crawl_run_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    crawl_run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id", ondelete="CASCADE"))
    portal_id: Mapped[str] = mapped_column(ForeignKey("portals.id"))
    state: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    report_links: Mapped[int] = mapped_column(Integer, default=0)
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class ColumnDiscovery(Base):
    """A seed's 年报 column found from its homepage by ``scrapy seeds discover`` (confirmed by the
    report titles its listing shows). ``nightly`` crawls it for a seed whose file has no column."""

    __tablename__ = "column_discoveries"

    seed_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    column_url: Mapped[str] = mapped_column(Text)
    score: Mapped[int] = mapped_column(Integer)
    evidence: Mapped[str | None] = mapped_column(Text)
    discovered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
