"""Which spider crawls which seeds: every platform key maps to exactly one spider class."""

from __future__ import annotations

from crawler.spiders.base import PortalSpider
from crawler.spiders.generic import GenericSpider
from crawler.spiders.gkmlpt import GkmlptSpider
from crawler.spiders.hanweb import HanwebSpider
from crawler.spiders.jsonapi import JsonApiSpider
from crawler.spiders.trs import TrsSpider

FAMILY_SPIDERS: tuple[type[PortalSpider], ...] = (TrsSpider, HanwebSpider, GkmlptSpider, JsonApiSpider,
                                                  GenericSpider)
SPIDER_FOR_PLATFORM: dict[str, type[PortalSpider]] = {
    platform: spider for spider in FAMILY_SPIDERS for platform in spider.platforms}


def spider_for(platform: str) -> type[PortalSpider]:
    """The spider class for a seed's ``platform`` (KeyError for an unknown key)."""
    return SPIDER_FOR_PLATFORM[platform]
