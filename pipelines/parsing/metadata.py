"""Report recognition and metadata: title, agency (as printed), report year, publication date."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from pipelines.parsing import patterns as P
from pipelines.parsing.types import ExtractedDocument


@dataclass
class Metadata:
    title: str | None = None
    agency: str | None = None
    year: int | None = None
    published: str | None = None
    extra: dict = field(default_factory=dict)
    notice: bool = False  # the title is a notice/other document that only mentions reports


def _compact(text: str) -> str:
    return P.LABEL_WS.sub("", text)


def _single_cell(row: tuple) -> str | None:
    """The text of a grid row holding one filled cell (a spreadsheet's title or paragraph row)."""
    filled = [c for c in row if c]
    return filled[0] if len(filled) == 1 and not filled[0].strip().replace(".", "").isdigit() else None


def _lines(doc: ExtractedDocument, limit: int | None = None) -> list[str]:
    out = []
    for b in doc.blocks:
        texts = [b.text] if b.kind == "text" else [_single_cell(row) for row in b.rows]
        for text in texts:
            t = unicodedata.normalize("NFKC", text or "").strip()
            if t:
                out.append(t)
        if limit and len(out) >= limit:
            break
    return out


def _clean_agency(s: str) -> str:
    s = s.strip(" •·-—|>»").strip(P.MARKDOWN_MARKS)
    for w in P.TITLE_LEAD_WORDS:
        if s.startswith(w):
            s = s[len(w):]
    changed = True
    while changed:  # "…管理局关于" → "…管理局"
        changed = False
        for w in P.AGENCY_TRAILING_WORDS:
            if s.endswith(w) and len(s) > len(w):
                s, changed = s[:-len(w)], True
    return s.strip()


def _bare(line: str) -> str:
    """A line without whitespace and without Markdown marks around it ("# 巨鹿县教育局")."""
    return _compact(line).strip(P.MARKDOWN_MARKS)


def _is_short_form(agency: str) -> bool:
    """A name without a place ("财金局", "公安局"), as titles print it."""
    return not P.AGENCY_PLACE.search(agency)


def _expands(short: str, full: str) -> bool:
    """``full`` is a longer name of ``short``: same last character, ``short``'s characters in
    order inside it ("财金局" in "某县财政金融局", "公安局" in "某县公安局")."""
    if len(full) <= len(short) or full[-1] != short[-1]:
        return False
    it = iter(full)
    return all(ch in it for ch in short)


def _full_name(short: str, candidates: list[tuple[str, str | None]]) -> tuple[str, str] | None:
    """(source, name): the first candidate that is a fuller name of ``short``."""
    for source, name in candidates:
        if name and _expands(short, name):
            return source, name
    return None


def _is_agency_line(s: str) -> bool:
    return 2 <= len(s) <= P.AGENCY_SIGNOFF_MAX and bool(P.AGENCY_SUFFIX.search(s)) and not any(ch.isdigit() for ch in s)


def _place_name(agency: str) -> bool:
    return agency.endswith(("市", "县", "区", "省", "州", "旗", "盟", "自治区"))


def _extend_with_place(agency: str, preamble: list[str]) -> str:
    """``淮安市`` + ``洪泽区人民政府`` when the preamble prints the longer name."""
    text = _compact("".join(preamble))
    pos = text.find(agency)
    while pos > 0:
        for k in (3, 4, 2):  # "淮安市", "黔东南州" …: the shortest plausible place name first
            cand = text[max(0, pos - k):pos]
            if len(cand) == k and P.PLACE_PREFIX.fullmatch(cand) and not agency.startswith(cand):
                return cand + agency
        pos = text.find(agency, pos + 1)
    return agency


def extract_metadata(doc: ExtractedDocument, *, agency_hint: str | None = None) -> Metadata:
    """Title, agency, year and publication date. ``agency_hint`` (the seed's agency, when the
    crawl knows it) only ever replaces a short form printed in the title ("财金局") by its full
    name; it never names an agency the document does not print."""
    md = Metadata()
    lines = _lines(doc)
    head = lines[:80]
    # Title: a short line that reads like a report title; else a title-shaped phrase in a line.
    meta_title = None
    for line in head[:30]:
        mt = P.META_TITLE.match(line)
        if mt:
            meta_title = _compact(mt.group("title"))
            break
    for i, line in enumerate(([meta_title] if meta_title else []) + head):
        compact = _compact(line).lstrip(P.TITLE_LEAD_JUNK)
        i -= 1 if meta_title else 0
        m = P.TITLE_IN_TEXT.search(compact)
        if not m:
            continue
        if any(w in compact for w in P.NOT_REPORT_TITLE) and len(compact) <= P.TITLE_MAX_LEN:
            md.notice = True
            md.title = compact
            break
        if len(compact) <= P.TITLE_MAX_LEN and m.start() <= 2 and not compact.startswith(P.SENTENCE_STARTS[:3]):
            md.title = compact[m.start():]
        elif len(compact) > P.TITLE_MAX_LEN and m.start() <= 40 and not compact.startswith(P.SENTENCE_STARTS):
            md.title = m.group(0)  # whole page on one line (title followed by the body)
        else:
            if md.year is None:
                md.year = int(m.group("year"))
                ag = _clean_agency(m.group("pre")) or _clean_agency(m.group("mid"))
                if ag and _is_agency_line(ag):
                    md.extra.setdefault("agency_in_text", ag)
            continue
        md.year = int(m.group("year"))
        agency = _clean_agency(m.group("pre"))
        if not agency:
            agency = _clean_agency(m.group("mid"))
            if agency and _place_name(agency) and compact[m.end("mid"):].startswith("政府"):
                agency += "政府"  # "上海市政府信息公开…": the 政府 belongs to the name
        prev = _bare(head[i - 1]) if i > 0 else ""
        if prev and _is_agency_line(prev) and not meta_title:
            md.extra["agency_line"] = prev
            if not agency:
                agency = prev
                md.title = prev + md.title  # title printed on two lines
        if agency:
            agency = _extend_with_place(agency, head[i + 1:i + 12])
            at = md.title.find(agency) if md.title else -1
            if 0 < at < md.title.find(str(md.year)):  # breadcrumb words before the name: not title
                md.title = md.title[md.title.find(agency):]
        md.agency = agency or None
        break
    text = "\n".join(lines)
    if md.year is None:
        m = P.STAT_PERIOD.search(text)
        if m:
            md.year = int(m.group(1))
    elif (m := P.STAT_PERIOD.search(text)) and int(m.group(1)) != md.year:
        md.extra["stat_period_year"] = int(m.group(1))
    # Sign-off: the last "YYYY年M月D日" line, with the agency on the line before it.
    for i in range(len(lines) - 1, max(-1, len(lines) - 60), -1):
        m = P.DATE_CN.match(lines[i])
        if m:
            md.published = f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
            if i > 0:
                prev = _bare(lines[i - 1])
                if _is_agency_line(prev):
                    md.extra["agency_signoff"] = prev
            break
    if md.published is None and lines:
        # A one-line body ends with its sign-off: "…。某县财政金融局 2019年1月20日".
        m = P.SIGNOFF_IN_LINE.search(lines[-1])
        if m:
            md.published = f"{int(m.group('y')):04d}-{int(m.group('m')):02d}-{int(m.group('d')):02d}"
            signoff = _clean_agency(m.group("agency"))
            if _is_agency_line(signoff):
                md.extra["agency_signoff"] = signoff
    for line in lines[:40]:
        m = P.BYLINE_AGENCY.search(line)
        if m and _is_agency_line(_clean_agency(m.group("agency"))):
            md.extra["agency_byline"] = _clean_agency(m.group("agency"))
            break
    if md.published is None:
        m = P.DATE_META.search("\n".join(lines[:40]))
        if m:
            md.published = f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    if md.agency is None:
        md.agency = md.extra.get("agency_signoff") or md.extra.get("agency_in_text")
    if md.agency and _is_short_form(md.agency):
        found = _full_name(md.agency, [("signoff", md.extra.get("agency_signoff")),
                                       ("byline", md.extra.get("agency_byline")), ("seed", agency_hint)])
        if found:
            md.extra["agency_title"] = md.agency
            md.extra["agency_source"] = found[0]
            md.agency = found[1]
    names = {n for n in (md.agency, md.extra.get("agency_line"), md.extra.get("agency_signoff")) if n}
    if len(names) > 1:
        md.extra["agency_full"] = max(names, key=len)
        md.extra["agency_short"] = min(names, key=len)
    return md


def looks_like_report(doc: ExtractedDocument, md: Metadata, n_sections: int, has_tables: bool) -> tuple[bool, str]:
    """(is_report, reason). Negatives: notices about reports, budget/final-account documents."""
    if md.notice and not has_tables:
        return False, f"title is not an annual report but a notice/other document: {md.title}"
    head = "\n".join(_lines(doc, 200))
    if not has_tables and any(w in head for w in P.NOT_REPORT_BODY) and md.title is None:
        return False, "a budget/final-accounts document (部门决算/预算), not an annual OGI report"
    if has_tables or n_sections >= 2:
        return True, ""
    if md.title is not None and n_sections >= 1:
        return True, ""
    if md.title is not None and ("条例" in head or P.STAT_PERIOD.search(head)):
        return True, ""
    if n_sections >= 1 and md.year is not None and "政府信息公开" in head:
        return True, ""
    return False, "no report title, section headings or statistical tables of an annual OGI report found"
