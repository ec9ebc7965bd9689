"""The one exception the format readers raise."""

from __future__ import annotations


class ExtractionError(Exception):
    """Bytes that cannot be turned into an ExtractedDocument.

    ``code`` is a short machine-readable token (``empty``, ``binary``, ``too_large``, ``deadline``,
    ``encrypted``, ``corrupt``, ``converter_missing`` …); ``reason`` is the human-readable text.
    """

    def __init__(self, reason: str, code: str = "failed") -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code

    def __repr__(self) -> str:
        return f"ExtractionError(code={self.code!r}, reason={self.reason!r})"
