"""A multi-page article through archive → cleaning → parse → storage: one report, every page a source.

The pages are the farm's TRS multi-page article pages (rendered in-process, no server), so the
report's true cells are known.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy.utils.defer import deferred_f_from_coro_f
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler
from sqlalchemy import select

from portalsim import Farm
from portalsim.families import family_of
from portalsim.families.base import body_of
from crawler.items import FetchedDocument
from pipelines.archive import RawArchivePipeline
from pipelines.cleaning.pipeline import CleaningPipeline
from pipelines.report import ReportParsingPipeline, joined_page, parser_input
from pipelines.storage.blobs import FileBlobStore
from pipelines.storage.models import Document, Report, ReportCell, ReportSource
from pipelines.storage.pipeline import StoragePipeline

HOST = "http://127.0.0.1:8000"


@pytest.fixture(scope="module")
def article() -> tuple[list[tuple[str, bytes, str]], dict[str, float | None]]:
    """A three-page farm article: [(url, body, content type)] and its true cells."""
    farm = Farm.generate(portals=6, seed=68, faults=False)
    for portal in farm.portals:
        family = family_of(portal.family)
        for doc in portal.documents:
            if doc.article_pages == 3:
                pages = [(f"{HOST}/p/{portal.portal_id}{path}", answer.body, dict(answer.headers)["Content-Type"])
                         for path, answer in ((p, r()) for p, r in family.detail_pages(farm, portal, doc).items())]
                cells = dict(body_of(farm, portal, doc).cells or ())
                assert cells
                return pages, cells
    raise AssertionError("the farm has no three-page article")


def _docs(pages: list[tuple[str, bytes, str]]) -> list[FetchedDocument]:
    first = pages[0][0]
    return [FetchedDocument(url=url, final_url=url, status=200, body=body, fetched_at=datetime.now(UTC),
                            content_type=ctype, portal_id="p1", parent_url=None if k == 0 else first,
                            article_part=k > 0)
            for k, (url, body, ctype) in enumerate(pages)]


class Stages:
    def __init__(self, tmp_path: Path) -> None:
        crawler = get_crawler(settings_dict={"HARVEST_DATABASE_URL": f"sqlite:///{tmp_path / 'h.sqlite3'}",
                                             "HARVEST_BLOB_DIR": str(tmp_path / "blobs")})
        self.archive = build_from_crawler(RawArchivePipeline, crawler)
        self.cleaning = build_from_crawler(CleaningPipeline, crawler)
        self.parsing = build_from_crawler(ReportParsingPipeline, crawler)
        self.storage = build_from_crawler(StoragePipeline, crawler)
        self.stats = crawler.stats

    async def run(self, item: FetchedDocument) -> FetchedDocument:
        self.archive.process_item(item)
        await self.cleaning.process_item(item)
        await self.parsing.process_item(item)
        self.storage.process_item(item)
        return item


def _wrong(expected: dict[str, float | None], cells: dict[str, dict]) -> list[str]:
    out = []
    for key, value in expected.items():
        got = cells.get(key)
        if got is None:
            out.append(f"{key}: absent")
        elif value is None and got.get("value") is not None:
            out.append(f"{key}: expected blank, got {got}")
        elif value is not None and (got.get("value") is None or abs(got["value"] - value) > 1e-9):
            out.append(f"{key}: expected {value}, got {got}")
    return out


def test_pages_are_joined_in_order_behind_the_title(article) -> None:
    pages, _ = article
    stages_free = _docs(pages)
    from pipelines.cleaning.cleaner import clean_page
    for doc in stages_free:
        doc.cleaned = clean_page(doc.body, url=doc.url, headers={"Content-Type": doc.content_type or ""})
    first, *rest = stages_free
    first.article_pages = rest
    body, ctype = parser_input(first)
    assert ctype == "text/html; charset=utf-8"
    assert body == joined_page(first.cleaned.title, [d.cleaned.content_html for d in stages_free])
    text = body.decode("utf-8")
    positions = [text.index(d.cleaned.content_html) for d in stages_free]
    assert positions == sorted(positions) and "createPageHTML" not in text
    assert joined_page("A<B", ["<p>x</p>"]).startswith(b"<html><head><meta charset=\"utf-8\"></head><body><h1>A&lt;B</h1>")


@pytest.mark.parametrize("article_first", [False, True])
@deferred_f_from_coro_f
async def test_article_is_one_report_with_every_page_a_source(tmp_path: Path, article, article_first: bool) -> None:
    pages, truth = article
    stages = Stages(tmp_path)
    first, *parts = _docs(pages)
    first.article_pages = parts
    order = [first, *parts] if article_first else [*parts, first]
    for item in order:
        await stages.run(item)
    assert all(p.parse_result is None for p in parts)  # a part is never parsed alone
    assert first.parse_result["status"] == "ok" and "pages" not in first.parse_result["incomplete"]
    assert not _wrong(truth, first.parse_result["cells"])
    page1_alone = await _parse_alone(tmp_path, pages[0])
    assert _wrong(truth, page1_alone["cells"])  # page 1 alone lacks cells: the join matters
    store = stages.storage.store
    with store.sessions() as session:
        rows = session.execute(select(Document.requested_url, Document.parse_status, ReportSource.report_id)
                               .join(ReportSource, ReportSource.document_id == Document.id)).all()
        assert sorted(url for url, _, _ in rows) == sorted(url for url, _, _ in pages)
        assert len({rid for _, _, rid in rows}) == 1
        assert {url: status for url, status, _ in rows} == {pages[0][0]: "ok", pages[1][0]: None, pages[2][0]: None}
        assert session.scalar(select(Report.incomplete)).get("pages") is None
        assert len(session.scalars(select(ReportCell)).all()) == len(first.parse_result["cells"])
    assert store.counts()["documents"] == 3
    blobs = FileBlobStore(tmp_path / "blobs")
    assert [blobs.get(d.sha256 or "") for d in (first, *parts)] == [body for _, body, _ in pages]
    assert stages.stats.get_value("harvest/archive/documents") == 3  # each page archived once
    assert stages.stats.get_value("harvest/parse/article_part") == 2


async def _parse_alone(tmp_path: Path, page: tuple[str, bytes, str]) -> dict:
    stages = Stages(tmp_path / "alone")
    (item,) = _docs([page])
    stages.archive.process_item(item)
    await stages.cleaning.process_item(item)
    await stages.parsing.process_item(item)
    return item.parse_result


@deferred_f_from_coro_f
async def test_missing_page_flags_the_report_incomplete_and_pads_nothing(tmp_path: Path, article) -> None:
    pages, truth = article
    stages = Stages(tmp_path)
    first, second, third = _docs(pages)
    first.article_pages, first.article_missing = [third], [second.url]  # page 2 answered 404
    await stages.run(third)
    await stages.run(first)
    result = first.parse_result
    assert result["status"] == "ok" and result["incomplete"]["pages"] is True
    assert any(second.url in w and "1 of 3 pages missing" in w for w in result["warnings"])
    cells = result["cells"]
    lost = [k for k in truth if k not in cells or cells[k]["semantic"] == "MISSING"]
    assert lost  # page 2's cells are not there ...
    read = {k: c for k, c in cells.items() if k in truth and c["semantic"] != "MISSING"}
    assert read and not _wrong({k: truth[k] for k in read}, read)  # ... and nothing else is misread
    assert all(cells[k]["value"] is None for k in lost if k in cells)  # never padded with 0
    with stages.storage.store.sessions() as session:
        report = session.scalars(select(Report)).one()
        assert report.incomplete["pages"] is True
        sources = session.scalars(select(Document.requested_url).join(
            ReportSource, ReportSource.document_id == Document.id)).all()
        assert sorted(sources) == sorted([first.url, third.url])
