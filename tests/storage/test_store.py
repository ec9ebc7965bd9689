"""Idempotent storage of documents and parse results, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from crawler.items import FetchedDocument
from pipelines.identity import report_digest
from pipelines.storage.blobs import BlobCorrupted, FileBlobStore, sha256_hex
from pipelines.storage.db import DatabaseUnavailable, check_connection, make_engine, redact, upgrade_to_head
from pipelines.storage.models import CheckOutcome, Document, Report, ReportCell, ReportSource
from pipelines.storage.store import ReportStore

PARSED = {
    "schema": "ogi-report/1", "status": "ok", "reason": None,
    "title": "某县人民政府2023年政府信息公开工作年度报告", "agency": "某县人民政府", "year": 2023,
    "published": "2024-01-20", "formats": {"t2": "2021", "t3": "2021", "t4": "2021"},
    "sections": [{"key": "s1", "heading": "一、总体情况", "text": "本年度……"}],
    "cells": {
        "t3.new.natural_person": {"raw": "12", "value": 12, "semantic": "NUMERIC"},
        "t3.new.commercial": {"raw": "", "value": None, "semantic": "EMPTY"},
        "t2.a8.admin_fee.amount": {"raw": "62.55", "value": 62.55, "semantic": "NUMERIC", "unit": "万元"},
    },
    "incomplete": {"t3": False, "t4": False},
    "checks": [{"rule": "R3.balance", "scope": "total", "strict": "fail", "lenient": "pass"}],
    "warnings": [], "source_format": "html", "parser_version": "test",
}


def make_doc(url: str, body: bytes) -> FetchedDocument:
    return FetchedDocument(url=url, final_url=url, status=200, body=body,
                           fetched_at=datetime(2026, 1, 2, tzinfo=UTC), content_type="text/html",
                           portal_id="320800_huaian", sha256=sha256_hex(body))


@pytest.fixture
def store(request: pytest.FixtureRequest, db_url: str) -> ReportStore:
    """A store on SQLite and on PostgreSQL (conftest's db_url)."""
    upgrade_to_head(db_url)
    engine = make_engine(db_url)
    request.addfinalizer(engine.dispose)
    return ReportStore(engine)


def test_same_document_twice_changes_nothing(store: ReportStore) -> None:
    doc = make_doc("http://127.0.0.1/a.html", b"<html>report</html>")
    first = store.save(doc, PARSED)
    counts = store.counts()
    second = store.save(doc, PARSED)
    assert first.document_created and first.report_created and first.source_added
    assert not second.document_created and not second.report_created and not second.source_added
    assert store.counts() == counts
    assert counts["reports_ok"] == 1 and counts["cells"] == 3 and counts["checks"] == 1


def test_same_report_under_two_urls_is_one_report_with_two_sources(store: ReportStore) -> None:
    a = store.save(make_doc("http://127.0.0.1/a.html", b"<p>page a</p>"), PARSED)
    b = store.save(make_doc("http://127.0.0.1/mirror/a.html", b"<p>page a, other chrome</p>"), PARSED)
    assert a.report_id == b.report_id and b.source_added and not b.report_created
    with store.sessions() as session:
        assert len(session.scalars(select(ReportSource)).all()) == 2


def test_cells_keep_raw_value_semantic_and_unit(store: ReportStore) -> None:
    store.save(make_doc("http://127.0.0.1/a.html", b"x"), PARSED)
    with store.sessions() as session:
        cells = {c.key: c for c in session.scalars(select(ReportCell))}
        check = session.scalars(select(CheckOutcome)).one()
    assert cells["t3.new.natural_person"].value == 12
    assert cells["t3.new.commercial"].value is None and cells["t3.new.commercial"].semantic == "EMPTY"
    assert cells["t2.a8.admin_fee.amount"].unit == "万元" and cells["t2.a8.admin_fee.amount"].raw == "62.55"
    assert (check.strict, check.lenient) == ("fail", "pass")


def test_parse_failure_is_stored_with_reason(store: ReportStore) -> None:
    failure = {"schema": "ogi-report/1", "status": "failed", "reason": "pdf: file is encrypted",
               "sections": [], "cells": {}, "checks": [], "formats": {}}
    doc = make_doc("http://127.0.0.1/x.pdf", b"%PDF-1.7 encrypted")
    outcome = store.save(doc, failure)
    assert outcome.status == "failed" and outcome.report_created
    with store.sessions() as session:
        report = session.scalars(select(Report)).one()
        document = session.scalars(select(Document)).one()
    assert report.status == "failed" and report.reason == "pdf: file is encrypted"
    assert report.digest == f"raw:{doc.sha256}"
    assert document.parse_status == "failed" and document.sha256 == doc.sha256


def test_not_report_is_a_document_without_report(store: ReportStore) -> None:
    outcome = store.save(make_doc("http://127.0.0.1/guide.html", b"guide"),
                         {"status": "not_report", "reason": "no report title"})
    assert outcome.report_id is None and outcome.status == "not_report"
    assert store.counts()["not_reports"] == 1 and store.counts()["reports_ok"] == 0


def test_changed_bytes_at_same_url_are_a_new_document(store: ReportStore) -> None:
    store.save(make_doc("http://127.0.0.1/a.html", b"v1"))
    outcome = store.save(make_doc("http://127.0.0.1/a.html", b"v2"))
    assert outcome.document_created and store.counts()["documents"] == 2


def test_unarchived_document_is_refused(store: ReportStore) -> None:
    doc = make_doc("http://127.0.0.1/a.html", b"x")
    doc.sha256 = None
    with pytest.raises(ValueError, match="archive its bytes"):
        store.save(doc, PARSED)


def test_report_digest_ignores_whitespace_but_not_numbers() -> None:
    reflowed = {**PARSED, "sections": [{"key": "s1", "heading": "一、总体情况", "text": "本年度\n……"}]}
    changed = {**PARSED, "cells": {**PARSED["cells"], "t3.new.natural_person": {"raw": "13", "value": 13, "semantic": "NUMERIC"}}}
    assert report_digest(PARSED) == report_digest(reflowed)
    assert report_digest(PARSED) != report_digest(changed)


def test_blob_round_trip_and_corruption(tmp_path: Path) -> None:
    blobs = FileBlobStore(tmp_path / "blobs")
    data = "二、主动公开政府信息情况".encode("gb18030")
    digest = blobs.put(data)
    assert blobs.put(data) == digest  # idempotent
    assert blobs.path_for(digest) == tmp_path / "blobs" / digest[:2] / digest
    assert blobs.get(digest) == data and blobs.has(digest)
    blobs.path_for(digest).write_bytes(b"tampered")
    with pytest.raises(BlobCorrupted):
        blobs.get(digest)
    with pytest.raises(ValueError):
        blobs.path_for("../../etc/passwd")


def test_unreachable_database_names_redacted_url() -> None:
    url = "postgresql://harvester:s3cret@127.0.0.1:1/nope"
    with pytest.raises(DatabaseUnavailable) as info:
        check_connection(make_engine(url))
    message = str(info.value)
    assert "s3cret" not in message and "127.0.0.1:1/nope" in message and "***" in message
    assert "\n" not in message
    assert "s3cret" not in redact(url)


def test_transient_database_error_is_retried(store: ReportStore, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy.exc import OperationalError

    original = ReportStore._document_row
    calls = {"n": 0}

    def flaky(session, doc, run_id, *rest):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("INSERT …", {}, Exception("database is locked"))
        return original(session, doc, run_id, *rest)

    monkeypatch.setattr(ReportStore, "_document_row", staticmethod(flaky))
    outcome = store.save(make_doc("http://127.0.0.1/a.html", b"x"), PARSED)
    assert calls["n"] == 2 and outcome.report_created
    assert store.counts()["reports_ok"] == 1 and store.counts()["documents"] == 1


def test_seed_health_is_recorded_per_run(store: ReportStore) -> None:
    from pipelines.storage.models import Portal, SeedHealth

    run = store.start_run("nightly", "generic", {})
    store.record_health(run, "130000_hebei", "BLOCKED:challenge-412", detail="$_ts", url="http://127.0.0.1/x")
    store.record_health(run, "130000_hebei", "OK", report_links=3)  # replaces, one row per run and seed
    with store.sessions() as session:
        rows = session.scalars(select(SeedHealth)).all()
        portal = session.get(Portal, "130000_hebei")
    assert [(r.state, r.report_links) for r in rows] == [("OK", 3)]
    assert portal is not None and portal.last_success_at is not None


def test_page_metadata_from_the_cleaner_is_stored(store: ReportStore) -> None:
    from pipelines.cleaning import clean_page

    body = ('<html><head><meta name="PubDate" content="2025-01-20 09:00"><title>x</title></head><body>'
            '<div class="TRS_Editor"><p>一、总体情况</p><p>本年度共收到申请12件。</p></div></body></html>').encode()
    doc = make_doc("http://127.0.0.1/p.html", body)
    doc.cleaned = clean_page(body, url=doc.url)
    store.save(doc, PARSED)
    with store.sessions() as session:
        row = session.scalars(select(Document)).one()
    assert row.text_digest == doc.cleaned.digest and len(row.text_digest) == 64
    assert (row.page_published, row.published_source) == ("2025-01-20", "meta")


def test_stored_contents_row_by_row(store: ReportStore) -> None:
    """A version's sections, cells and check outcomes are stored exactly as parsed, in the parse's
    order (ids ascending), with cell provenance naming the parsed bytes (SQL text, not the ORM)."""
    from sqlalchemy import text

    parsed = {**PARSED,
              "sections": [{"key": "s1", "heading": "一、总体情况", "text": "本年度……"},
                           {"key": "s2", "heading": None, "text": None}],
              "cells": {**PARSED["cells"],
                        "t4.total": {"raw": "3", "value": 3, "semantic": "NUMERIC", "annotation": "注",
                                     "provenance": {"block": 4, "table": 1, "row": 2, "col": 3}}},
              "checks": [*PARSED["checks"], {"rule": "R1.sum", "strict": "pass", "lenient": "pass",
                                             "detail": "1+2=3"}]}
    doc = make_doc("http://127.0.0.1/rows.html", b"<p>rows</p>")
    report_id = store.save(doc, parsed).report_id
    with store.engine.connect() as conn:
        sections = conn.execute(text("SELECT ordinal, key, heading, text FROM report_sections "
                                     "WHERE report_id = :r ORDER BY id"), {"r": report_id}).all()
        cells = conn.execute(text("SELECT key, raw, value, semantic, unit, annotation, provenance IS NULL "
                                  "FROM report_cells WHERE report_id = :r ORDER BY id"), {"r": report_id}).all()
        checks = conn.execute(text("SELECT rule, scope, strict, lenient, detail FROM check_outcomes "
                                   "WHERE report_id = :r ORDER BY id"), {"r": report_id}).all()
    with store.sessions() as session:
        provenance = session.scalar(select(ReportCell.provenance).where(ReportCell.key == "t4.total"))
        filled = session.scalar(select(Report.filled_cells).where(Report.id == report_id))
    assert [tuple(r) for r in sections] == [(0, "s1", "一、总体情况", "本年度……"), (1, "s2", "", "")]
    assert [tuple(r)[:6] for r in cells] == [
        ("t3.new.natural_person", "12", 12, "NUMERIC", None, None),
        ("t3.new.commercial", "", None, "EMPTY", None, None),
        ("t2.a8.admin_fee.amount", "62.55", 62.55, "NUMERIC", "万元", None),
        ("t4.total", "3", 3, "NUMERIC", None, "注")]
    assert [bool(r[6]) for r in cells] == [False, False, False, False]  # JSON null, as the ORM stored it
    assert provenance == {"sha256": doc.sha256, "block": 4, "table": 1, "row": 2, "col": 3}
    assert [tuple(r) for r in checks] == [("R3.balance", "total", "fail", "pass", None),
                                          ("R1.sum", "", "pass", "pass", "1+2=3")]
    assert filled == 4


def test_bulk_contents_equal_what_the_orm_writes(store: ReportStore) -> None:
    """The bulk write of sections, cells and checks (COPY on PostgreSQL, executemany on SQLite)
    stores byte for byte what ORM objects with the same values store: every column as SQL text,
    the JSON provenance included (its exact serialization, JSON ``null`` for none)."""
    from sqlalchemy import text

    from pipelines.storage.models import ReportSection
    from pipelines.storage.store import _provenance

    parsed = {**PARSED,
              "sections": [{"key": "s1", "heading": "一、总体情况", "text": "本年度“引号”\n第二行"},
                           {"key": "s2", "heading": None, "text": None}],
              "cells": {**PARSED["cells"],
                        "t4.total": {"raw": "3", "value": 3, "semantic": "NUMERIC", "annotation": "注\t",
                                     "provenance": {"block": 4, "table": 1, "row": 2, "col": 3,
                                                    "label": "合计（件）"}},
                        "t3.x": {"raw": "1.5", "value": 1.5, "semantic": "NUMERIC", "confidence": 0.8,
                                 "provenance": {"page": 2, "span": [3, 9]}}},
              "checks": [*PARSED["checks"], {"rule": "R1.sum", "strict": "pass", "lenient": "pass",
                                             "detail": "1+2=3\\n"}]}
    doc = make_doc("http://127.0.0.1/bulk.html", b"<p>bulk</p>")
    bulk_id = store.save(doc, parsed).report_id
    with store.sessions.begin() as session:
        other = Report(digest="orm-reference", status="ok")
        session.add(other)
        session.flush()
        orm_id = other.id
        for i, s in enumerate(parsed["sections"]):
            session.add(ReportSection(report_id=orm_id, ordinal=i, key=s["key"], heading=s.get("heading") or "",
                                      text=s.get("text") or ""))
        for key, cell in parsed["cells"].items():
            session.add(ReportCell(report_id=orm_id, key=key, raw=cell.get("raw"), value=cell.get("value"),
                                   semantic=cell["semantic"], unit=cell.get("unit"),
                                   annotation=cell.get("annotation"), provenance=_provenance(cell, doc.sha256)))
        for c in parsed["checks"]:
            session.add(CheckOutcome(report_id=orm_id, rule=c["rule"], scope=c.get("scope") or "",
                                     strict=c["strict"], lenient=c["lenient"], detail=c.get("detail")))

    queries = {
        "report_sections": "SELECT ordinal, key, heading, text FROM report_sections",
        "report_cells": ("SELECT key, raw, CAST(value AS TEXT), semantic, unit, annotation, "
                         "CAST(provenance AS TEXT), provenance IS NULL FROM report_cells"),
        "check_outcomes": "SELECT rule, scope, strict, lenient, detail FROM check_outcomes",
    }
    with store.engine.connect() as conn:
        for table, query in queries.items():
            rows = {rid: [tuple(r) for r in conn.execute(text(f"{query} WHERE report_id = :r ORDER BY id"),
                                                          {"r": rid})]
                    for rid in (bulk_id, orm_id)}
            assert rows[bulk_id] == rows[orm_id], table
            assert len(rows[bulk_id]) == {"report_sections": 2, "report_cells": 5, "check_outcomes": 2}[table]


def test_bulk_contents_roll_back_with_the_save(store: ReportStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bulk rows go through the session's own connection: a save that fails after writing
    them leaves none behind (one transaction per document)."""
    from sqlalchemy import func

    import pipelines.storage.store as store_module

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("fails after the contents were written")

    monkeypatch.setattr(store_module, "evaluate_cross_year", broken)
    with pytest.raises(RuntimeError):
        store.save(make_doc("http://127.0.0.1/rollback.html", b"<p>rollback</p>"), PARSED)
    with store.sessions() as session:
        for model in (Document, Report, ReportCell, CheckOutcome):
            assert session.scalar(select(func.count()).select_from(model)) == 0, model.__tablename__
