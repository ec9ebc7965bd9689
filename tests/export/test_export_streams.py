"""The export streams: its memory does not grow with the number of reports (issue 11).

A database of N synthetic reports (rendered by the fixture renderer, stored through the real
store: :mod:`portalsim.synthetic`) is exported in every format, then grown to 4N and exported
again. The peak of Python allocations inside the export call (tracemalloc: deterministic, unlike
RSS) must stay nearly flat while the data grows fourfold. Batch sizes are set well below N so
that "bounded by the batch" and "bounded by the data" differ at this size. A control export that
materializes its rows shows the measurement does see proportional growth.
"""

from __future__ import annotations

import shutil
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

import pipelines.export as exp
from pipelines.export import tables as T
from pipelines.storage.db import make_engine, upgrade_to_head
from pipelines.storage.store import ReportStore
from portalsim.synthetic import store_synthetic, templates

pytestmark = pytest.mark.slow

N = 20
SMALL_BATCH = 5
FORMATS = ("csv", "parquet", "sqlite")


def _peak(engine: Engine, out: Path, fmt: str) -> int:
    """Peak traced bytes allocated during one export (the output removed afterwards)."""
    shutil.rmtree(out, ignore_errors=True)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base, _ = tracemalloc.get_traced_memory()
        counts = exp.export(engine, out, fmt=fmt)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    shutil.rmtree(out, ignore_errors=True)
    assert counts["reports"] > 0
    return peak - base


def test_export_memory_does_not_grow_with_reports(db_url: str, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(T, "BATCH", SMALL_BATCH)
    monkeypatch.setattr(exp, "WRITE_BATCH", SMALL_BATCH)
    upgrade_to_head(db_url)
    engine = make_engine(db_url)
    try:
        store = ReportStore(engine)
        tpls = templates()
        assert store_synthetic(store, N, tpls) == N
        for fmt in FORMATS:  # warm-up: imports and first-use caches are not the export's growth
            _peak(engine, tmp_path / "out", fmt)
        small = {fmt: _peak(engine, tmp_path / "out", fmt) for fmt in FORMATS}
        control_small = _materialized_peak(engine, tmp_path / "out", monkeypatch)

        assert store_synthetic(store, 3 * N, tpls, start=N) == 3 * N
        large = {fmt: _peak(engine, tmp_path / "out", fmt) for fmt in FORMATS}
        control_large = _materialized_peak(engine, tmp_path / "out", monkeypatch)
    finally:
        engine.dispose()

    # the measurement sees proportional growth when the rows are held in memory ...
    assert control_large > 3 * control_small, (control_small, control_large)
    # ... and the real export's peak stays nearly flat with four times the reports (proportional
    # growth would be +300%)
    for fmt in FORMATS:
        assert large[fmt] < 1.25 * small[fmt], (fmt, small[fmt], large[fmt])


def _materialized_peak(engine: Engine, out: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """The CSV export's peak when every table's rows are first read into a list (not streamed)."""
    streamed = exp._rows

    def materialized(*args: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
        return iter(list(streamed(*args, **kwargs)))

    with monkeypatch.context() as m:
        m.setattr(exp, "_rows", materialized)
        return _peak(engine, out, "csv")


@pytest.mark.postgres
def test_export_analyzes_a_postgres_database_before_streaming(postgres_url: str, tmp_path: Path) -> None:
    # unanalyzed tables after a bulk load made the canonical-version cursor quadratic (bench/export.py)
    from sqlalchemy import text

    upgrade_to_head(postgres_url)
    engine = make_engine(postgres_url)
    try:
        assert store_synthetic(ReportStore(engine), 3, templates()) == 3
        last_analyzed = text("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'report_sources'")
        with engine.connect() as conn:
            assert conn.execute(last_analyzed).scalar_one() is None
        exp.export(engine, tmp_path / "out", fmt="csv")
        with engine.connect() as conn:
            assert conn.execute(last_analyzed).scalar_one() is not None
    finally:
        engine.dispose()
