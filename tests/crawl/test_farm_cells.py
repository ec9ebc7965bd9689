"""Every stored report of a crawled farm matches the farm's ground truth cell by cell.

The farm's report bodies come from the parser's fixture generator, so the manifest knows every
cell; the real ``scrapy nightly`` crawls the farm into SQLite and the stored ``report_cells`` are
compared with the manifest (a blank printed cell is stored as NULL with semantic EMPTY/NA/MISSING).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from portalsim import Farm, FarmServer
from pipelines.storage.models import Document, ReportCell, ReportSource
from tests.crawl.harness import Workspace

pytestmark = pytest.mark.slow

NULL_SEMANTICS = ("EMPTY", "NA", "MISSING")


def _report_urls(report: dict) -> set[str]:
    urls = set(report["detail_urls"])
    for att in report["attachments"]:
        urls.add(att["url"])
        if att["final_url"]:
            urls.add(att["final_url"])
    return urls


def _stored_cells(ws: Workspace) -> dict[str, dict[int, dict[str, tuple[float | None, str]]]]:
    """requested URL → stored report id → key → (value, semantic)."""
    out: dict[str, dict[int, dict[str, tuple[float | None, str]]]] = {}
    with ws.store().sessions() as session:
        rows = session.execute(
            select(Document.requested_url, ReportSource.report_id)
            .join(ReportSource, ReportSource.document_id == Document.id)).all()
        cells: dict[int, dict[str, tuple[float | None, str]]] = {}
        for cell in session.scalars(select(ReportCell)):
            cells.setdefault(cell.report_id, {})[cell.key] = (cell.value, cell.semantic)
        for url, report_id in rows:
            out.setdefault(url, {})[report_id] = cells.get(report_id, {})
    return out


def _mismatches(expected: dict[str, float | None], stored: dict[str, tuple[float | None, str]]) -> list[str]:
    wrong = []
    for key, value in expected.items():
        if key not in stored:
            wrong.append(f"{key}: expected {value!r}, not stored")
            continue
        got, semantic = stored[key]
        if value is None:
            if got is not None or semantic not in NULL_SEMANTICS:
                wrong.append(f"{key}: expected blank, stored {got!r} ({semantic})")
        elif got is None or abs(got - value) > 1e-9:
            wrong.append(f"{key}: expected {value!r}, stored {got!r} ({semantic})")
    return wrong


# Six healthy portals whose fixture reports cover every format (html, html+pdf, pdf, docx, xlsx)
# in both templates (2019 for years <= 2020, 2021 after) and include TRS multi-page articles.
SEED, PORTALS = 68, 6


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict]:
    ws = Workspace(tmp_path_factory.mktemp("farm_cells"))
    farm = Farm.generate(portals=PORTALS, seed=SEED, faults=False)
    with FarmServer(farm, port=0) as server:
        server.write_out(ws.seeds.parent)
        result = ws.scrapy("nightly", timeout=120)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        manifest = server.manifest()
    return manifest, _stored_cells(ws)


def _known(manifest: dict, multi_page: bool) -> list[dict]:
    return [r for r in manifest["reports"] if r["cells"] and r["expect_stored"]
            and (len(r["detail_urls"]) > 1) == multi_page]


def _hits(report: dict, stored: dict) -> dict[int, dict[str, tuple[float | None, str]]]:
    return {rid: cells for url in _report_urls(report) for rid, cells in stored.get(url, {}).items()}


def test_stored_cells_equal_the_farm_manifest(crawled) -> None:
    manifest, stored = crawled
    known = _known(manifest, multi_page=False)
    kinds = {(r["format"], "2019" if r["year"] <= 2020 else "2021") for r in known}
    assert kinds == {(f, t) for f in ("html", "html+pdf", "pdf", "docx", "xlsx") for t in ("2019", "2021")}
    assert any(v is None for r in known for v in r["cells"].values())   # blanks are exercised
    checked, problems = 0, []
    for report in known:
        hits = _hits(report, stored)
        if not hits:
            problems.append(f"{report['key']} ({report['format']}): no stored report for {report['detail_url']}")
        # html+pdf: the page and its PDF are two sources; each stored report must match
        for report_id, cells in sorted(hits.items()):
            wrong = _mismatches(report["cells"], cells)
            checked += 1
            if wrong:
                problems.append(f"{report['key']} ({report['format']}, {report['year']}, report {report_id}): "
                                f"{len(wrong)} wrong, e.g. {wrong[:3]}")
    assert not problems, "\n".join(problems)
    assert checked >= len(known) >= 15


def test_multi_page_articles_store_right_values(crawled) -> None:
    """Whatever a page of a TRS multi-page article yields is right (no misread values)."""
    manifest, stored = crawled
    reports = _known(manifest, multi_page=True)
    assert reports
    for report in reports:
        hits = _hits(report, stored)
        assert hits, report["key"]
        present = {k for cells in hits.values() for k in cells}
        assert present, report["key"]
        for cells in hits.values():
            wrong = [w for w in _mismatches(report["cells"], cells) if not w.endswith("not stored")]
            assert not wrong, (report["key"], wrong[:3])


def test_multi_page_article_is_one_complete_report(crawled) -> None:
    manifest, stored = crawled
    for report in _known(manifest, multi_page=True):
        hits = _hits(report, stored)
        assert len(hits) == 1, (report["key"], sorted(hits))
        assert not _mismatches(report["cells"], next(iter(hits.values())))
