"""Compare a farm crawl's output (tests/spiders/farm_crawl.py) with the farm's manifest."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from crawler.spiders.health import final_event


@dataclass
class CrawlCheck:
    missing: list[str] = field(default_factory=list)  # report URLs of reachable portals not fetched
    unexpected: list[str] = field(default_factory=list)  # documents of non-reports / faulted portals
    misclassified: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # id -> (expected, got)
    duplicate_fetches: dict[str, int] = field(default_factory=dict)
    states: dict[str, str | None] = field(default_factory=dict)


def check(manifest: dict, out: dict) -> CrawlCheck:
    result = CrawlCheck()
    fetched = {d["url"] for d in out["documents"]} | {d["final_url"] for d in out["documents"]}
    events: dict[str, list[str]] = defaultdict(list)
    for o in out["outcomes"]:
        events[o["portal_id"]].append(o["event"])
    reachable = {p["id"] for p in manifest["portals"] if p["expected_health"] == "OK"}
    for report in manifest["reports"]:
        if not report.get("expect_stored", report["portal_id"] in reachable):
            continue  # faulted portal, or a row only a broken listing answer would have shown
        urls = list(report["detail_urls"]) + [a["url"] for a in report["attachments"] if not a["oversized"]]
        urls += report.get("image_urls") or []
        result.missing += [u for u in urls if u not in fetched]
    non_reports = {n["detail_url"] for n in manifest["non_reports"]}
    result.unexpected = sorted(u for u in fetched if u in non_reports)
    for portal in manifest["portals"]:
        got = final_event(events.get(portal["id"], ()))
        result.states[portal["id"]] = got
        if got != portal["expected_health"]:
            result.misclassified[portal["id"]] = (portal["expected_health"], got)
    counts = Counter(out["requests"]) if isinstance(out["requests"], list) else Counter(out["requests"])
    result.duplicate_fetches = {k: v for k, v in counts.items() if v > 1}
    return result
