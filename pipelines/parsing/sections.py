"""The six sections by keyword (report-format §2.1), robust to a nested legacy outline."""

from __future__ import annotations

import unicodedata
from itertools import pairwise

from pipelines.parsing import patterns as P
from pipelines.parsing.types import ExtractedDocument, Section
from pipelines.parsing.values import norm_label

_NUMERALS = "一二三四五六七八九十"
CANONICAL = {
    "s1": "一.总体情况", "s2": "二.主动公开政府信息情况", "s3": "三.收到和处理政府信息公开申请情况",
    "s4": "四.政府信息公开行政复议.行政诉讼情况", "s5": "五.存在的主要问题及改进情况", "s6": "六.其他需要报告的事项",
}


def _split_heading(text: str) -> tuple[str, str]:
    """Heading at the start of a glued piece, and the rest (its closing word decides the end)."""
    m = P.HEADING_PHRASE.match(text)
    if m and len(m.group(0)) <= P.HEADING_MAX_LEN:
        return m.group(0).strip(), text[m.end():].strip()
    for _, num, words in P.SECTION_KEYWORDS:
        if text.startswith(num):
            found = [i for i in (text.find(w) for w in words) if 0 < i <= P.HEADING_MAX_LEN]
            if found:
                end = min(found)
                # extend to the end of the heading wording (up to "情况"/"事项")
                stop = min((i for i in (text.find("情况", end), text.find("事项", end)) if i >= 0),
                           default=end)
                cut = stop + 2
                return text[:cut].strip(), text[cut:].strip()
    return text[:P.HEADING_MAX_LEN].strip(), text[P.HEADING_MAX_LEN:].strip()


def _numbered_parts(text: str) -> list[str]:
    """A glued line cut before its numbered parts 一、二、三… (in sequence, each a heading)."""
    cuts, want = [], 0
    for m in P.NUMBERED_PART_START.finditer(text):
        num = m.group("num")
        window = text[m.start():m.start() + P.HEADING_MAX_LEN + 20]
        if want < len(_NUMERALS) and num == _NUMERALS[want] and P.HEADING_PHRASE.match(window):
            cuts.append(m.start())
            want += 1
    if len(cuts) < 2:
        return [text]
    bounds = [0, *cuts, len(text)]
    return [text[a:b] for a, b in pairwise(bounds) if text[a:b]]


def _rendered_lines(doc: ExtractedDocument, pre2019: bool = False) -> list[tuple[str, bool]]:
    """(line, is_text) for every text line and table row."""
    out: list[tuple[str, bool]] = []
    for b in doc.blocks:
        if b.kind == "text":
            if len(b.text) >= P.GLUED_MIN_LEN:
                # A whole report on one line: break it where a section heading starts.
                pieces = (_numbered_parts(b.text) if pre2019
                          else [x for x in P.GLUED_HEADING_START.split(b.text) if x])
                out.extend((x, True) for x in pieces[:1])
                for x in pieces[1:]:
                    head, body = _split_heading(x)
                    out.append((head, True))
                    if body:
                        out.append((body, True))
            else:
                out.append((b.text, True))
        else:
            for row in b.rows:
                filled = [c for c in row if c]
                if len(filled) == 1 and len(b.rows[0]) > 1:
                    out.append((filled[0], True))  # a spreadsheet row holding one paragraph
                else:
                    out.append(("\t".join(c or "" for c in row), False))
    return out


def find_sections(doc: ExtractedDocument, *, pre2019: bool = False) -> list[Section]:
    lines = _rendered_lines(doc, pre2019)
    headings: list[tuple[int, str, str]] = []  # (line index, numeral, normalised)
    for i, (line, is_text) in enumerate(lines):
        if not is_text:
            continue
        s = unicodedata.normalize("NFKC", line).strip().lstrip("#").strip()
        if not s or len(s) > P.HEADING_MAX_LEN + 10:
            continue
        m = P.HEADING_NUMBERED.match(s)
        if m:
            headings.append((i, m.group("num"), norm_label(s)))
    chosen: list[tuple[int, str, str]] = []
    if pre2019:
        # The numbered parts in sequence 一、二、三… (a nested 一、 inside a part is not a part).
        chain: list[tuple[int, str, str]] = []
        for h in headings:
            if len(chain) < len(_NUMERALS) and h[1] == _NUMERALS[len(chain)]:
                chain.append(h)
        picked = chain if len(chain) >= 2 else headings
        chosen = [(i, f"pre2019.{_NUMERALS.index(num) + 1 if num in _NUMERALS else num}", lines[i][0].strip())
                  for i, num, _ in picked]
    else:
        pos = -1
        for key, num, words in P.SECTION_KEYWORDS:
            cands = [h for h in headings if h[0] > pos and h[1] == num and any(w in h[2] for w in words)]
            if not cands:
                continue
            exact = [h for h in cands if h[2] == CANONICAL[key]]
            pick = exact[0] if exact else cands[0]
            chosen.append((pick[0], key, lines[pick[0]][0].strip()))
            pos = pick[0]
    out = []
    for j, (i, key, heading) in enumerate(chosen):
        end = chosen[j + 1][0] if j + 1 < len(chosen) else len(lines)
        body = "\n".join(line for line, _ in lines[i + 1:end]).strip()
        out.append(Section(key=key, heading=heading, text=body))
    return out
