"""CMS-family (platform) detection for ``auto`` seeds, and the record of past detections.

:func:`detect_platform` is a pure function of a column page's body and URL, using the fingerprints
(portals.md §2) each registered family spider declares (crawler/families.py). Detections are stored in
``<var_dir>/platforms.json`` (never in the researchers' seed files) so the next run uses the stored
answer instead of guessing again; a stored detection is ignored once the seed's column URL changes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from crawler import patterns as P
from crawler.families import DETECTABLE_PLATFORMS, DETECTION_ORDER, PLATFORM_KEYS
from crawler.spiders import patterns as SP
from crawler.statefile import read_seed_entries, utc_stamp, write_seed_entries

DETECTIONS_FILE = "platforms.json"
DETECTIONS_FORMAT = 1


def _text_of(body: bytes | str) -> str:
    if isinstance(body, str):
        return body
    from pipelines.decoding import decode

    return decode(body).text


def _first(fingerprints: tuple[tuple[str, re.Pattern[str]], ...], text: str) -> str | None:
    for label, pattern in fingerprints:
        if pattern.search(text):
            return label
    return None


def _is_json_document(text: str) -> bool:
    if not SP.JSON_BODY_START.match(text):
        return False
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def detect_platform(body: bytes | str, url: str) -> tuple[str, str]:
    """Return ``(platform key, evidence)`` for a column page.

    The registered families (crawler/families.py) are tried in their declared detection
    priority, each with its declared :class:`~crawler.spiders.patterns.Fingerprints` (a family
    tried earlier may show strings of later families on its pages). Body evidence beats URL
    evidence: first every family's body and strong URL fingerprints, then a whole-JSON body, then
    weak (late) URL fingerprints. A page with no usable content gives ``("auto", reason)`` so the
    next fetch tries again; an HTML page no family claims goes to the fallback family (``plain``).
    """
    text = _text_of(body)
    url = url or ""
    families = [(family.key, family.fingerprints) for family in DETECTION_ORDER]
    for key, prints in families:
        if prints.fallback:
            continue
        label = _first(prints.body, text)
        if label:
            return key, f"body: {label}"
        label = _first(prints.url, url)
        if label:
            return key, f"url: {label}"
    if any(prints.json_document for _, prints in families) and _is_json_document(text):
        return next(key for key, prints in families if prints.json_document), "body: JSON document"
    for key, prints in families:
        label = _first(prints.late_url, url)
        if label:
            return key, f"url: {label}" + (f" ({prints.late_url_note})" if prints.late_url_note else "")
    if not text.strip():
        return P.PLATFORM_AUTO, "empty body: nothing to detect"
    if not P.HTML_BODY_HINT.search(text):
        return P.PLATFORM_AUTO, "body is neither HTML nor JSON: nothing to detect"
    key, prints = next((key, prints) for key, prints in families if prints.fallback)
    label = _first(prints.body, text)
    if label:
        return key, f"body: {label}"
    return key, "body: HTML with no CMS fingerprint and no pager (single-page listing)"


@dataclass(frozen=True)
class Detection:
    """One stored detection: which family a seed's column page showed, and when."""

    seed_id: str
    platform: str
    evidence: str
    url: str
    detected_at: str


def detections_path(var_dir: Path | None = None) -> Path:
    if var_dir is None:
        from crawler.config import get_config

        var_dir = get_config().var_dir
    return Path(var_dir) / DETECTIONS_FILE


def load_detections(path: Path | None = None) -> dict[str, Detection]:
    """Stored detections by seed id; an absent file is empty, a corrupt one raises ValueError."""
    path = detections_path() if path is None else Path(path)
    try:
        result = {}
        for seed_id, entry in read_seed_entries(path).items():
            det = Detection(
                seed_id=seed_id,
                platform=entry["platform"],
                evidence=entry.get("evidence", ""),
                url=entry.get("url", ""),
                detected_at=entry.get("detected_at", ""),
            )
            if det.platform not in PLATFORM_KEYS:
                raise ValueError(f"unknown platform {det.platform!r} for seed {seed_id}")
            result[seed_id] = det
        return result
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"{path}: unreadable platform detections ({exc}); delete the file to re-detect") from exc


def record_detection(
    seed_id: str,
    platform: str,
    evidence: str,
    url: str,
    path: Path | None = None,
    now: datetime | None = None,
) -> Detection:
    """Store (or replace) the detection for ``seed_id``; the file is rewritten atomically."""
    detection = Detection(seed_id=seed_id, platform=platform, evidence=evidence, url=url,
                          detected_at=utc_stamp(now))
    record_detections([detection], path)
    return detection


def record_detections(detections: list[Detection], path: Path | None = None) -> None:
    """Store (or replace) several detections with one atomic rewrite of the file (a crawl's batch)."""
    for detection in detections:
        if detection.platform not in DETECTABLE_PLATFORMS:
            raise ValueError(f"cannot record platform {detection.platform!r}; "
                             f"use one of {', '.join(DETECTABLE_PLATFORMS)}")
    if not detections:
        return
    path = detections_path() if path is None else Path(path)
    current = load_detections(path)
    for detection in detections:
        current[detection.seed_id] = detection
    write_seed_entries(path, DETECTIONS_FORMAT, current)


def forget_detections(seed_ids: list[str], path: Path | None = None) -> list[str]:
    """Drop the stored detections of ``seed_ids`` (one atomic rewrite); returns the ids dropped."""
    path = detections_path() if path is None else Path(path)
    current = load_detections(path)
    dropped = [sid for sid in seed_ids if sid in current]
    if dropped:
        for sid in dropped:
            del current[sid]
        write_seed_entries(path, DETECTIONS_FORMAT, current)
    return dropped


def new_detection(seed_id: str, column_url: str, body: bytes | str, url: str,
                  now: datetime | None = None) -> Detection | None:
    """Detect the family of a seed's column page; ``None`` when the page shows nothing to detect.

    ``column_url`` is the seed's column URL as written in the seeds (the key that invalidates the
    detection when researchers change it); ``url`` is where the page was read (after redirects).
    """
    platform, evidence = detect_platform(body, url)
    if platform not in DETECTABLE_PLATFORMS:
        return None
    return Detection(seed_id=seed_id, platform=platform, evidence=evidence, url=column_url,
                     detected_at=utc_stamp(now))


def effective_platform(seed_platform: str, seed_id: str, column_url: str, detections: dict[str, Detection]) -> str:
    """The platform to crawl a seed with: its own key, else a stored detection for the same URL, else ``auto``."""
    if seed_platform != P.PLATFORM_AUTO:
        return seed_platform
    found = detections.get(seed_id)
    if found is not None and found.url == column_url:
        return found.platform
    return P.PLATFORM_AUTO


def usable_detections(path: Path | None = None, warn=None) -> dict[str, Detection]:
    """:func:`load_detections`, but a corrupt file is reported through ``warn`` and read as empty
    (its seeds are crawled as ``auto`` again); a crawl must not stop for it."""
    try:
        return load_detections(path)
    except ValueError as exc:
        if warn is not None:
            warn(str(exc))
        return {}
