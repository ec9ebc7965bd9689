"""The README's main command: the demo crawl of the bundled sample portals, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from pipelines.storage.blobs import FileBlobStore
from pipelines.storage.models import CrawlRun, Document, Report, ReportCell
from tests.crawl.harness import Workspace, manifest_report_urls

pytestmark = pytest.mark.slow


def test_demo_crawl_stores_every_sample_report(tmp_path: Path, db_url: str) -> None:
    ws = Workspace(tmp_path, database=None if db_url.startswith("sqlite") else db_url)  # both backends
    result = ws.scrapy("demo", "--portals", "4")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    manifest = json.loads((ws.var / "demo" / "manifest.json").read_text("utf-8"))

    stored = set(ws.stored_urls())
    expected = manifest_report_urls(manifest)
    assert expected <= stored, sorted(expected - stored)[:5]
    blobs = FileBlobStore(ws.var / "blobs")
    with ws.store().sessions() as session:
        documents = session.scalars(select(Document)).all()
        reports = session.scalars(select(Report).where(Report.status == "ok", Report.canonical.is_(True))).all()
        cells = session.scalars(select(ReportCell)).all()
        runs = session.scalars(select(CrawlRun)).all()
    assert all(blobs.get(d.sha256) for d in documents)  # raw bytes archived and intact
    assert {(r["agency"], r["year"]) for r in manifest["reports"]} <= {(r.agency, r.year) for r in reports}
    assert cells and all(c.semantic in {"ZERO", "NUMERIC", "EMPTY", "NA", "TEXT", "MISSING"} for c in cells)
    # one run row per family spider of the demo, all finished
    assert runs and {r.mode for r in runs} == {"demo"} and {r.status for r in runs} == {"finished"}
    assert summary["documents_new"] == len(documents) and summary["reports_stored"] == len(reports)
    assert summary["reports_in_farm"] == summary["reports_stored"]   # both count logical reports
    assert summary["documents_fetched"] >= len(documents) > 0


def test_demo_with_unreachable_database_fails_in_one_line(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    result = ws.scrapy("demo", "--portals", "1",
                       HARVEST_DATABASE_URL="postgresql://harvester:s3cret@127.0.0.1:1/ogi")
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "s3cret" not in output
    assert "cannot connect to database postgresql+psycopg://harvester:***@127.0.0.1:1/ogi" in output
    assert not (ws.var / "blobs").exists()  # nothing half-written
