"""``frictionless validate DIR/datapackage.json`` passes on every export form (issue 11).

A small stored database (synthetic reports rendered by the fixture renderer and stored through the
real store, plus one failed parse whose year and agency are unknown, so integer columns hold
nulls) is exported as CSV, Parquet and SQLite, and the real validator (the ``frictionless`` CLI
of this environment) reads every table of each: it must pass and must have read every row. The
same export with one orphan row added to ``checks`` (a report id that ``reports`` lacks) must
fail with a foreign-key error, so the validator demonstrably reads the data of each form.

The SQLite form is validated from inside DIR: frictionless reads an SQL resource from a database
URL relative to the working directory (see ``pipelines.export.SQLITE_RESOURCE_PATH``); from
anywhere else it fails without creating a database file.
"""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from crawler.items import FetchedDocument
from pipelines.export import SQLITE_NAME, export
from pipelines.storage.blobs import sha256_hex
from pipelines.storage.db import make_engine, upgrade_to_head
from pipelines.storage.store import ReportStore
from portalsim.synthetic import store_synthetic, templates

pytestmark = pytest.mark.slow

FRICTIONLESS = Path(sys.executable).parent / "frictionless"


def validate(package: Path, cwd: Path) -> dict[str, Any]:
    result = subprocess.run([str(FRICTIONLESS), "validate", "--json", str(package)], capture_output=True,
                            text=True, cwd=cwd, timeout=300)
    try:
        return dict(json.loads(result.stdout))
    except json.JSONDecodeError:
        return {"valid": False, "error": (result.stdout + result.stderr)[-3000:]}


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Any:
    if not FRICTIONLESS.exists():
        pytest.skip(f"no frictionless CLI at {FRICTIONLESS}")
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'h.sqlite3'}"
    upgrade_to_head(url)
    engine = make_engine(url)
    store = ReportStore(engine)
    assert store_synthetic(store, 4, templates(2)) == 4
    body = b"%PDF-1.4 broken"
    doc = FetchedDocument(url="http://127.0.0.1/broken.pdf", final_url="http://127.0.0.1/broken.pdf", status=200,
                          body=body, fetched_at=datetime(2026, 1, 2, tzinfo=UTC), content_type="application/pdf",
                          portal_id="synthetic_00001", sha256=sha256_hex(body))
    failed = store.save(doc, {"schema": "ogi-report/1", "status": "failed", "reason": "pdf: no text layer",
                              "title": None, "agency": None, "year": None, "cells": {}, "sections": [],
                              "checks": [], "parser_version": "test"})
    assert failed.report_created
    yield engine
    engine.dispose()


def _add_orphan_check(out: Path, fmt: str) -> None:
    """One ``checks`` row whose report id is not in ``reports``."""
    row = {"report_id": 999_999, "version_id": 999_999, "rule": "R0.orphan", "scope": "", "strict": "pass",
           "lenient": "pass", "detail": None}
    if fmt == "csv":
        with (out / "checks.csv").open("a", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerow(["" if v is None else v for v in row.values()])
    elif fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq
        table = pq.read_table(out / "checks.parquet")
        extra = pa.Table.from_pylist([row], schema=table.schema)
        pq.write_table(pa.concat_tables([table, extra]), out / "checks.parquet")
    else:
        with sqlite3.connect(out / SQLITE_NAME) as db:
            db.execute(f"INSERT INTO checks VALUES ({', '.join('?' for _ in row)})", list(row.values()))


@pytest.mark.parametrize("fmt", ["csv", "parquet", "sqlite"])
def test_every_export_form_validates_and_a_broken_one_does_not(database: Any, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / fmt
    counts = export(database, out, fmt=fmt)
    assert counts["reports"] == 5 and counts["panel"] == 4  # the failed report is listed, not in the panel

    report = validate(out / "datapackage.json", cwd=out)
    assert report["valid"] is True, json.dumps(report, ensure_ascii=False)[-3000:]
    read = {task["name"]: task["stats"]["rows"] for task in report["tasks"]}
    assert read == counts  # every table read, every row

    broken = tmp_path / f"{fmt}-broken"
    shutil.copytree(out, broken)
    _add_orphan_check(broken, fmt)
    report = validate(broken / "datapackage.json", cwd=broken)
    assert report["valid"] is False
    errors = {task["name"]: [e["type"] for e in task["errors"]] for task in report["tasks"]}
    assert errors["checks"] == ["foreign-key"], errors
    assert not any(errors[name] for name in errors if name != "checks"), errors


def test_sqlite_form_read_from_elsewhere_fails_without_creating_a_file(database: Any, tmp_path: Path) -> None:
    out = tmp_path / "sqlite"
    export(database, out, fmt="sqlite")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    report = validate(out / "datapackage.json", cwd=elsewhere)
    assert report["valid"] is False
    assert list(elsewhere.iterdir()) == []  # read-only URI: no empty database created here


@pytest.mark.parametrize("fmt", ["csv", "parquet", "sqlite"])
def test_export_interrupted_midway_leaves_no_file_under_the_final_names(database: Any, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch,
                                                                       fmt: str) -> None:
    """Interrupted while writing the third table (``reports`` and ``panel`` already written): a new
    DIR does not appear, an earlier complete export replaced with ``force`` stays as it was, and
    no temporary directory is left beside it."""
    import pipelines.export as exp

    streamed = exp._rows
    written: list[str] = []

    def interrupted(spec: Any, *args: Any) -> Any:
        if spec.name == "cells":
            raise KeyboardInterrupt
        written.append(spec.name)
        return streamed(spec, *args)

    fresh = tmp_path / "fresh"
    with monkeypatch.context() as m:
        m.setattr(exp, "_rows", interrupted)
        with pytest.raises(KeyboardInterrupt):
            export(database, fresh, fmt=fmt)
    assert written == ["reports", "panel"]
    assert list(tmp_path.iterdir()) == []

    old = tmp_path / "old"
    export(database, old, fmt="csv")
    before = {p.name: p.read_bytes() for p in old.iterdir()}
    with monkeypatch.context() as m:
        m.setattr(exp, "_rows", interrupted)
        with pytest.raises(KeyboardInterrupt):
            export(database, old, fmt=fmt, force=True)
    assert {p.name: p.read_bytes() for p in old.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["old"]
