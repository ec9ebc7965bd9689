"""The shipped seeds/ directory: valid, complete with respect to the starter list, spreadsheet-safe."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from crawler import patterns as P
from crawler.seeds import load_seeds, normalise_column_url

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "seeds"
STARTER = REPO / ".." / "shared" / "seeds" / "portals-starter.csv"


@pytest.fixture(scope="module")
def load():
    return load_seeds(SEEDS)


def test_shipped_seeds_have_no_problem(load) -> None:
    assert [str(p) for p in load.problems] == []
    assert len({s.id for s in load.seeds}) == len(load.seeds)


def test_one_file_per_province_with_exact_header(load) -> None:
    for path in load.files:
        match = P.SEED_FILE_NAME.match(path.name)
        assert match and P.PROVINCES_BY_CODE[match["code"]].pinyin == match["pinyin"], path.name
        raw = path.read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf") and b"\r\n" not in raw, path.name
        header = raw.decode("utf-8").split("\n", 1)[0].split(",")
        assert tuple(header[: len(P.SEED_COLUMNS)]) == P.SEED_COLUMNS
        codes = {s.province_code for s in load.seeds if s.source == path}
        assert codes == {match["code"]}, path.name


def test_active_columns_are_unique(load) -> None:
    keys = [normalise_column_url(s.column_url) for s in load.seeds if s.active and s.column_url]
    assert len(keys) == len(set(keys))


def test_every_starter_row_is_a_seed(load) -> None:
    if not STARTER.exists():
        pytest.skip(f"starter list absent: {STARTER}")
    with STARTER.open(encoding="utf-8", newline="") as fh:
        starter = list(csv.DictReader(fh))
    # the starter rows are the seeds with a sample report; the others are the governments added
    # from ../shared/places (tests/seeds/test_nationwide.py)
    from_starter = [s for s in load.seeds if s.extra.get("sample_report_url")]
    assert len(starter) == len(from_starter)
    by_key = {(s.province, s.agency): s for s in from_starter}
    for row in starter:
        seed = by_key[(row["province"], row["agency"])]
        assert seed.column_url == row["column_url"]
        assert seed.city == row["city"] and seed.county == row["county"]
        assert seed.extra.get("sample_report_url") == row["report_url"]
        if not row["column_url"]:
            assert seed.needs_column and seed.notes  # kept, and marked as needing a column URL
    assert sum(1 for s in from_starter if s.needs_column) == sum(1 for r in starter if not r["column_url"])
