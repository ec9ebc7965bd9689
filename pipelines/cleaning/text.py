"""Render an lxml element to lines (tables as ``| a | b |`` rows), trim chrome lines and the page
tail, and normalise for hashing. Iterative walks only: deep nesting cannot overflow the stack."""

import unicodedata
from dataclasses import dataclass

from lxml import etree

from pipelines.cleaning import patterns as P


def _tag(el) -> str | None:
    return el.tag.lower() if isinstance(el.tag, str) else None


def squash(text: str) -> str:
    """Collapse runs of horizontal whitespace (incl. NBSP, ideographic space) and strip."""
    return P.TEXT_WS.sub(" ", text).strip()


def cell_text(cell) -> str:
    return squash(" ".join(t for t in cell.itertext() if t and t.strip()).replace("\n", " "))


def _is_data_table(table) -> bool:
    return table.find(".//table") is None


def _span(el, name: str, cap: int) -> int:
    try:
        return max(1, min(int((el.get(name) or "1").strip() or 1), cap))
    except ValueError:
        return 1


def table_rows(table) -> list[str]:
    """One ``| a | b |`` line per <tr>; colspan padded with empty trailing cells, rowspan with
    empty cells in the rows below (the layout trafilatura uses). All-empty rows are dropped."""
    lines: list[str] = []
    pending: dict[int, int] = {}  # column -> rows still covered by a rowspan from above
    for tr in table.iter("tr"):
        cells: list[str] = []
        col = 0

        for td in tr:
            if _tag(td) not in ("td", "th"):
                continue
            while pending.get(col, 0) > 0:
                pending[col] -= 1
                cells.append("")
                col += 1
            cs, rs = _span(td, "colspan", P.MAX_COLSPAN), _span(td, "rowspan", P.MAX_ROWSPAN)
            cells.append(cell_text(td))
            cells.extend([""] * (cs - 1))
            if rs > 1:
                for c in range(col, col + cs):
                    pending[c] = rs - 1
            col += cs
        last_pending = max((c for c, v in pending.items() if v > 0), default=-1)
        while col <= last_pending:
            if pending.get(col, 0) > 0:
                pending[col] -= 1
            cells.append("")
            col += 1
        if any(cells):
            lines.append("| " + " | ".join(cells) + " |")
    return lines


def render_lines(root) -> list[str]:
    """Readable lines of an element: block elements end lines, data tables become row lines,
    tables that contain tables (layout tables) are walked as blocks."""
    lines: list[str] = []
    parts: list[str] = []

    def flush() -> None:
        if parts:
            line = squash("".join(parts))
            parts.clear()
            if line:
                lines.append(line)

    stack: list[tuple[etree._Element, bool]] = [(root, False)]
    while stack:
        el, closing = stack.pop()
        tag = _tag(el)
        if closing:
            if tag in P.BLOCK_TAGS or tag in ("tr", "td", "th", "table"):
                flush()
            if el is not root and el.tail:
                parts.append(el.tail)
            continue
        if tag is None:  # comment or processing instruction: keep only its tail
            if el is not root and el.tail:
                parts.append(el.tail)
            continue
        if tag in P.BLOCK_TAGS or tag in ("tr", "td", "th"):
            flush()
        if tag == "table" and _is_data_table(el):
            flush()
            lines.extend(table_rows(el))
            stack.append((el, True))
            continue
        if tag == "br":
            flush()
        if el.text:
            parts.append(el.text)
        stack.append((el, True))
        stack.extend((child, False) for child in reversed(el))
    flush()
    return lines


def _is_chrome_line(line: str) -> bool:
    tokens = [t for t in P.CHROME_TOKEN_SPLIT.split(line) if t]
    if not tokens:
        return False  # separators only ("|||" of a flattened table) are not chrome
    return all(t in P.CHROME_TOKENS for t in tokens)


def _is_byline(line: str) -> bool:
    return (len(line) <= 160 and not P.PROSE_END.search(line)
            and bool(P.BYLINE_LINE.match(line)) and bool(P.BYLINE_HAS_CHROME.search(line)))


def _is_tail_marker_line(line: str) -> bool:
    bare = line.lstrip("【[〖 ")
    if any(line.startswith(m) or bare.startswith(m) for m in P.TAIL_MARKERS):
        return True
    return (len(line) <= P.TAIL_MARKER_LINE_MAX and not P.PROSE_END.search(line)
            and any(m in line for m in P.TAIL_MARKERS_ANYWHERE))


def _is_tail_noise(line: str) -> bool:
    if _is_tail_marker_line(line) or _is_chrome_line(line) or _is_byline(line):
        return True
    return (len(line) <= P.TAIL_NOISE_LINE_MAX and not P.PROSE_END.search(line)
            and not P.TABLE_ROW_LINE.match(line) and not P.SECTION_HEADING.match(line)
            and not P.ATTACHMENT_LINE.search(line))


def _tail_cut(lines: list[str]) -> int:
    """Index of the line the page tail is cut from (len(lines) when there is none): the first
    tail-marker line inside the run of tail noise that ends the text."""
    noise_from = len(lines)
    for i in range(len(lines) - 1, -1, -1):
        if _is_tail_noise(lines[i]):
            noise_from = i
        else:
            break
    return next((i for i in range(noise_from, len(lines)) if _is_tail_marker_line(lines[i])), len(lines))


@dataclass(frozen=True)
class Trim:
    kept: list[str]
    all_chrome: bool
    cut_line: str | None  # the tail-marker line the cut started at
    cut_occurrence: int  # how many identical lines precede it
    dropped: frozenset[str]  # whole-line chrome removed before the cut


def trim_lines(lines: list[str]) -> Trim:
    """Apply the cleaning rules of portals.md §3.5.

    The tail is cut from the first tail-marker line after which only tail noise follows (a marker
    followed by real text is content); then whole-line chrome (font-size bars, print/close, share,
    bylines with visit counters) is dropped wherever it stands. Other lines are kept as they are.
    If nothing but chrome is left, nothing is removed and all_chrome is True.
    """
    if not lines:
        return Trim([], False, None, 0, frozenset())
    cut = _tail_cut(lines)
    dropped = {ln for ln in lines[:cut] if _is_chrome_line(ln) or _is_byline(ln)}
    kept = [ln for ln in lines[:cut] if ln not in dropped]
    if not kept:
        return Trim(list(lines), True, None, 0, frozenset())
    cut_line = lines[cut] if cut < len(lines) else None
    return Trim(kept, False, cut_line, lines[:cut].count(cut_line) if cut_line else 0, frozenset(dropped))


def _is_word_chrome_line(line: str) -> bool:
    """A chrome line with at least one word token: a bare "-" or "/" line of a text document is
    a table cell (NA), never chrome."""
    tokens = [t for t in P.CHROME_TOKEN_SPLIT.split(line) if t]
    return _is_chrome_line(line) and any(ch.isalnum() for t in tokens for ch in t)


def clean_text_lines(lines: list[str]) -> list[str | None]:
    """The cleaning rules of :func:`trim_lines` for the lines of a text document, line by line.

    Returns one entry per input line: the line (Word residue such as ``[bookmark: _GoBack]``
    removed from it) or None when the line is boilerplate (page tail, whole-line chrome, byline).
    Blank lines stay blank ("") unless they fall in the cut tail; tabs and spacing of kept lines
    are untouched (flattened tables are read positionally). If nothing but chrome would be left,
    nothing is removed.
    """
    out: list[str | None] = [P.INLINE_RESIDUE.sub("", ln) for ln in lines]
    idx = [i for i, ln in enumerate(out) if ln and ln.strip()]
    flat = [squash(out[i] or "") for i in idx]
    if not flat:
        return out
    cut = _tail_cut(flat)
    doomed = {idx[j] for j in range(cut) if _is_word_chrome_line(flat[j]) or _is_byline(flat[j])}
    if len(doomed) == cut:  # nothing but chrome: keep everything
        return out
    end = idx[cut] if cut < len(flat) else len(out)
    return [None if (i >= end or i in doomed) else ln for i, ln in enumerate(out)]


def _remove_from(el, stop) -> None:
    """Remove el and everything after it in document order, up to (not including) stop."""
    node = el
    while node is not None and node is not stop:
        parent = node.getparent()
        if parent is None:
            break
        for sib in list(node.itersiblings()):
            parent.remove(sib)
        node.tail = None
        node = parent
    if el.getparent() is not None:
        el.getparent().remove(el)


def trim_html(container, trim: Trim) -> None:
    """Apply a Trim to the container HTML: drop the whole-line chrome blocks and cut the tail."""
    blocks = [el for el in container.iter() if isinstance(el.tag, str) and el is not container
              and el.tag.lower() in P.BLOCK_TAGS | {"td", "li", "span", "a"}]
    seen = 0
    cut_at = None
    doomed = []
    for el in blocks:
        if el.find(".//table") is not None or el.tag == "table":
            continue
        text = squash(el.text_content())
        if trim.cut_line is not None and cut_at is None and text == trim.cut_line:
            if seen == trim.cut_occurrence:
                cut_at = el
            seen += 1
        elif text and text in trim.dropped:
            doomed.append(el)
    for el in doomed:
        if el.getparent() is not None and (cut_at is None or el is not cut_at):
            tail = el.tail
            parent = el.getparent()
            parent.remove(el)
            if tail and tail.strip():
                parent.text = (parent.text or "") + tail
    if cut_at is not None and cut_at.getparent() is not None:
        _remove_from(cut_at, container)


def normalize_for_hash(lines: list[str]) -> str:
    """report-format.md §11 for hashing: NFKC, every whitespace removed, empty lines dropped."""
    out = []
    for line in lines:
        norm = P.HASH_WS.sub("", unicodedata.normalize("NFKC", line))
        if norm:
            out.append(norm)
    return "\n".join(out)


def to_html(el) -> str:
    return etree.tostring(el, encoding="unicode", method="html", with_tail=False)
