"""Decode page bytes: GB2312/GBK as GB18030, and a declared charset only when the bytes agree."""

import codecs
from dataclasses import dataclass

from pipelines.cleaning import patterns as P


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    mismatch: bool
    lossy: bool
    warnings: tuple[str, ...]


def canonical_charset(name: str | None) -> str | None:
    """Codec name used for a declared charset (None when unknown to Python)."""
    if not name:
        return None
    key = name.strip().strip("\"'").lower()
    key = P.CHARSET_ALIASES.get(key, key)
    try:
        return codecs.lookup(key).name if key not in P.CHARSET_ALIASES.values() else key
    except LookupError:
        return None


def _header_charset(headers: dict[str, str] | None) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == "content-type" and value:
            m = P.CHARSET_IN_CONTENT_TYPE.search(value)
            return m.group(1) if m else None
    return None


def _meta_charset(body: bytes) -> str | None:
    m = P.META_CHARSET.search(body[: P.META_SNIFF_BYTES])
    return m.group(1).decode("ascii", "replace") if m else None


def _strict(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _cjk_share(text: str) -> float:
    high = [c for c in text if ord(c) > 127]
    if not high:
        return 1.0
    return sum(1 for c in high if "\u4e00" <= c <= "\u9fff" or "\u3000" <= c <= "\u303f" or "\uff00" <= c <= "\uffef") / len(high)


def decode_body(body: bytes, headers: dict[str, str] | None = None) -> Decoded:
    """Pick the codec the bytes agree with. Order: BOM; valid UTF-8 with non-ASCII bytes (GBK text
    is practically never valid UTF-8); the declared charset (HTTP header, then meta) if it decodes
    strictly; GB18030; charset-normalizer's guess; UTF-8 with replacement (flagged lossy)."""
    warnings: list[str] = []
    raw_header, raw_meta = _header_charset(headers), _meta_charset(body)
    header_cs, meta_cs = canonical_charset(raw_header), canonical_charset(raw_meta)
    if raw_header and raw_meta and header_cs != meta_cs:
        warnings.append(f"declared charsets disagree: HTTP header {raw_header!r}, meta {raw_meta!r}")
    for raw, cs in ((raw_header, header_cs), (raw_meta, meta_cs)):
        if raw and cs is None:
            warnings.append(f"declared charset {raw!r} is unknown")
    declared = [cs for cs in (header_cs, meta_cs) if cs]

    def result(text: str, enc: str, lossy: bool = False) -> Decoded:
        mismatch = bool(declared) and enc not in declared
        if mismatch:
            warnings.append(f"declared charset {declared[0]!r} does not match the bytes; decoded as {enc!r}")
        return Decoded(text, enc, mismatch, lossy, tuple(warnings))

    if body.startswith(codecs.BOM_UTF8):
        return result(body[3:].decode("utf-8", "replace"), "utf-8")
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return result(body.decode("utf-16", "replace"), "utf-16")
    non_ascii = any(b > 127 for b in body[:65536]) or not body.isascii()
    if non_ascii:
        text = _strict(body, "utf-8")
        if text is not None:
            return result(text, "utf-8")
    for cs in declared:
        if cs in P.WEAK_CHARSETS and non_ascii:
            continue  # latin-1 & co. decode anything: not evidence
        text = _strict(body, cs)
        if text is not None and (cs != "gb18030" or _cjk_share(text) >= 0.5):
            return result(text, cs)
    if not non_ascii:
        return result(body.decode("ascii"), declared[0] if declared else "ascii")
    text = _strict(body, "gb18030")
    if text is not None and _cjk_share(text) >= 0.5:
        return result(text, "gb18030")
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(body[:200_000]).best()
        if best is not None and best.encoding:
            enc = canonical_charset(best.encoding) or best.encoding
            text = _strict(body, enc)
            if text is not None:
                warnings.append(f"charset guessed by charset-normalizer: {enc!r}")
                return result(text, enc)
    except Exception as exc:  # the guesser is best effort only
        warnings.append(f"charset-normalizer failed: {exc!r}")
    warnings.append("no charset decodes the bytes cleanly; decoded as UTF-8 with replacement characters")
    return result(body.decode("utf-8", "replace"), "utf-8", lossy=True)
