"""The family spiders: which spider class crawls which seeds.

The families themselves (keys, detection priority, fingerprints) are declared in
:mod:`crawler.families`, which imports no spider; this module maps each declaration to the one
spider class that points at it (``family = families.X``) and checks, when imported, that every
declaration has exactly one spider and every family spider one declaration — a missed entry is an
import error, not a seed silently skipped. How to add a family: :mod:`crawler.spiders`.
"""

from __future__ import annotations

from typing import Any

from crawler.families import DETECTABLE_PLATFORMS, FAMILIES, PLATFORM_KEYS, RegistryError
from crawler.spiders.base import PortalSpider
from crawler.spiders.generic import GenericSpider
from crawler.spiders.gkmlpt import GkmlptSpider
from crawler.spiders.hanweb import HanwebSpider
from crawler.spiders.jsonapi import JsonApiSpider
from crawler.spiders.trs import TrsSpider

__all__ = ["DETECTABLE_PLATFORMS", "DETECTION_ORDER", "FAMILY_SPIDERS", "PLATFORM_KEYS", "SPIDER_FOR_PLATFORM",
           "RegistryError", "check_spider_loader", "spider_for"]

FAMILY_SPIDERS: tuple[type[PortalSpider], ...] = (TrsSpider, HanwebSpider, GkmlptSpider, JsonApiSpider,
                                                  GenericSpider)


def _check(spiders: tuple[type[PortalSpider], ...]) -> dict[str, type[PortalSpider]]:
    by_family: dict[int, type[PortalSpider]] = {}
    for spider in spiders:
        if spider.family is None or spider.family not in FAMILIES:
            raise RegistryError(f"family spider {spider.__name__} must point at a declaration of "
                                "crawler/families.py FAMILIES (family = families.X)")
        if id(spider.family) in by_family:
            raise RegistryError(f"family {spider.family.key!r} has two spiders: "
                                f"{by_family[id(spider.family)].__name__} and {spider.__name__}")
        by_family[id(spider.family)] = spider
    missing = [f.key for f in FAMILIES if id(f) not in by_family]
    if missing:
        raise RegistryError(f"families without a spider in FAMILY_SPIDERS: {', '.join(missing)}")
    return {platform: spider for spider in spiders for platform in spider.platforms}


SPIDER_FOR_PLATFORM: dict[str, type[PortalSpider]] = _check(FAMILY_SPIDERS)
#: the family spiders in the order platform detection tries their families
DETECTION_ORDER: tuple[type[PortalSpider], ...] = tuple(
    sorted(FAMILY_SPIDERS, key=lambda s: s.detection_priority or 0))


def spider_for(platform: str) -> type[PortalSpider]:
    """The spider class for a seed's ``platform`` (KeyError for an unknown key)."""
    return SPIDER_FOR_PLATFORM[platform]


def check_spider_loader(spider_loader: Any) -> None:
    """Raise :class:`RegistryError` when Scrapy's spider loader knows a family spider (a class that
    declares ``platforms``) that is not in :data:`FAMILY_SPIDERS`, or misses one that is: its seeds
    would otherwise never be crawled."""
    loaded = {spider_loader.load(name) for name in spider_loader.list()}
    declared = {cls for cls in loaded if getattr(cls, "platforms", ())}
    unregistered = sorted(cls.__name__ for cls in declared - set(FAMILY_SPIDERS))
    if unregistered:
        raise RegistryError(f"family spiders not in crawler/spiders/registry.py FAMILY_SPIDERS: "
                            f"{', '.join(unregistered)}")
    missing = sorted(cls.__name__ for cls in set(FAMILY_SPIDERS) - loaded)
    if missing:
        raise RegistryError(f"registered family spiders unknown to Scrapy's SPIDER_MODULES: {', '.join(missing)}")
