"""A report published as pictures in an HTML page (图片版), end to end (issue 13): the crawl fetches
and archives the page's pictures and leaves the page ``needs_ocr`` (OCR deferred); with the farm
stopped, ``scrapy reparse --status needs_ocr`` reads the page from its archived pictures to the
same cells as the report's text version (文字版), and the pictures become sources of that version.

Slow (OCR of two page pictures, seconds each); needs the ``ocr`` extra and a CJK font for the
farm to draw the report's pictures with (``fonts-wqy-microhei``, in .ci/apt-packages.txt).
"""

from __future__ import annotations

import csv
import hashlib
import shutil

import pytest
from sqlalchemy import select

from pipelines.parsing.extract import ocr
from pipelines.storage.blobs import FileBlobStore
from pipelines.storage.models import Document, Report, ReportCell, ReportSource
from portalsim import Farm, FarmServer
from tests.crawl.harness import Workspace

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not ocr.available(), reason=ocr.missing_reason()),
    pytest.mark.skipif(shutil.which("fc-list") is None, reason="fontconfig (fc-list) is not installed"),
]


def _cjk_font() -> bool:
    import subprocess

    out = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, check=False).stdout
    return bool(out.strip())


def _only_seed(ws: Workspace, portal_id: str) -> None:
    with ws.seeds.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields, rows = reader.fieldnames, [r for r in reader if r["id"] == portal_id]
    assert rows and fields
    with ws.seeds.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def _cells(session, report_id: int) -> dict[str, float | None]:
    return {c.key: c.value for c in session.scalars(select(ReportCell).where(ReportCell.report_id == report_id))}


def test_picture_page_is_archived_then_read_to_the_text_versions_cells(tmp_path) -> None:
    if not _cjk_font():
        pytest.skip("no CJK font for the farm's pictures (apt-get install fonts-wqy-microhei)")
    ws = Workspace(tmp_path)
    farm = Farm.generate(portals=2, seed=1)
    portal = farm.portals[1]  # portal 1 always publishes a 图片版/文字版 pair
    with FarmServer(farm, port=0) as server:
        server.write_out(ws.seeds.parent)
        _only_seed(ws, portal.portal_id)
        result = ws.scrapy("nightly", timeout=180)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        manifest = server.manifest()
    picture = next(r for r in manifest["reports"] if r["portal_id"] == portal.portal_id and r["edition"] == "图片版")
    text = next(r for r in manifest["reports"] if r["logical_key"] == picture["logical_key"]
                and r["edition"] == "文字版")
    assert text["cells"] and len(picture["image_urls"]) == 2

    store = ws.store()
    with store.sessions() as session:
        page = session.scalars(select(Document).where(Document.requested_url == picture["detail_url"])).one()
        assert page.parse_status == "needs_ocr" and "deferred" in (page.parse_reason or "")
        pictures = session.scalars(select(Document).where(Document.parent_url == page.final_url)).all()
        # raw bytes first: every picture archived, stored as a document of the page, never parsed alone
        assert {p.requested_url for p in pictures} == set(picture["image_urls"])
        assert all(p.parse_status is None and p.content_type == "image/png" for p in pictures)
        shas = {p.requested_url: p.sha256 for p in pictures}
    blobs = FileBlobStore(ws.var / "blobs")
    for url, sha in shas.items():
        assert hashlib.sha256(blobs.get(sha)).hexdigest() == sha, url

    # the farm is stopped: the reparse reads the archive only
    result = ws.scrapy("reparse", "--status", "needs_ocr", timeout=400)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    with store.sessions() as session:
        page = session.get(Document, page.id)
        assert page.parse_status == "ok", page.parse_reason
        (report,) = session.scalars(
            select(Report).join(ReportSource, ReportSource.report_id == Report.id)
            .where(ReportSource.document_id == page.id, Report.superseded.is_(False))).all()
        assert report.status == "ok"
        sources = set(session.scalars(select(ReportSource.document_id).where(ReportSource.report_id == report.id)))
        assert {p.id for p in pictures} <= sources  # the pictures are sources of the version read from them
        # read to exactly the text version's content, the page joins that version (a repost of it)
        got = _cells(session, report.id)
    assert report.agency == text["agency"] and report.year == text["year"]
    # the farm's truth of the text version, cell by cell (a blank printed cell is stored as NULL)
    wrong = [(k, v, got.get(k, "absent")) for k, v in text["cells"].items() if got.get(k, "absent") != v]
    assert not wrong, wrong[:10]
