"""Decode page bytes for the cleaner: :mod:`pipelines.decoding`, the project's one body decoder."""

from __future__ import annotations

from pipelines.decoding import Decoded, canonical_charset, decode

__all__ = ["Decoded", "canonical_charset", "decode_body"]


def decode_body(body: bytes, headers: dict[str, str] | None = None) -> Decoded:
    """Decode a page with its HTTP headers (the ``Content-Type`` charset is read from them)."""
    content_type = next((value for key, value in (headers or {}).items() if key.lower() == "content-type"), None)
    return decode(body, content_type)
