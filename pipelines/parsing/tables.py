"""Tables 2, 3 and 4 → canonical cells, from grids and from flattened text alike.

The document is turned into one stream of cell tokens in reading order (grid cells left to right,
text lines split on tabs and pipes, one line per cell for cell-per-line layouts). A small state
machine walks the stream: row labels are recognised by keywords (report-format §11), and the
value tokens that follow a label until the next label are that row's candidates. The number of
columns of each row is fixed by the table format, which is decided per table after the whole
table region has been seen (report-format §7).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipelines.parsing import patterns as P
from pipelines.parsing import schema
from pipelines.parsing.types import Cell, ExtractedDocument
from pipelines.parsing.values import MISSING, is_value_token, norm_label, parse_value

EMPTY_TOKEN = ""

# Table 2 per format: row key -> (part key, columns), from the catalogue.
T2_COLS = {fmt: schema.t2_columns(fmt) for fmt in schema.FORMATS}
# Table 4 is one printed row of blocks x outcomes (15 cells).
T4_CELLS = len(P.T4_BLOCKS) * len(P.T4_OUTCOMES)
# Glued digit runs: cells per row -> blocks whose last cell is the sum of the others.
GLUED_SHAPES = {len(P.T3_COLUMNS): (len(P.T3_COLUMNS),), T4_CELLS: (len(P.T4_OUTCOMES),) * len(P.T4_BLOCKS)}
T3_KEY_INDEX = {key: i for i, (key, _) in enumerate(P.T3_ROW_KEYWORDS)}


@dataclass
class TableResult:
    cells: dict[str, Cell] = field(default_factory=dict)
    formats: dict[str, str | None] = field(default_factory=lambda: {"t2": None, "t3": None, "t4": None})
    incomplete: dict[str, bool] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- token stream

def _split_text_line(line: str) -> list[str]:
    """Cells of one text line: tab- or pipe-separated pieces, or the whole line."""
    if "\t" in line:
        pieces = [p.strip() for p in line.split("\t")]
        while pieces and not pieces[0]:
            pieces.pop(0)  # leading tabs: indentation or merged label cells
        return pieces or [EMPTY_TOKEN]  # a line holding only tabs is one blank cell (layout C)
    stripped = line.strip()
    if "|" in stripped:
        pieces = [p.strip() for p in stripped.strip("|").split("|")]
        return [p for p in pieces if p]  # pipes only delimit (layout A, markdown); blanks unknowable
    return [stripped] if stripped else []


def _glued_tokens(line: str) -> list[str]:
    """Tokens of a glued line: text pieces split at row numbering, digit runs marked as glued."""
    line = P.GLUED_LABEL_NUMBER.sub(lambda m: m.group(1) + " \n" + m.group(2) + ".", line)
    out: list[str] = []
    for part in P.GLUED_BREAKS.split(line):
        for sub in part.split("\n"):
            for piece in P.GLUED_PIECES.findall(sub):
                if piece[0].isdigit():
                    out.append(P.GLUED_PREFIX + piece.replace(" ", ""))
                elif piece.strip():
                    out.append(piece.strip())
    # "1." label numbers were split off above; re-attach a bare number to its label.
    merged: list[str] = []
    for tok in out:
        if merged and merged[-1].startswith(P.GLUED_PREFIX) and tok.startswith(".") and len(merged[-1]) == len(P.GLUED_PREFIX) + 1:
            merged[-1] = merged[-1][len(P.GLUED_PREFIX):] + tok
        else:
            merged.append(tok)
    return merged


def decode_glued(digits: str, blocks: tuple[int, ...]) -> list[str] | None:
    """Split a run of glued digits into blocks whose last part is the sum of the others.

    Returns the parts when exactly one split satisfies every block's sum constraint (numbers
    without leading zeros, at most 6 digits each), else None (undecidable).
    """
    if not digits.isdigit() or len(digits) > P.GLUED_MAX_DIGITS:
        return None
    sols: list[list[str]] = []

    def parts_ok(p: str) -> bool:
        return 0 < len(p) <= 6 and (p == "0" or p[0] != "0")

    def block(pos: int, bi: int, acc: list[str]) -> None:
        if len(sols) > 1:
            return
        if bi == len(blocks):
            if pos == len(digits):
                sols.append(list(acc))
            return
        n = blocks[bi]

        def rec(p: int, k: int, cur: list[str]) -> None:
            if len(sols) > 1:
                return
            if k == n - 1:
                total = sum(int(x) for x in cur)
                t = str(total)
                if digits.startswith(t, p):
                    block(p + len(t), bi + 1, acc + cur + [t])
                return
            for ln in range(1, 7):
                piece = digits[p:p + ln]
                if len(piece) < ln or not parts_ok(piece):
                    break
                rec(p + ln, k + 1, cur + [piece])

        rec(pos, 0, [])

    block(0, 0, [])
    return sols[0] if len(sols) == 1 else None


def token_stream(doc: ExtractedDocument) -> list[str]:
    """Every cell of the document in reading order; "" is a printed blank cell."""
    out: list[str] = []
    for block in doc.blocks:
        if block.kind == "table":
            for row in block.rows:
                for cell in row:
                    if cell is None:
                        continue  # covered by a span
                    out.append(cell.strip())
        elif len(block.text) >= P.GLUED_MIN_LEN and "\t" not in block.text and \
                any(m in block.text for m in P.GLUED_MARKERS):
            out.extend(_glued_tokens(block.text))
        else:
            out.extend(_split_text_line(block.text))
    return out


# --------------------------------------------------------------------------- helpers

def _select(cand: list[str], k: int) -> tuple[list[str | None], bool]:
    """Pick ``k`` cells from a row's candidate tokens; returns (cells, positional_with_blanks).

    When at least ``k`` tokens are filled, blanks are layout noise (wrapped rows, trailing tabs)
    and the first ``k`` filled tokens are the row. Otherwise blanks are printed blank cells and
    are kept by position; cells beyond the candidates are MISSING (None).
    """
    glued = [c for c in cand if c.startswith(P.GLUED_PREFIX)]
    if glued:
        digits = "".join(c[len(P.GLUED_PREFIX):] for c in glued)
        shape = GLUED_SHAPES.get(k)
        parts = decode_glued(digits, shape) if shape else None
        if parts is None:
            return [None] * k, True
        return parts, True
    filled = [c for c in cand if c != EMPTY_TOKEN]
    if len(filled) >= k:
        return list(filled[:k]), False
    seq = list(cand)
    while len(seq) > k and seq[-1] == EMPTY_TOKEN:
        seq.pop()  # grid padding to the sheet/page width
    while len(seq) > k and seq[0] == EMPTY_TOKEN:
        seq.pop(0)
    seq = seq[:k]
    return seq + [None] * (k - len(seq)), True


def _heading_number(n: str) -> str | None:
    m = P.HEADING_NUMBERED.match(n)
    return m.group("num") if m else None


def _is_s4_heading(n: str) -> bool:
    if len(n) > P.HEADING_MAX_LEN:
        return False
    return _heading_number(n) == "四" and any(k in n for k in P.SECTION_KEYWORDS[3][2])


def _is_end_heading(n: str) -> bool:
    if len(n) > P.HEADING_MAX_LEN:
        return False
    num = _heading_number(n)
    if num == "五" and any(k in n for k in P.SECTION_KEYWORDS[4][2]):
        return True
    return num == "六" and any(k in n for k in P.SECTION_KEYWORDS[5][2])


def _match_t3(n: str, last: str | None) -> str | None:
    if len(n) > P.T3_LABEL_MAX:
        return None
    last_idx = T3_KEY_INDEX.get(last, -1) if last else -1
    in_other = last is not None and last.startswith("other.")
    if in_other and n in P.T3_OTHER_OTHER and last in ("other.single", "other.no_correction", "other.fee_unpaid"):
        return "other.other"
    if in_other and n in P.T3_BARE_TOTAL:
        return "results_total"
    for key, words in P.T3_ROW_KEYWORDS:
        if words and any(w in n for w in words):
            if any(x in n for x in P.T3_ROW_EXCLUDE.get(key, ())):
                continue
            if T3_KEY_INDEX[key] <= last_idx:
                return None  # a repeated header or an out-of-order fragment
            return key
    return None


# --------------------------------------------------------------------------- state machine

@dataclass
class _Segments:
    t2_rows: dict[str, list[str]] = field(default_factory=dict)
    t2_header: list[str] = field(default_factory=list)
    t3_rows: dict[str, list[str]] = field(default_factory=dict)
    t3_seen: bool = False
    # (last recognised row before it, label, candidates) for numbered labels no keyword matched
    t3_unknown: list[tuple[str | None, str, list[str]]] = field(default_factory=list)
    t4_cand: list[str] = field(default_factory=list)
    t4_seen: bool = False


def _segment(tokens: list[str]) -> _Segments:
    seg = _Segments()
    state: str | None = None
    current: list[str] | None = None
    last_t3: str | None = None
    for tok in tokens:
        if tok == EMPTY_TOKEN or tok.startswith(P.GLUED_PREFIX) or is_value_token(tok):
            if current is not None:
                current.append(tok)
            continue
        n = norm_label(tok)
        if not n:
            continue
        if state is not None and _is_end_heading(n):
            if state == "t4" or seg.t4_seen:
                break
            state, current = "after", None
            continue
        if state in (None, "t2", "after") and P.T2_ANCHOR in n and len(n) <= 20 and not seg.t3_seen:
            state, current = "t2", None
            seg.t2_header.append(n)
            continue
        if not seg.t3_seen and state != "t4" and any(a in n for a in P.T3_ANCHORS) and (
                len(n) <= P.T3_LABEL_MAX + 20 or n.startswith("(" + P.T3_ANCHORS[0])):
            state, current, seg.t3_seen = "t3", None, True
            if P.T3_ANCHORS[0] in n:
                continue
        if seg.t3_seen and state in ("t3", "t2") and (n in P.T4_ANCHOR_EXACT or _is_s4_heading(n) or (
                n.startswith("四.") and "行政复议" in n)):
            state, current, seg.t4_seen = "t4", seg.t4_cand, True
            continue
        if state == "t2":
            key = P.T2_ROWS.get(n)
            if key is not None and key not in seg.t2_rows:
                current = seg.t2_rows[key] = []
            else:
                seg.t2_header.append(n)
            continue
        if state == "t3":
            key = _match_t3(n, last_t3)
            if key is not None:
                last_t3 = key
                if key == "other.single":
                    current = seg.t3_rows[key] = []  # restarted: a repeated (六) label
                else:
                    current = seg.t3_rows.setdefault(key, [])
                continue
            if any(g in n for g in P.T3_GROUP_KEYWORDS) and len(n) <= 20:
                current = None
            elif P.T3_NUMBERED_LABEL.match(n) and len(n) <= P.T3_LABEL_MAX:
                # An unrecognisable row label: keep its values apart; placed by position later.
                current = []
                seg.t3_unknown.append((last_t3, n, current))
            continue
        if state == "t4":
            if len(n) > 30 and any(c != EMPTY_TOKEN for c in seg.t4_cand):
                break  # narrative after the table (e.g. a note)
            continue
    return seg


# --------------------------------------------------------------------------- assignment

def _t2_format(seg: _Segments, year: int | None) -> str:
    header = "".join(seg.t2_header)
    if any(s in header for s in (norm_label(x) for x in P.T2_SIGNALS_2019)) or \
            "other_services" in seg.t2_rows or "gov_procurement" in seg.t2_rows:
        return "2019"
    if any(s in header for s in (norm_label(x) for x in P.T2_SIGNALS_2021)):
        return "2021"
    return "2019" if (year is not None and year <= 2020) else "2021"


def _place_unknown_rows(seg: _Segments, rows: dict[str, list[str]], warnings: list[str]) -> None:
    """Assign an unrecognised numbered label to the canonical row between its neighbours.

    Only when exactly one canonical row is missing between the recognised row before it and the
    recognised row after it (report-format §11.5: positional fallback for lossy labels).
    """
    order = [k for k, _ in P.T3_ROW_KEYWORDS if k != "other.single"]
    for before, label, cand in seg.t3_unknown:
        if not cand or before not in order:
            continue
        i = order.index(before)
        after = next((k for k in order[i + 1:] if k in rows), None)
        gap = order[i + 1:order.index(after)] if after else []
        gap = [k for k in gap if k not in rows]
        if len(gap) == 1:
            rows[gap[0]] = cand
            warnings.append(f"t3: label {label!r} not recognised; assigned by position to row {gap[0]}")


def extract_tables(doc: ExtractedDocument, *, year: int | None = None) -> TableResult:
    res = TableResult()
    seg = _segment(token_stream(doc))
    positional_rows: list[str] = []
    if any(c.startswith(P.GLUED_PREFIX) for rows in (seg.t2_rows, seg.t3_rows) for cand in rows.values()
           for c in cand) or any(c.startswith(P.GLUED_PREFIX) for c in seg.t4_cand):
        res.warnings.append("glued digits (cells printed without separators): t3/t4 rows decoded only where "
                            "the row-total constraint has exactly one solution; other cells left MISSING")

    # Table 2.
    if seg.t2_rows:
        fmt = _t2_format(seg, year)
        res.formats["t2"] = fmt
        layout = T2_COLS[fmt]
        header = "".join(seg.t2_header)
        for row, cand in seg.t2_rows.items():
            if row not in layout:
                res.warnings.append(f"t2: row {row} does not exist in the {fmt} format; ignored")
                continue
            item, cols = layout[row]
            picked, positional = _select(cand, len(cols))
            if positional and any(c is None for c in picked):
                res.incomplete["t2"] = True
            for col, raw in zip(cols, picked):
                unit = col.default_unit
                if unit is not None and col.unit_from_header and unit not in header:
                    unit = None
                res.cells[f"t2.{item}.{row}.{col.key}"] = parse_value(raw, default_unit=unit) if raw is not None else MISSING
        res.incomplete.setdefault("t2", False)

    # Table 3.
    t3_fmt: str | None = None
    if seg.t3_rows:
        rows = dict(seg.t3_rows)
        _place_unknown_rows(seg, rows, res.warnings)
        single = rows.get("other.single")
        has_sub = any(k in rows for k in ("other.no_correction", "other.fee_unpaid", "other.other"))
        if single is not None and (has_sub or not single):
            rows.pop("other.single")
            single = None
        if has_sub:
            t3_fmt, expected = "2021", P.T3_ROWS_2021
        elif single is not None:
            t3_fmt, expected = (res.formats["t2"] or "2019"), P.T3_ROWS_SINGLE
        else:
            t3_fmt = res.formats["t2"] or ("2019" if (year is not None and year <= 2020) else "2021")
            expected = P.T3_ROWS_2021 if t3_fmt == "2021" else P.T3_ROWS_SINGLE
        res.formats["t3"] = t3_fmt
        incomplete = False
        for row in expected:
            cand = rows.get(row)
            if cand is None:
                incomplete = True
                continue
            picked, positional = _select(cand, len(P.T3_COLUMNS))
            if positional:
                positional_rows.append(f"t3.{row}")
            if any(c is None for c in picked):
                incomplete = True
            for col, raw in zip(P.T3_COLUMNS, picked):
                res.cells[f"t3.{row}.{col}"] = parse_value(raw) if raw is not None else MISSING
        res.incomplete["t3"] = incomplete
        if incomplete:
            res.warnings.append("t3: table incomplete (truncated or rows not found); missing cells are MISSING or absent")

    # Table 4.
    if seg.t4_seen:
        picked, positional = _select(seg.t4_cand, T4_CELLS)
        if all(c is None for c in picked):
            res.warnings.append("t4: header found but no values")
        else:
            res.formats["t4"] = t3_fmt or res.formats["t2"]
            keys = [f"t4.{b}.{o}" for b in P.T4_BLOCKS for o in P.T4_OUTCOMES]
            for key, raw in zip(keys, picked):
                res.cells[key] = parse_value(raw) if raw is not None else MISSING
            res.incomplete["t4"] = any(c is None for c in picked)
    elif seg.t3_seen:
        res.incomplete["t4"] = True
    if positional_rows:
        res.warnings.append("cells assigned by position within the row (blank or glued cells): "
                            + ", ".join(positional_rows[:30]))
    return res
