"""The farm's data model and its deterministic generation from a seed number.

A :class:`Farm` is pure data: portals, the documents listed in their 年报 columns, and the
fault (if any) each portal carries. Nothing here touches the network; :mod:`portalsim.server`
serves a farm. The same ``(portals, seed, faults)`` always yields the same farm.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field, replace

from portalsim.data.places import DEPARTMENTS, PLACES

#: unseen CMS dialects (portalsim/families/dialects.py): served to the crawler as platform ``auto``
DIALECTS = ("scriptvar", "pagecount", "downward", "pagen", "iframe", "jsonlist")
CORE_FAMILIES = ("trs", "hanweb", "gkmlpt", "jsonapi", "plain")
FAMILIES = (*CORE_FAMILIES, *DIALECTS)

# Layout variants per family (see portals.md §2).
VARIANTS: dict[str, tuple[str, ...]] = {
    "trs": ("classic", "ucap6", "pager", "classic-vars"),
    "hanweb": ("overlap", "plain-groups"),
    "gkmlpt": ("standard", "escaped-titles", "single-page"),
    "jsonapi": ("info_open",),
    "plain": ("query", "numbered", "index_n"),
    **{name: ("standard",) for name in DIALECTS},
}

ENCODINGS = ("utf-8", "gbk", "gbk-undeclared", "mismatch")

# Fault kinds and the seed health the crawler is expected to report for a portal carrying them.
FAULT_EXPECTATIONS: dict[str, str] = {
    "burst-5xx": "OK",               # first request of every URL answers 503, the retry succeeds
    "server-5xx": "BLOCKED:server-5xx",
    "rate-limit-429": "BLOCKED:rate-limit-429",
    "timeout": "OK",                 # first request of every listing URL stalls past the timeout
    "reset": "OK",                   # first request of every URL: connection reset
    "truncated": "OK",               # first request of every URL: body cut short of Content-Length
    "challenge-412": "BLOCKED:challenge-412",
    "cookie-521": "BLOCKED:cookie-521",
    "not-found": "BROKEN:404",
    "soft-404": "BROKEN:soft-404",
    "redirect-home": "BROKEN:redirect-home",
    "robots-disallow": "ROBOTS-DISALLOWED",
    "robots-500": "ROBOTS-DISALLOWED",  # RFC 9309: robots unreachable (5xx) means disallow all
    "oversized": "OK",               # one extra attachment larger than any sane download cap
    "tls-self-signed": "OK",         # served over HTTPS with a self-signed certificate
    "tls-broken": "BROKEN:tls",      # the HTTPS port does not speak TLS
    "empty": "EMPTY",                # column exists, lists no report at all
    # bad input (issue 4): the portal is healthy, some listing answers are broken
    "pager-lies": "OK",              # TRS pager count 2 larger than the real page count (extra pages 404)
    "pager-loop": "OK",              # last page's 下一页 links back to page 1
    "empty-page": "OK",              # pager announces one more page, which is an empty 200 body
    "xml-malformed": "OK",           # Hanweb groups after the first: XML that is not well-formed
    "xml-bomb": "OK",                # Hanweb groups after the first: entity-expansion XML
    "json-error": "OK",              # JSON API: rows beyond the first page answer status != 0
    # hostile portals (issue 15): no request may leave the seed's site
    "offsite-redirects": "MOVED",    # report links answer 302 to another site or an internal address
    "column-moved": "MOVED",         # the column answers 301 to another site
    "connect-refused": "BROKEN:connect",  # nothing accepts connections on the seed's port
    # unseen dialects (issue 10): evidence of more pages that no crawler can follow
    "pager-opaque": "PARTIAL:pager",  # 共N页 and a form-posting pager; page 2+ unreachable
}
# What each fault does, for the manifest (the crawler must not rely on these texts).
FAULT_DETAILS: dict[str, str] = {
    "burst-5xx": "the first request of every URL answers 500/503 (Retry-After: 1); the next succeeds",
    "server-5xx": "every request answers 500",
    "rate-limit-429": "listing requests answer 429 after rate_limit_after of them; detail pages and files always 429",
    "timeout": "the first request of every listing URL stalls timeout_s seconds before answering",
    "reset": "the first request of every URL: TCP reset without an answer",
    "truncated": "the first request of every URL: half the body, then the connection closes",
    "challenge-412": "every request: 412 with a $_ts challenge script and a Set-Cookie",
    "cookie-521": "every request: 521 with a document.cookie script and __jsluid_h cookie",
    "not-found": "the column directory answers 404",
    "soft-404": "the column directory answers 200 with a small 页面不存在 page",
    "redirect-home": "the column directory answers 302 to the portal's homepage",
    "robots-disallow": "the root robots.txt disallows the column directory",
    "robots-500": "own listener; its robots.txt answers 500, everything else works",
    "oversized": "one report carries an extra attachment of oversized_bytes (streamed)",
    "tls-self-signed": "own HTTPS listener with a self-signed, expired certificate",
    "tls-broken": "own listener named https:// in the seed that speaks plain HTTP (TLS handshake fails)",
    "empty": "the column lists only non-reports",
    "pager-lies": "the pager announces 2 pages more than exist; those answer 404",
    "pager-loop": "the last page's 下一页 links back to page 1",
    "empty-page": "the pager announces one more page, which answers 200 with an empty body",
    "xml-malformed": "dataproxy groups after the first answer XML that is not well-formed",
    "xml-bomb": "dataproxy groups after the first answer entity-expansion XML",
    "json-error": "search requests reaching past the first page answer status 500 payloads",
    "offsite-redirects": ("every report's detail page answers 302, in turn to the same path on 127.0.0.2 "
                          "(another site), to http://169.254.169.254/latest/meta-data/ and to http://10.0.0.1/"),
    "column-moved": "the column directory answers 301 to the same path on 127.0.0.2 (another site)",
    "connect-refused": "the seed's port is bound but not listening: every connection is refused",
    "pager-opaque": "the listing says 共N页 but its pager only posts a form (javascript:goPage(n))",
}

# Family and variant a fault needs (others: round-robin).
FAULT_LAYOUT: dict[str, tuple[str, str]] = {
    "pager-lies": ("trs", "classic"),
    "pager-loop": ("plain", "numbered"),
    "empty-page": ("plain", "query"),
    "xml-malformed": ("hanweb", "overlap"),
    "xml-bomb": ("hanweb", "plain-groups"),
    "json-error": ("jsonapi", "info_open"),
    "offsite-redirects": ("plain", "query"),
    "column-moved": ("plain", "query"),
    "connect-refused": ("plain", "query"),
    "pager-opaque": ("scriptvar", "standard"),
}
#: where the hostile portals redirect: another loopback address is another site (nothing listens
#: there); the internal addresses are never connected to (the harvester refuses them before sending)
OFFSITE_HOST = "127.0.0.2"
INTERNAL_TARGETS = ("http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/")
FAULT_KINDS = tuple(FAULT_EXPECTATIONS)

# Fault kinds that need a listener of their own (host-level behaviour).
OWN_LISTENER_FAULTS = ("robots-500", "tls-self-signed", "tls-broken")


# Non-report items that share the 年报 column (portals.md §1.4): (kind, title template)
NON_REPORT_TITLES: tuple[tuple[str, str], ...] = (
    ("guide", "{agency}政府信息公开指南（{year}年修订）"),
    ("website-report", "{agency}{year}年政府网站工作年度报表"),
    ("notice", "关于做好{year}年政府信息公开工作年度报告编制发布工作的通知"),
    ("rules", "{agency}政府信息公开制度"),
    ("website-report", "{year}年度政府网站年度报表"),
    ("notice", "关于{agency}{year}年政府信息公开工作年度报告的更正说明"),
    ("budget", "{agency}{year}年度部门预算公开"),
    ("budget", "{agency}{year}年度部门决算公开"),
)


@dataclass(frozen=True)
class FarmOptions:
    """Tunables of fault behaviour (small values keep tests fast)."""

    timeout_s: float = 3.0           # how long a "timeout" answer stalls
    rate_limit_after: int = 3        # listing requests a rate-limited portal answers before 429s
    oversized_bytes: int = 80 * 1024 * 1024  # above the crawler's DOWNLOAD_MAXSIZE (64 MiB): refused
    burst_failures: int = 1          # failing attempts per URL on burst/reset/truncated/timeout portals
    first_year: int | None = None    # first report year of every column (None: 2013–2016 at random)
    non_reports: int | None = None   # non-report items per column (None: 2–5 at random)
    auto_families: tuple[str, ...] = ()  # families published as platform ``auto`` in the seeds
    #                                      (to exercise detection; plain numbered/index_n always are)
    dedupe_traps: bool = False       # add the dedupe traps (see _add_dedupe_traps)
    dialects: bool = False           # healthy portals round-robin over the unseen dialects too
    #                                  (FAMILIES); off: the five core families (CORE_FAMILIES), so
    #                                  farms built before the dialects keep their composition


@dataclass(frozen=True)
class Fault:
    kind: str
    expected: str
    detail: str = ""


@dataclass
class Document:
    """One row of a 年报 column: a report or a non-report item."""

    doc_id: int
    title: str
    pub_date: str                    # "YYYY-MM-DD HH:MM"
    kind: str                        # report | guide | website-report | notice | rules
    year: int | None = None          # report year (from the title), None for non-reports
    edition: str = ""                # "" | 图片版 | 文字版 | 更正版
    body_format: str = "html"        # html | pdf | docx | xlsx | image | html+pdf | scan-pdf
    text_id: str = ""                # seed text the body is made from
    article_pages: int = 1           # >1: TRS multi-page article
    same_as: str = ""                # report key of the original when republished elsewhere
    origin_portal: str = ""          # portal whose bytes this copy shares
    oversized: bool = False          # carries an extra oversized attachment
    trap: str = ""                   # "" | zero-tables | consecutive-years (dedupe traps)
    body_variant: str = ""           # bodies.BODY_VARIANTS: the trap's forced body

    @property
    def is_report(self) -> bool:
        return self.kind == "report"


@dataclass
class Portal:
    portal_id: str
    province: str
    city: str
    county: str
    adcode: str
    level: str
    agency: str
    family: str
    variant: str
    encoding: str
    page_size: int
    site_id_code: str
    column_id: int                   # Hanweb columnid / gkmlpt catId / channel id
    unit_id: int
    documents: list[Document] = field(default_factory=list)
    fault: Fault | None = None
    scheme: str = "http"

    @property
    def own_listener(self) -> bool:
        return self.fault is not None and self.fault.kind in OWN_LISTENER_FAULTS


class Farm:
    """A deterministic set of simulated portals; mutable only through :meth:`add_report`."""

    def __init__(self, portals: list[Portal], seed: int, options: FarmOptions):
        self.portals = portals
        self.seed = seed
        self.options = options
        self.by_id = {p.portal_id: p for p in portals}
        self.lock = threading.RLock()
        self.version = 0

    @classmethod
    def generate(cls, portals: int = 12, seed: int = 1, faults: bool = False,
                 options: FarmOptions | None = None) -> "Farm":
        """Build ``portals`` healthy portals (families round-robin) plus, with ``faults``,
        one extra portal per fault kind."""
        if portals < 0:
            raise ValueError(f"portals must be >= 0, got {portals}")
        rng = random.Random(f"farm:{seed}")
        places = list(PLACES)
        rng.shuffle(places)
        used: set[str] = set()
        result: list[Portal] = []
        total = portals + (len(FAULT_KINDS) if faults else 0)
        for index in range(total):
            prng = random.Random(f"farm:{seed}:portal:{index}")
            fault_kind = FAULT_KINDS[index - portals] if index >= portals else None
            families = FAMILIES if (options or FarmOptions()).dialects else CORE_FAMILIES
            family = families[index % len(families)]
            if fault_kind in FAULT_LAYOUT:
                family = FAULT_LAYOUT[fault_kind][0]
            result.append(_make_portal(prng, index, family, places, used, fault_kind, options or FarmOptions()))
        if (options or FarmOptions()).dedupe_traps:
            _add_dedupe_traps(result)
        _add_cross_postings(result)
        return cls(result, seed, options or FarmOptions())

    def portal(self, portal_id: str) -> Portal:
        try:
            return self.by_id[portal_id]
        except KeyError:
            raise KeyError(f"no portal {portal_id!r} in this farm") from None

    def add_report(self, portal_id: str, year: int | None = None, title: str | None = None,
                   body_format: str = "html", pub_date: str | None = None) -> Document:
        """Publish a new report at the top of ``portal_id``'s column (page 1), while serving."""
        with self.lock:
            portal = self.portal(portal_id)
            reports = [d for d in portal.documents if d.is_report and d.year]
            year = year or (max((d.year for d in reports), default=2024) + 1)
            doc_id = max((d.doc_id for d in portal.documents), default=100000) + 1
            text_ids = seed_text_ids()
            doc = Document(
                doc_id=doc_id,
                title=title or f"{portal.agency}{year}年政府信息公开工作年度报告",
                pub_date=pub_date or f"{year + 1}-03-28 09:30",
                kind="report", year=year, body_format=body_format,
                text_id=text_ids[doc_id % len(text_ids)],
            )
            portal.documents.insert(0, doc)
            self.version += 1
            return doc


def report_key(portal: Portal, doc: Document) -> str:
    return f"{portal.portal_id}/{doc.doc_id}"


def logical_key(portal: Portal, doc: Document) -> str:
    """The logical report ``doc`` belongs to: one agency's report of one year. A cross-posted copy
    belongs to its origin's report; edition variants (更正版, 图片版/文字版) of a year share it."""
    return f"{doc.origin_portal or portal.portal_id}/{doc.year}"


_SEED_TEXT_IDS: tuple[str, ...] | None = None


def seed_text_ids() -> tuple[str, ...]:
    global _SEED_TEXT_IDS
    if _SEED_TEXT_IDS is None:
        from portalsim.bodies import SEED_TEXTS
        _SEED_TEXT_IDS = tuple(sorted(SEED_TEXTS))
    return _SEED_TEXT_IDS


def _make_portal(rng: random.Random, index: int, family: str, places: list, used: set[str],
                 fault_kind: str | None, options: FarmOptions) -> Portal:
    place = places[index % len(places)]
    province, city, county, adcode, slug, level = place
    dept_name, dept_slug = DEPARTMENTS[(index // len(places) + rng.randrange(len(DEPARTMENTS)))
                                       % len(DEPARTMENTS)]
    portal_id = f"{adcode}_{slug}_{dept_slug}"
    if portal_id in used:
        # another department of the same place: two portals of one agency would put one agency's
        # reports twice into the ground truth (the store rightly makes them one logical report)
        free = [d for d in DEPARTMENTS if f"{adcode}_{slug}_{d[1]}" not in used]
        if free:
            dept_name, dept_slug = free[rng.randrange(len(free))]
            portal_id = f"{adcode}_{slug}_{dept_slug}"
    while portal_id in used:   # every department of this place is taken (very large farms)
        dept_name, dept_slug = DEPARTMENTS[rng.randrange(len(DEPARTMENTS))]
        portal_id = f"{adcode}_{slug}_{dept_slug}{rng.randrange(10, 99)}"
    used.add(portal_id)
    place_name = county or city
    short = place_name[:-1] if len(place_name) > 2 and place_name[-1] in "市区县" else place_name
    # departments are sometimes named with the short place name (宿州教育局 for 宿州市教育局)
    use_short = dept_slug not in ("gov", "zfb") and rng.random() < 0.3
    agency = f"{short if use_short else place_name}{dept_name}"
    base_level = "prefecture" if level == "city" else "county"   # districts are county-level
    level_out = base_level if dept_slug in ("gov", "zfb") else f"{base_level}-dept"
    families = FAMILIES if options.dialects else CORE_FAMILIES
    variant = VARIANTS[family][index // len(families) % len(VARIANTS[family])]
    if fault_kind in FAULT_LAYOUT:
        variant = FAULT_LAYOUT[fault_kind][1]
    encoding = ENCODINGS[index % len(ENCODINGS)] if family in ("trs", "plain", *DIALECTS) else "utf-8"
    if family == "jsonlist":
        encoding = "utf-8"
    page_size = {"trs": rng.choice((5, 6, 8)), "hanweb": rng.choice((4, 5)),
                 "gkmlpt": 100, "jsonapi": rng.choice((5, 6)), "plain": rng.choice((5, 6, 7))
                 }.get(family) or rng.choice((3, 4, 5))
    if fault_kind in ("xml-malformed", "xml-bomb"):
        page_size = 3   # so that a second group (records 10+) exists
    portal = Portal(
        portal_id=portal_id, province=province, city=city if city != province else "",
        county=county, adcode=adcode, level=level_out, agency=agency, family=family,
        variant=variant, encoding=encoding, page_size=page_size,
        site_id_code=f"{adcode[:4]}{rng.randrange(10**5, 10**6)}",
        column_id=rng.randrange(1000, 99999), unit_id=rng.randrange(100000, 999999),
    )
    if fault_kind:
        portal.fault = Fault(fault_kind, FAULT_EXPECTATIONS[fault_kind], FAULT_DETAILS[fault_kind])
        if fault_kind == "tls-self-signed":
            portal.scheme = "https"
        if fault_kind == "tls-broken":
            portal.scheme = "https"
    portal.documents = _make_documents(rng, portal, empty=fault_kind == "empty",
                                       oversized=fault_kind == "oversized", options=options,
                                       index=index)
    return portal


def _title_for(rng: random.Random, agency: str, year: int) -> str:
    style = rng.randrange(5)
    if style == 0:
        return f"{agency} {year} 年政府信息公开工作年度报告"
    if style == 1 and year < 2019:
        return f"{agency}{year}年度政府信息公开工作报告"
    if style == 2:
        return f"{agency}{year}年度政府信息公开工作年度报告"
    return f"{agency}{year}年政府信息公开工作年度报告"


def _make_documents(rng: random.Random, portal: Portal, empty: bool, oversized: bool,
                    options: FarmOptions, index: int) -> list[Document]:
    """The column of one portal. Portal 0 always has a 更正版 and portal 1 a 图片版/文字版 pair,
    so every farm of two or more portals contains both."""
    docs: list[Document] = []
    next_id = rng.randrange(100000, 900000)
    text_ids = seed_text_ids()

    def new_id() -> int:
        nonlocal next_id
        next_id += rng.randrange(3, 400)
        return next_id

    first_year = rng.randrange(2013, 2017)
    if options.first_year is not None:
        first_year = options.first_year
    years = [y for y in range(first_year, 2025) if empty is False and (y == 2024 or rng.random() > 0.1)]
    formats = ("html", "html", "html", "pdf", "html+pdf", "docx", "xlsx")
    if portal.family == "downward":   # detail pages whose report is only an attachment
        formats = ("pdf", "html+pdf", "docx", "xlsx")
    for year in years:
        fmt = rng.choice(formats)
        if portal.family == "gkmlpt" and fmt == "xlsx":
            fmt = "pdf"
        pages = 1
        if portal.family == "trs" and fmt == "html" and rng.random() < 0.25:
            pages = rng.choice((2, 3))
        docs.append(Document(
            doc_id=new_id(), title=_title_for(rng, portal.agency, year),
            pub_date=_pub_date(rng, year), kind="report", year=year, body_format=fmt,
            text_id=text_ids[rng.randrange(len(text_ids))], article_pages=pages))
    if docs and (rng.random() < 0.5 or index == 1):
        # 图片版 + 文字版 pair for one year
        base = docs[rng.randrange(len(docs))]
        base.title = base.title + "（文字版）"
        base.edition = "文字版"
        if base.body_format not in ("html", "html+pdf"):
            base.body_format = "html"
        docs.append(replace(base, doc_id=new_id(), title=base.title.replace("（文字版）", "（图片版）"),
                            edition="图片版", article_pages=1,
                            body_format="scan-pdf" if portal.family in ("gkmlpt", "jsonapi") else "image"))
    plain_docs = [d for d in docs if not d.edition]
    if plain_docs and (rng.random() < 0.4 or index == 0):
        base = plain_docs[rng.randrange(len(plain_docs))]
        docs.append(replace(base, doc_id=new_id(), title=base.title + "（更正版）", edition="更正版",
                            pub_date=_pub_date(rng, base.year, late=True),
                            text_id=text_ids[(text_ids.index(base.text_id) + 1) % len(text_ids)]))
    if oversized and docs:
        docs[0].oversized = True
    # non-reports mixed into the column
    count = options.non_reports if options.non_reports is not None else 2 + rng.randrange(4)
    for k in range(count):
        some_year = 2024 - (k // len(NON_REPORT_TITLES)) - rng.randrange(3)
        kind, template = NON_REPORT_TITLES[k % len(NON_REPORT_TITLES)]
        docs.append(Document(doc_id=new_id(), title=template.format(agency=portal.agency, year=some_year),
                             pub_date=_pub_date(rng, some_year), kind=kind, body_format="html"))
    docs.sort(key=lambda d: (d.pub_date, d.doc_id), reverse=True)
    return docs


def _pub_date(rng: random.Random, year: int, late: bool = False) -> str:
    month = rng.randrange(5, 12) if late else rng.randrange(1, 4)
    return f"{year + 1}-{month:02d}-{rng.randrange(1, 29):02d} {rng.randrange(8, 19):02d}:{rng.randrange(60):02d}"


def _add_cross_postings(portals: list[Portal]) -> None:
    """The same report in two columns: a department's report also posted by a government portal."""
    healthy = [p for p in portals if p.fault is None]
    if len(healthy) < 2:
        return
    target = healthy[0]
    for source in healthy[1:]:
        reports = [d for d in source.documents if d.is_report and not d.edition
                   and d.body_format in ("pdf", "html+pdf")]
        if reports:
            break
    else:
        return
    original = reports[0]
    copy = replace(original, doc_id=max(d.doc_id for d in target.documents) + 7,
                   same_as=report_key(source, original), origin_portal=source.portal_id,
                   article_pages=1)
    target.documents.append(copy)
    target.documents.sort(key=lambda d: (d.pub_date, d.doc_id), reverse=True)



# Dedupe traps (FarmOptions.dedupe_traps): reports that look alike but are different reports.
ZERO_TABLE_PORTALS = 3       # agencies whose report of one year has all-zero tables
TRAP_FORMATS = ("html", "html+pdf", "pdf")


def _sole_plain_reports(portal: Portal) -> dict[int, Document]:
    """year -> the report of that year, for years with exactly one report and no edition."""
    by_year: dict[int, list[Document]] = {}
    for doc in portal.documents:
        if doc.is_report and doc.year:
            by_year.setdefault(doc.year, []).append(doc)
    return {year: docs[0] for year, docs in by_year.items() if len(docs) == 1 and not docs[0].edition}


def _add_dedupe_traps(portals: list[Portal]) -> None:
    """(a) up to ZERO_TABLE_PORTALS healthy portals of different agencies whose report of one year
    (2019 or later: the fixture template) has all-zero tables: their texts differ only in the
    agency name; (b) one more healthy portal whose reports of two consecutive years are one seed
    text, the later with every 10th line edited (~90% identical). Neither may be merged."""
    from portalsim.bodies import YEAR_PAIR, YEAR_PAIR_EDITED, ZERO_TABLES

    healthy = [p for p in portals if p.fault is None]
    sole = {p.portal_id: _sole_plain_reports(p) for p in healthy}
    pair_portal = None
    for portal in reversed(healthy):   # the consecutive-years trap: the last portal that can
        years = sorted(sole[portal.portal_id])
        pairs = [(y, y + 1) for y in years if y + 1 in sole[portal.portal_id]]
        if pairs:
            pair_portal = portal
            earlier, later = (sole[portal.portal_id][y] for y in pairs[-1])
            text_id = earlier.text_id
            for doc, variant, fmt in ((earlier, YEAR_PAIR, "html"), (later, YEAR_PAIR_EDITED, "html+pdf")):
                doc.trap, doc.body_variant, doc.text_id = "consecutive-years", variant, text_id
                doc.body_format, doc.article_pages = fmt, 1
            break
    agencies: set[str] = set()
    for year in range(2024, 2018, -1):
        twins = [p for p in healthy if p is not pair_portal and year in sole[p.portal_id]
                 and p.agency not in agencies]
        twins = [p for k, p in enumerate(twins) if p.agency not in {q.agency for q in twins[:k]}]
        if len(twins) >= 2:
            for k, portal in enumerate(twins[:ZERO_TABLE_PORTALS]):
                doc = sole[portal.portal_id][year]
                doc.trap, doc.body_variant = "zero-tables", ZERO_TABLES
                doc.body_format, doc.article_pages = TRAP_FORMATS[k % len(TRAP_FORMATS)], 1
            return
