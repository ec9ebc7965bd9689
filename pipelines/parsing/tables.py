"""Tables 2, 3 and 4 → canonical cells, from grids and from flattened text alike.

The document is turned into one stream of cell tokens in reading order (grid cells left to right,
text lines split on tabs and pipes, one line per cell for cell-per-line layouts). A small state
machine walks the stream: row labels are recognised by keywords (report-format §11), and the
value tokens that follow a label until the next label are that row's candidates. The number of
columns of each row is fixed by the table format, which is decided per table after the whole
table region has been seen (report-format §7). A label cell that joins a group label and its first
sub-row ("（六）其他处理1.申请人无正当理由…", "三、本年度办理结果（一）予以公开") is read as the sub-row;
a table-2 row label glued to the header text before it ("…现行有效件数规章") is found by its suffix.

Glued digits (archive texts that print adjacent cells without separators, "21710000218"; spaces
inside a run carry no information and are dropped) are decoded per row, never guessed:

1. By the cell count: every way to cut the run into the row's cells, each a well-formed number of
   its column's type (no leading zeros, at most 9 digits, a sign only in a signed column, decimals
   only in an amount column). When exactly one cut exists (seven digits for seven cells, one cell,
   "0012" → 0|0|12), that is the row — even if its printed total is then wrong: a source error
   shows as a failed check, not as missing cells.
2. Tables 3 and 4 only, by the row arithmetic: each block's last cell is the sum of the others
   (table 3: 总计; table 4: each block's 总计). One cut satisfying it → the row.
3. Table 3 only, by the column arithmetic (R3.results_sum and R3.balance per column) across the rows
   still ambiguous after 1–2 (including rows whose printed total fits no cut): a row is decoded
   when every combination of candidate cuts that satisfies the column rules gives it the same
   cut. Column rules that fail for every combination are source errors and decide nothing.
4. Otherwise the cells on which all candidate cuts agree are kept and the rest are MISSING, with
   a warning naming the row, the digits and the candidate cuts.

Table 2 has no arithmetic inside a row (report-format §6.2), so its glued runs are decoded by
step 1 alone: a run is split only when the cell count makes the cut unique.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from pipelines.parsing import patterns as P
from pipelines.parsing import schema
from pipelines.parsing.fuzzy import fuzzy_match
from pipelines.parsing.types import Cell, ExtractedDocument
from pipelines.parsing.values import MISSING, is_value_token, norm_label, parse_value

EMPTY_TOKEN = ""

# Table 2 per format: row key -> (part key, columns), from the catalogue.
T2_COLS = {fmt: schema.t2_columns(fmt) for fmt in schema.FORMATS}
# Table 4 is one printed row of blocks x outcomes (15 cells).
T4_CELLS = len(P.T4_BLOCKS) * len(P.T4_OUTCOMES)
# Glued digit runs: blocks whose last cell is the sum of the others.
T3_SUM_BLOCKS = (len(P.T3_COLUMNS),)
T4_SUM_BLOCKS = (len(P.T4_OUTCOMES),) * len(P.T4_BLOCKS)
T3_KINDS = (schema.COUNT,) * len(P.T3_COLUMNS)
T4_KINDS = (schema.COUNT,) * T4_CELLS
T3_KEY_INDEX = {key: i for i, (key, _) in enumerate(P.T3_ROW_KEYWORDS)}
# Normalised labels of table 3's groups (and （六）其他处理), longest first: a label cell that starts
# with one of these and goes on is a combined group + sub-row label.
T3_GROUP_PREFIXES = tuple(sorted({norm_label(g.label) for g in schema.T3.groups}
                                 | {norm_label(schema.t3_row("other.single").label)}, key=len, reverse=True))
# Table 2 row labels, longest first, for labels glued after header text ("…现行有效件数规章").
T2_LABELS_BY_LENGTH = tuple(sorted(P.T2_ROWS, key=len, reverse=True))
# Table 3's catalogue labels (normalised) → row key, for OCR-noisy labels (:mod:`.fuzzy`).
T3_CATALOGUE = {norm_label(r.label): r.key for single in (False, True) for r in schema.t3_rows(single=single)
                if r.key in T3_KEY_INDEX}


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


def _is_glued_line(text: str) -> bool:
    """A text line whose table cells are glued together (labels and numbers without separators)."""
    if "\t" in text:
        return False
    if len(text) >= P.GLUED_MIN_LEN and any(m in text for m in P.GLUED_MARKERS):
        return True
    if "|" in text:
        return False
    for marker in P.GLUED_LINE_MARKERS:
        i = text.find(marker)
        if i < 0:
            continue
        rest = text[i + len(marker):]
        first = next((j for j, ch in enumerate(rest) if ch.isdigit()), None)
        # The marker's own table row must reach a number before any sentence ends (narrative
        # that merely cites "第二十条第（一）项" is not a table).
        if first is not None and "。" not in rest[:first]:
            return True
    return False


def _glued_tokens(line: str) -> list[str]:
    """Tokens of a glued line: text pieces split at row numbering, digit runs marked as glued."""
    line = P.GLUED_LABEL_NUMBER.sub(lambda m: m.group(1) + " \n" + m.group(2) + ".", line)
    out: list[str] = []
    for part in P.GLUED_BREAKS.split(line):
        for sub in part.split("\n"):
            for piece in P.GLUED_PIECES.findall(sub):
                if piece.lstrip("+-")[:1].isdigit():
                    out.append(P.GLUED_PREFIX + piece.replace(" ", ""))
                elif piece.strip():
                    out.append(piece.strip())
    # "1." label numbers were split off above; re-attach a bare number to its label.
    merged: list[str] = []
    for tok in out:
        if merged and merged[-1].startswith(P.GLUED_PREFIX) and tok.startswith(".") and \
                len(merged[-1]) == len(P.GLUED_PREFIX) + 1:
            merged[-1] = merged[-1][len(P.GLUED_PREFIX):] + tok
        else:
            merged.append(tok)
    return merged


def glued_sum_splits(digits: str, blocks: tuple[int, ...], cap: int = P.GLUED_MAX_CANDIDATES) -> list[list[str]]:
    """Splits of a digit run into blocks whose last part is the sum of the others (at most
    ``cap + 1`` of them; numbers without leading zeros, at most 6 digits each)."""
    if not digits.isdigit() or len(digits) > P.GLUED_MAX_DIGITS:
        return []
    sols: list[list[str]] = []

    def parts_ok(p: str) -> bool:
        return 0 < len(p) <= 6 and (p == "0" or p[0] != "0")

    def block(pos: int, bi: int, acc: list[str]) -> None:
        if len(sols) > cap:
            return
        if bi == len(blocks):
            if pos == len(digits):
                sols.append(list(acc))
            return
        n = blocks[bi]

        def rec(p: int, k: int, cur: list[str]) -> None:
            if len(sols) > cap:
                return
            if k == n - 1:
                t = str(sum(int(x) for x in cur))
                if digits.startswith(t, p):
                    block(p + len(t), bi + 1, acc + cur + [t])
                return
            for ln in range(1, 7):
                piece = digits[p:p + ln]
                if len(piece) < ln or not parts_ok(piece):
                    break
                rec(p + ln, k + 1, [*cur, piece])

        rec(pos, 0, [])

    block(0, 0, [])
    return sols


def decode_glued(digits: str, blocks: tuple[int, ...]) -> list[str] | None:
    """Split a run of glued digits into blocks whose last part is the sum of the others.

    Returns the parts when exactly one split satisfies every block's sum constraint (numbers
    without leading zeros, at most 6 digits each), else None (undecidable).
    """
    sols = glued_sum_splits(digits, blocks, cap=1)
    return sols[0] if len(sols) == 1 else None


def glued_syntax_splits(text: str, kinds: Sequence[str], cap: int = P.GLUED_MAX_CANDIDATES) -> list[list[str]]:
    """Cuts of a glued run into ``len(kinds)`` cells, each a well-formed number of its column's
    value type (``P.GLUED_CELL_SYNTAX``); at most ``cap + 1`` of them, in order."""
    syntax = [P.GLUED_CELL_SYNTAX[k] for k in kinds]
    n, k = len(text), len(kinds)

    @cache
    def feasible(pos: int, i: int) -> bool:
        if i == k:
            return pos == n
        return any(syntax[i].fullmatch(text, pos, end) and feasible(end, i + 1) for end in range(pos + 1, n + 1))

    out: list[list[str]] = []

    def walk(pos: int, i: int, acc: list[str]) -> None:
        if len(out) > cap:
            return
        if i == k:
            out.append(list(acc))
            return
        for end in range(pos + 1, n + 1):
            if syntax[i].fullmatch(text, pos, end) and feasible(end, i + 1):
                walk(end, i + 1, [*acc, text[pos:end]])

    if feasible(0, 0):
        walk(0, 0, [])
    return out


@dataclass
class GluedRow:
    """One row printed as glued digits, decoded as far as it can be without guessing."""

    text: str  # the run as printed, spaces dropped
    cells: list[str] | None = None  # the decoded row, when unique
    candidates: list[list[str]] = field(default_factory=list)  # else: every remaining cut (complete)
    how: str = ""  # "cell count" | "row total" | "column totals" (when decoded)
    note: str = ""  # why it stays undecided

    def agreed(self, k: int) -> list[str | None]:
        """Cells on which every candidate cut agrees; None elsewhere."""
        if self.cells is not None:
            return list(self.cells)
        if not self.candidates:
            return [None] * k
        return [c[i] if all(o[i] == c[i] for o in self.candidates) else None
                for i, c in ((i, self.candidates[0]) for i in range(k))]

    def describe(self, name: str) -> str:
        cuts = "; ".join("|".join(c) for c in self.candidates[:4])
        more = f" and {len(self.candidates) - 4} more" if len(self.candidates) > 4 else ""
        fits = f"fits {len(self.candidates)} cuts ({cuts}{more})" if self.candidates else self.note
        return f"{name}: glued digits {self.text!r} {fits}; undecided cells left MISSING"


def decode_row(cand: list[str], kinds: Sequence[str], blocks: tuple[int, ...] | None) -> GluedRow | None:
    """Decode a row whose candidates are glued runs (steps 1–2 of the module docstring); None when
    the row holds no glued run. Other value tokens beside a run make the row undecidable."""
    glued = [c for c in cand if c.startswith(P.GLUED_PREFIX)]
    if not glued:
        return None
    text = "".join(c[len(P.GLUED_PREFIX):] for c in glued)
    row = GluedRow(text=text)
    if len(glued) != len([c for c in cand if c != EMPTY_TOKEN]):
        row.note = "is mixed with other printed cells"
        return row
    cap = P.GLUED_MAX_CANDIDATES
    cuts = glued_syntax_splits(text, kinds, cap)
    if len(cuts) == 1:
        row.cells, row.how = cuts[0], "cell count"
        return row
    if not cuts:
        row.note = f"fits no cut into {len(kinds)} cells"
        return row
    if blocks is None:  # table 2: no arithmetic inside a row
        row.candidates = cuts if len(cuts) <= cap else []
        row.note = f"fits more than {cap} cuts into {len(kinds)} cells"
        return row
    sums = glued_sum_splits(text, blocks, cap)
    if len(sums) == 1:
        row.cells, row.how = sums[0], "row total"
    elif sums:
        row.candidates = sums if len(sums) <= cap else []
        row.note = f"fits more than {cap} cuts whose totals add up"
    else:
        # The printed total fits no cut: keep every cut for the column rules (a source error).
        row.candidates = cuts if len(cuts) <= cap else []
        row.note = f"fits no cut whose total adds up, and more than {cap} cuts into {len(kinds)} cells"
    return row


class Token(str):
    """A cell token that remembers where it was read (``loc``: the cell's provenance)."""

    loc: dict[str, Any]

    def __new__(cls, text: str, loc: dict[str, Any]) -> Token:
        tok = super().__new__(cls, text)
        tok.loc = loc
        return tok


def _located(pieces: list[str], line: str, base: dict[str, Any], span: tuple[int, int] | None) -> list[str]:
    """Tokens of one text line with their locations: the character span of each piece found in
    the line (in order), else the whole line's."""
    out: list[str] = []
    cursor = 0
    for piece in pieces:
        loc = dict(base)
        if span is not None:
            at = line.find(piece, cursor) if piece else -1
            if at >= 0:
                cursor = at + len(piece)
                loc["span"] = [span[0] + at, span[0] + at + len(piece)]
            else:
                loc["span"] = [span[0], span[1]]
        out.append(Token(piece, loc))
    return out


def token_stream(doc: ExtractedDocument) -> list[str]:
    """Every cell of the document in reading order; "" is a printed blank cell.

    Each token is a :class:`Token` carrying its location: the block index, the page (when
    known), for a grid cell the table ordinal and the row and column in the expanded grid, and
    for a document read as text the character span in the decoded text."""
    out: list[str] = []
    n_table = -1
    for bi, block in enumerate(doc.blocks):
        base: dict[str, Any] = {"block": bi}
        if block.page is not None:
            base["page"] = block.page
        if block.kind == "table":
            n_table += 1
            for ri, row in enumerate(block.rows):
                span = block.spans[ri] if ri < len(block.spans) else None
                for ci, cell in enumerate(row):
                    if cell is None:
                        continue  # covered by a span
                    loc = {**base, "table": n_table, "row": ri, "col": ci}
                    if ri < len(block.cell_spans) and ci < len(block.cell_spans[ri]):
                        loc["span"] = list(block.cell_spans[ri][ci])
                    elif span is not None:
                        loc["span"] = [span[0], span[1]]
                    out.append(Token(cell.strip(), loc))
            continue
        span = block.spans[0] if block.spans else None
        if _is_glued_line(block.text):
            # A glued run's cells are cut out of digits printed together: the whole line is where.
            whole = {**base, **({"span": [span[0], span[1]]} if span is not None else {})}
            out.extend(Token(t, whole) for t in _glued_tokens(block.text))
        else:
            out.extend(_located(_split_text_line(block.text), block.text, base, span))
    return out


def _where(tok: str | None) -> dict[str, Any] | None:
    return tok.loc if isinstance(tok, Token) else None


def _cell(raw: str | None, *, where: dict[str, Any] | None = None, default_unit: str | None = None) -> Cell:
    """The cell of a picked token (MISSING for None), with the token's location."""
    if raw is None:
        return MISSING
    loc = where if where is not None else _where(raw)
    cell = parse_value(raw, default_unit=default_unit)
    return replace(cell, provenance=dict(loc)) if loc is not None else cell


def _run_loc(cand: Sequence[str]) -> dict[str, Any] | None:
    """Location of a glued row: the first glued token's (its line)."""
    return next((_where(c) for c in cand if c.startswith(P.GLUED_PREFIX) and _where(c) is not None), None)


# --------------------------------------------------------------------------- helpers

def _select(cand: list[str], k: int) -> tuple[list[str | None], bool]:
    """Pick ``k`` cells from a row's candidate tokens; returns (cells, positional_with_blanks).

    When at least ``k`` tokens are filled, blanks are layout noise (wrapped rows, trailing tabs)
    and the first ``k`` filled tokens are the row. Otherwise blanks are printed blank cells and
    are kept by position; cells beyond the candidates are MISSING (None).
    """
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


def _strip_groups(n: str) -> str:
    """The sub-row part of a combined label ("(六)其他处理1.申请人…" → "1.申请人…")."""
    stripped = True
    while stripped:
        stripped = False
        for g in T3_GROUP_PREFIXES:
            if n.startswith(g) and len(n) > len(g):
                n, stripped = n[len(g):], True
                break
    return n


def _match_t2(n: str) -> tuple[str | None, str]:
    """(row key, header text before it) of a table-2 label, exact or glued after header text."""
    key = P.T2_ROWS.get(n)
    if key is not None:
        return key, ""
    for label in T2_LABELS_BY_LENGTH:
        if n.endswith(label):
            return P.T2_ROWS[label], n[:-len(label)]
    return None, ""


def _match_t3(n: str, last: str | None) -> str | None:
    if len(n) > P.T3_LABEL_MAX:
        return None
    n = _strip_groups(n)
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


def _segment(tokens: list[str], fuzzy: bool = False) -> _Segments:
    """Row labels and their value tokens per table; ``fuzzy``: a label no exact rule recognises
    may match a catalogue label despite OCR noise (:func:`pipelines.parsing.fuzzy.fuzzy_match`)."""
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
        if state in (None, "t2", "after") and P.T2_ANCHOR in n and not seg.t3_seen and (
                len(n) <= 20 or n.startswith(P.T2_ANCHOR)):
            state, current = "t2", None
            if _match_t2(n)[0] is None:
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
            key, head = _match_t2(n)
            if key is None and fuzzy:
                key = fuzzy_match(n, P.T2_ROWS)
            if key is not None and key not in seg.t2_rows:
                if head:
                    seg.t2_header.append(head)
                current = seg.t2_rows[key] = []
            else:
                seg.t2_header.append(n)
            continue
        if state == "t3":
            key = _match_t3(n, last_t3)
            if key is None and fuzzy and len(n) <= P.T3_LABEL_MAX:
                after = T3_KEY_INDEX.get(last_t3, -1) if last_t3 else -1
                key = fuzzy_match(_strip_groups(n), T3_CATALOGUE,
                                  keys=[k for k, i in T3_KEY_INDEX.items() if i > after])
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


def _numbers(raws: Sequence[str | None]) -> list[int | float | None]:
    out: list[int | float | None] = []
    for raw in raws:
        cell = parse_value(raw) if raw is not None else MISSING
        out.append(cell.value if cell.semantic in ("ZERO", "NUMERIC") else None)
    return out


def _column_rules(values: dict[str, list[int | float | None]], expected: tuple[str, ...]) -> list[bool | None]:
    """R3.balance and R3.results_sum per column (None: not assessable) over rows of ``values``."""
    outcome = [r for r in expected if r not in ("new", "carried_in", "results_total", "carried_out")]
    out: list[bool | None] = []
    for c in range(len(P.T3_COLUMNS)):
        def col(row: str, c: int = c) -> int | float | None:
            vals = values.get(row)
            return vals[c] if vals is not None else None

        balance = [col("new"), col("carried_in"), col("results_total"), col("carried_out")]
        if any(v is None for v in balance):
            out.append(None)
        else:
            out.append(abs(balance[0] + balance[1] - balance[2] - balance[3]) < 1e-9)  # type: ignore[operator]
        parts = [col(r) for r in outcome]
        total = col("results_total")
        if total is None or any(v is None for v in parts):
            out.append(None)
        else:
            out.append(abs(sum(parts) - total) < 1e-9)  # type: ignore[arg-type]
    return out


def _resolve_by_columns(glued: dict[str, GluedRow], known: dict[str, list[int | float | None]],
                        expected: tuple[str, ...]) -> None:
    """Step 3 of the module docstring: decide ambiguous table-3 rows by the column rules."""
    open_rows = [r for r, g in glued.items() if g.cells is None and len(g.candidates) > 1]
    if not open_rows:
        return
    n_combos = 1
    for r in open_rows:
        n_combos *= len(glued[r].candidates)
    if n_combos > P.GLUED_MAX_COMBINATIONS:
        return
    cand_values = {r: [_numbers(c) for c in glued[r].candidates] for r in open_rows}
    results: list[tuple[tuple[int, ...], list[bool | None]]] = []
    for combo in itertools.product(*(range(len(glued[r].candidates)) for r in open_rows)):
        values = dict(known)
        values.update({r: cand_values[r][i] for r, i in zip(open_rows, combo, strict=True)})
        results.append((combo, _column_rules(values, expected)))
    n_rules = len(results[0][1])
    # Rules that decide something: assessable, and passing for some combination (a rule failing for
    # every combination is a source error; it becomes a failed check and decides nothing).
    deciding = [j for j in range(n_rules)
                if all(v[j] is not None for _, v in results) and any(v[j] for _, v in results)]
    if not deciding:
        return
    passing = [combo for combo, v in results if all(v[j] for j in deciding)]
    for pos, r in enumerate(open_rows):
        chosen = {combo[pos] for combo in passing}
        if len(chosen) == 1:
            g = glued[r]
            g.cells, g.how = g.candidates[chosen.pop()], "column totals"
        elif passing:
            g = glued[r]
            keep = sorted(chosen)
            g.candidates = [g.candidates[i] for i in keep]


def extract_tables(doc: ExtractedDocument, *, year: int | None = None) -> TableResult:
    res = TableResult()
    seg = _segment(token_stream(doc), fuzzy=doc.ocr)  # OCR noise in labels: OCR'd documents only
    positional_rows: list[str] = []
    if any(c.startswith(P.GLUED_PREFIX) for rows in (seg.t2_rows, seg.t3_rows) for cand in rows.values()
           for c in cand) or any(c.startswith(P.GLUED_PREFIX) for c in seg.t4_cand):
        res.warnings.append("glued digits (cells printed without separators): rows decoded only where the cell "
                            "count, the row totals or the column totals leave exactly one cut; other cells left "
                            "MISSING")

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
            g2 = decode_row(cand, [c.value_type for c in cols], None)
            run = _run_loc(cand) if g2 is not None else None
            if g2 is not None:
                picked, positional = g2.agreed(len(cols)), True
                if g2.cells is None:
                    res.warnings.append(g2.describe(f"t2.{item}.{row}"))
            else:
                picked, positional = _select(cand, len(cols))
            if positional and any(c is None for c in picked):
                res.incomplete["t2"] = True
            for column, raw in zip(cols, picked, strict=True):
                unit = column.default_unit
                if unit is not None and column.unit_from_header and unit not in header:
                    unit = None
                res.cells[f"t2.{item}.{row}.{column.key}"] = _cell(raw, where=run, default_unit=unit)
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
        glued: dict[str, GluedRow] = {}
        picked_rows: dict[str, tuple[list[str | None], bool]] = {}
        for row in expected:
            row_cand = rows.get(row)
            if row_cand is None:
                continue
            g3 = decode_row(row_cand, T3_KINDS, T3_SUM_BLOCKS)
            if g3 is not None:
                glued[row] = g3
            else:
                picked_rows[row] = _select(row_cand, len(P.T3_COLUMNS))
        if glued:
            known = {r: _numbers(picked) for r, (picked, _) in picked_rows.items()}
            known.update({r: _numbers(g.cells) for r, g in glued.items() if g.cells is not None})
            _resolve_by_columns(glued, known, expected)
            for r, g in glued.items():
                picked_rows[r] = (g.agreed(len(P.T3_COLUMNS)), True)
                if g.cells is None:
                    res.warnings.append(g.describe(f"t3.{r}"))
                elif g.how == "column totals":
                    res.warnings.append(f"t3.{r}: glued digits {g.text!r} decoded by the column totals as "
                                        + "|".join(g.cells))
        incomplete = False
        for row in expected:
            if row not in picked_rows:
                incomplete = True
                continue
            picked, positional = picked_rows[row]
            if positional:
                positional_rows.append(f"t3.{row}")
            if any(c is None for c in picked):
                incomplete = True
            run = _run_loc(rows.get(row) or []) if row in glued else None
            for col_key, raw in zip(P.T3_COLUMNS, picked, strict=True):
                res.cells[f"t3.{row}.{col_key}"] = _cell(raw, where=run)
        res.incomplete["t3"] = incomplete
        if incomplete:
            res.warnings.append("t3: table incomplete (truncated or rows not found); "
                                "missing cells are MISSING or absent")

    # Table 4.
    if seg.t4_seen:
        g4 = decode_row(seg.t4_cand, T4_KINDS, T4_SUM_BLOCKS)
        if g4 is not None:
            picked, positional = g4.agreed(T4_CELLS), True
            if g4.cells is None:
                res.warnings.append(g4.describe("t4"))
        else:
            picked, positional = _select(seg.t4_cand, T4_CELLS)
        if all(c is None for c in picked) and g4 is None:
            res.warnings.append("t4: header found but no values")
        else:
            res.formats["t4"] = t3_fmt or res.formats["t2"]
            keys = [f"t4.{b}.{o}" for b in P.T4_BLOCKS for o in P.T4_OUTCOMES]
            run = _run_loc(seg.t4_cand) if g4 is not None else None
            for key, raw in zip(keys, picked, strict=True):
                res.cells[key] = _cell(raw, where=run)
            res.incomplete["t4"] = any(c is None for c in picked)
    elif seg.t3_seen:
        res.incomplete["t4"] = True
    if positional_rows:
        res.warnings.append("cells assigned by position within the row (blank or glued cells): "
                            + ", ".join(positional_rows[:30]))
    return res
