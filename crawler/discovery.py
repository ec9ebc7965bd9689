"""Column discovery, the pure part: links of a page, their scores as a 年报 column, and the
confirmation of a candidate by the report titles its listing shows.

The crawl (crawler/spiders/discover.py) fetches pages; everything it decides is decided here, over
text, so each rule is tested on saved pages (tests/seeds/test_discover.py). Vocabulary:
:mod:`crawler.discovery_patterns`.

* :func:`page_links` — every link of a page as a :class:`LinkCandidate`: plain anchors (text split
  across spans joined), image ``alt`` text, ``title`` attributes, ``<select>`` quick links and
  menus built by scripts from JSON; relative URLs made absolute.
* :func:`score_label` — how much a link label reads like the 年报 column (0: not at all), or the
  decoy it is (政府工作报告, 统计公报, 预决算, 年鉴, notices, another agency's 年报 column…).
* :func:`confirm_titles` — whether a listing's report titles are this agency's (agency and year
  parsed with the report parser's own metadata function).
"""

from __future__ import annotations

import html as html_lib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from crawler import discovery_patterns as P


@dataclass(frozen=True)
class LinkCandidate:
    """One link of a page: where it goes, what it says, where it sits."""

    url: str
    label: str
    shape: str            # anchor | spans | img-alt | title | select | script
    context: str = ""     # the heading of the block the link sits in


@dataclass(frozen=True)
class LabelScore:
    score: int            # 0-100 as a 年报 column (context bonus included); 0: not a column
    label: str            # the matched label ("" when none)
    decoy: str = ""       # why the link is a decoy ("" when it is not)
    hub: bool = False     # a section a 年报 column sits under (worth following)


@dataclass
class Confirmation:
    """What a candidate's listing showed."""

    ok: bool
    reason: str
    own: int = 0                     # report titles of this agency (or naming no agency)
    named: int = 0                   # ... of which naming this agency
    foreign: int = 0                 # report titles naming another agency
    years: list[int] = field(default_factory=list)
    others: list[str] = field(default_factory=list)  # the other agencies named

    def summary(self) -> str:
        span = f" ({min(self.years)}-{max(self.years)})" if self.years else ""
        text = f"{self.own} report titles of this agency{span}"
        if self.foreign:
            text += f", {self.foreign} of other agencies"
        return text


def normalise_label(text: str) -> str:
    return P.LABEL_JUNK.sub("", html_lib.unescape(text or ""))


def _joined_text(node: Selector) -> str:
    return "".join(t.strip() for t in node.xpath(".//text()").getall())


def _context(node: Selector) -> str:
    """The heading of the nearest block around ``node`` (h1-h4, dt, or an element whose class says title)."""
    for ancestor in node.xpath("ancestor::*[position() <= 5]")[::-1]:
        heading = ancestor.xpath(
            "./*[self::h1 or self::h2 or self::h3 or self::h4 or self::dt or self::strong "
            "or contains(@class, 'tit') or contains(@class, 'head')][1]")
        if heading:
            text = normalise_label(_joined_text(heading[0]))
            if text and text != normalise_label(_joined_text(node)):
                return text[:P.MAX_LABEL_LEN]
    return ""


def _usable(href: str | None) -> bool:
    href = (href or "").strip()
    return bool(href) and not P.NON_PAGE_HREF.match(href) and not P.FILE_HREF.search(href)


def page_links(html: str, base_url: str) -> list[LinkCandidate]:
    """Every link of a page that could lead to the 年报 column, in page order (duplicates kept: the
    caller keeps each URL's best label)."""
    sel = Selector(text=html or "<html></html>")
    base = sel.xpath("//base/@href").get()
    base_url = urljoin(base_url, base.strip()) if base else base_url
    found: list[LinkCandidate] = []
    for a in sel.xpath("//a[@href]"):
        href = a.attrib.get("href", "")
        if not _usable(href):
            continue
        url = urljoin(base_url, href.strip())
        pieces = [t.strip() for t in a.xpath(".//text()").getall() if t.strip()]
        text = "".join(pieces)
        shape = "spans" if len(pieces) > 1 else "anchor"
        if not text:
            text = " ".join(a.xpath(".//img/@alt").getall()).strip()
            shape = "img-alt"
        title = (a.attrib.get("title") or "").strip()
        if not text and title:
            text, shape = title, "title"
        # the block heading only matters for a label that may name a 年报 column (and costs XPath)
        context = _context(a) if any(ch in text + title for ch in P.CONTEXT_WORTH) else ""
        if text:
            found.append(LinkCandidate(url, text, shape, context))
        if title and title != text:
            found.append(LinkCandidate(url, title, "title", context))
        if len(found) >= P.MAX_LINKS_PER_PAGE:
            break
    for option in sel.xpath("//select/option[@value]"):
        value = option.attrib.get("value", "")
        if not _usable(value) or not ("/" in value or "." in value):
            continue
        text = _joined_text(option)
        if text:
            heading = _joined_text(option.xpath("ancestor::select[1]/option[1]")[0]) if option.xpath(
                "ancestor::select[1]/option[1]") else ""
            found.append(LinkCandidate(urljoin(base_url, value.strip()), text, "select", normalise_label(heading)))
    for script in sel.xpath("//script[not(@src)]/text()").getall():
        for obj in P.SCRIPT_OBJECT.finditer(script):
            label, link = P.SCRIPT_LABEL_KEY.search(obj.group(0)), P.SCRIPT_URL_KEY.search(obj.group(0))
            if label and link and _usable(link.group(1)):
                url = urljoin(base_url, link.group(1).replace("\\/", "/"))
                found.append(LinkCandidate(url, _unescape_js(label.group(1)), "script"))
    return found


def _unescape_js(text: str) -> str:
    if "\\u" not in text:
        return text
    try:
        return text.encode("ascii", "backslashreplace").decode("unicode_escape")
    except UnicodeDecodeError:
        return text


def score_label(label: str, context: str = "", *, government: bool = False) -> LabelScore:
    """How much ``label`` (under the heading/path ``context``) reads like this seed's 年报 column.

    ``government``: the seed is a government (not a department), so a 部门年报/乡镇年报 column is
    another agency's and a decoy.
    """
    text = normalise_label(label)
    if not text or len(text) > P.MAX_LABEL_LEN:
        return LabelScore(0, "")
    matched = next(((word, score) for word, score in P.COLUMN_LABELS if word in text), None)
    hub = any(word == text or (word in text and not matched) for word in P.HUB_LABELS)
    if matched is None:
        return LabelScore(0, "", hub=hub)
    for marker, reason in P.DECOY_MARKERS:
        if marker in text:
            return LabelScore(0, matched[0], decoy=reason)
    if P.YEAR_IN_LABEL.search(text):
        return LabelScore(0, matched[0], decoy="one report (its label names a year), not a column")
    if government and any(marker in text for marker in P.OTHER_AGENCY_MARKERS):
        return LabelScore(0, matched[0], decoy="another agency's 年报 column (部门/乡镇年报)")
    score = matched[1]
    ctx = normalise_label(context)
    if any(word in ctx for word in P.HUB_LABELS) or any(word in text for word in P.HUB_LABELS):
        score += P.HUB_CONTEXT_BONUS
    return LabelScore(min(score, 100), matched[0])


def is_government(agency: str, level: str = "") -> bool:
    """Whether the seed is a government itself (its departments publish their own 年报)."""
    if level:
        return not level.endswith("-dept")
    return agency.endswith(("政府", "政府办公室", "政府办公厅"))


def _agency_key(name: str) -> str:
    return P.AGENCY_NOISE.sub("", normalise_label(name))


def agency_matches(printed: str, agency: str) -> bool:
    """Whether an agency printed in a title is the seed's ``agency`` (short forms and a bare place
    name for its government accepted)."""
    a, b = _agency_key(printed), _agency_key(agency)
    if not a or not b:
        return False
    if a == b:
        return True
    return b.startswith(a) and b[len(a):] in P.GOVERNMENT_TAILS


def title_metadata(title: str, agency: str) -> tuple[int | None, str | None, bool]:
    """(report year, agency as printed, is_notice) of one listing title, by the parser's own
    metadata function; (None, None, False) when the title is not a report title."""
    from pipelines.parsing.extract.text import extract_text
    from pipelines.parsing.metadata import extract_metadata

    text = normalise_title(title)
    if not text:
        return None, None, False
    try:
        md = extract_metadata(extract_text(text.encode("utf-8")), agency_hint=agency or None)
    except Exception:  # an unreadable title is not a report title
        return None, None, False
    if md.notice:
        return None, None, True
    if md.title is None or md.year is None:
        return None, None, False
    return md.year, md.agency, False


def normalise_title(title: str) -> str:
    return " ".join(html_lib.unescape(title or "").split())


def confirm_titles(titles: list[str], agency: str) -> Confirmation:
    """Whether a listing with these item titles is ``agency``'s 年报 column: at least
    :data:`~crawler.discovery_patterns.MIN_OWN_REPORTS` report titles of this agency (one of them
    naming it), and few naming another agency."""
    own = named = foreign = 0
    years: set[int] = set()
    others: list[str] = []
    for title in dict.fromkeys(normalise_title(t) for t in titles):
        year, printed, _notice = title_metadata(title, agency)
        if year is None:
            continue
        if printed and not agency_matches(printed, agency):
            foreign += 1
            if printed not in others:
                others.append(printed)
            continue
        own += 1
        named += 1 if printed else 0
        years.add(year)
    result = Confirmation(False, "", own, named, foreign, sorted(years), others)
    total = own + foreign
    if total == 0:
        result.reason = "lists no report title"
    elif named == 0 and foreign:
        result.reason = f"lists reports of other agencies ({', '.join(others[:3])})"
    elif named == 0:
        result.reason = "its report titles name no agency"
    elif own < P.MIN_OWN_REPORTS:
        result.reason = f"only {own} report title of this agency"
    elif foreign / total > P.MAX_FOREIGN_SHARE:
        result.reason = f"{foreign} of {total} report titles are other agencies' ({', '.join(others[:3])})"
    else:
        result.ok, result.reason = True, "confirmed"
    return result


def same_page(a: str, b: str) -> bool:
    """Two URLs of one page (fragment kept apart: gkmlpt columns differ by fragment only)."""
    sa, sb = urlsplit(a), urlsplit(b)
    norm = lambda s: (s.scheme, s.netloc.lower(), s.path or "/", s.query, s.fragment)  # noqa: E731
    return norm(sa) == norm(sb)


@dataclass(frozen=True)
class DiscoveryResult:
    """The outcome of discovering one seed's column (a row of ``seeds discover --out``)."""

    seed_id: str
    column_url: str          # "" when nothing qualified (never a decoy, never unconfirmed)
    score: int               # label score (context included) of the column; 0 when none
    evidence: str            # why this column, or why none (a per-seed reason)
    pages: int = 0           # pages fetched for this seed

    @property
    def confident(self) -> bool:
        return bool(self.column_url) and self.score >= P.CONFIDENT_SCORE


@dataclass(frozen=True)
class ConfirmedColumn:
    url: str
    score: int
    label: str
    shape: str
    path: tuple[str, ...]
    confirmation: Confirmation

    @property
    def evidence(self) -> str:
        via = " > ".join(("首页", *self.path))
        return f"label {self.label!r} ({self.shape}) via {via}; {self.confirmation.summary()}"


def best_column(confirmed: list[ConfirmedColumn]) -> ConfirmedColumn | None:
    """The confirmed candidate to keep: highest label score, then most own report titles, then
    fewest clicks."""
    if not confirmed:
        return None
    return max(confirmed, key=lambda c: (c.score, c.confirmation.own, -len(c.path)))


#: ``Seed.extra`` key marking a column taken from a stored discovery (not from the seed file)
DISCOVERED_MARK = "column_source"
DISCOVERED = "discovered"


def apply_discoveries(seeds: list[Any], discovered: dict[str, str]) -> list[Any]:
    """The seeds with each column-less seed given its stored discovered column (marked in
    ``extra`` so ``seeds status`` can say ``column (discovered)``); a column in the file wins."""
    from dataclasses import replace

    out = []
    for seed in seeds:
        url = discovered.get(seed.id)
        if url and not seed.column_url:
            seed = replace(seed, column_url=url, extra={**seed.extra, DISCOVERED_MARK: DISCOVERED})
        out.append(seed)
    return out


def is_discovered(seed: Any) -> bool:
    return seed.extra.get(DISCOVERED_MARK) == DISCOVERED
