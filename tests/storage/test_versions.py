"""Report identity, dedupe and versions in the store (issue 5, items 3-4), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from portalsim.bodies import SEED_TEXT_DIR
from crawler.items import FetchedDocument
from pipelines.storage.blobs import sha256_hex
from pipelines.storage.models import Report, ReportGroup, ReportSource
from pipelines.storage.store import ReportStore
from tests.storage import test_store

store = test_store.store  # the SQLite/PostgreSQL fixture

FIXTURES = SEED_TEXT_DIR
SEED = (FIXTURES / "000_2155bf533a9f2703.txt").read_text(encoding="utf-8")
AGENCY, YEAR = "白碱滩区教育局", 2024
TITLE = f"{AGENCY}{YEAR}年政府信息公开工作年度报告"


def cells(n: int, value: str = "0", missing: int = 0) -> dict[str, Any]:
    out: dict[str, Any] = {f"t3.c{i}": {"raw": value, "value": float(value), "semantic": "NUMERIC"}
                           for i in range(n)}
    out.update({f"t4.m{i}": {"raw": None, "value": None, "semantic": "MISSING"} for i in range(missing)})
    return out


def parsed(text: str, *, agency: str = AGENCY, year: int = YEAR, title: str = TITLE,
           table: dict[str, Any] | None = None, status: str = "ok", fmt: str = "html") -> dict[str, Any]:
    return {
        "schema": "ogi-report/1", "status": status, "reason": None if status == "ok" else "image-only",
        "title": title, "agency": agency, "year": year, "published": f"{year + 1}-01-20",
        "formats": {"t2": "2021", "t3": "2021", "t4": "2021"},
        "sections": [{"key": "s1", "heading": "", "text": text}] if status == "ok" else [],
        "cells": (cells(10) if table is None else table) if status == "ok" else {},
        "incomplete": {}, "checks": [], "warnings": [], "source_format": fmt, "parser_version": "test",
    }


def doc(url: str, body: bytes | str, **extra: Any) -> FetchedDocument:
    data = body.encode("utf-8") if isinstance(body, str) else body
    item = FetchedDocument(url=url, final_url=url, status=200, body=data,
                           fetched_at=datetime(2026, 1, 2, tzinfo=UTC), content_type="text/html",
                           portal_id="650000_x", sha256=sha256_hex(data))
    for key, value in extra.items():
        setattr(item, key, value)
    return item


def repost_of(text: str) -> str:
    return text.replace("认真", "切实", 1)[:-40] + "扫一扫在手机打开当前页"


def next_year(text: str) -> str:
    nxt = text.replace("2024", "2025")
    cut = len(nxt) // 10
    return nxt[:len(nxt) // 2] + "本年度我局进一步加强政务公开工作" * (cut // 16) + nxt[len(nxt) // 2 + cut:]


def versions(store: ReportStore) -> list[Report]:
    with store.sessions() as session:
        return list(session.scalars(select(Report).order_by(Report.id)))


def groups(store: ReportStore) -> list[ReportGroup]:
    with store.sessions() as session:
        return list(session.scalars(select(ReportGroup).order_by(ReportGroup.id)))


def test_repost_lands_on_its_report_as_another_source(store: ReportStore) -> None:
    first = store.save(doc("http://127.0.0.1/a/1.html", "a" + SEED), parsed(SEED))
    again = store.save(doc("http://127.0.0.1/parent/9.html", "b" + SEED), parsed(repost_of(SEED)))
    assert not again.report_created and again.source_added
    assert again.report_id == first.report_id and again.group_id == first.group_id
    counts = store.counts()
    assert (counts["reports_ok"], counts["report_versions"], counts["sources"]) == (1, 1, 2)


def test_same_file_under_another_url_is_one_version(store: ReportStore) -> None:
    body = b"%PDF-1.7 same bytes"
    first = store.save(doc("http://127.0.0.1/a.pdf", body), parsed(SEED, fmt="pdf"))
    # the second parse differs (e.g. another parser version) but the bytes are the same file
    second = store.save(doc("http://127.0.0.1/mirror/a.pdf", body), parsed(SEED + "附件", fmt="pdf"))
    assert second.report_id == first.report_id and second.source_added
    assert store.counts()["report_versions"] == 1


def test_correction_becomes_a_canonical_version_in_either_order(store: ReportStore) -> None:
    corrected_text = SEED.replace("2024年", "2024年", 1) + "（更正：表三第一行数字有误，已更正）"
    corrected = parsed(corrected_text, title=TITLE + "（更正版）", table=cells(10, "1"))
    original = parsed(SEED)
    store.save(doc("http://127.0.0.1/1.html", "x1"), original)
    store.save(doc("http://127.0.0.1/2.html", "x2"), corrected)
    rows = versions(store)
    assert len(rows) == 2 and len({r.group_id for r in rows}) == 1
    assert [r.canonical for r in rows] == [False, True] and rows[1].correction
    assert groups(store)[0].canonical_report_id == rows[1].id
    assert store.counts()["reports_ok"] == 1
    # a re-posting of the original lands on the original version and leaves the correction canonical
    again = store.save(doc("http://127.0.0.1/3.html", "x3"), parsed(SEED + "。", table=cells(12)))
    assert again.report_id == rows[0].id and not again.report_created
    # an original with more complete tables still does not outrank the correction
    other = (FIXTURES / "002_4b9b066e761ef3f1.txt").read_text(encoding="utf-8")
    longer = SEED[: len(SEED) // 2] + other[: len(other) // 3]  # a re-issue with rewritten prose
    store.save(doc("http://127.0.0.1/4.html", "x4"), parsed(longer, table=cells(40)))
    rows = versions(store)
    assert [r.canonical for r in rows] == [False, True, False] and len({r.group_id for r in rows}) == 1


def test_image_and_text_versions_text_is_canonical(store: ReportStore) -> None:
    image = store.save(doc("http://127.0.0.1/scan.html", b"<img src=1.png>"), parsed("", status="needs_ocr"))
    text = store.save(doc("http://127.0.0.1/text.html", "t" + SEED), parsed(SEED))
    assert image.group_id == text.group_id and image.report_id != text.report_id
    by_id = {r.id: r for r in versions(store)}
    assert by_id[text.report_id].canonical and not by_id[image.report_id].canonical
    counts = store.counts()
    assert (counts["reports_ok"], counts["reports_failed"], counts["report_versions"]) == (1, 0, 2)


def test_two_scans_of_one_report_are_two_versions_not_one(store: ReportStore) -> None:
    a = store.save(doc("http://127.0.0.1/s1.html", b"<img src=1.png>"), parsed("", status="needs_ocr"))
    b = store.save(doc("http://127.0.0.1/s2.html", b"<img src=2.png>"), parsed("", status="needs_ocr"))
    assert a.group_id == b.group_id and a.report_id != b.report_id
    assert store.counts()["reports_failed"] == 1


def test_html_page_and_pdf_attachment_same_text_one_version_two_sources(store: ReportStore) -> None:
    pdf_text = "\n".join(line + ("\n- 3 -" if i == 20 else "") for i, line in enumerate(SEED.splitlines()))
    page = store.save(doc("http://127.0.0.1/p.html", "<html>" + SEED), parsed(SEED))
    pdf = store.save(doc("http://127.0.0.1/p.pdf", b"%PDF-1.7 attachment"), parsed(pdf_text, fmt="pdf"))
    assert pdf.report_id == page.report_id and pdf.source_added
    with store.sessions() as session:
        assert len(session.scalars(select(ReportSource)).all()) == 2


def test_html_summary_and_full_pdf_two_versions_complete_tables_canonical(store: ReportStore) -> None:
    summary = SEED[: len(SEED) // 3]
    page = store.save(doc("http://127.0.0.1/p.html", "<html>" + summary),
                      parsed(summary, table=cells(2, missing=20)))
    pdf = store.save(doc("http://127.0.0.1/p.pdf", b"%PDF-1.7 full"), parsed(SEED, table=cells(22), fmt="pdf"))
    assert pdf.group_id == page.group_id and pdf.report_id != page.report_id
    by_id = {r.id: r for r in versions(store)}
    assert by_id[pdf.report_id].canonical and by_id[pdf.report_id].filled_cells == 22
    assert by_id[page.report_id].filled_cells == 2
    before = store.counts()
    store.save(doc("http://127.0.0.1/p.html", "<html>" + summary), parsed(summary, table=cells(2, missing=20)))
    assert store.counts() == before  # idempotent


def test_two_agencies_with_all_zero_tables_never_merge(store: ReportStore) -> None:
    other = "华龙区教育局"
    twin = SEED.replace(AGENCY, other)  # one template, only the name differs; all-zero tables
    a = store.save(doc("http://127.0.0.1/a.html", "a"), parsed(SEED, table=cells(30)))
    b = store.save(doc("http://127.0.0.1/b.html", "b"), parsed(twin, agency=other, title=TITLE.replace(AGENCY, other),
                                                                 table=cells(30)))
    assert a.group_id != b.group_id and a.report_id != b.report_id
    assert store.counts()["reports_ok"] == 2


def test_consecutive_years_with_ninety_percent_same_text_never_merge(store: ReportStore) -> None:
    a = store.save(doc("http://127.0.0.1/2024.html", "a"), parsed(SEED))
    b = store.save(doc("http://127.0.0.1/2025.html", "b"),
                   parsed(next_year(SEED), year=YEAR + 1, title=TITLE.replace("2024", "2025")))
    assert a.group_id != b.group_id
    assert [(g.agency, g.year) for g in groups(store)] == [(AGENCY, 2024), (AGENCY, 2025)]
    assert store.counts()["reports_ok"] == 2


def test_same_page_text_under_two_agencies_is_not_an_exact_match(store: ReportStore) -> None:
    # two agencies' pages that only point at their attachment: identical bytes, different reports
    body = "<html><p>详见附件。</p></html>"
    a = store.save(doc("http://127.0.0.1/a/see.html", body), parsed("详见附件。", table={}))
    b = store.save(doc("http://127.0.0.1/b/see.html", body),
                   parsed("详见附件。", agency="华龙区教育局", title=TITLE.replace(AGENCY, "华龙区教育局"), table={}))
    assert a.group_id != b.group_id and a.report_id != b.report_id


def scan(**extra: Any) -> dict[str, Any]:
    """A needs_ocr parse of a scan: no text, so no agency or year of its own."""
    return {**parsed("", status="needs_ocr"), "agency": None, "year": None, "title": None, **extra}


def test_text_less_scan_joins_its_report_by_the_linked_title_in_either_order(store: ReportStore) -> None:
    title = TITLE + "（图片版）"
    text = store.save(doc("http://127.0.0.1/a/text.html", "t" + SEED), parsed(SEED))
    image = store.save(doc("http://127.0.0.1/a/scan_1.png", b"\x89PNG one", link_title=title,
                           filename="scan_1.png"), scan())
    pdf = store.save(doc("http://127.0.0.1/a/scan.pdf", b"%PDF scan", link_title=None,
                         filename=title + ".pdf"), scan())
    assert image.group_id == pdf.group_id == text.group_id
    assert len({image.report_id, pdf.report_id, text.report_id}) == 3   # versions, not sources
    by_id = {r.id: r for r in versions(store)}
    assert by_id[text.report_id].canonical
    # the scan first: it opens the logical report (agency, year) the text version then joins
    other, year = "华龙区教育局", YEAR - 1
    first = store.save(doc("http://127.0.0.1/b/scan.pdf", b"%PDF other scan",
                           link_title=f"{other}{year}年政府信息公开工作年度报告（图片版）"), scan())
    later = store.save(doc("http://127.0.0.1/b/text.html", "u" + SEED),
                       parsed(SEED.replace(AGENCY, other).replace(str(YEAR), str(year)), agency=other,
                              year=year, title=f"{other}{year}年政府信息公开工作年度报告"))
    assert first.group_id == later.group_id != text.group_id
    assert [(g.agency, g.year) for g in groups(store)] == [(AGENCY, YEAR), (other, year)]


def test_same_scan_bytes_under_two_agencies_are_two_reports(store: ReportStore) -> None:
    body = b"\x89PNG the same grey page"
    a = store.save(doc("http://127.0.0.1/a/scan_1.png", body, link_title=TITLE + "（图片版）"), scan())
    b = store.save(doc("http://127.0.0.1/b/scan_1.png", body,
                       link_title=TITLE.replace(AGENCY, "华龙区教育局") + "（图片版）"), scan())
    assert a.group_id != b.group_id and a.report_id != b.report_id
    again = store.save(doc("http://127.0.0.1/a/scan_1.png", body, link_title=TITLE + "（图片版）"), scan())
    assert (again.report_id, again.report_created, again.source_added) == (a.report_id, False, False)


def test_text_less_document_without_a_title_keeps_no_identity(store: ReportStore) -> None:
    text = store.save(doc("http://127.0.0.1/a/text.html", "t" + SEED), parsed(SEED))
    image = store.save(doc("http://127.0.0.1/a/scan_1.png", b"\x89PNG", link_title="附件1",
                           filename="scan_1.png"), scan())
    assert image.group_id != text.group_id
    assert groups(store)[-1].agency is None


def test_picture_page_fetched_again_with_other_chrome_is_not_another_version(store: ReportStore) -> None:
    from pipelines.cleaning import clean_page

    def page(visits: int) -> bytes:
        return (f'<html><head><title>{TITLE}</title></head><body><h1>{TITLE}</h1>'
                f'<div class="byline">浏览次数：<em>{visits}</em></div><div id="zoom">'
                '<p><img src="scan_1.png"></p><p><img src="scan_2.png"></p></div></body></html>').encode()

    url = "http://127.0.0.1/a/pic.html"
    outcomes = []
    for visits in (1000, 1001):
        item = doc(url, page(visits), cleaned=clean_page(page(visits), url=url), link_title=TITLE)
        outcomes.append(store.save(item, parsed("", status="needs_ocr")))
    assert outcomes[0].report_created and not outcomes[1].report_created
    assert outcomes[0].document_id == outcomes[1].document_id
    assert len(versions(store)) == 1 and len(groups(store)) == 1
