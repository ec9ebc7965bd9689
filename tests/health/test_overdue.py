"""The overdue monitor's deadlines: 31 January (departments), 31 March (governments), plus grace."""

from __future__ import annotations

from datetime import date

import pytest

from crawler.health import last_due_year


@pytest.mark.parametrize(("level", "today", "grace", "expected"), [
    ("county", date(2025, 3, 31), 0, 2023),       # 2024 reports due 2025-03-31: not yet overdue that day
    ("county", date(2025, 4, 1), 0, 2024),
    ("county", date(2025, 4, 20), 30, 2023),       # grace period still running
    ("county", date(2025, 5, 1), 30, 2024),
    ("prefecture-dept", date(2025, 2, 1), 0, 2024),  # departments: 31 January
    ("prefecture-dept", date(2025, 1, 31), 0, 2023),
    ("province", date(2025, 12, 31), 30, 2024),
])
def test_last_due_year(level: str, today: date, grace: int, expected: int) -> None:
    assert last_due_year(level, today, grace) == expected


def test_grace_period_comes_from_harvest_overdue_grace_days(monkeypatch: pytest.MonkeyPatch) -> None:
    from crawler.config import get_config

    assert get_config({}).overdue_grace_days == 30
    assert get_config({"HARVEST_OVERDUE_GRACE_DAYS": "0"}).overdue_grace_days == 0
    for bad in ("ten", "-1", "2.5"):
        with pytest.raises(ValueError, match="HARVEST_OVERDUE_GRACE_DAYS"):
            get_config({"HARVEST_OVERDUE_GRACE_DAYS": bad})
    # 2025-04-20: 2024 government reports were due 2025-03-31, 20 days earlier
    monkeypatch.delenv("HARVEST_OVERDUE_GRACE_DAYS", raising=False)
    assert last_due_year("county", date(2025, 4, 20)) == 2023  # default 30 days: still in grace
    monkeypatch.setenv("HARVEST_OVERDUE_GRACE_DAYS", "10")
    assert last_due_year("county", date(2025, 4, 20)) == 2024
    assert last_due_year("county", date(2025, 4, 20), 30) == 2023  # an explicit grace wins


def test_seed_status_marks_overdue_after_the_configured_grace(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from crawler.commands._common import open_store
    from crawler.health import seed_status
    from tests.spiders.helpers import seed

    store = open_store(db_url)
    s = seed("http://a.gov.cn/nb/", "trs")  # a county government: reports due 31 March
    run = store.start_run(mode="nightly", spider="trs", filters={})
    store.record_health(run, s.id, "EMPTY")
    store.finish_run(run, status="finished", stats={})
    today = date(2025, 4, 20)
    try:
        monkeypatch.delenv("HARVEST_OVERDUE_GRACE_DAYS", raising=False)
        assert seed_status(store.queries, [s], today)[0].overdue_year == 2023
        monkeypatch.setenv("HARVEST_OVERDUE_GRACE_DAYS", "10")
        assert seed_status(store.queries, [s], today)[0].overdue_year == 2024
    finally:
        store.engine.dispose()
