"""Score a crawl's report grouping against the farm's ground truth (issue 5: dedupe).

The manifest gives every report's ``logical_key`` (the logical report it belongs to: reposts,
cross-postings and edition variants — 更正版, 图片版/文字版 — share it). The store groups what it
stored into ``report_groups``. Given, for every stored URL, the groups its documents landed in,
:func:`score_grouping` measures the grouping pairwise over stored report URLs:

* recall: of the pairs of stored URLs of one logical report, the share that share a group
  (1.0: every repost, copy and edition landed on its report);
* precision: of the pairs of stored URLs that share a group, the share that belong to one logical
  report (1.0: no two different reports were merged).

A URL stored in two groups counts as two items (its own pair is then a missed pair). Pure
functions: the caller reads the database (see ``bench/dedupe.py`` and
``tests/crawl/test_farm_dedupe.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import combinations


def report_urls(report: Mapping) -> set[str]:
    """Every URL of one manifest report: detail pages, attachments and their redirect targets,
    and the page images of an image-only (图片版) report."""
    urls = set(report.get("detail_urls") or []) | set(report.get("image_urls") or [])
    for att in report.get("attachments") or []:
        urls.add(att["url"])
        if att.get("final_url"):
            urls.add(att["final_url"])
    return urls


def expected_labels(manifest: Mapping) -> dict[str, str]:
    """Stored-URL -> logical_key, for every report of the manifest."""
    labels: dict[str, str] = {}
    for report in manifest["reports"]:
        for url in report_urls(report):
            previous = labels.setdefault(url, report["logical_key"])
            if previous != report["logical_key"]:
                raise ValueError(f"{url} belongs to two logical reports: {previous}, {report['logical_key']}")
    return labels


@dataclass
class DedupeScore:
    recall: float
    precision: float
    logical_reports: int                  # logical reports with at least one stored URL
    groups: int                           # stored groups holding at least one manifest URL
    stored_urls: int                      # manifest URLs stored with a report
    split: dict[str, list[int]] = field(default_factory=dict)     # logical_key -> its groups (>1)
    merged: dict[int, list[str]] = field(default_factory=dict)    # group -> its logical keys (>1)

    def line(self) -> str:
        return (f"dedupe_recall={self.recall:.4f} dedupe_precision={self.precision:.4f} "
                f"logical_reports={self.logical_reports} groups={self.groups} stored_urls={self.stored_urls} "
                f"split={len(self.split)} merged={len(self.merged)}")


def score_grouping(labels: Mapping[str, str], stored: Iterable[tuple[str, int]]) -> DedupeScore:
    """``labels``: URL -> logical key (:func:`expected_labels`); ``stored``: (URL, group id) of every
    stored report source. URLs the manifest does not know (listing pages, images) are ignored."""
    items = sorted({(url, group) for url, group in stored if url in labels})
    by_logical: dict[str, set[int]] = {}
    by_group: dict[int, set[str]] = {}
    for url, group in items:
        by_logical.setdefault(labels[url], set()).add(group)
        by_group.setdefault(group, set()).add(labels[url])
    same_label = same_group = both = 0
    for (url_a, group_a), (url_b, group_b) in combinations(items, 2):
        label = labels[url_a] == labels[url_b]
        group = group_a == group_b
        same_label += label
        same_group += group
        both += label and group
    return DedupeScore(
        recall=both / same_label if same_label else 1.0,
        precision=both / same_group if same_group else 1.0,
        logical_reports=len(by_logical), groups=len(by_group), stored_urls=len({u for u, _ in items}),
        split={k: sorted(v) for k, v in sorted(by_logical.items()) if len(v) > 1},
        merged={g: sorted(v) for g, v in sorted(by_group.items()) if len(v) > 1},
    )
