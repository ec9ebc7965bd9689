"""Dedupe end to end (issue 5): every repost lands on its report, no two reports are merged.

A small farm with the dedupe traps (``FarmOptions.dedupe_traps``) is crawled by the real
``scrapy nightly`` into SQLite; every stored report source URL (detail pages, attachments, the
page images of a 图片版) is mapped to its logical report (``report_groups``) and compared with the
manifest's ``logical_key``: reposts, cross-postings and edition variants share one key, the traps
(three agencies' all-zero reports of one year, one agency's two consecutive years with ~90% of
the text the same) do not.

Text-less versions (a 图片版 served as page images or as a scanned PDF: parse status
``needs_ocr``) have no text to compare; they are expected to join their report as versions by
the (agency, year) of the report title they are linked by, and never to be canonical over a text.
"""

from __future__ import annotations

from collections import defaultdict

import pytest
from sqlalchemy import select

from portalsim import Farm, FarmOptions, FarmServer
from portalsim.dedupe import expected_labels, report_urls, score_grouping
from pipelines.storage.models import Document, Report, ReportGroup, ReportSource
from tests.crawl.harness import Workspace

pytestmark = pytest.mark.slow

# Five healthy portals (one per family), reports from 2018: the traps plus a 更正版, an image
# 图片版, a scanned-PDF 图片版, a cross-posted copy of a trap report and a TRS multi-page article.
SEED, PORTALS = 6, 5
OPTIONS = FarmOptions(dedupe_traps=True, first_year=2018, non_reports=1)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, list[tuple[str, int, str, bool]]]:
    ws = Workspace(tmp_path_factory.mktemp("farm_dedupe"))
    farm = Farm.generate(portals=PORTALS, seed=SEED, faults=False, options=OPTIONS)
    with FarmServer(farm, port=0) as server:
        server.write_out(ws.seeds.parent)
        result = ws.scrapy("nightly", timeout=120)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        manifest = server.manifest()
    with ws.store().sessions() as session:
        rows = session.execute(
            select(Document.requested_url, Document.final_url, Report.group_id, Report.status, Report.canonical)
            .join(ReportSource, ReportSource.document_id == Document.id)
            .join(Report, Report.id == ReportSource.report_id)).all()
        assert session.scalar(select(ReportGroup.id).where(ReportGroup.canonical_report_id.is_(None))) is None
    stored = []
    for requested, final, group, status, canonical in rows:
        stored.append((requested, group, status, bool(canonical)))
        if final and final != requested:
            stored.append((final, group, status, bool(canonical)))
    return manifest, stored


def _groups_of(report: dict, stored: list[tuple[str, int, str, bool]]) -> set[int]:
    urls = report_urls(report)
    return {group for url, group, _, _ in stored if url in urls}


def test_the_farm_holds_every_case(crawled) -> None:
    manifest, _ = crawled
    reports = manifest["reports"]
    assert len({p["agency"] for p in manifest["portals"]}) == PORTALS   # identity is (agency, year)
    zero = [r for r in reports if r["trap"] == "zero-tables"]
    assert len({r["agency"] for r in zero}) == 3 and len({r["year"] for r in zero}) == 1
    assert all(set(r["cells"].values()) == {0} for r in zero)
    pair = [r for r in reports if r["trap"] == "consecutive-years"]
    years = sorted(r["year"] for r in pair)
    assert len({r["agency"] for r in pair}) == 1 and len(years) == 2 and years[1] == years[0] + 1
    assert any(r["same_as"] and r["trap"] for r in reports)              # a trap report cross-posted
    assert {(r["edition"], r["format"]) for r in reports} >= {("更正版", "html"), ("图片版", "image"),
                                                              ("图片版", "scan-pdf")}
    assert any(len(r["detail_urls"]) > 1 for r in reports)             # a TRS multi-page article


def test_every_report_is_stored(crawled) -> None:
    manifest, stored = crawled
    missing = [r["key"] for r in manifest["reports"] if r["expect_stored"] and not _groups_of(r, stored)]
    assert not missing


def test_recall_and_precision_are_one(crawled) -> None:
    manifest, stored = crawled
    score = score_grouping(expected_labels(manifest), [(url, group) for url, group, _, _ in stored])
    assert not score.split, f"reports split over groups: {score.split}"
    assert not score.merged, f"groups merging reports: {score.merged}"
    assert (score.recall, score.precision) == (1.0, 1.0)
    assert score.logical_reports == len({r["logical_key"] for r in manifest["reports"] if r["expect_stored"]})


def test_traps_are_separate_reports_and_their_copy_joins_its_original(crawled) -> None:
    manifest, stored = crawled
    by_key: dict[str, set[int]] = defaultdict(set)
    for report in manifest["reports"]:
        if report["trap"]:
            by_key[report["logical_key"]] |= _groups_of(report, stored)
    assert all(len(groups) == 1 for groups in by_key.values()), by_key
    assert len(by_key) == 5                       # three agencies' zero reports + two years
    assert len(set().union(*by_key.values())) == 5
    for report in manifest["reports"]:
        if report["same_as"]:
            original = next(r for r in manifest["reports"] if r["key"] == report["same_as"])
            assert _groups_of(report, stored) == _groups_of(original, stored), report["key"]


def test_text_less_versions_join_their_report_and_are_never_canonical(crawled) -> None:
    manifest, stored = crawled
    image_reports = [r for r in manifest["reports"] if r["needs_ocr"]]
    assert {r["format"] for r in image_reports} == {"image", "scan-pdf"}
    for report in image_reports:
        urls = report_urls(report)
        scans = [(group, status, canonical) for url, group, status, canonical in stored if url in urls]
        assert scans and all(status == "needs_ocr" and not canonical for _, status, canonical in scans), scans
        text = next(r for r in manifest["reports"] if r["logical_key"] == report["logical_key"]
                    and r["edition"] == "文字版")
        assert {group for group, _, _ in scans} == _groups_of(text, stored), report["key"]
