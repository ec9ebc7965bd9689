"""CMS families of the farm, by platform key."""

from __future__ import annotations

from crawler.farm.families.base import Family
from crawler.farm.families.gkmlpt import Gkmlpt
from crawler.farm.families.hanweb import Hanweb
from crawler.farm.families.jsonapi import JsonApi
from crawler.farm.families.plain import Plain
from crawler.farm.families.trs import Trs

REGISTRY: dict[str, Family] = {"trs": Trs(), "hanweb": Hanweb(), "gkmlpt": Gkmlpt(),
                               "jsonapi": JsonApi(), "plain": Plain()}


def family_of(platform: str) -> Family:
    try:
        return REGISTRY[platform]
    except KeyError:
        raise KeyError(f"unknown farm family {platform!r}") from None
