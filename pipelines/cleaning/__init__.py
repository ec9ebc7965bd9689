"""Page cleaning, stable digests and near-duplicate detection (issue 5). Pure functions only.

Public API
----------
clean_page(body: bytes, *, url=None, headers=None, listing_date=None) -> CleanedPage
    Detail page bytes -> report content (HTML with tables intact, readable text, normalized text,
    sha256 digest) + metadata (title, published + published_source, 索引号, 发布机构, SiteIDCode,
    attachments) + container strategy + flags/warnings. Never raises; bounded time.
normalize_text(text: str) -> str / digest_text(text: str) -> str
    The hashing normalisation of clean_page for any text (e.g. the parser's PDF text), and its sha256.
sha256_bytes(data: bytes) -> str
    Exact dedupe key of raw files (attachments).
fingerprint(text) -> Fingerprint; similarity(a, b) -> float; is_near_duplicate(a, b) -> bool
    Near-duplicate detection (64-bit SimHash over 3-character shingles of the normalized text).
    Report identity (keys, relations, digests, the canonical version) is pipelines.identity.
"""

from pipelines.cleaning.cleaner import clean_page
from pipelines.cleaning.digest import digest_text, normalize_text, sha256_bytes
from pipelines.cleaning.neardup import Fingerprint, fingerprint, is_near_duplicate, similarity
from pipelines.cleaning.types import CleanedPage

__all__ = [
    "CleanedPage", "Fingerprint", "clean_page", "digest_text", "fingerprint", "is_near_duplicate",
    "normalize_text", "sha256_bytes", "similarity",
]
