"""Every registered CMS family is complete: saved listing and detail fixtures with golden output,
a family the simulated farm serves, and a place in platform detection's declared order.

Adding a family (crawler/spiders/__init__.py) without these fails here. Golden files live in
``fixtures/golden/<key>_listing.json`` and ``<key>_detail.json`` (``<key>`` = the family's first
platform key); each names its saved fixture and holds what the family's pure parse functions give.
After a deliberate parser change (or for a new family, starting from ``{"fixture": "<name>",
"output": null}``) regenerate them with ``python -m tests.spiders.test_families_registry`` and
review the diff.
"""

from __future__ import annotations

import inspect
import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from portalsim import Farm, FarmServer
from portalsim.families import REGISTRY as FARM_FAMILIES
from crawler.patterns import PLATFORM_AUTO
from crawler.platforms import detect_platform
from crawler.spiders import links as L
from crawler.spiders import registry
from crawler.spiders.base import PortalSpider
from tests.spiders.helpers import FIXTURES, page

GOLDEN = FIXTURES / "golden"
FAMILY_KEYS = [spider.platforms[0] for spider in registry.FAMILY_SPIDERS]


def _family(key: str) -> type[PortalSpider]:
    return registry.spider_for(key)


def listing_output(key: str, fixture: str) -> list[dict[str, Any]]:
    """The report links the family's own ``parse_listing`` reads from a saved listing page."""
    text, url = page(fixture)
    parse_listing = sys.modules[_family(key).__module__].parse_listing
    return [{"url": link.url, "title": link.title, "year": link.year} for link in parse_listing(text, url)]


def detail_output(fixture: str) -> dict[str, Any]:
    """What the shared detail-page functions read from a saved detail page."""
    text, url = page(fixture)
    return {
        "is_report_page": L.is_report_page(text),
        "attachments": [{"url": a.url, "name": a.name} for a in L.attachments_from_html(text, url)],
        "scan_images": L.scan_images(text, url),
    }


def _check_golden(name: str, compute) -> None:  # type: ignore[no-untyped-def]
    path = GOLDEN / name
    assert path.exists(), f"family golden file missing: {path} (see crawler/spiders/__init__.py)"
    golden = json.loads(path.read_text(encoding="utf-8"))
    assert (FIXTURES / golden["fixture"]).exists(), f"{name}: saved fixture {golden['fixture']} missing"
    assert compute(golden["fixture"]) == golden["output"]


def regenerate() -> None:
    """Rewrite every family's golden output from its saved fixture (review the diff!)."""
    for key in FAMILY_KEYS:
        for kind, compute in (("listing", lambda f, k=key: listing_output(k, f)), ("detail", detail_output)):
            path = GOLDEN / f"{key}_{kind}.json"
            golden = json.loads(path.read_text(encoding="utf-8"))
            golden["output"] = compute(golden["fixture"])
            path.write_text(json.dumps(golden, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
            print(f"{path}: {golden['fixture']}")


@pytest.mark.parametrize("key", FAMILY_KEYS)
def test_family_has_golden_listing_fixture(key: str) -> None:
    _check_golden(f"{key}_listing.json", lambda fixture: listing_output(key, fixture))
    golden = json.loads((GOLDEN / f"{key}_listing.json").read_text(encoding="utf-8"))
    assert golden["output"], f"{key}: the listing fixture must show at least one report link"


@pytest.mark.parametrize("key", FAMILY_KEYS)
def test_family_has_golden_detail_fixture(key: str) -> None:
    _check_golden(f"{key}_detail.json", detail_output)
    golden = json.loads((GOLDEN / f"{key}_detail.json").read_text(encoding="utf-8"))
    assert golden["output"]["is_report_page"], f"{key}: the detail fixture must be a report page"


@pytest.mark.parametrize("key", FAMILY_KEYS)
def test_farm_serves_the_family_and_detection_recognises_it(key: str) -> None:
    assert key in FARM_FAMILIES, f"the simulated farm (portalsim/families) has no family {key!r}"
    farm = Farm.generate(portals=2 * len(FARM_FAMILIES), seed=3, faults=False)
    portals = [p for p in farm.portals if p.family == key]
    assert portals, f"Farm.generate publishes no {key!r} portal"
    server = FarmServer(farm)  # never started: answered in-process
    for portal in portals:
        url = server.column_url(portal)
        parts = urlsplit(url)
        answer = server.answer("GET", parts.path, parts.query, b"", {}, None)
        assert answer.status == 200, (portal.portal_id, answer.status)
        content_type = dict(answer.headers).get("Content-Type")
        text = L.decode_body(answer.body, content_type)
        assert detect_platform(text, url)[0] == key, (portal.portal_id, portal.variant)


def test_detection_order_is_the_declared_priorities() -> None:
    declared = sorted(registry.FAMILY_SPIDERS, key=lambda spider: spider.detection_priority)
    assert list(registry.DETECTION_ORDER) == declared
    priorities = [spider.detection_priority for spider in registry.FAMILY_SPIDERS]
    assert len(set(priorities)) == len(priorities), "two families share a detection priority"
    # the fallback family (plain) is tried last and only by exclusion
    assert registry.DETECTION_ORDER[-1].fingerprints.fallback
    assert [s for s in registry.DETECTION_ORDER if s.fingerprints.fallback] == [registry.DETECTION_ORDER[-1]]


def test_detection_follows_the_priorities_when_fingerprints_overlap() -> None:
    """A page carrying every family's first body fingerprint is given to the highest-priority family."""
    ordered = [s for s in registry.DETECTION_ORDER if not s.fingerprints.fallback]
    samples = {
        "gkmlpt": "<script>window._CONFIG = { SID: '755041' };</script>",
        "hanweb": "<script>$('#1').jpage({totalRecord:4});</script>",
        "trs": "<script>createPageHTML(3, 0, 'index', 'html');</script>",
        "jsonapi": "<script>$.post('/info_open/search', {});</script>",
    }
    assert set(samples) == {s.platforms[0] for s in ordered}, "add a sample for the new family"
    for start in range(len(ordered)):
        rest = ordered[start:]
        body = "<html><body>" + "".join(samples[s.platforms[0]] for s in reversed(rest)) + "</body></html>"
        assert detect_platform(body, "http://a.gov.cn/nb/")[0] == rest[0].platforms[0]


def test_registry_is_the_only_owner_of_platform_keys() -> None:
    assert registry.PLATFORM_KEYS[-1] == PLATFORM_AUTO or PLATFORM_AUTO in registry.PLATFORM_KEYS
    assert set(registry.PLATFORM_KEYS) == {k for s in registry.FAMILY_SPIDERS for k in s.platforms}
    # every family spider class in crawler.spiders is registered (a missed registration fails here)
    import crawler.spiders as package
    import pkgutil
    import importlib

    declared = set()
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"crawler.spiders.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, PortalSpider) and cls.platforms:
                declared.add(cls)
    assert declared == set(registry.FAMILY_SPIDERS)


class _Loader:
    def __init__(self, classes: list[type]) -> None:
        self.classes = {getattr(c, "name", c.__name__): c for c in classes}

    def list(self) -> list[str]:
        return list(self.classes)

    def load(self, name: str) -> type:
        return self.classes[name]


def test_a_missed_registration_is_an_error() -> None:
    from crawler.commands.runs import family_spiders

    class UnlistedSpider(PortalSpider):
        name = "unlisted"
        platforms = ("unlisted",)

    assert family_spiders(_Loader(list(registry.FAMILY_SPIDERS))) == registry.SPIDER_FOR_PLATFORM
    with pytest.raises(registry.RegistryError, match="UnlistedSpider"):
        family_spiders(_Loader([*registry.FAMILY_SPIDERS, UnlistedSpider]))
    with pytest.raises(registry.RegistryError, match="GenericSpider"):
        family_spiders(_Loader(list(registry.FAMILY_SPIDERS[:-1])))


def test_registry_rejects_inconsistent_declarations() -> None:
    from crawler import families

    same_priority = families.Family(("x",), families.TRS.detection_priority, families.TRS.fingerprints)
    same_key = families.Family(("trs",), 35, families.TRS.fingerprints)
    with pytest.raises(registry.RegistryError, match="detection priority"):
        families.check((*families.FAMILIES, same_priority))
    with pytest.raises(registry.RegistryError, match="claimed by both"):
        families.check((*families.FAMILIES, same_key))

    class Undeclared(PortalSpider):
        name = "undeclared"
        platforms = ("x",)

    class SecondTrs(PortalSpider):
        name = "secondtrs"
        family = families.TRS

    with pytest.raises(registry.RegistryError, match="must point at a declaration"):
        registry._check((*registry.FAMILY_SPIDERS, Undeclared))
    with pytest.raises(registry.RegistryError, match="has two spiders"):
        registry._check((*registry.FAMILY_SPIDERS, SecondTrs))
    with pytest.raises(registry.RegistryError, match="without a spider"):
        registry._check(registry.FAMILY_SPIDERS[:-1])


def test_family_spiders_copy_their_declaration() -> None:
    from crawler import families

    for spider in registry.FAMILY_SPIDERS:
        assert spider.family in families.FAMILIES
        assert (spider.platforms, spider.fingerprints, spider.detection_priority) == (
            spider.family.platforms, spider.family.fingerprints, spider.family.detection_priority)


if __name__ == "__main__":
    regenerate()
