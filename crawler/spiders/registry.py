"""The one registry of CMS families: which spider crawls which seeds, and in which order platform
detection tries the families (how to add a family: crawler/spiders/__init__.py).

Every family spider declares ``platforms`` (its keys), ``fingerprints`` and ``detection_priority``;
this module checks those declarations when it is imported, so a family with a missing or clashing
declaration is an import error, not a seed silently skipped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.patterns import PLATFORM_AUTO
from crawler.spiders.base import PortalSpider
from crawler.spiders.generic import GenericSpider
from crawler.spiders.gkmlpt import GkmlptSpider
from crawler.spiders.hanweb import HanwebSpider
from crawler.spiders.jsonapi import JsonApiSpider
from crawler.spiders.trs import TrsSpider

if TYPE_CHECKING:
    from scrapy.spiderloader import SpiderLoaderProtocol

FAMILY_SPIDERS: tuple[type[PortalSpider], ...] = (TrsSpider, HanwebSpider, GkmlptSpider, JsonApiSpider,
                                                  GenericSpider)


class RegistryError(RuntimeError):
    """The family declarations are inconsistent (a programming error, raised at import)."""


def _check(families: tuple[type[PortalSpider], ...]) -> dict[str, type[PortalSpider]]:
    owners: dict[str, type[PortalSpider]] = {}
    priorities: dict[int, type[PortalSpider]] = {}
    for spider in families:
        if not spider.platforms or spider.fingerprints is None or spider.detection_priority is None:
            raise RegistryError(f"family spider {spider.__name__} must declare platforms, fingerprints "
                                "and detection_priority")
        if spider.detection_priority in priorities:
            raise RegistryError(f"detection priority {spider.detection_priority} declared by both "
                                f"{priorities[spider.detection_priority].__name__} and {spider.__name__}")
        priorities[spider.detection_priority] = spider
        for platform in spider.platforms:
            if platform in owners:
                raise RegistryError(f"platform {platform!r} claimed by both {owners[platform].__name__} "
                                    f"and {spider.__name__}")
            owners[platform] = spider
    if PLATFORM_AUTO not in owners:
        raise RegistryError(f"no family spider crawls {PLATFORM_AUTO!r} seeds")
    fallbacks = [s for s in families if s.fingerprints.fallback]  # type: ignore[union-attr]
    if len(fallbacks) != 1 or max(families, key=lambda s: s.detection_priority or 0) is not fallbacks[0]:
        raise RegistryError("exactly one family must be the detection fallback, with the highest priority")
    return owners


SPIDER_FOR_PLATFORM: dict[str, type[PortalSpider]] = _check(FAMILY_SPIDERS)
#: every key a seed's ``platform`` column may hold (the families' keys, ``auto`` included)
PLATFORM_KEYS: tuple[str, ...] = tuple(SPIDER_FOR_PLATFORM)
#: keys platform detection may give a recognised page (``auto`` means "no evidence")
DETECTABLE_PLATFORMS: tuple[str, ...] = tuple(k for k in PLATFORM_KEYS if k != PLATFORM_AUTO)
#: the families in the order platform detection tries them (ascending ``detection_priority``)
DETECTION_ORDER: tuple[type[PortalSpider], ...] = tuple(
    sorted(FAMILY_SPIDERS, key=lambda s: s.detection_priority or 0))


def spider_for(platform: str) -> type[PortalSpider]:
    """The spider class for a seed's ``platform`` (KeyError for an unknown key)."""
    return SPIDER_FOR_PLATFORM[platform]


def check_spider_loader(spider_loader: SpiderLoaderProtocol) -> None:
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
