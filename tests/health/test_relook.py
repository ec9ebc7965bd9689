"""A seed that keeps coming back EMPTY is looked at again: its stored detection is dropped."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.config import get_config
from crawler.platforms import load_detections, record_detection
from crawler.relook import empty_streak, relook_empty_seeds, relook_label
from tests.spiders.helpers import seed

COLUMN = "http://a.gov.cn/nb/"


def _store(db_url: str, states: list[str]):  # type: ignore[no-untyped-def]
    from crawler.commands._common import open_store

    store = open_store(db_url)
    store.upsert_portals([{"id": "110105_test", "column_url": COLUMN, "platform": "auto"}])
    for state in states:  # oldest first
        run = store.start_run(mode="nightly", spider="trs", filters={})
        store.record_health(run, "110105_test", state)
        store.finish_run(run, status="finished", stats={})
    return store


def _detect(tmp_path: Path, when: datetime = datetime(2020, 1, 1, tzinfo=UTC)) -> Path:
    path = tmp_path / "platforms.json"
    record_detection("110105_test", "trs", "body: TRS", COLUMN, path=path, now=when)
    return path


def test_config_default_and_bad_values() -> None:
    assert get_config({}).empty_relook_runs == 3
    assert get_config({"HARVEST_EMPTY_RELOOK_RUNS": "5"}).empty_relook_runs == 5
    for bad in ("0", "x", "-2"):
        with pytest.raises(ValueError, match="HARVEST_EMPTY_RELOOK_RUNS"):
            get_config({"HARVEST_EMPTY_RELOOK_RUNS": bad})


@pytest.mark.parametrize(("states", "dropped"), [
    (["EMPTY", "EMPTY", "EMPTY"], True),
    (["OK", "EMPTY", "EMPTY", "EMPTY"], True),
    (["EMPTY", "EMPTY"], False),
    (["EMPTY", "EMPTY", "OK", "EMPTY", "EMPTY"], False),  # an OK run resets the count
    (["EMPTY", "EMPTY", "EMPTY", "BROKEN:404"], False),  # the last run failed otherwise
])
def test_detection_dropped_after_n_consecutive_empty_runs(tmp_path: Path, db_url: str, states: list[str],
                                                         dropped: bool) -> None:
    path = _detect(tmp_path)
    store = _store(db_url, states)
    try:
        plan = relook_empty_seeds(store.queries, [seed(COLUMN, "auto")], path, 3)
    finally:
        store.engine.dispose()
    assert (plan.redetect == ["110105_test"]) is dropped
    assert ("110105_test" not in load_detections(path)) is dropped
    assert plan.rediscover == []  # no homepage


def test_only_auto_seeds_and_only_runs_after_the_detection(tmp_path: Path, db_url: str) -> None:
    store = _store(db_url, ["EMPTY", "EMPTY", "EMPTY"])
    try:
        path = _detect(tmp_path, datetime.now(UTC).replace(year=datetime.now(UTC).year + 1))  # detected later
        assert relook_empty_seeds(store.queries, [seed(COLUMN, "auto")], path, 3).redetect == []
        path = _detect(tmp_path)
        assert relook_empty_seeds(store.queries, [seed(COLUMN, "trs")], path, 3).redetect == []
        with_home = replace(seed(COLUMN, "auto"), extra={"homepage": "http://a.gov.cn/"})
        plan = relook_empty_seeds(store.queries, [with_home], path, 3)
        assert plan.redetect == plan.rediscover == ["110105_test"]  # the hook column discovery will consume
    finally:
        store.engine.dispose()


def test_seeds_status_says_the_seed_will_be_re_detected(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from crawler.commands.seeds import _relook_states

    monkeypatch.delenv("HARVEST_EMPTY_RELOOK_RUNS", raising=False)
    store = _store(db_url, ["OK", "EMPTY", "EMPTY", "EMPTY"])
    try:
        expected = {"110105_test": "EMPTY (re-detect after 3 runs)"}
        assert _relook_states(store.queries, [seed(COLUMN, "auto")]) == expected
        assert _relook_states(store.queries, [seed(COLUMN, "trs")]) == {}
        monkeypatch.setenv("HARVEST_EMPTY_RELOOK_RUNS", "4")
        assert _relook_states(store.queries, [seed(COLUMN, "auto")]) == {}
    finally:
        store.engine.dispose()
    assert relook_label(3) == "EMPTY (re-detect after 3 runs)"
    assert empty_streak([("EMPTY", datetime(2021, 1, 1)), ("OK", datetime(2020, 6, 1))]) == 1


def test_rediscovered_detail_is_a_suggestion_only_when_the_column_differs() -> None:
    from crawler.commands.seeds import rediscovered_detail

    s = seed(COLUMN, "auto")
    assert rediscovered_detail(s, {}) == ""
    assert rediscovered_detail(s, {s.id: COLUMN}) == ""
    detail = rediscovered_detail(s, {s.id: "http://a.gov.cn/zfxxgk/nb/"})
    assert detail.startswith("re-discovered column: http://a.gov.cn/zfxxgk/nb/") and "--write" in detail


@pytest.mark.slow
def test_nightly_rediscovers_the_column_of_a_seed_that_keeps_coming_back_empty(tmp_path: Path) -> None:
    """An auto seed pointing at a wrong column (a decoy: no report there), detected once and EMPTY
    three runs in a row: the next nightly drops its detection, walks from its homepage to the
    confirmed column and records it; ``seeds status`` suggests it; the seed file is not changed."""
    import csv
    import os
    import subprocess
    import sys

    from crawler.commands._common import open_store
    from portalsim import SEED_HEADER, Farm, FarmServer

    repo = Path(__file__).resolve().parents[2]
    farm = Farm.generate(portals=1, seed=3)
    with FarmServer(farm) as server:
        row = server.seed_rows()[0]
        truth = server.manifest()["portals"][0]
        wrong = truth["decoy_columns"][0]
        seeds = tmp_path / "seeds.csv"
        with seeds.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=SEED_HEADER, lineterminator="\n")
            writer.writeheader()
            writer.writerow({**row, "column_url": wrong, "platform": "auto"})
        before = seeds.read_bytes()
        var = tmp_path / "var"
        var.mkdir()
        record_detection(row["id"], "plain", "body: pager", wrong, path=var / "platforms.json",
                         now=datetime(2020, 1, 1, tzinfo=UTC))
        url = f"sqlite:///{tmp_path / 'h.db'}"
        store = open_store(url)
        try:
            for _ in range(3):
                run = store.start_run(mode="nightly", spider="generic", filters={})
                store.record_health(run, row["id"], "EMPTY")
                store.finish_run(run, status="finished", stats={})
        finally:
            store.engine.dispose()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SCRAPY_", "HARVEST_"))}
        env.update(PYTHONPATH=str(repo), HARVEST_DATABASE_URL=url, HARVEST_VAR_DIR=str(var),
                   HARVEST_BLOB_DIR=str(tmp_path / "blobs"), HARVEST_SEEDS=str(seeds))
        scrapy = str(Path(sys.executable).parent / "scrapy")
        done = subprocess.run([scrapy, "nightly", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0"],
                              cwd=repo, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode in (0, 4), done.stderr[-3000:]
        assert "re-discovery of 1 seed(s)" in done.stdout and "found 1 column(s)" in done.stdout, done.stdout
        status = subprocess.run([scrapy, "seeds", "status", "--csv", str(tmp_path / "status.csv")],
                                cwd=repo, env=env, capture_output=True, text=True, timeout=120)
        assert status.returncode == 0, status.stderr[-2000:]
    store = open_store(url)
    try:
        found = store.discovered_columns()
    finally:
        store.engine.dispose()
    assert found[row["id"]].rstrip("/").removesuffix("/index.html") == \
        truth["column_url"].rstrip("/").removesuffix("/index.html")
    assert wrong not in found.values()
    assert seeds.read_bytes() == before  # a suggestion for a researcher: the seed file is not written
    rows = list(csv.DictReader((tmp_path / "status.csv").open(encoding="utf-8")))
    assert rows[0]["state"].startswith("EMPTY (re-detect") and rows[0]["detail"].startswith("re-discovered column: "), rows[0]
