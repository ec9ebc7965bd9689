"""Cell tokens → :class:`Cell` with semantic ZERO/NUMERIC/EMPTY/NA/TEXT/MISSING (report-format §6.6)."""

from __future__ import annotations

import unicodedata

from pipelines.parsing import patterns as P
from pipelines.parsing.types import Cell, Semantic

MISSING = Cell(raw=None, value=None, semantic="MISSING")


def norm_label(text: str) -> str:
    """Label normalisation (report-format §11): NFKC, no whitespace, no quotes, unified numbering."""
    s = unicodedata.normalize("NFKC", text or "")
    s = P.LABEL_WS.sub("", s)
    s = P.LABEL_QUOTES.sub("", s)
    return s.replace("、", ".").replace("．", ".")


def _compact(raw: str) -> str:
    return P.LABEL_WS.sub("", unicodedata.normalize("NFKC", raw))


def is_value_token(raw: str | None) -> bool:
    """True for a cell that holds a number or an NA mark (not for blanks or labels)."""
    if raw is None:
        return False
    s = _compact(raw)
    if not s:
        return False
    return bool(P.VALUE_NUMBER.match(s)) or s in P.VALUE_NA or s in P.VALUE_ZERO_WORDS


def parse_value(raw: str | None, *, default_unit: str | None = None) -> Cell:
    """Classify one printed cell. ``raw=None`` means the cell does not exist (MISSING)."""
    if raw is None:
        return MISSING
    printed = raw.strip()
    s = _compact(printed)
    if not s:
        return Cell(raw=printed, value=None, semantic="EMPTY")
    if s in P.VALUE_ZERO_WORDS:
        return Cell(raw=printed, value=0, semantic="ZERO", unit=default_unit)
    if s in P.VALUE_NA:
        return Cell(raw=printed, value=None, semantic="NA")
    m = P.VALUE_NUMBER.match(s)
    if not m:
        return Cell(raw=printed, value=None, semantic="TEXT")
    digits = m.group("int").replace(",", "")
    value: int | float = float(digits + m.group("frac")) if m.group("frac") else int(digits)
    if m.group("sign") == "-":
        value = -value
    unit = m.group("unit") or default_unit
    annotation = m.group("ann")
    if annotation:
        annotation = annotation[1:-1]
    semantic: Semantic = "ZERO" if value == 0 else "NUMERIC"
    return Cell(raw=printed, value=value, semantic=semantic, unit=unit, annotation=annotation)
