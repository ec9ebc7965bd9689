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


def _store(tmp_path: Path, states: list[str]):  # type: ignore[no-untyped-def]
    from crawler.commands._common import open_store

    store = open_store(f"sqlite:///{tmp_path / 'r.sqlite3'}")
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
def test_detection_dropped_after_n_consecutive_empty_runs(tmp_path: Path, states: list[str], dropped: bool) -> None:
    path = _detect(tmp_path)
    store = _store(tmp_path, states)
    try:
        plan = relook_empty_seeds(store.queries, [seed(COLUMN, "auto")], path, 3)
    finally:
        store.engine.dispose()
    assert (plan.redetect == ["110105_test"]) is dropped
    assert ("110105_test" not in load_detections(path)) is dropped
    assert plan.rediscover == []  # no homepage


def test_only_auto_seeds_and_only_runs_after_the_detection(tmp_path: Path) -> None:
    store = _store(tmp_path, ["EMPTY", "EMPTY", "EMPTY"])
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


def test_seeds_status_says_the_seed_will_be_re_detected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from crawler.commands.seeds import _relook_states

    monkeypatch.delenv("HARVEST_EMPTY_RELOOK_RUNS", raising=False)
    store = _store(tmp_path, ["OK", "EMPTY", "EMPTY", "EMPTY"])
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
