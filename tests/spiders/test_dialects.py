"""Every unseen CMS dialect of the farm (portalsim/families/dialects.py, issue 10) is covered by the
generic spider: saved listing and detail fixtures whose golden output the generic spider's pure
parse functions reproduce.

The dialects have no family spider of their own (seeds say ``auto``), so unlike
test_families_registry.py the listing side here is the generic spider's: report links, where the
rows really are (frame, JSON endpoint), the next page and the evidence of pages not followed.
Golden files: ``fixtures/golden/dialect_<name>_<kind>.json`` naming their saved fixture. After a
deliberate parser change regenerate them with ``python -m tests.spiders.test_dialects`` and review
the diff.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from crawler.items import PARTIAL_PAGER, final_event
from crawler.spiders import generic as G
from crawler.spiders import links as L
from portalsim.model import DIALECTS, FAULT_EXPECTATIONS, FAULT_LAYOUT
from tests.spiders.helpers import FIXTURES, page

GOLDEN = FIXTURES / "golden"
#: listing fixtures per dialect: page 1 of the rows and (script/static pagers) page 2; shells
LISTING_KINDS = ("listing", "listing_p2", "shell", "opaque_listing")


def listing_output(fixture: str, list_page: int) -> dict[str, Any]:
    """What the generic spider reads from a saved listing answer (page ``list_page`` of its list)."""
    text, url = page(fixture)
    return {
        "links": [{"url": link.url, "title": link.title, "year": link.year}
                  for link in G.parse_listing(text, url)],
        "entries": G.listing_entries(text, url),
        "next": None if G.listing_entries(text, url) else G.next_listing_url(text, url, list_page),
        "evidence": G.pager_evidence(text, url, list_page) if not text.lstrip().startswith("{") else None,
    }


def detail_output(fixture: str) -> dict[str, Any]:
    text, url = page(fixture)
    return {
        "is_report_page": L.is_report_page(text),
        "attachments": [{"url": a.url, "name": a.name} for a in L.attachments_from_html(text, url)],
        "scan_images": L.scan_images(text, url),
    }


def _goldens(name: str) -> list[str]:
    return sorted(p.name for p in GOLDEN.glob(f"dialect_{name}_*.json"))


def _compute(golden: dict[str, Any]) -> Any:
    if golden["kind"] == "detail":
        return detail_output(golden["fixture"])
    return listing_output(golden["fixture"], golden["list_page"])


def regenerate() -> None:
    for path in sorted(GOLDEN.glob("dialect_*.json")):
        golden = json.loads(path.read_text(encoding="utf-8"))
        golden["output"] = _compute(golden)
        path.write_text(json.dumps(golden, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"{path}: {golden['fixture']}")


@pytest.mark.parametrize("name", DIALECTS)
def test_dialect_has_listing_and_detail_goldens(name: str) -> None:
    names = _goldens(name)
    assert f"dialect_{name}_listing.json" in names, f"{name}: no listing golden"
    assert f"dialect_{name}_detail.json" in names, f"{name}: no detail golden"
    for golden_name in names:
        golden = json.loads((GOLDEN / golden_name).read_text(encoding="utf-8"))
        assert (FIXTURES / golden["fixture"]).exists(), f"{golden_name}: fixture {golden['fixture']} missing"
        assert _compute(golden) == golden["output"], golden_name


@pytest.mark.parametrize("name", DIALECTS)
def test_dialect_listing_yields_reports_or_leads_to_them(name: str) -> None:
    golden = json.loads((GOLDEN / f"dialect_{name}_listing.json").read_text(encoding="utf-8"))
    output = golden["output"]
    assert output["links"], f"{name}: the listing fixture must show report links"
    assert output["next"], f"{name}: page 1 of a paged listing must lead to page 2"
    assert output["evidence"] is None or output["next"], "evidence of more pages is only kept when unfollowed"
    if (GOLDEN / f"dialect_{name}_shell.json").exists():
        shell = json.loads((GOLDEN / f"dialect_{name}_shell.json").read_text(encoding="utf-8"))["output"]
        # the shell names the frame or JSON endpoint holding the rows (the endpoint without its
        # page parameter answers page 1)
        assert not shell["links"] and [u.split("?")[0] for u in shell["entries"]] == [
            page(golden["fixture"])[1].split("?")[0]]


@pytest.mark.parametrize("name", DIALECTS)
def test_dialect_detail_reaches_the_report(name: str) -> None:
    output = json.loads((GOLDEN / f"dialect_{name}_detail.json").read_text(encoding="utf-8"))["output"]
    assert output["is_report_page"] or output["attachments"], f"{name}: neither a report page nor its file"


def test_farm_with_dialects_publishes_each_as_an_auto_seed() -> None:
    from portalsim import Farm, FarmServer
    from portalsim.model import FarmOptions

    farm = Farm.generate(portals=2 * len(DIALECTS) + 10, seed=5, options=FarmOptions(dialects=True))
    rows = {row["id"]: row for row in FarmServer(farm).seed_rows()}
    served = {p.family for p in farm.portals}
    assert set(DIALECTS) <= served
    assert all(rows[p.portal_id]["platform"] == "auto" for p in farm.portals if p.family in DIALECTS)
    core = Farm.generate(portals=12, seed=5)
    assert not {p.family for p in core.portals} & set(DIALECTS), "dialects are opt-in (FarmOptions.dialects)"


def test_page_two_of_each_paged_dialect_is_the_fixture_of_page_two() -> None:
    """The next-page guess from page 1 is the real URL of page 2 (0-based and 1-based suffixes,
    downward numbering); page 2 leads on to page 3 or ends."""
    for name in DIALECTS:
        p2 = FIXTURES / f"dialect_{name}_listing_p2.html"
        if not p2.exists():
            continue
        one = json.loads((GOLDEN / f"dialect_{name}_listing.json").read_text(encoding="utf-8"))["output"]
        assert one["next"] == page(p2.name)[1], name


def test_opaque_pager_is_evidence_of_pages_not_followed() -> None:
    golden = json.loads((GOLDEN / "dialect_scriptvar_opaque_listing.json").read_text(encoding="utf-8"))["output"]
    assert golden["links"] and golden["next"] is None
    assert golden["evidence"] and "共" in golden["evidence"]
    assert FAULT_EXPECTATIONS["pager-opaque"] == PARTIAL_PAGER
    assert FAULT_LAYOUT["pager-opaque"][0] in DIALECTS
    assert final_event(["OK", PARTIAL_PAGER]) == PARTIAL_PAGER
    assert final_event(["OK", PARTIAL_PAGER, "BLOCKED:rate-limit-429"]) == "BLOCKED:rate-limit-429"


def test_script_pager_numbering_is_read_from_the_page() -> None:
    one = '<script>var totalPage = 3; var currentPage = 1; var pagePre = "zfxxgklby_nb";</script>'
    zero = '<script>var pageCount = 3; var pageIndex = 0; var pageName = "index"; var pageExt = "shtml";</script>'
    base = "http://a.gov.cn/zwgk/"
    assert G.script_pager_url(one, base + "zfxxgklby_nb.html", 1) == base + "zfxxgklby_nb_2.html"
    assert G.script_pager_url(one, base + "zfxxgklby_nb_2.html", 2) == base + "zfxxgklby_nb_3.html"
    assert G.script_pager_url(one, base + "zfxxgklby_nb_3.html", 3) is None
    assert G.script_pager_url(zero, base + "index.shtml", 1) == base + "index_1.shtml"
    assert G.script_pager_url(zero, base + "index_1.shtml", 2) == base + "index_2.shtml"
    assert G.script_pager_url(zero, base + "index_2.shtml", 3) is None
    huge = '<script>var totalPage = 99999; var pagePre = "p";</script>'
    assert G.script_pager_url(huge, base + "p_200.html", 200) is None  # hard cap on guessed pages


def test_report_on_a_sibling_host_of_the_same_registrable_domain() -> None:
    """Report links to ``xxgk.<site>.gov.cn`` are followed; another registrable domain is not.
    (The farm serves every portal on 127.0.0.1, where no sibling host resolves, so this is
    checked on saved bytes: the pagen listing with its links moved to a sibling host.)"""
    from tests.spiders.helpers import seed, spider

    text, _ = page("dialect_pagen_listing.html")
    url = "http://www.example.gov.cn/gk/nb/index.html"
    sibling = re.sub(r'href="(/p/[^"]*/detail_\d+\.html)"', r'href="http://xxgk.example.gov.cn\1"', text)
    links = G.parse_listing(sibling, url)
    assert links and {x.url.split("/")[2] for x in links} == {"xxgk.example.gov.cn"}
    sp = spider(G.GenericSpider)
    s = seed(url, "auto")
    assert all(sp.allowed(s, x.url, attachment=True) for x in links)
    assert not sp.allowed(s, "http://xxgk.other.gov.cn/p/x.html", attachment=True)
    assert not L.same_site("xxgk.example.gov.cn", "www.example.com.cn")


def test_unfollowable_pager_makes_the_seed_partial_not_ok() -> None:
    """Through the spider's callbacks: the opaque pager's listing yields its reports, records OK,
    then PARTIAL:pager naming the evidence; the seed's state is PARTIAL:pager and
    ``seeds status`` prints the evidence."""
    from crawler.commands.seeds import status_rows
    from tests.spiders.helpers import prime, response, seed, spider, split

    fixture = "dialect_scriptvar_opaque_listing.html"
    sp = spider(G.GenericSpider)
    s = seed(page(fixture)[1], "auto")
    prime(sp, s)
    requests, _, outcomes = split(sp.parse_listing(response(fixture), seed=s, page=1))
    assert [o.event for o in outcomes] == ["OK", PARTIAL_PAGER]
    assert "共" in (outcomes[1].detail or "")
    assert requests and all(r.meta.get("harvest_kind") == "detail" for r in requests)
    assert final_event(sp.events[s.id]) == PARTIAL_PAGER
    row = status_rows([s], {}, {s.id: {"state": PARTIAL_PAGER, "detail": outcomes[1].detail}})[0]
    assert row.shown_state == f"{PARTIAL_PAGER}: {outcomes[1].detail}"


def test_a_followed_pager_stays_ok() -> None:
    from tests.spiders.helpers import prime, response, seed, spider, split

    fixture = "dialect_scriptvar_listing.html"
    sp = spider(G.GenericSpider)
    s = seed(page(fixture)[1], "auto")
    prime(sp, s)
    requests, _, outcomes = split(sp.parse_listing(response(fixture), seed=s, page=1))
    assert [o.event for o in outcomes] == ["OK"]
    assert page("dialect_scriptvar_listing_p2.html")[1] in {r.url for r in requests}


if __name__ == "__main__":
    regenerate()
