"""Consistency rules of report-format §6.1–6.2, each evaluated strictly and leniently (§6.6).

Source errors are reported as failed checks, never corrected; lenient zeros are never written back.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection
from typing import Any

from pipelines.parsing import schema
from pipelines.parsing.types import Cell, CheckOutcome, CheckResult

TOL = 0.0001
# Every key below comes from the cell catalogue (schema.py); a renamed row fails at import.
_C = tuple(c.key for c in schema.t3_columns())
_A = _C[:-1]  # the six applicant columns; the last is 总计
_NEW, _CARRIED_IN, _RESULTS_TOTAL, _CARRIED_OUT = (
    schema.t3_row(k).key for k in ("new", "carried_in", "results_total", "carried_out"))
_OUTCOME_ROWS = frozenset(r.key for r in schema.T3.parts[0].rows if r.outcome)
_T4 = tuple((block.key, tuple(o.key for o in schema.t4_outcomes())) for block in schema.t4_blocks())
_T4_RULES = dict(zip((b.key for b in schema.t4_blocks()), ("R4.review_sum", "R4.direct_sum", "R4.after_sum"),
                     strict=True))  # one rule per table-4 block; a new block fails at import
_SIGNED = frozenset(c.key for c in schema.cells() if c.column.value_type == schema.SIGNED_COUNT)
_DECIMAL = frozenset(c.key for c in schema.cells() if c.column.value_type == schema.AMOUNT)


def _val(cells: dict[str, Cell], key: str, lenient: bool) -> float | None:
    cell = cells.get(key)
    if cell is None or cell.semantic == "MISSING":
        return None
    if cell.semantic in ("ZERO", "NUMERIC"):
        return cell.value
    if lenient and cell.semantic in ("EMPTY", "NA"):
        return 0
    return None


def _sum(cells: dict[str, Cell], keys: list[str], lenient: bool) -> float | None:
    """Sum of the cells' values, or None when any of them has no value."""
    values = [_val(cells, k, lenient) for k in keys]
    known = [v for v in values if v is not None]
    return sum(known) if len(known) == len(values) else None


def _eq(cells: dict[str, Cell], left: list[str], right: list[str], lenient: bool) -> CheckOutcome:
    ls, rs = _sum(cells, left, lenient), _sum(cells, right, lenient)
    if ls is None or rs is None:
        return "not_assessable"
    return "pass" if abs(ls - rs) <= TOL else "fail"


def _le(cells: dict[str, Cell], left: list[str], right: list[str], lenient: bool) -> CheckOutcome:
    ls, rs = _sum(cells, left, lenient), _sum(cells, right, lenient)
    if ls is None or rs is None:
        return "not_assessable"
    return "pass" if ls <= rs + TOL else "fail"


def _nonneg_int(cells: dict[str, Cell], keys: list[str], allow_negative: Collection[str] = (),
                allow_decimal: Collection[str] = (), *, lenient: bool) -> CheckOutcome:
    present = [k for k in keys if k in cells and cells[k].semantic != "MISSING"]
    if not present:
        return "not_assessable"
    unknown = False
    for k in present:
        c = cells[k]
        if c.semantic in ("ZERO", "NUMERIC"):
            v = c.value
            if v is None:  # a numeric semantic always carries a value; without one, like _val: unknown
                unknown = True
            elif (v < 0 and k not in allow_negative) or (k not in allow_decimal and float(v) != int(v)):
                return "fail"
        elif c.semantic == "TEXT" or not lenient:
            unknown = True
    if len(present) < len(keys):
        unknown = True
    return "not_assessable" if unknown else "pass"


def _result(rule: str, scope: str, fn: Callable[..., CheckOutcome], *args: Any,
            detail: str | None = None) -> CheckResult:
    strict, lenient = fn(*args, lenient=False), fn(*args, lenient=True)
    if detail is None and "fail" in (strict, lenient):
        detail = f"{rule} fails for {scope}"
    return CheckResult(rule=rule, scope=scope, strict=strict, lenient=lenient, detail=detail)


def _t3_key(row: str, col: str) -> str:
    return f"t3.{row}.{col}"


def _t3_rows(cells: dict[str, Cell]) -> list[str]:
    rows = []
    for key in cells:
        if key.startswith("t3."):
            row = key[3:].rsplit(".", 1)[0]
            if row not in rows:
                rows.append(row)
    return rows


def run_checks(cells: dict[str, Cell]) -> list[CheckResult]:
    out: list[CheckResult] = []
    rows = _t3_rows(cells)
    if rows:
        outcome_rows = [r for r in rows if r in _OUTCOME_ROWS]
        for c in _C:
            t = functools.partial(_t3_key, col=c)
            out.append(_result("R3.balance", c, _eq, cells, [t(_NEW), t(_CARRIED_IN)],
                               [t(_RESULTS_TOTAL), t(_CARRIED_OUT)]))
            out.append(_result("R3.results_sum", c, _eq, cells, [t(r) for r in outcome_rows], [t(_RESULTS_TOTAL)]))
            out.append(_result("R3.bounds", c, _le, cells, [t(_RESULTS_TOTAL)], [t(_NEW), t(_CARRIED_IN)]))
            out.append(_result("R3.bounds", f"{c}:carried_out", _le, cells, [t(_CARRIED_OUT)],
                               [t(_NEW), t(_CARRIED_IN)]))
        for r in rows:
            out.append(_result("R3.row_total", r, _eq, cells, [f"t3.{r}.{a}" for a in _A], [f"t3.{r}.{_C[-1]}"]))
        t3_keys = [k for k in cells if k.startswith("t3.")]
        out.append(_result("R3.nonneg_int", "t3", _nonneg_int, cells, t3_keys))
    if any(k.startswith("t4.") for k in cells):
        for block, outcomes in _T4:
            parts = [f"t4.{block}.{o}" for o in outcomes[:-1]]
            out.append(_result(_T4_RULES[block], block, _eq, cells, parts, [f"t4.{block}.{outcomes[-1]}"]))
        t4_keys = [f"t4.{b}.{o}" for b, outcomes in _T4 for o in outcomes]
        out.append(_result("R4.nonneg_int", "t4", _nonneg_int, cells, t4_keys))
    t2_keys = [k for k in cells if k.startswith("t2.")]
    if t2_keys:
        signed = tuple(k for k in t2_keys if k in _SIGNED)
        decimal = tuple(k for k in t2_keys if k in _DECIMAL)
        out.append(_result("R2.types", "t2", _nonneg_int, cells, t2_keys, signed, decimal))
    return out


# --- across years (issue 11): needs two reports of one agency, so it runs where both are stored

CROSS_YEAR_RULE = "R3.cross_year"
_CARRIED_IN_LABEL = schema.t3_row("carried_in").label
_CARRIED_OUT_LABEL = schema.t3_row("carried_out").label


def cross_year_checks(previous: dict[str, Cell], current: dict[str, Cell], *, previous_year: int | None = None,
                      year: int | None = None) -> list[CheckResult]:
    """This year's carried-in applications (上年结转) equal last year's carried-over ones
    (结转下年度继续办理), per applicant column of table 3; strict and lenient like every rule.

    ``previous``/``current``: the cells of the agency's reports for two consecutive years. No
    outcome at all when neither report has a table 3 (nothing to compare). A mismatch is
    flagged, never corrected."""
    if not any(k.startswith("t3.") for k in current) and not any(k.startswith("t3.") for k in previous):
        return []
    merged = {**{f"previous:{k}": v for k, v in previous.items()}, **current}
    out = []
    for c in _C:
        here, there = f"t3.{_CARRIED_IN}.{c}", f"t3.{_CARRIED_OUT}.{c}"
        strict = _eq(merged, [here], [f"previous:{there}"], lenient=False)
        lenient = _eq(merged, [here], [f"previous:{there}"], lenient=True)
        detail = None
        if "fail" in (strict, lenient):
            now, before = _show(current.get(here)), _show(previous.get(there))
            detail = (f"{year or 'this year'} {_CARRIED_IN_LABEL} {now} != "
                      f"{previous_year or 'previous year'} {_CARRIED_OUT_LABEL} {before} [{c}]")
        out.append(CheckResult(rule=CROSS_YEAR_RULE, scope=c, strict=strict,
                               lenient=lenient, detail=detail))
    return out


def _show(cell: Cell | None) -> str:
    if cell is None or cell.semantic == "MISSING":
        return "(missing)"
    return repr(cell.raw)
