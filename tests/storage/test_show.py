"""``scrapy show REPORT_ID --key KEY`` on a demo-like database: documents stored the way a crawl
stores them (bytes archived, parsed from the crawl's parser input), then traced back by eye."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from crawler.items import FetchedDocument
from pipelines.provenance import parser_body
from pipelines.report import parse_to_json
from pipelines.storage.blobs import FileBlobStore
from pipelines.storage.db import make_engine, upgrade_to_head
from pipelines.storage.models import ReportCell
from pipelines.storage.store import ReportStore
from tests.crawl.harness import REPO_ROOT, SCRAPY

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "reports"


def _store_case(store: ReportStore, blobs: FileBlobStore, name: str, url: str) -> int:
    case = FIXTURES / name
    meta = json.loads((case / "meta.json").read_text(encoding="utf-8"))
    body = next(p for p in case.iterdir() if p.name.startswith("body")).read_bytes()
    sha = blobs.put(body)
    data, ctype = parser_body(body, meta["content_type"], meta["filename"], url)
    parsed = parse_to_json(data, ctype, meta["filename"])
    assert parsed["status"] == "ok"
    doc = FetchedDocument(url=url, final_url=url, status=200, body=body, fetched_at=datetime(2026, 1, 2, tzinfo=UTC),
                          content_type=meta["content_type"], filename=meta["filename"], portal_id="p1", sha256=sha)
    outcome = store.save(doc, parsed)
    assert outcome.report_id is not None
    return outcome.report_id


@pytest.fixture
def demo(tmp_path: Path, db_url: str) -> tuple[dict[str, str], dict[str, int]]:
    url = db_url
    upgrade_to_head(url)
    engine = make_engine(url)
    store, blobs = ReportStore(engine), FileBlobStore(tmp_path / "blobs")
    ids = {"text": _store_case(store, blobs, "seed_003", "http://127.0.0.1:8080/a/003.txt"),
           "html": _store_case(store, blobs, "rendered_html_2019", "http://127.0.0.1:8080/b/2019.html"),
           "pdf": _store_case(store, blobs, "rendered_pdf_2021", "http://127.0.0.1:8080/c/2021.pdf")}
    with store.sessions() as session:
        where = session.scalars(select(ReportCell.provenance).where(ReportCell.report_id == ids["pdf"],
                                                                    ReportCell.semantic == "NUMERIC")).first()
        assert where is not None and len(where["sha256"]) == 64 and where["page"] >= 1
    engine.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HARVEST_", "SCRAPY_"))}
    env.update({"HARVEST_VAR_DIR": str(tmp_path / "var"), "HARVEST_DATABASE_URL": url,
                "HARVEST_BLOB_DIR": str(tmp_path / "blobs"), "PYTHONPATH": str(REPO_ROOT)})
    return env, ids


def _show(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SCRAPY, "show", *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def _marked(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith(">")]


def test_show_text_report_value_in_its_source_lines(demo) -> None:
    env, ids = demo
    run = _show(env, str(ids["text"]), "--key", "t4.review.upheld")
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith(f"report {ids['text']}: ") and "巨鹿县教育局" in run.stdout
    assert "value: 3   raw: '3'   semantic: NUMERIC" in run.stdout
    marked = _marked(run.stdout)
    assert len(marked) == 1 and "【3】" in marked[0]
    numbered = [line for line in run.stdout.splitlines() if line[:1] in (" ", ">") and line[2:7].strip().isdigit()]
    assert len(numbered) >= 4


@pytest.mark.parametrize("kind,key", [("html", "t3.carried_in.total"), ("pdf", "t3.carried_in.total")])
def test_show_grid_report_marks_the_cell_in_its_row(demo, kind: str, key: str) -> None:
    env, ids = demo
    run = _show(env, str(ids[kind]), "--key", key)
    assert run.returncode == 0, run.stdout + run.stderr
    raw = next(line for line in run.stdout.splitlines() if line.startswith("value:")).split("raw: '")[1].split("'")[0]
    marked = _marked(run.stdout)
    assert len(marked) == 1 and f"【{raw}】" in marked[0] and "上年结转" in marked[0], run.stdout
    if kind == "pdf":
        assert "page=" in run.stdout


def test_show_header_only_and_unknown_key_or_report(demo) -> None:
    env, ids = demo
    run = _show(env, str(ids["html"]))
    assert run.returncode == 0 and "failed checks:" in run.stdout and "sha256=" in run.stdout
    assert _show(env, str(ids["html"]), "--key", "t9.nothing").returncode == 1
    missing = _show(env, "99999")
    assert missing.returncode == 1 and "no report 99999" in missing.stdout
