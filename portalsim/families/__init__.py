"""CMS families of the farm, by platform key."""

from __future__ import annotations

from portalsim.families.base import Family
from portalsim.families.dialects import DIALECTS
from portalsim.families.gkmlpt import Gkmlpt
from portalsim.families.hanweb import Hanweb
from portalsim.families.jsonapi import JsonApi
from portalsim.families.plain import Plain
from portalsim.families.trs import Trs

REGISTRY: dict[str, Family] = {"trs": Trs(), "hanweb": Hanweb(), "gkmlpt": Gkmlpt(),
                               "jsonapi": JsonApi(), "plain": Plain(),
                               **DIALECTS}


def family_of(platform: str) -> Family:
    try:
        return REGISTRY[platform]
    except KeyError:
        raise KeyError(f"unknown farm family {platform!r}") from None
