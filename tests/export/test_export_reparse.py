"""``scrapy export`` and ``scrapy reparse`` on the demo database (issue 11, items 1 and 2)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pipelines import parsing
from pipelines.export import ExportRefused, export
from pipelines.parsing.extract import ocr
from pipelines.parsing.schema import data_dictionary
from pipelines.reparse import reparse, select_documents
from pipelines.storage.blobs import FileBlobStore
from pipelines.storage.models import Document, Report, ReportCell, ReportGroup, ReportSource
from tests.crawl.harness import Workspace

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    ws = Workspace(tmp_path_factory.mktemp("demo"))
    result = ws.scrapy("demo", "--portals", "2", timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return ws


def _cells(ws: Workspace) -> list[tuple]:
    with ws.store().sessions() as session:
        return sorted(session.execute(select(ReportCell.report_id, ReportCell.key, ReportCell.raw,
                                             ReportCell.value, ReportCell.semantic)).all())


def test_export_csv_validates_and_panel_sums_match(demo: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "csv"
    result = demo.scrapy("export", "--out", str(out))
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1].startswith("tables=7 ")
    check = subprocess.run([str(Path(sys.executable).parent / "frictionless"), "validate", "--json",
                            str(out / "datapackage.json")], capture_output=True, text=True, cwd=out, timeout=300)
    assert json.loads(check.stdout)["valid"] is True, check.stdout[-3000:]
    package = json.loads((out / "datapackage.json").read_text("utf-8"))
    panel_fields = {f["name"]: f for f in next(r for r in package["resources"] if r["name"] == "panel")["schema"]["fields"]}
    entry = next(iter(data_dictionary()))
    assert entry.row_zh in panel_fields[entry.key]["description"]  # described from the one catalogue
    panel = list(csv.DictReader((out / "panel.csv").open(encoding="utf-8")))
    cells = list(csv.DictReader((out / "cells.csv").open(encoding="utf-8")))
    with demo.store().sessions() as session:
        ok = session.scalar(select(func.count()).select_from(Report).where(
            Report.canonical.is_(True), Report.status == "ok"))
        db_sums = dict(session.execute(
            select(ReportCell.key, func.sum(ReportCell.value))
            .join(ReportGroup, ReportGroup.canonical_report_id == ReportCell.report_id)
            .join(Report, Report.id == ReportCell.report_id).where(Report.status == "ok")
            .group_by(ReportCell.key)).all())
    assert len(panel) == ok > 0
    ok_reports = {row["report_id"] for row in panel}
    checked = 0
    for key in (e.key for e in data_dictionary()):
        panel_sum = sum(float(r[key]) for r in panel if r[key] != "")
        cells_sum = sum(float(c["value"]) for c in cells if c["key"] == key and c["value"] != ""
                        and c["report_id"] in ok_reports)
        assert panel_sum == pytest.approx(cells_sum) == pytest.approx(db_sums.get(key) or 0.0), key
        checked += panel_sum != 0
    assert checked > 10


@pytest.mark.parametrize("fmt", ["parquet", "sqlite"])
def test_export_other_formats(demo: Workspace, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / fmt
    counts = export(demo.store().engine, out, fmt=fmt, blobs=FileBlobStore(demo.var / "blobs"))
    assert counts["panel"] > 0 and counts["cells"] > 0
    # the real validator reads every table of this form (the SQLite form from inside DIR: its
    # resources are a database URL relative to the working directory)
    check = subprocess.run([str(Path(sys.executable).parent / "frictionless"), "validate", "--json",
                            str(out / "datapackage.json")], capture_output=True, text=True,
                           cwd=out if fmt == "sqlite" else tmp_path, timeout=300)
    report = json.loads(check.stdout)
    assert report["valid"] is True, check.stdout[-3000:]
    assert {t["name"]: t["stats"]["rows"] for t in report["tasks"]} == counts
    if fmt == "parquet":
        import pyarrow.parquet as pq
        assert pq.read_table(out / "panel.parquet").num_rows == counts["panel"]
    else:
        import sqlite3
        with sqlite3.connect(out / "harvest.sqlite") as db:
            assert db.execute("select count(*) from panel").fetchone()[0] == counts["panel"]


def test_export_refuses_nonempty_dir_and_interrupted_export_leaves_nothing(demo: Workspace, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(ExportRefused):
        export(demo.store().engine, out)
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    refused = demo.scrapy("export", "--out", str(out))  # the command: exit 1, one line naming DIR
    assert refused.returncode == 1 and str(out) in refused.stderr and "--force" in refused.stderr
    assert [p.name for p in out.iterdir()] == ["keep.txt"]

    import pipelines.export as exp
    def boom(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(exp, "_write_csv", boom)
    with pytest.raises(KeyboardInterrupt):
        export(demo.store().engine, out, force=True)
    assert [p.name for p in out.iterdir()] == ["keep.txt"]  # never half-overwritten
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no temporary left behind
    monkeypatch.undo()
    export(demo.store().engine, out, force=True)
    assert (out / "datapackage.json").exists() and not (out / "keep.txt").exists()


def test_reparse_is_offline_idempotent_and_counts_a_parser_change(demo: Workspace, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    before = _cells(demo)
    with demo.store().sessions() as session:  # scans and 图片版 pages the crawl left to the reparse
        deferred = session.scalar(select(func.count()).select_from(Document).where(
            Document.parse_status == "needs_ocr", Document.parse_reason.like("%deferred%")))
    # the farm is stopped: any request would fail; reparse reads the archive only
    result = demo.scrapy("reparse", "--below-version", "999", timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    last = dict(p.split("=") for p in result.stdout.strip().splitlines()[-1].split())
    # only what the crawl deferred (OCR) reads differently
    assert int(last["documents"]) == int(last["reparsed"]) > 0 and int(last["changed"]) == deferred
    # the 图片版 page, read to its 文字版's content, joins that version: no cell added or changed
    assert _cells(demo) == before

    store, blobs = demo.store(), FileBlobStore(demo.var / "blobs")
    monkeypatch.setattr(parsing, "PARSER_VERSION", "99.0.0")
    real = parsing.parse_extracted

    def changed(doc, **kwargs):  # the "new parser" reads one more warning and a new title
        result = real(doc, **kwargs)
        if result.status == "ok" and result.year and result.year % 2 == 0:
            object.__setattr__(result, "title", (result.title or "") + "（新解析）")
            object.__setattr__(result, "cells", {**result.cells})
            object.__setattr__(result, "sections", result.sections[:-1])
        return result
    monkeypatch.setattr(parsing, "parse_extracted", changed)
    monkeypatch.setattr(ocr, "available", lambda: False)  # OCR'd above already; keeps this part fast
    ids = select_documents(store)
    assert ids  # every document was read by 1.x
    stats = reparse(store, blobs, ids)
    assert stats.changed > 0 and stats.failed == 0
    assert select_documents(store) == []  # resumable: done work is skipped
    again = reparse(store, blobs, select_documents(store, below_version="100"))
    assert again.changed == 0  # idempotent


def test_reparse_reports_missing_bytes_and_goes_on(demo: Workspace, tmp_path: Path) -> None:
    store = demo.store()
    with store.sessions() as session:
        doc = session.scalars(select(Document).where(Document.parse_status == "ok")).first()
        assert doc is not None
    blobs = FileBlobStore(demo.var / "blobs")
    path = blobs.path_for(doc.sha256)
    data = path.read_bytes()
    path.unlink()
    try:
        with store.sessions() as session:
            versions = sorted(session.scalars(select(ReportSource.report_id).where(
                ReportSource.document_id == doc.id)))
        assert versions
        stats = reparse(store, blobs, select_documents(store, below_version="999"))
        # named by its report (version) id, and the run went on with every other document
        assert stats.failed == 1 and len(stats.problems) == 1
        assert f"report {', '.join(map(str, versions))}:" in stats.problems[0] and doc.sha256 in stats.problems[0]
        assert stats.reparsed == stats.documents - 1
        out = tmp_path / "out"
        export(store.engine, out, blobs=blobs)
        rows = list(csv.DictReader((out / "reports.csv").open(encoding="utf-8")))
        flagged = [r for r in rows if r["archive_problem"]]
        assert len(flagged) >= 1 and all(doc.sha256 in r["archive_problem"] for r in flagged)
        assert any(int(r["version_id"]) in versions for r in flagged)  # still listed, with the reason
    finally:
        path.write_bytes(data)
