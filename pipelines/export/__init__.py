"""Export the harvest as a documented Frictionless Data Package (``scrapy export``).

One file per table (UTF-8 CSV with header, or Parquet), or one SQLite file holding every table,
plus ``datapackage.json`` describing each field in Chinese and English, the cell keys by their
statutory table, row and column (from :func:`pipelines.parsing.schema.data_dictionary`), and the
primary and foreign keys. Tables and rows: :mod:`pipelines.export.tables`.

Validation: ``frictionless validate DIR/datapackage.json`` passes for every form
(tests/export/test_export_validate.py). CSV and Parquet resources are files relative to the
package; the SQLite form's resources are SQL tables (``format: sql``, ``dialect.sql.table``) of a
database URL relative to the working directory, so that form is validated from inside DIR
(:data:`SQLITE_RESOURCE_PATH`).

Safety: everything is written into a temporary directory next to ``DIR`` and moved into place
only when complete, so an interrupted export leaves no partial file under the final names, and an
existing non-empty ``DIR`` is replaced (``force``) only once the new export is whole.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from pipelines.export import tables as T
from pipelines.storage.blobs import BlobStore

FORMATS = ("csv", "parquet", "sqlite")
SQLITE_NAME = "harvest.sqlite"
#: the SQLite form's resource path: frictionless reads an SQL resource through SQLAlchemy from a
#: database URL (``format: sql``, ``dialect.sql.table``), and joins no package directory onto a
#: URL, so this one is relative to the working directory: validate from inside DIR. Read-only URI
#: mode, so that from anywhere else it fails ("unable to open database file") instead of creating
#: an empty database there.
SQLITE_RESOURCE_PATH = f"sqlite:///file:{SQLITE_NAME}?mode=ro&uri=true"
#: rows per write batch (Parquet row group slice, SQLite executemany), and at most this many values
#: per batch, so the wide ``panel`` (hundreds of columns) is written in proportionally smaller batches
WRITE_BATCH = 2000
WRITE_VALUES = 100_000


class ExportRefused(RuntimeError):
    """The output directory exists and is not empty (and ``force`` was not given)."""


def specs() -> list[T.TableSpec]:
    entries = T.cell_entries()
    return [T.REPORTS, T.panel_spec(entries), T.CELLS, T.CHECKS, T.SECTIONS, T.VERSIONS, T.DOCUMENTS]


def _rows(spec: T.TableSpec, session: Session, filters: T.Filters,
          blobs: BlobStore | None) -> Iterator[dict[str, Any]]:
    if spec.name == "reports":
        return T.report_rows(session, filters, blobs)
    if spec.name == "panel":
        return T.panel_rows(session, filters, [f.name for f in spec.fields[len(T.CELL_FIELDS_HEAD):]])
    if spec.name == "cells":
        return T.cell_rows(session, filters, {e.key: e for e in T.cell_entries()})
    if spec.name == "checks":
        return T.check_rows(session, filters)
    if spec.name == "sections":
        return T.section_rows(session, filters)
    if spec.name == "versions":
        return T.version_rows(session, filters)
    return T.document_rows(session, filters, blobs)


def _batch_size(spec: T.TableSpec) -> int:
    """Rows per write batch for ``spec`` (read at call time: memory is bounded by it)."""
    return max(1, min(WRITE_BATCH, WRITE_VALUES // len(spec.fields)))


def _batches(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _write_csv(path: Path, spec: T.TableSpec, rows: Iterable[dict[str, Any]]) -> int:
    names = [f.name for f in spec.fields]
    count = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(names)
        for row in rows:
            writer.writerow([_csv_value(row[n]) for n in names])
            count += 1
    return count


def _arrow_schema(spec: T.TableSpec) -> Any:
    import pyarrow as pa

    kinds = {"integer": pa.int64(), "number": pa.float64(), "string": pa.string(), "boolean": pa.bool_()}
    return pa.schema([(f.name, kinds[f.type]) for f in spec.fields])


def _write_parquet(path: Path, spec: T.TableSpec, rows: Iterable[dict[str, Any]]) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = _arrow_schema(spec)
    count = 0
    with pq.ParquetWriter(str(path), schema) as writer:
        for batch in _batches(rows, _batch_size(spec)):
            columns = {f.name: [r[f.name] for r in batch] for f in spec.fields}
            writer.write_table(pa.Table.from_pydict(columns, schema=schema))
            count += len(batch)
        if count == 0:
            writer.write_table(schema.empty_table())
    return count


#: BOOLEAN (stored 0/1, numeric affinity) rather than INTEGER: readers that reflect the declared
#: type (SQLAlchemy, hence frictionless; RSQLite with extended types) get true/false back
SQL_TYPES = {"integer": "INTEGER", "number": "REAL", "string": "TEXT", "boolean": "BOOLEAN"}


def _write_sqlite(db: sqlite3.Connection, spec: T.TableSpec, rows: Iterable[dict[str, Any]]) -> int:
    names = [f.name for f in spec.fields]
    cols = ", ".join(f'"{f.name}" {SQL_TYPES[f.type]}' for f in spec.fields)
    keys = ", ".join(f'"{k}"' for k in spec.primary_key)
    fks = "".join(f', FOREIGN KEY ("{a}") REFERENCES "{t}" ("{b}")' for a, t, b in spec.foreign_keys)
    db.execute(f'CREATE TABLE "{spec.name}" ({cols}, PRIMARY KEY ({keys}){fks})')
    insert = f'INSERT INTO "{spec.name}" VALUES ({", ".join("?" for _ in names)})'
    count = 0
    for batch in _batches(rows, _batch_size(spec)):
        db.executemany(insert, [[r[n] for n in names] for r in batch])
        count += len(batch)
    db.commit()
    return count


#: missing-value markers of the numeric fields of the Parquet form. Frictionless reads Parquet
#: through pandas (``pyarrow.Table.to_pandas``), which turns a null in an int64 or float64 column
#: into float NaN; declared missing here, a NaN is read as the null it was written as (without it,
#: a null ``year`` fails as "not an integer" and a null panel value passes as the number NaN).
#: Parquet integer and float columns cannot hold a string, so no stored value is caught by it.
PARQUET_NUMERIC_MISSING = ["", "nan"]


def _field_json(field: T.Field, fmt: str) -> dict[str, Any]:
    out: dict[str, Any] = {"name": field.name, "type": field.type, "title": field.zh,
                           "description": field.describe()}
    if fmt == "parquet" and field.type in ("integer", "number"):
        out["missingValues"] = PARQUET_NUMERIC_MISSING
    return out


def _schema_json(spec: T.TableSpec, fmt: str = "csv") -> dict[str, Any]:
    schema: dict[str, Any] = {
        "fields": [_field_json(f, fmt) for f in spec.fields],
        "primaryKey": list(spec.primary_key),
    }
    if spec.foreign_keys:
        schema["foreignKeys"] = [{"fields": a, "reference": {"resource": t, "fields": b}}
                                 for a, t, b in spec.foreign_keys]
    return schema


def datapackage(all_specs: list[T.TableSpec], fmt: str, filters: T.Filters) -> dict[str, Any]:
    resources = []
    for spec in all_specs:
        resource: dict[str, Any] = {"name": spec.name, "title": spec.zh, "description": f"{spec.zh} / {spec.en}",
                                    "profile": "tabular-data-resource", "schema": _schema_json(spec, fmt)}
        if fmt == "csv":
            resource.update(path=f"{spec.name}.csv", format="csv", mediatype="text/csv", encoding="utf-8")
        elif fmt == "parquet":
            resource.update(path=f"{spec.name}.parquet", format="parquet")
        else:
            resource.update(path=SQLITE_RESOURCE_PATH, format="sql", mediatype="application/vnd.sqlite3",
                            dialect={"sql": {"table": spec.name}})
        resources.append(resource)
    return {
        "name": "ogi-harvest",
        "title": "政府信息公开工作年度报告数据 / Government information disclosure annual reports",
        "description": ("每个机关每个年度的年报（规范版本）、统计表单元格、勾稽关系检查、各部分正文、"
                        "全部版本与归档文件。"
                        " / One row per agency and year (canonical version), the statutory table cells, "
                        "consistency checks, section texts, every version and every archived document."),
        "profile": "tabular-data-package",
        "filters": {"province": filters.province, "since": filters.since},
        "resources": resources,
    }


def _prepare(out: Path, force: bool) -> Path:
    """A fresh temporary directory beside ``out``; refuses a non-empty ``out`` unless ``force``."""
    if out.exists() and not out.is_dir():
        raise ExportRefused(f"{out} exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise ExportRefused(f"{out} exists and is not empty: give --force to replace it")
    out.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))


def _publish(tmp: Path, out: Path) -> None:
    """Move the complete export into place (replacing an old one only now)."""
    old: Path | None = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        os.rmdir(old)
        os.replace(out, old)
    os.replace(tmp, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _refresh_planner_statistics(engine: Engine) -> None:
    """PostgreSQL: ANALYZE before streaming. After a bulk load nothing may have analyzed the
    tables yet; through a server-side cursor the planner then guessed the per-version first
    source at 200 rows and joined it by a nested loop, so each FETCH of 1,000 rows of 100,000
    reports took 6 s (quadratic); with statistics the same cursor is hash joins. ANALYZE samples
    a bounded number of rows per table (seconds), and a table the export's user does not own is
    skipped with a server warning, not an error."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE")


def export(engine: Engine, out: Path, *, fmt: str = "csv", filters: T.Filters | None = None,
           force: bool = False, blobs: BlobStore | None = None,
           progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Write the data package to ``out``; rows per table."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (one of {', '.join(FORMATS)})")
    filters = filters or T.Filters()
    tmp = _prepare(out, force)
    counts: dict[str, int] = {}
    _refresh_planner_statistics(engine)
    try:
        all_specs = specs()
        db = sqlite3.connect(tmp / SQLITE_NAME) if fmt == "sqlite" else None
        try:
            for spec in all_specs:
                with Session(engine) as session:
                    rows = _rows(spec, session, filters, blobs)
                    if db is not None:
                        counts[spec.name] = _write_sqlite(db, spec, rows)
                    elif fmt == "csv":
                        counts[spec.name] = _write_csv(tmp / f"{spec.name}.csv", spec, rows)
                    else:
                        counts[spec.name] = _write_parquet(tmp / f"{spec.name}.parquet", spec, rows)
                if progress is not None:
                    progress(spec.name, counts[spec.name])
        finally:
            if db is not None:
                db.close()
        (tmp / "datapackage.json").write_text(
            json.dumps(datapackage(all_specs, fmt, filters), ensure_ascii=False, indent=1), "utf-8")
        _publish(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return counts
