"""The history of region codes (行政区划代码) 1980–2024: which codes were valid in a year, and the
successor of a retired code.

Read from the package data ``crawler/seeds/data/region-codes-history.csv`` (yescallop/areacodes
``result.csv``, CC0 1.0; credited in seeds/README.md). Columns: 代码, 一级行政区, 二级行政区, 名称,
级别 (省级/地级/县级), 状态 (在用 in use, 变更 the code stayed but the place was renamed or moved,
弃用 retired), 启用时间 (first year), 变更/弃用时间 (year it stopped), 新代码 (successors, ``;``
separated, each optionally followed by ``[year]``). A code can have several rows (one per name it
carried); a row's years are half-open: valid from its first year up to, not including, its last.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources

HISTORY_FILE = "region-codes-history.csv"
IN_USE = "在用"
RENAMED = "变更"
RETIRED = "弃用"
#: 级别 of the history file → the tier names of crawler.seeds.places.adcode_tier
TIER_OF_LEVEL = {"省级": "province", "地级": "prefecture", "县级": "county"}
_CODE = re.compile(r"\d{6}")


@dataclass(frozen=True)
class CodeRecord:
    """One row of the history: a code under one name, valid in ``[start, end)`` (``end`` None: in use)."""

    code: str
    province: str
    prefecture: str
    name: str
    tier: str
    status: str
    start: int
    end: int | None
    successors: tuple[str, ...]

    def valid_in(self, year: int) -> bool:
        return self.start <= year and (self.end is None or year < self.end)


def _year(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() else None


def parse_history(text: str) -> list[CodeRecord]:
    """The records of a history CSV (a leading BOM is accepted)."""
    records = []
    for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline="")):
        start = _year(row["启用时间"])
        records.append(CodeRecord(
            code=row["代码"].strip(), province=row["一级行政区"].strip(), prefecture=row["二级行政区"].strip(),
            name=row["名称"].strip(), tier=TIER_OF_LEVEL.get(row["级别"].strip(), ""),
            status=row["状态"].strip(), start=start if start is not None else 0,
            end=_year(row["变更/弃用时间"]), successors=tuple(_CODE.findall(row["新代码"]))))
    return records


@dataclass(frozen=True)
class CodeHistory:
    records: tuple[CodeRecord, ...]

    @cached_property
    def by_code(self) -> dict[str, list[CodeRecord]]:
        """The records of each code, grouped once per history (a frozen dataclass still has a
        ``__dict__`` for :func:`functools.cached_property` to fill)."""
        grouped: dict[str, list[CodeRecord]] = {}
        for record in self.records:
            grouped.setdefault(record.code, []).append(record)
        return grouped

    def current(self, code: str) -> CodeRecord | None:
        """The record of ``code`` in use today (2024 list), or None."""
        return next((r for r in self.by_code.get(code, ()) if r.status == IN_USE), None)

    def retired(self, code: str) -> CodeRecord | None:
        """The latest record of a code no longer in use, or None (unknown, or still in use)."""
        rows = self.by_code.get(code, [])
        if not rows or any(r.status == IN_USE for r in rows):
            return None
        return max(rows, key=lambda r: (r.end or 0, r.start))

    def valid_in(self, year: int) -> dict[str, CodeRecord]:
        """Every code valid in ``year`` with the name it carried then."""
        found: dict[str, CodeRecord] = {}
        for record in self.records:
            if record.valid_in(year):
                found.setdefault(record.code, record)
        return found


@lru_cache(maxsize=1)
def code_history() -> CodeHistory:
    """The shipped history (package data)."""
    text = resources.files("crawler.seeds.data").joinpath(HISTORY_FILE).read_text(encoding="utf-8")
    return CodeHistory(tuple(parse_history(text)))


def adcode_problem(adcode: str, history: CodeHistory | None = None) -> tuple[bool, str] | None:
    """Judge an adcode the current table does not know: ``(is_error, message)``, or None when the
    history has it in use. A retired code is a warning naming its successor(s); an unknown code an
    error."""
    history = history or code_history()
    if history.current(adcode) is not None:
        return None
    old = history.retired(adcode)
    if old is None:
        return True, (f"adcode {adcode} is not a region code (neither in use nor in the 1980–2024 history); "
                      "check it")
    names = []
    for code in old.successors:
        now = history.current(code)
        names.append(f"{code} ({now.name})" if now else code)
    when = f"in {old.end}" if old.end else "(year unknown)"
    successor = f"; successor: {', '.join(names)}" if names else "; no successor recorded"
    return False, f"adcode {adcode} ({old.province}{old.name}) was retired {when}{successor}"
