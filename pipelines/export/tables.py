"""The exported tables: their fields (typed, described in Chinese and English), keys, and rows.

Rows are streamed from the database (server-side cursors, ``yield_per``), never loaded whole, so
memory does not grow with the number of reports. ``report_id`` is the logical report
(``report_groups.id``) everywhere; ``version_id`` a stored version (``reports.id``). ``cells``,
``checks`` and ``sections`` hold the canonical version of each exported logical report.

Provenance: ``cells.provenance`` is filled from ``report_cells.provenance`` when the database
has that column (where a value was read: document SHA-256 plus page, table/row/column index or
character span), and is empty otherwise. Cross-year check outcomes are ordinary
``check_outcomes`` rows and are exported in ``checks`` like every other rule.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from pipelines.parsing.schema import DictionaryEntry, data_dictionary
from pipelines.storage.blobs import BlobStore
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

BATCH = 1000


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # Frictionless type: integer | number | string | boolean
    zh: str
    en: str

    def describe(self) -> str:
        return f"{self.zh} / {self.en}"


@dataclass(frozen=True)
class TableSpec:
    name: str
    zh: str
    en: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[tuple[str, str, str], ...] = ()  # (field, table, field)


def _f(name: str, type_: str, zh: str, en: str) -> Field:
    return Field(name, type_, zh, en)


REPORT_ID = _f("report_id", "integer", "逻辑年报编号（同一机关同一年度的年报，含其各版本）",
               "Logical report id (one agency's report for one year, all its versions)")
VERSION_ID = _f("version_id", "integer", "版本编号（一份解析内容）", "Version id (one parsed content)")
AGENCY = _f("agency", "string", "机关名称", "Agency name")
YEAR = _f("year", "integer", "报告年度", "Report year")
REGION_CODE = _f("region_code", "string", "行政区划代码", "Administrative division code (adcode)")
PROVINCE = _f("province", "string", "省级地名", "Province")

REPORTS = TableSpec("reports", "年报（每个逻辑年报一行，取其规范版本）",
                    "Reports: one row per logical report (its canonical version)", (
    REPORT_ID, VERSION_ID, AGENCY,
    _f("portal_id", "string", "种子编号（发布该年报的门户栏目）", "Seed id (the portal column it was found in)"),
    REGION_CODE, PROVINCE,
    _f("city", "string", "地级地名", "City (prefecture)"),
    _f("county", "string", "县级地名", "County"),
    _f("level", "string", "机关层级", "Government level of the agency"),
    YEAR,
    _f("published", "string", "发布日期（YYYY-MM-DD）", "Publication date (YYYY-MM-DD)"),
    _f("title", "string", "标题", "Title"),
    _f("status", "string", "解析状态：ok / failed / needs_ocr", "Parse status: ok / failed / needs_ocr"),
    _f("reason", "string", "未能解析的原因", "Why it did not parse"),
    _f("format_t2", "string", "表二格式（2021 / 2019 / pre2019）", "Format of table 2 (2021 / 2019 / pre2019)"),
    _f("format_t3", "string", "表三格式", "Format of table 3"),
    _f("format_t4", "string", "表四格式", "Format of table 4"),
    _f("source_format", "string", "源文件格式（html、pdf、docx …）", "Source file format (html, pdf, docx …)"),
    _f("parser_version", "string", "解析器版本", "Parser version"),
    _f("versions", "integer", "版本数", "Number of versions"),
    _f("source_urls", "string", "来源网址（空格分隔）", "Source URLs (space-separated)"),
    _f("source_sha256", "string", "来源文件的 SHA-256（空格分隔）",
       "SHA-256 of the source documents (space-separated)"),
    _f("failed_checks", "integer", "未通过的勾稽关系检查数", "Number of failed consistency checks"),
    _f("archive_problem", "string", "原始文件缺失或损坏的说明（正常时为空）",
       "Why the archived source bytes are missing or corrupt (empty when intact)"),
), ("report_id",))

CELL_FIELDS_HEAD = (REPORT_ID, VERSION_ID, AGENCY, YEAR, REGION_CODE, PROVINCE)

CELLS = TableSpec("cells", "统计表单元格（长表）", "Table cells, long form", (
    REPORT_ID, VERSION_ID,
    _f("key", "string", "单元格键（见 panel 各列的说明）", "Cell key (see the panel columns' descriptions)"),
    _f("table", "string", "统计表（t2 / t3 / t4）", "Statutory table (t2 / t3 / t4)"),
    _f("row", "string", "行标签", "Row label"),
    _f("column", "string", "列标签", "Column label"),
    _f("raw", "string", "原文打印值", "Value as printed"),
    _f("value", "number", "解析后的数值", "Parsed number"),
    _f("semantic", "string", "语义：ZERO / NUMERIC / EMPTY / NA / TEXT / MISSING",
       "Semantic: ZERO / NUMERIC / EMPTY / NA / TEXT / MISSING"),
    _f("unit", "string", "单位", "Unit"),
    _f("provenance", "string", "取值位置（来源文件 SHA-256 及页码、表/行/列序号或字符区间）",
       "Where the value was read (source SHA-256 plus page, table/row/column index or character span)"),
), ("report_id", "key"), (("report_id", "reports", "report_id"),))

CHECKS = TableSpec("checks", "勾稽关系检查结果（含跨年度检查）",
                   "Consistency check outcomes (cross-year ones included)", (
    REPORT_ID, VERSION_ID,
    _f("rule", "string", "规则", "Rule"),
    _f("scope", "string", "范围（列或行）", "Scope (column or row)"),
    _f("strict", "string", "严格判定：pass / fail / skip", "Strict outcome: pass / fail / skip"),
    _f("lenient", "string", "宽松判定：pass / fail / skip", "Lenient outcome: pass / fail / skip"),
    _f("detail", "string", "说明", "Detail"),
), ("report_id", "rule", "scope"), (("report_id", "reports", "report_id"),))

SECTIONS = TableSpec("sections", "年报各部分正文", "Text of each section of the report", (
    REPORT_ID, VERSION_ID,
    _f("ordinal", "integer", "顺序", "Position in the report"),
    _f("key", "string", "部分键", "Section key"),
    _f("heading", "string", "标题", "Heading"),
    _f("text", "string", "正文", "Text"),
), ("report_id", "ordinal"), (("report_id", "reports", "report_id"),))

VERSIONS = TableSpec("versions", "逻辑年报的全部版本及规范版本的选取理由",
                     "Every version of every logical report and why one is canonical", (
    VERSION_ID, REPORT_ID,
    _f("canonical", "boolean", "是否为规范版本", "Is the canonical version"),
    _f("why", "string", "规范版本的选取依据（解析状态、更正版、已填单元格数、入库顺序）",
       "Canonical rule inputs (parse status, correction, filled cells, storage order)"),
    _f("status", "string", "解析状态", "Parse status"),
    _f("correction", "boolean", "是否为更正版", "Is a correction (更正版)"),
    _f("superseded", "boolean", "是否已被重新解析的结果取代", "Superseded by a reparse"),
    _f("filled_cells", "integer", "已填单元格数", "Cells holding a value"),
    _f("parser_version", "string", "解析器版本", "Parser version"),
    _f("title", "string", "标题", "Title"),
    _f("created_at", "string", "入库时间（ISO 8601）", "Stored at (ISO 8601)"),
), ("version_id",), (("report_id", "reports", "report_id"),))

DOCUMENTS = TableSpec("documents", "归档的全部文件", "Every archived document", (
    _f("document_id", "integer", "文件编号", "Document id"),
    _f("url", "string", "请求网址", "Requested URL"),
    _f("final_url", "string", "重定向后的网址", "URL after redirects"),
    _f("http_status", "integer", "HTTP 状态码", "HTTP status"),
    _f("content_type", "string", "内容类型", "Content type"),
    _f("fetched_at", "string", "抓取时间（ISO 8601）", "Fetched at (ISO 8601)"),
    _f("sha256", "string", "原始字节的 SHA-256", "SHA-256 of the raw bytes"),
    _f("size", "integer", "字节数", "Size in bytes"),
    _f("portal_id", "string", "种子编号", "Seed id"),
    _f("parse_status", "string", "解析状态：ok / not_report / needs_ocr / failed / 空（多页文章的后续页）",
       "Parse status: ok / not_report / needs_ocr / failed / empty (a later page of an article)"),
    _f("archived", "boolean", "原始字节是否在归档中", "Raw bytes present in the archive"),
), ("document_id",))


def cell_entries() -> list[DictionaryEntry]:
    """The cell catalogue (:func:`pipelines.parsing.schema.data_dictionary`): panel columns."""
    return list(data_dictionary())


def cell_field(entry: DictionaryEntry) -> Field:
    """A panel column: the cell key, described by its statutory table, row and column labels."""
    where_zh = " / ".join(x for x in (entry.table_zh, entry.part_zh, entry.group_zh) if x)
    where_en = " / ".join(x for x in (entry.table_en, entry.part_en, entry.group_en) if x)
    unit = f"（单位：{entry.unit}）" if entry.unit else ""
    return Field(entry.key, "number", f"{where_zh}；行：{entry.row_zh}；列：{entry.column_zh}{unit}",
                 f"{where_en}; row: {entry.row_en}; column: {entry.column_en}"
                 + (f" (unit: {entry.unit})" if entry.unit else ""))


def panel_spec(entries: list[DictionaryEntry]) -> TableSpec:
    return TableSpec("panel", "面板数据：每个机关每个年度一行，每个单元格一列",
                     "Panel: one row per agency and year, one column per cell key",
                     CELL_FIELDS_HEAD + tuple(cell_field(e) for e in entries),
                     ("report_id",), (("report_id", "reports", "report_id"),))


# --------------------------------------------------------------------------- row streams


@dataclass(frozen=True)
class Filters:
    province: str | None = None
    since: int | None = None


def _stream(session: Session, query: Any) -> Iterator[Any]:
    yield from session.execute(query.execution_options(yield_per=BATCH, stream_results=True))


def _canonical(filters: Filters) -> Any:
    """Canonical versions of the exported logical reports, with their place (by the first source
    document's seed), ordered by logical report id."""
    first_source = (select(ReportSource.report_id, func.min(ReportSource.document_id).label("doc"))
                    .group_by(ReportSource.report_id).subquery())
    query = (select(ReportGroup.id, Report, Portal)
             .join(Report, Report.id == ReportGroup.canonical_report_id)
             .join(first_source, first_source.c.report_id == Report.id, isouter=True)
             .join(Document, Document.id == first_source.c.doc, isouter=True)
             .join(Portal, Portal.id == Document.portal_id, isouter=True)
             .order_by(ReportGroup.id))
    if filters.province:
        query = query.where(Portal.province == filters.province)
    if filters.since is not None:
        query = query.where(ReportGroup.year >= filters.since)
    return query


def _exported_ids(filters: Filters) -> Any:
    return select(_canonical(filters).subquery().c.id)


def _canonical_ids(canon: Any) -> Any:
    """(``gid`` logical report, ``rid`` canonical version) of a :func:`_canonical` query, as a
    subquery to join a version's rows on."""
    return canon.with_only_columns(ReportGroup.id.label("gid"), Report.id.label("rid")).subquery()


def _merge(keyed: Iterator[Any], key_of: Any) -> Iterator[tuple[int, list[Any]]]:
    """Group a stream ordered by key into (key, rows)."""
    current: int | None = None
    rows: list[Any] = []
    for row in keyed:
        key = key_of(row)
        if key != current and rows:
            assert current is not None
            yield current, rows
            rows = []
        current = key
        rows.append(row)
    if rows:
        assert current is not None
        yield current, rows


def _aligned(groups: Iterator[tuple[int, list[Any]]]) -> Any:
    """A lookup into a key-ordered group stream, for keys asked in increasing order."""
    pending: list[tuple[int, list[Any]]] = []

    def get(key: int) -> list[Any]:
        while True:
            if not pending:
                nxt = next(groups, None)
                if nxt is None:
                    return []
                pending.append(nxt)
            head_key, rows = pending[0]
            if head_key < key:
                pending.pop()
                continue
            if head_key == key:
                pending.pop()
                return rows
            return []
    return get


def _place(portal: Portal | None) -> dict[str, Any]:
    if portal is None:
        return {"portal_id": None, "region_code": None, "province": None, "city": None, "county": None,
                "level": None}
    code = portal.adcode or (portal.id[:6] if portal.id[:6].isdigit() else None)
    return {"portal_id": portal.id, "region_code": code, "province": portal.province, "city": portal.city,
            "county": portal.county, "level": portal.level}


def report_rows(session: Session, filters: Filters, blobs: BlobStore | None) -> Iterator[dict[str, Any]]:
    # per batch of canonical versions: their sources, failed checks and version counts
    batch: list[tuple[int, Report, Portal | None]] = []
    for group_id, report, portal in _stream(session, _canonical(filters)):
        batch.append((group_id, report, portal))
        if len(batch) >= BATCH:
            yield from _report_batch(batch, blobs, session)
            batch = []
    if batch:
        yield from _report_batch(batch, blobs, session)


def _report_batch(batch: list[tuple[int, Report, Portal | None]],
                  blobs: BlobStore | None, session: Session) -> Iterator[dict[str, Any]]:
    ids = [r.id for _, r, _ in batch]
    by_version: dict[int, list[Any]] = {}
    for row in session.execute(
            select(ReportSource.report_id, Document.requested_url, Document.sha256, Document.parse_status)
            .join(Document, Document.id == ReportSource.document_id)
            .where(ReportSource.report_id.in_(ids)).order_by(ReportSource.report_id, Document.id)):
        by_version.setdefault(row[0], []).append(row)
    fails = dict(session.execute(
        select(CheckOutcome.report_id, func.count()).where(
            CheckOutcome.report_id.in_(ids), or_(CheckOutcome.strict == "fail", CheckOutcome.lenient == "fail"))
        .group_by(CheckOutcome.report_id)).all())
    counts = dict(session.execute(
        select(Report.group_id, func.count()).where(Report.group_id.in_([g for g, _, _ in batch]))
        .group_by(Report.group_id)).all())
    for group_id, report, portal in batch:
        docs = by_version.get(report.id, [])
        parsed = [d for d in docs if d[3] is not None] or docs
        missing = [d[2] for d in parsed if blobs is not None and not blobs.has(d[2])]
        yield {
            "report_id": group_id, "version_id": report.id, "agency": report.agency,
            **_place(portal), "year": report.year, "published": report.published, "title": report.title,
            "status": report.status, "reason": report.reason, "format_t2": report.format_t2,
            "format_t3": report.format_t3, "format_t4": report.format_t4,
            "source_format": report.source_format, "parser_version": report.parser_version,
            "versions": counts.get(group_id, 1),
            "source_urls": " ".join(d[1] for d in parsed) or None,
            "source_sha256": " ".join(d[2] for d in parsed) or None,
            "failed_checks": fails.get(report.id, 0),
            "archive_problem": (f"archived bytes missing from the blob store: {' '.join(missing)}"
                                if missing else None),
        }


def cell_rows(session: Session, filters: Filters, entries: dict[str, DictionaryEntry]) -> Iterator[dict[str, Any]]:
    canon = _canonical_ids(_canonical(filters))
    provenance = getattr(ReportCell, "provenance", None)
    columns = [canon.c.gid, ReportCell.report_id, ReportCell.key, ReportCell.raw, ReportCell.value,
               ReportCell.semantic, ReportCell.unit]
    if provenance is not None:
        columns.append(provenance)
    query = (select(*columns).join(canon, canon.c.rid == ReportCell.report_id)
             .order_by(canon.c.gid, ReportCell.key))
    for row in _stream(session, query):
        entry = entries.get(row[2])
        yield {"report_id": row[0], "version_id": row[1], "key": row[2],
               "table": entry.table if entry else row[2].split(".", 1)[0],
               "row": entry.row_zh if entry else None, "column": entry.column_zh if entry else None,
               "raw": row[3], "value": row[4], "semantic": row[5], "unit": row[6],
               "provenance": _text(row[7]) if provenance is not None else None}


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    import json
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def panel_rows(session: Session, filters: Filters, keys: list[str]) -> Iterator[dict[str, Any]]:
    canon = _canonical(filters).where(Report.status == "ok")
    heads = canon.with_only_columns(ReportGroup.id, Report.id, Report.agency, Report.year, Portal)
    sub = _canonical_ids(canon)
    wanted = set(keys)
    values = _aligned(_merge(_stream(session, (
        select(sub.c.gid, ReportCell.key, ReportCell.value).join(sub, sub.c.rid == ReportCell.report_id)
        .order_by(sub.c.gid))), lambda r: r[0]))
    for group_id, version_id, agency, year, portal in _stream(session, heads):
        place = _place(portal)
        row: dict[str, Any] = {"report_id": group_id, "version_id": version_id, "agency": agency, "year": year,
                               "region_code": place["region_code"], "province": place["province"]}
        row.update(dict.fromkeys(keys))
        for _, key, value in values(group_id):
            if key in wanted:
                row[key] = value
        yield row


def check_rows(session: Session, filters: Filters) -> Iterator[dict[str, Any]]:
    canon = _canonical_ids(_canonical(filters))
    query = (select(canon.c.gid, CheckOutcome.report_id, CheckOutcome.rule, CheckOutcome.scope,
                    CheckOutcome.strict, CheckOutcome.lenient, CheckOutcome.detail)
             .join(canon, canon.c.rid == CheckOutcome.report_id).order_by(canon.c.gid, CheckOutcome.id))
    for row in _stream(session, query):
        yield dict(zip(("report_id", "version_id", "rule", "scope", "strict", "lenient", "detail"), row, strict=True))


def section_rows(session: Session, filters: Filters) -> Iterator[dict[str, Any]]:
    canon = _canonical_ids(_canonical(filters))
    query = (select(canon.c.gid, ReportSection.report_id, ReportSection.ordinal, ReportSection.key,
                    ReportSection.heading, ReportSection.text)
             .join(canon, canon.c.rid == ReportSection.report_id).order_by(canon.c.gid, ReportSection.ordinal))
    for row in _stream(session, query):
        yield dict(zip(("report_id", "version_id", "ordinal", "key", "heading", "text"), row, strict=True))


def version_rows(session: Session, filters: Filters) -> Iterator[dict[str, Any]]:
    exported = _exported_ids(filters)
    query = select(Report).where(Report.group_id.in_(exported)).order_by(Report.id)
    for (report,) in _stream(session, query):
        why = (f"status={report.status} correction={int(bool(report.correction))} "
               f"filled_cells={report.filled_cells or 0} stored_order={report.id}"
               + (" superseded" if report.superseded else ""))
        yield {"version_id": report.id, "report_id": report.group_id, "canonical": bool(report.canonical),
               "why": why, "status": report.status, "correction": bool(report.correction),
               "superseded": bool(report.superseded), "filled_cells": report.filled_cells or 0,
               "parser_version": report.parser_version, "title": report.title,
               "created_at": report.created_at.isoformat() if report.created_at else None}


def document_rows(session: Session, filters: Filters, blobs: BlobStore | None) -> Iterator[dict[str, Any]]:
    query = select(Document).order_by(Document.id)
    if filters.province:
        query = query.join(Portal, Portal.id == Document.portal_id).where(Portal.province == filters.province)
    for (doc,) in _stream(session, query):
        yield {"document_id": doc.id, "url": doc.requested_url, "final_url": doc.final_url,
               "http_status": doc.http_status, "content_type": doc.content_type,
               "fetched_at": doc.fetched_at.isoformat() if doc.fetched_at else None,
               "sha256": doc.sha256, "size": doc.size, "portal_id": doc.portal_id,
               "parse_status": doc.parse_status,
               "archived": blobs.has(doc.sha256) if blobs is not None else None}

