"""Near-duplicate detection and report identity.

Library: ``simhash`` 2.1.2 (MIT; pure Python, pulls numpy). Chosen over datasketch MinHash
(which pulls scipy: 113 MB + numpy 45 MB installed, against 32 KB + numpy for simhash) because
both separate reposts from different reports equally well on the seeds, and neither can separate
an agency's consecutive years on content alone (see the measurements) — identity does that.

Fingerprint: 64-bit SimHash over the set of 3-character shingles of the normalized text (the text
clean_page() hashes: NFKC, no whitespace). similarity = 1 - hamming / 64.

Measurements (2026-11-22; ``/tmp/ndvenv/bin/python tests/cleaning/measure_neardup.py`` with
datasketch 2.0.0 and simhash 2.1.2 installed in a scratch venv; seeds in tests/cleaning/fixtures):

  pair                                              simhash3 hamming   MinHash5 J~   exact J5
  repost: seed 000 + 2 edits + tail chrome line            3               0.961       0.983
  next year: seed 000, year changed, 10% rewritten         7               0.945       0.904
  two agencies, all-zero tables (seed 000 vs 002)         22               0.055       0.081
  closest two different seeds (of 10 pairs)               16 (min)         0.203 (max)
  time per document                                       3.7 ms           4.5 ms

Thresholds: NEAR_DUP_MAX_HAMMING = 6 (similarity >= 0.906): reposts (3) are in, every different
report (>= 16) is far out. The next-year trap (7) sits next to the line: content alone must never
decide identity. Hence identity is (agency, year) first:

* years differ (both known)            -> DIFFERENT, whatever the content (consecutive-year trap)
* agencies differ (both known)         -> DIFFERENT, whatever the content (all-zero-tables trap)
* same agency and year                 -> SAME_CONTENT (equal digest) / REPOST (near-duplicate) /
                                          VERSION (other content: 更正版, 图片版, PDF vs HTML ...)
* year unknown on a side, same agency  -> SAME_CONTENT on equal non-empty digest, REPOST only when
                                          hamming <= STRICT_MAX_HAMMING (3); else DIFFERENT
* agency unknown on a side             -> SAME_CONTENT on equal non-empty digest only; else DIFFERENT
                                          (two agencies filling one template differ in little more
                                          than the name: never guess a merge)
"""

import enum
import unicodedata
from dataclasses import dataclass

from simhash import Simhash

from pipelines.cleaning import patterns as P
from pipelines.cleaning.digest import digest_text, normalize_text

SHINGLE = 3
BITS = 64
NEAR_DUP_MAX_HAMMING = 6
STRICT_MAX_HAMMING = 3


@dataclass(frozen=True)
class Fingerprint:
    """64-bit SimHash of a normalized text (store ``value`` as a signed/unsigned 64-bit int)."""

    value: int
    shingles: int

    def as_signed(self) -> int:
        """The value as a signed 64-bit int (PostgreSQL/SQLite BIGINT)."""
        return self.value - (1 << BITS) if self.value >= (1 << (BITS - 1)) else self.value

    @classmethod
    def from_signed(cls, value: int, shingles: int) -> "Fingerprint":
        return cls(value & ((1 << BITS) - 1), shingles)


class Relation(str, enum.Enum):
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


def _normalized(text: str) -> str:
    return normalize_text(text).replace("\n", "")


def fingerprint(text: str) -> Fingerprint:
    """SimHash of text (raw or already normalized; it is normalized again, idempotently)."""
    norm = _normalized(text)
    grams = sorted({norm[i:i + SHINGLE] for i in range(max(1, len(norm) - SHINGLE + 1))}) if norm else []
    if not grams:
        return Fingerprint(0, 0)
    return Fingerprint(Simhash(grams, f=BITS).value, len(grams))


def hamming(a: Fingerprint, b: Fingerprint) -> int:
    return bin((a.value ^ b.value) & ((1 << BITS) - 1)).count("1")


def similarity(a: Fingerprint, b: Fingerprint) -> float:
    """1.0 for identical fingerprints, ~0.5 for unrelated texts; 0.0 if either text was empty."""
    if a.shingles == 0 or b.shingles == 0:
        return 1.0 if a.shingles == b.shingles == 0 else 0.0
    return 1.0 - hamming(a, b) / BITS


def is_near_duplicate(a: Fingerprint, b: Fingerprint, max_hamming: int = NEAR_DUP_MAX_HAMMING) -> bool:
    """Content-only test. Never use it alone to merge reports: see relation()."""
    return a.shingles > 0 and b.shingles > 0 and hamming(a, b) <= max_hamming


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
