"""Issue 5 on the simulated portal farm: every detail page of every family, cleaned.

For each detail page the farm serves (reports in every body format, multi-page articles, GBK
portals, non-reports in the same column): no boilerplate marker of portals.md §3.5 is left in the
cleaned text unless the report itself prints it, and for reports whose body is on the page every
paragraph and every table cell of the farm's source report is kept.
"""

from __future__ import annotations

import re
import time
from dataclasses import replace

import pytest
from lxml import html as lxml_html

from portalsim import Farm, FarmServer
from portalsim.families import family_of
from portalsim.families.base import body_of
from portalsim.bodies import body_html
from pipelines.cleaning import clean_page
from pipelines.cleaning import patterns as P
from portalsim.pages import SEED_HEAD_CHROME
from tests.farm.helpers import fetch

BODY_ON_PAGE = ("html", "html+pdf")


def report_paragraphs(body) -> tuple[str, ...]:
    """A seed-text body without the byline chrome its seed text was copied with (the farm serves
    those lines inside the container, as the real page did; the cleaner must drop them)."""
    if body.source != "seed_text":
        return body.paragraphs
    number = int(body.source_id[:3])
    lines = list(body.paragraphs)
    head = {re.sub(r"\d{4}-\d\d-\d\d", "", squash(c)) for c in SEED_HEAD_CHROME.get(number, ())}
    return tuple(ln for ln in lines if re.sub(r"\d{4}-\d\d-\d\d", "", squash(ln)) not in head)


def outside_attachment_list(marker: str, text: str) -> bool:
    """The report's own 附件 list ("相关附件：" above the attachment links) is content."""
    return any(marker in line and not P.ATTACHMENT_LINE.search(line.strip()) for line in text.splitlines())


def squash(text: str) -> str:
    return re.sub(r"[\s\u3000\u00a0]+", "", text)


def source_blocks(fragment: str) -> tuple[list[str], list[str]]:
    """The farm's source report as (paragraph texts, table cell texts)."""
    root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    paragraphs = [squash(p.text_content()) for p in root.iter("p", "h1", "h2", "h3")
                  if p.getparent() is not None and p.getparent().tag not in ("td", "th")]
    cells = [squash(td.text_content()) for td in root.iter("td", "th")]
    return [p for p in paragraphs if p], [c for c in cells if c]


@pytest.fixture(scope="module")
def farm_pages():
    farm = Farm.generate(portals=10, seed=7, faults=False)
    pages = []
    with FarmServer(farm, port=0) as server:
        by_portal = {p.portal_id: p for p in farm.portals}
        for portal in farm.portals:
            family = family_of(portal.family)
            for doc in portal.documents:
                urls = [server.url(portal, u) for u in family.detail_pages(farm, portal, doc)]
                fetched = [fetch(url) for url in urls]
                body = body_of(farm, by_portal[portal.portal_id], doc)
                pages.append((portal, doc, urls, fetched, body))
        time.sleep(1.1)   # the header clock shows seconds: let it move before the second fetches
        pages = [(portal, doc, urls, fetched, body, [fetch(url) for url in urls])
                 for portal, doc, urls, fetched, body in pages]
    return pages


# Chrome that the farm changes on every request, as real portals do (portalsim/chrome.py).
VARYING = {
    "visit counter": re.compile(rb'id="visits">(\d+)<'),
    "clock": re.compile(rb'class="today">([^<]+)<'),
    "related-links order": re.compile(rb'<ul class="list01">(.*?)</ul>', re.S),
    "share counter": re.compile(rb'class="share-count">(\d+)<'),
    "script nonce": re.compile(rb'nonce="([0-9a-f]+)"'),
}


def test_two_fetches_differing_in_every_varying_element_hash_identically(farm_pages) -> None:
    varied = {name: 0 for name in VARYING}
    for _, _, urls, first, _, second in farm_pages:
        for url, a, b in zip(urls, first, second):
            assert a.body != b.body, url
            for name, pattern in VARYING.items():
                x, y = pattern.search(a.body), pattern.search(b.body)
                if x and y and x.group(1) != y.group(1):
                    varied[name] += 1
            ca = clean_page(a.body, url=url, headers=a.headers)
            cb = clean_page(b.body, url=url, headers=b.headers)
            assert ca.digest == cb.digest and ca.content_text == cb.content_text, url
            assert (ca.title, ca.published, ca.index_no, ca.attachments) == \
                (cb.title, cb.published, cb.index_no, cb.attachments), url
    assert all(varied.values()), varied   # every element really did change somewhere


def test_the_farm_sample_covers_every_family_and_body_format(farm_pages) -> None:
    assert {portal.family for portal, *_ in farm_pages} >= {"trs", "hanweb", "gkmlpt", "jsonapi", "plain"}
    formats = {doc.body_format for _, doc, *_ in farm_pages if doc.is_report}
    assert {"html", "pdf"} <= formats
    assert any(len(urls) > 1 for _, _, urls, *_ in farm_pages), "no multi-page article in the sample"
    assert any(not doc.is_report for _, doc, *_ in farm_pages)
    assert any(portal.encoding != "utf-8" for portal, *_ in farm_pages)


def test_no_boilerplate_marker_left_on_any_detail_page(farm_pages) -> None:
    checked = 0
    for portal, doc, urls, fetched, body, _ in farm_pages:
        source = "\n".join(report_paragraphs(body)) + (body_html(body) if body.spec is not None else "")
        for url, answer in zip(urls, fetched):
            assert answer.status == 200, url
            cleaned = clean_page(answer.body, url=url, headers=answer.headers)
            assert "all_chrome" not in cleaned.flags, url
            left = [m for m in P.BOILERPLATE_MARKERS if m not in source
                    and outside_attachment_list(m, cleaned.content_text)]
            assert left == [], (url, left)
            checked += 1
    assert checked >= 100


def test_every_line_of_the_source_report_is_kept(farm_pages) -> None:
    checked = 0
    for _, doc, urls, fetched, body, _ in farm_pages:
        if not doc.is_report or doc.body_format not in BODY_ON_PAGE:
            continue
        kept = "".join(squash(clean_page(a.body, url=u, headers=a.headers).content_text)
                       for u, a in zip(urls, fetched))
        paragraphs, cells = source_blocks(body_html(replace(body, paragraphs=report_paragraphs(body))))
        missing = [p for p in paragraphs if p not in kept]
        assert missing == [], (urls[0], missing[:3])
        missing_cells = [c for c in cells if c not in kept]
        assert missing_cells == [], (urls[0], missing_cells[:5])
        checked += 1
    assert checked >= 20
