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
