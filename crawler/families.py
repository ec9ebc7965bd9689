"""The CMS families a seed's ``platform`` may name: the one list of their declarations.

Each :class:`Family` gives its platform key(s), the priority in which platform detection tries it
and its fingerprints (kept in the family's section of :mod:`crawler.spiders.patterns`). This module
imports no spider, so the seed checks (:mod:`crawler.seeds`) and platform detection
(:mod:`crawler.platforms`) read the families without importing the crawl code; each family spider
class points at its declaration (``family = families.TRS``) and :mod:`crawler.spiders.registry`
maps declarations to spider classes, checking that every declaration has exactly one spider.
How to add a family: the docstring of :mod:`crawler.spiders`.
"""

from __future__ import annotations

from dataclasses import dataclass

from crawler.patterns import PLATFORM_AUTO
from crawler.spiders import patterns as SP


class RegistryError(RuntimeError):
    """The family declarations are inconsistent (a programming error, raised at import)."""


@dataclass(frozen=True)
class Family:
    #: seeds whose ``platform`` is one of these are crawled by the family's spider; the first is
    #: the key platform detection gives a page showing the family's fingerprints
    platforms: tuple[str, ...]
    #: detection tries families in ascending priority: a family whose pages may also show a later
    #: family's strings goes first
    detection_priority: int
    #: how platform detection recognises the family's column page
    fingerprints: SP.Fingerprints

    @property
    def key(self) -> str:
        return self.platforms[0]


GKMLPT = Family(("gkmlpt",), 10, SP.GKMLPT_FINGERPRINTS)
HANWEB = Family(("hanweb",), 20, SP.HANWEB_FINGERPRINTS)
TRS = Family(("trs",), 30, SP.TRS_FINGERPRINTS)
JSONAPI = Family(("jsonapi",), 40, SP.JSONAPI_FINGERPRINTS)
#: the fallback: any HTML page no other family claims, and every ``auto`` seed until detected
PLAIN = Family(("plain", PLATFORM_AUTO), 100, SP.PLAIN_FINGERPRINTS)

FAMILIES: tuple[Family, ...] = (TRS, HANWEB, GKMLPT, JSONAPI, PLAIN)


def check(families: tuple[Family, ...]) -> tuple[Family, ...]:
    """The families in detection order; :class:`RegistryError` for clashing declarations."""
    owners: dict[str, Family] = {}
    priorities: dict[int, Family] = {}
    for family in families:
        if not family.platforms:
            raise RegistryError(f"family {family!r} declares no platform key")
        if family.detection_priority in priorities:
            raise RegistryError(f"detection priority {family.detection_priority} declared by both "
                                f"{priorities[family.detection_priority].key} and {family.key}")
        priorities[family.detection_priority] = family
        for platform in family.platforms:
            if platform in owners:
                raise RegistryError(f"platform {platform!r} claimed by both {owners[platform].key} and {family.key}")
            owners[platform] = family
    if PLATFORM_AUTO not in owners:
        raise RegistryError(f"no family crawls {PLATFORM_AUTO!r} seeds")
    order = tuple(sorted(families, key=lambda f: f.detection_priority))
    fallbacks = [f for f in families if f.fingerprints.fallback]
    if len(fallbacks) != 1 or order[-1] is not fallbacks[0]:
        raise RegistryError("exactly one family must be the detection fallback, with the highest priority")
    return order


#: the families in the order platform detection tries them (ascending ``detection_priority``)
DETECTION_ORDER: tuple[Family, ...] = check(FAMILIES)
#: every key a seed's ``platform`` column may hold (the families' keys, ``auto`` included)
PLATFORM_KEYS: tuple[str, ...] = tuple(k for f in FAMILIES for k in f.platforms)
#: keys platform detection may give a recognised page (``auto`` means "no evidence")
DETECTABLE_PLATFORMS: tuple[str, ...] = tuple(k for k in PLATFORM_KEYS if k != PLATFORM_AUTO)
