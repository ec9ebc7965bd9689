"""Ground truth of a served farm: the seeds CSV rows and the manifest (portals, reports, faults).

The functions take the farm and a :class:`FarmUrls` (how the farm's paths become absolute URLs;
:class:`portalsim.server.FarmServer` is one), so this module does not depend on the server.
"""

from __future__ import annotations

from typing import Protocol

from portalsim import homepage
from portalsim.families import family_of
from portalsim.families.base import body_of
from portalsim.model import FAULT_EXPECTATIONS, Farm, Portal, logical_key, report_key

MANIFEST_VERSION = 1


class FarmUrls(Protocol):
    """Absolute URLs of a served farm."""

    @property
    def base_url(self) -> str: ...

    def portal_base(self, portal: Portal) -> str: ...

    def url(self, portal: Portal, path: str) -> str: ...

    def column_url(self, portal: Portal) -> str: ...


def platform_key(portal, auto_families: tuple[str, ...] = ()) -> str:
    """The seeds' platform column: plain portals alternate with ``auto`` (generic detection), and
    every portal of a family in ``auto_families`` (FarmOptions, opt-in) is ``auto`` too."""
    from portalsim.families import REGISTRY
    from portalsim.model import DIALECTS
    family = portal.family if portal.family in REGISTRY else "plain"
    if family in DIALECTS:   # unseen dialects: no crawler family names them
        return "auto"
    if family in auto_families or (family == "plain" and portal.variant in ("numbered", "index_n")):
        return "auto"
    return family


def seed_rows(farm: Farm, urls: FarmUrls) -> list[dict[str, str]]:
    rows = []
    for portal in farm.portals:
        rows.append({
            "id": portal.portal_id, "province": portal.province, "city": portal.city,
            "county": portal.county, "adcode": portal.adcode, "level": portal.level,
            "agency": portal.agency, "column_url": urls.column_url(portal),
            "platform": platform_key(portal, farm.options.auto_families), "active": "true",
            "notes": "simulated portal (farm)", "homepage": urls.url(portal, "/"),
        })
    return rows


def expected_health(portal) -> str:
    if portal.fault is not None:
        return portal.fault.expected
    if not any(d.is_report for d in portal.documents):
        return "EMPTY"
    return "OK"


def build_manifest(farm: Farm, urls: FarmUrls) -> dict:
    portals, reports, non_reports, fault_rows = [], [], [], []
    with farm.lock:
        for portal in farm.portals:
            family = family_of(portal.family)
            health = expected_health(portal)
            reachable = health == "OK"
            hidden = family.unreachable(portal)
            portals.append({
                "id": portal.portal_id, "agency": portal.agency, "family": portal.family,
                "variant": portal.variant, "platform": platform_key(portal, farm.options.auto_families),
                "encoding": portal.encoding,
                "page_size": portal.page_size, "base_url": urls.portal_base(portal),
                "column_url": urls.column_url(portal),
                "listing_urls": [urls.url(portal, u) for u in family.listing_urls(portal)],
                "site_id_code": portal.site_id_code,
                "fault": portal.fault.kind if portal.fault else None,
                "expected_health": health,
                "homepage": urls.url(portal, "/"),
                "homepage_shape": homepage.layout(farm, portal).shape,
                "decoy_columns": [urls.url(portal, d) for d in homepage.layout(farm, portal).decoys],
                "report_count": sum(1 for d in portal.documents if d.is_report),
            })
            for doc in portal.documents:
                detail_urls = [urls.url(portal, u) for u in family.detail_pages(farm, portal, doc)]
                files = family.files(portal, doc)
                if not doc.is_report:
                    non_reports.append({"portal_id": portal.portal_id, "kind": doc.kind, "title": doc.title,
                                        "detail_url": detail_urls[0]})
                    continue
                body = body_of(farm, portal, doc)
                reports.append({
                    "key": report_key(portal, doc), "logical_key": logical_key(portal, doc),
                    "portal_id": portal.portal_id,
                    "agency": farm.portal(doc.origin_portal).agency if doc.origin_portal else portal.agency,
                    "year": doc.year, "title": doc.title, "edition": doc.edition,
                    "pub_date": doc.pub_date, "format": doc.body_format,
                    "detail_url": detail_urls[0], "detail_urls": detail_urls,
                    "attachments": [{
                        "url": urls.url(portal, a.path), "filename": a.filename, "format": a.fmt,
                        "final_url": urls.url(portal, a.final_path) if a.final_path else None,
                        "oversized": a.oversized, "scan": a.scan} for a in files],
                    "image_urls": [urls.url(portal, p) for p in family.image_urls(farm, portal, doc)],
                    "body": {"source": body.source, "id": body.source_id},
                    "cells": dict(body.cells) if body.cells and doc.body_format not in ("image", "scan-pdf") else None,
                    "same_as": doc.same_as or None,
                    "trap": doc.trap or None,
                    "expect_stored": reachable and doc.doc_id not in hidden,
                    "unreachable": "listing answer broken (bad-input fault)" if doc.doc_id in hidden else None,
                    "needs_ocr": doc.body_format in ("image", "scan-pdf"),
                })
                for a in files:
                    if a.oversized:
                        fault_rows.append({"portal_id": portal.portal_id, "kind": "oversized-attachment",
                                           "url": urls.url(portal, a.path),
                                           "size": farm.options.oversized_bytes,
                                           "expected": "not stored: exceeds the maximum download size"})
            if portal.fault is not None:
                fault_rows.append({"portal_id": portal.portal_id, "kind": portal.fault.kind,
                                   "url": urls.column_url(portal), "expected": portal.fault.expected,
                                   "detail": portal.fault.detail})
    return {
        "version": MANIFEST_VERSION,
        "farm": {"seed": farm.seed, "portals": len(farm.portals), "base_url": urls.base_url,
                 "options": {"timeout_s": farm.options.timeout_s,
                             "rate_limit_after": farm.options.rate_limit_after,
                             "oversized_bytes": farm.options.oversized_bytes,
                             "burst_failures": farm.options.burst_failures,
                             "dedupe_traps": farm.options.dedupe_traps}},
        "health_names": sorted(set(FAULT_EXPECTATIONS.values()) | {"OK", "EMPTY"}),
        "portals": portals,
        "reports": reports,
        "non_reports": non_reports,
        "faults": fault_rows,
    }
