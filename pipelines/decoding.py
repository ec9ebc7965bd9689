"""The one body decoder: bytes of a page or document → text, the same way everywhere.

The spiders (crawler/spiders/links.py), platform detection (crawler/platforms.py), the cleaner
(pipelines/cleaning) and the document extractor (pipelines/parsing/extract/text.py) all decode
with :func:`decode`, so a spider classifies a page from the very text the cleaner stores.

Charset order (portals.md §3.4: header and meta often disagree, and both lie):

1. a byte-order mark (UTF-8, UTF-16, GB18030);
2. the declared charset — the HTTP ``Content-Type`` header (or a charset the caller was given),
   then ``<meta charset>`` — when the bytes agree with it: they decode strictly, a single-byte
   "decodes anything" charset (latin-1 …) is not believed for non-ASCII bytes, a legacy
   declaration is not believed for bytes that are valid multi-byte UTF-8 (stale ``gb2312`` metas
   on UTF-8 pages are common; GBK text practically never forms valid UTF-8), and a GB declaration
   needs text that is mostly Chinese;
3. UTF-8;
4. GB18030 (text that is mostly Chinese);
5. detection (charset-normalizer), when its guess decodes strictly;
6. UTF-8 with replacement characters (``lossy``).

GB2312, GBK and their aliases are decoded as GB18030, their superset (:data:`CHARSET_ALIASES`).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

# --- vocabulary (one place for every charset name and pattern of the project) -----------------

#: declared names mapped to the codec actually used: GB2312/GBK (and every alias of them) are
#: decoded as GB18030, their superset; Big5 as Big5-HKSCS
GB_ALIASES: frozenset[str] = frozenset({
    "gb2312", "gb_2312", "gb_2312-80", "csgb2312", "gbk", "x-gbk", "cp936", "ms936", "windows-936",
    "euc-cn", "x-euc-cn", "gb18030", "gb-18030",
})
CHARSET_ALIASES: dict[str, str] = {
    **{name: "gb18030" for name in GB_ALIASES},
    "utf8": "utf-8", "utf-8": "utf-8", "unicode-1-1-utf-8": "utf-8",
    "big5": "big5hkscs", "big5-hkscs": "big5hkscs",
}
#: declared charsets that decode any byte string: trusted only for pure-ASCII bodies
WEAK_CHARSETS: frozenset[str] = frozenset({
    "iso-8859-1", "iso8859-1", "latin-1", "latin1", "us-ascii", "ascii", "windows-1252", "cp1252"})
#: byte-order marks, longest first within a prefix
BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (b"\x84\x31\x95\x33", "gb18030"),
)
CHARSET_IN_CONTENT_TYPE = re.compile(r"charset\s*=\s*[\"']?\s*([A-Za-z0-9_\-:.]+)", re.I)
META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_\-:.]+)", re.I)
META_SNIFF_BYTES = 4096
#: a GB18030 decoding is believed when at least this share of its non-ASCII characters is Chinese
#: (ideographs, CJK punctuation, full-width forms): other bytes decode as GB18030 too, to nonsense
GB_MIN_CJK_SHARE = 0.5
NON_ASCII_SNIFF_BYTES = 65536
DETECTION_SNIFF_BYTES = 200_000


@dataclass(frozen=True)
class Decoded:
    text: str
    #: codec the text was decoded with
    encoding: str
    #: a charset was declared and the bytes were decoded with another one
    mismatch: bool
    #: no charset decoded the bytes cleanly: replacement characters stand for some bytes
    lossy: bool
    warnings: tuple[str, ...]
    #: which step decided: "bom", "declared", "ascii", "utf-8", "gb18030", "detected" or "lossy"
    source: str = ""
    #: the declared charsets (canonical codec names; header first, then meta)
    declared: tuple[str, ...] = ()


def canonical_charset(name: str | None) -> str | None:
    """Codec name used for a declared charset label (None when unknown to Python)."""
    if not name:
        return None
    key = name.strip().strip("\"'").lower()
    if key in CHARSET_ALIASES:
        return CHARSET_ALIASES[key]
    try:
        return codecs.lookup(key).name
    except LookupError:
        return None


def charset_from_content_type(content_type: str | None) -> str | None:
    """The raw charset label of a ``Content-Type`` value (None when it names none)."""
    if not content_type:
        return None
    m = CHARSET_IN_CONTENT_TYPE.search(content_type)
    return m.group(1) if m else None


def meta_charset(body: bytes) -> str | None:
    """The raw charset label of the first ``<meta … charset=…>`` near the start of ``body``."""
    m = META_CHARSET.search(body[:META_SNIFF_BYTES])
    return m.group(1).decode("ascii", "replace") if m else None


def bom_encoding(body: bytes) -> tuple[str, int] | None:
    """(codec, BOM length) when ``body`` starts with a byte-order mark."""
    for bom, enc in BOMS:
        if body.startswith(bom):
            return enc, len(bom)
    return None


def strict_decode(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def cjk_share(text: str) -> float:
    high = [c for c in text if ord(c) > 127]
    if not high:
        return 1.0
    return sum(1 for c in high if "\u4e00" <= c <= "\u9fff" or "\u3000" <= c <= "\u303f"
               or "\uff00" <= c <= "\uffef") / len(high)


def decode(body: bytes, content_type: str | None = None, *, charset: str | None = None) -> Decoded:
    """Decode ``body`` in the order of the module docstring.

    ``content_type`` is the HTTP ``Content-Type`` value; ``charset`` a declared charset label the
    caller already has (it takes the header's place).
    """
    body = bytes(body)
    warnings: list[str] = []
    raw_header = charset or charset_from_content_type(content_type)
    raw_meta = meta_charset(body)
    header_cs, meta_cs = canonical_charset(raw_header), canonical_charset(raw_meta)
    if raw_header and raw_meta and header_cs != meta_cs:
        warnings.append(f"declared charsets disagree: HTTP header {raw_header!r}, meta {raw_meta!r}")
    for raw, cs in ((raw_header, header_cs), (raw_meta, meta_cs)):
        if raw and cs is None:
            warnings.append(f"declared charset {raw!r} is unknown")
    declared = tuple(dict.fromkeys(cs for cs in (header_cs, meta_cs) if cs))

    def result(text: str, enc: str, source: str, lossy: bool = False) -> Decoded:
        mismatch = bool(declared) and enc not in declared
        if mismatch:
            warnings.append(f"declared charset {declared[0]!r} does not match the bytes; decoded as {enc!r}")
        return Decoded(text, enc, mismatch, lossy, tuple(warnings), source, declared)

    # 1. byte-order mark
    bom = bom_encoding(body)
    if bom is not None:
        enc, size = bom
        text = strict_decode(body[size:], enc)
        if text is not None:
            return result(text, enc, "bom")
        warnings.append(f"{enc} byte-order mark but invalid {enc} bytes; decoded with replacement characters")
        return result(body[size:].decode(enc, "replace"), enc, "bom", lossy=True)
    non_ascii = not body[:NON_ASCII_SNIFF_BYTES].isascii() or not body.isascii()
    utf8 = strict_decode(body, "utf-8") if non_ascii else None
    # 2. the declared charset, when the bytes agree with it
    for cs in declared:
        if non_ascii and cs in WEAK_CHARSETS:
            continue  # latin-1 & co. decode anything: not evidence
        if utf8 is not None and cs != "utf-8":
            continue  # valid multi-byte UTF-8 is UTF-8, whatever the page says
        text = utf8 if cs == "utf-8" and utf8 is not None else strict_decode(body, cs)
        if text is not None and (cs != "gb18030" or cjk_share(text) >= GB_MIN_CJK_SHARE):
            return result(text, cs, "declared")
    if not non_ascii:
        return result(body.decode("ascii"), declared[0] if declared else "ascii", "ascii")
    # 3. UTF-8
    if utf8 is not None:
        return result(utf8, "utf-8", "utf-8")
    # 4. GB18030
    text = strict_decode(body, "gb18030")
    if text is not None and cjk_share(text) >= GB_MIN_CJK_SHARE:
        return result(text, "gb18030", "gb18030")
    # 5. detection
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(body[:DETECTION_SNIFF_BYTES]).best()
        if best is not None and best.encoding:
            enc = canonical_charset(best.encoding) or best.encoding
            text = strict_decode(body, enc)
            if text is not None:
                warnings.append(f"charset guessed by charset-normalizer: {enc!r}")
                return result(text, enc, "detected")
    except Exception as exc:  # the guesser is best effort only
        warnings.append(f"charset-normalizer failed: {exc!r}")
    # 6. nothing fits
    warnings.append("no charset decodes the bytes cleanly; decoded as UTF-8 with replacement characters")
    return result(body.decode("utf-8", "replace"), "utf-8", "lossy", lossy=True)


def decode_text(body: bytes, content_type: str | None = None) -> str:
    """Just the text of :func:`decode`."""
    return decode(body, content_type).text
