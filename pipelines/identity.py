"""Report identity: keys, relations between two versions, title identity, digests, canonical order.

Pure functions (no database, no Scrapy). The store (:mod:`pipelines.storage.store`) finds the
candidates in the database and asks this module what they are to a new document; content
similarity itself (SimHash) is :mod:`pipelines.cleaning.neardup`.

Relation of two documents (:func:`relation`): identity is (agency, year) first, content second,
because content alone cannot separate an agency's consecutive years (hamming 7 against 3 for a
repost, see the measurements in neardup.py) nor two agencies filling one template:

* years differ (both known)            -> DIFFERENT, whatever the content (consecutive-year trap)
* agencies differ (both known)         -> DIFFERENT, whatever the content (all-zero-tables trap)
* same agency and year                 -> SAME_CONTENT (equal digest) / REPOST (near-duplicate) /
                                          VERSION (other content: 更正版, 图片版, PDF vs HTML ...)
* year unknown on a side, same agency  -> SAME_CONTENT on equal non-empty digest, REPOST only when
                                          hamming <= STRICT_MAX_HAMMING (3); else DIFFERENT
* agency unknown on a side             -> SAME_CONTENT on equal non-empty digest only; else DIFFERENT
                                          (two agencies filling one template differ in little more
                                          than the name: never guess a merge)

Relation of a new document to a stored version (:func:`version_relation`): as above, except that a
near-duplicate is another source of the version only when it is the same kind of document; a
correction (更正版) against an original, a parse status change (text vs image), or a document
without text (nothing to compare) is another VERSION instead.

A document without text (a scan, an image: ``needs_ocr``) whose parse names no agency or year is
identified by the report title it was linked or named by (:func:`version_identity`,
:func:`title_identity`): the parsed title, the link text, the file name.

Digests: :func:`report_digest` of a parsed report (whitespace ignored); :func:`raw_digest` of a
document that did not parse (its bytes, plus its identity when known).

Canonical version of a logical report: the largest :func:`canonical_order`.
"""

from __future__ import annotations

import enum
import hashlib
import json
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from pipelines import patterns as P
from pipelines.cleaning.digest import digest_text, normalize_text
from pipelines.cleaning.neardup import Fingerprint, fingerprint, is_near_duplicate
from pipelines.parsing.metadata import extract_metadata
from pipelines.parsing.types import Block, ExtractedDocument

#: near-duplicate threshold when the year is unknown on a side (stricter than a repost's 6)
STRICT_MAX_HAMMING = 3
#: parse status rank of the canonical rule: text over a failed parse over an image
STATUS_RANK = {"ok": 2, "failed": 1, "needs_ocr": 0}


class Relation(enum.StrEnum):
    DIFFERENT = "different"
    SAME_CONTENT = "same_content"  # identical normalized text: another source of the same version
    REPOST = "repost"  # near-duplicate of the same report: attach as another source
    VERSION = "version"  # same agency and year, other content: another version of the report


@dataclass(frozen=True)
class ReportKey:
    """What the store knows about one document: identity (agency, year) plus content."""

    agency: str | None
    year: int | None
    digest: str
    fingerprint: Fingerprint


@dataclass(frozen=True)
class VersionKey:
    """One version as :func:`version_relation` compares it: its key and what kind of document it is."""

    key: ReportKey
    status: str  # parse status: ok / failed / needs_ocr
    correction: bool  # a corrected re-issue (更正版)


class VersionLike(Protocol):
    """What :func:`canonical_order` reads of a stored version (``pipelines.storage.models.Report``)."""

    @property
    def status(self) -> str: ...
    @property
    def correction(self) -> bool: ...
    @property
    def filled_cells(self) -> int | None: ...
    @property
    def id(self) -> int | None: ...


# --- keys and relations ----------------------------------------------------------------------


def normalize_agency(agency: str | None) -> str | None:
    if agency is None:
        return None
    norm = P.AGENCY_NOISE.sub("", unicodedata.normalize("NFKC", agency))
    return norm or None


def report_key(agency: str | None, year: int | None, text: str) -> ReportKey:
    """Build the key the store compares (text: content_text, normalized_text or PDF text)."""
    return ReportKey(normalize_agency(agency), year, digest_text(text), fingerprint(text))


def relation(a: ReportKey, b: ReportKey) -> Relation:
    """How document b relates to document a (symmetric). Rules in the module docstring."""
    ag_a, ag_b = normalize_agency(a.agency), normalize_agency(b.agency)
    if a.year is not None and b.year is not None and a.year != b.year:
        return Relation.DIFFERENT
    if ag_a is not None and ag_b is not None and ag_a != ag_b:
        return Relation.DIFFERENT
    empty = a.fingerprint.shingles == 0 or b.fingerprint.shingles == 0
    if None not in (ag_a, ag_b, a.year, b.year):
        if a.digest == b.digest:
            return Relation.SAME_CONTENT
        if not empty and is_near_duplicate(a.fingerprint, b.fingerprint):
            return Relation.REPOST
        return Relation.VERSION
    if empty:
        return Relation.DIFFERENT
    if a.digest == b.digest:
        return Relation.SAME_CONTENT
    if ag_a is not None and ag_b is not None and is_near_duplicate(a.fingerprint, b.fingerprint, STRICT_MAX_HAMMING):
        return Relation.REPOST
    return Relation.DIFFERENT


def same_report(a: ReportKey, b: ReportKey) -> bool:
    """True when a and b are the same report (same version, a repost, or another version)."""
    return relation(a, b) is not Relation.DIFFERENT


def version_relation(stored: VersionKey, new: VersionKey) -> Relation:
    """How a new document relates to a stored version: :func:`relation`, except that a
    near-duplicate of another kind (correction vs original, text vs image, no text) is a VERSION."""
    found = relation(stored.key, new.key)
    if found in (Relation.SAME_CONTENT, Relation.REPOST):
        same_kind = (stored.status == new.status and stored.correction == new.correction
                     and new.key.fingerprint.shingles > 0)
        if same_kind:
            return found
        return Relation.VERSION
    return found


def conflicting_identity(key: ReportKey, agency: str | None, year: int | None) -> bool:
    """True when ``key`` and a logical report (``agency``, ``year``) name another agency or year
    (each side's unknowns never conflict)."""
    if key.agency is not None and agency is not None and key.agency != agency:
        return True
    return key.year is not None and year is not None and key.year != year


# --- what a document is identified by --------------------------------------------------------


def content_text(parsed: dict[str, Any], page_text: str | None) -> str:
    """The text identity compares: the parsed sections, else the cleaned page text."""
    text = "\n".join(f"{s.get('heading') or ''}\n{s.get('text') or ''}"
                     for s in parsed.get("sections") or [])
    if not normalize_text(text):
        text = page_text or ""
    return text


def title_identity(title: str | None) -> tuple[str | None, int | None]:
    """(agency, year) printed in a report title such as a link text or file name."""
    if not title or not title.strip():
        return None, None
    md = extract_metadata(ExtractedDocument(blocks=(Block(kind="text", text=title.strip()),),
                                            source_format="text"))
    return (None, None) if md.notice else (md.agency, md.year)


def version_identity(parsed: dict[str, Any], text: str,
                     titles: Iterable[str | None]) -> tuple[str | None, int | None]:
    """(agency, year) a version is identified by: the parse's, and for a document without text
    (a scan, an image: nothing else to compare) the report title it was linked or named by
    (``titles``: the parsed title, the link text, the file name, in that order)."""
    agency, year = parsed.get("agency"), parsed.get("year")
    if (agency is not None and year is not None) or normalize_text(text):
        return agency, year
    for title in titles:
        found_agency, found_year = title_identity(title)
        if found_agency is not None and found_year is not None:
            return found_agency, found_year
    return agency, year


def is_correction(titles: Iterable[str | None]) -> bool:
    """Whether a document's titles (parsed title, link text, file name) name a correction (更正版)."""
    return bool(P.CORRECTION.search(" ".join(t for t in titles if t)))


# --- digests -----------------------------------------------------------------------------------


def report_digest(parsed: dict[str, Any]) -> str:
    """Content digest of a parsed report (canonical JSON): agency, year, section text, cells.

    Whitespace is ignored so that reflowed text of the same report hashes identically.
    """
    core = {
        "agency": parsed.get("agency"),
        "year": parsed.get("year"),
        "sections": [P.WHITESPACE.sub("", s.get("text") or "") for s in parsed.get("sections", [])],
        "cells": {k: v.get("raw") for k, v in sorted(parsed.get("cells", {}).items())},
    }
    blob = json.dumps(core, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


def raw_digest(sha256: str, key: ReportKey) -> str:
    """Version digest of a document that did not parse: its bytes, and its identity when known
    (the same scan bytes posted by two agencies are two reports' versions, not one)."""
    if key.agency is None or key.year is None:
        return f"raw:{sha256}"
    who = hashlib.sha256(f"{key.agency}|{key.year}".encode()).hexdigest()[:8]
    return f"raw:{sha256}:{who}"


# --- the canonical version -----------------------------------------------------------------------


def filled_cells(parsed: dict[str, Any]) -> int:
    """Table cells of a parse that hold a value (not MISSING): how complete its tables are."""
    return sum(1 for cell in (parsed.get("cells") or {}).values() if cell.get("semantic") != "MISSING")


def canonical_order(report: VersionLike) -> tuple[int, int, int, int]:
    """Sort key of the canonical rule; the version with the largest key is canonical.

    In order: a parsed text (``ok``) over a failed one, and anything over an image
    (``needs_ocr``); the correction (更正版) over the original; the most complete tables (most
    non-MISSING cells); then the latest stored (highest id).
    """
    status_rank = STATUS_RANK.get(report.status, 1)
    return (status_rank, int(bool(report.correction)), report.filled_cells or 0, report.id or 0)


V = TypeVar("V", bound=VersionLike)


def canonical(versions: Iterable[V]) -> V:
    """The canonical version among ``versions`` (not empty)."""
    return max(versions, key=canonical_order)
