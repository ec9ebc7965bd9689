"""Exact-dedupe keys: sha256 of raw file bytes, and of the normalized text of a page or document."""

import hashlib

from pipelines.cleaning.text import normalize_for_hash


def sha256_bytes(data: bytes) -> str:
    """Exact dedupe key of a raw file (PDF/DOC/... attachment): sha256 hex of its bytes."""
    return hashlib.sha256(bytes(data)).hexdigest()


def normalize_text(text: str) -> str:
    """The normalisation clean_page() hashes (NFKC, all whitespace removed, empty lines dropped),
    for texts that did not come through clean_page (PDF/DOCX text of the same report)."""
    return normalize_for_hash(text.splitlines())


def digest_text(text: str) -> str:
    """sha256 hex of normalize_text(text); equals CleanedPage.digest for its content_text."""
    return hashlib.sha256(normalize_text(text).encode("utf-8")).hexdigest()
