"""ZIP container checks shared by the DOCX, XLSX and OFD readers (bombs, DTDs, corruption).

The central directory's sizes are only a first, cheap filter: a hostile file declares a member
as 40,000 bytes and inflates it to a gigabyte, and :mod:`zipfile` inflates a member whole before
it compares the size. So every member is inflated once here through a counting reader that
stops at the limits whatever the directory declares, and every XML part is searched whole (in
UTF-8/ASCII-compatible, UTF-16 and UTF-32 encodings) for a DTD or entity declaration.
"""

from __future__ import annotations

import codecs
import io
import re
import struct
import zipfile
import zlib

from pipelines.parsing.extract.errors import ExtractionError
from pipelines.parsing.extract.limits import Limits

# Members smaller than this are never judged by their compression ratio.
_RATIO_MIN_BYTES = 1024 * 1024
_CHUNK = 256 * 1024  # inflated bytes per step of the counting reader
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # zipfile's structFileHeader
_LOCAL_MAGIC = b"PK\x03\x04"

_FAMILIES = ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
_DTD_MARKERS = re.compile(b"|".join(re.escape(word.encode(enc)) for enc in _FAMILIES
                                    for word in ("<!DOCTYPE", "<!ENTITY")))
_OVERLAP = len("<!DOCTYPE") * 4
_XML_ENCODING = re.compile(r"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
# Encodings in which ASCII text is the ASCII bytes themselves (no shift states such as UTF-7's
# base64 runs, no EBCDIC), plus UTF-16/32 whose markers are searched too (codecs' names).
_SEARCHABLE_ENCODINGS = re.compile(r"^(utf-8|ascii|iso8859-\d+|cp125\d|gb2312|gbk|gb18030|big5|big5hkscs|"
                                   r"cp93[26]|cp950|euc_jp|euc_kr|shift_jis|koi8-[ru]|utf-(16|32)(-[lb]e)?)$")
_EBCDIC_XML = b"\x4c\x6f\xa7\x94"  # "<?xm" in EBCDIC: libxml2 detects it without a declaration


def _xml_encoding_refusal(head: bytes) -> str | None:
    """Why the DTD search cannot vouch for this XML part (an encoding in which "<!DOCTYPE" is
    none of the searched byte strings), or None."""
    if head.startswith(_EBCDIC_XML):
        return "is EBCDIC-encoded"
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None  # the BOM fixes the encoding; the declaration cannot change the family
    # "<" in UTF-32-LE, UTF-32-BE, UTF-16-LE, UTF-16-BE without a BOM
    if head.startswith((b"<\0\0\0", b"\0\0\0<", b"<\0", b"\0<")):
        return None
    m = _XML_ENCODING.match(head[:512].decode("latin-1"))
    if not m:
        return None
    label = m.group(1)
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return f"declares the unknown encoding {label!r}"
    if not _SEARCHABLE_ENCODINGS.match(name):
        return f"declares the encoding {label!r}, in which a DTD cannot be ruled out"
    return None


def _raw_member(body: bytes, info: zipfile.ZipInfo, what: str) -> memoryview:
    """The compressed bytes of ``info`` (located through its local header, not its sizes)."""
    start = info.header_offset
    header = body[start:start + _LOCAL_HEADER.size]
    if len(header) != _LOCAL_HEADER.size or header[:4] != _LOCAL_MAGIC:
        raise ExtractionError(f"{what}: corrupt ZIP member {info.filename} (bad local header)", "corrupt")
    fields = _LOCAL_HEADER.unpack(header)
    data = start + _LOCAL_HEADER.size + fields[10] + fields[11]
    return memoryview(body)[data:data + info.compress_size]


def _inflate_checked(body: bytes, info: zipfile.ZipInfo, limits: Limits, what: str, budget: int) -> int:
    """Inflate one member through a counting reader; return its real size.

    Stops (``too_large``) as soon as the member passes ``max_member_bytes``, the remaining
    ``budget`` of ``max_uncompressed_bytes``, or ``max_compression_ratio`` once past 1 MiB —
    whatever the directory declares. XML parts are searched whole for DTD/entity declarations."""
    if info.flag_bits & 0x1:
        raise ExtractionError(f"{what}: ZIP member {info.filename} is encrypted", "encrypted")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise ExtractionError(f"{what}: ZIP member {info.filename} uses compression method "
                              f"{info.compress_type}; only stored and deflated members are read", "unsupported")
    raw = _raw_member(body, info, what)
    is_xml = info.filename.lower().endswith((".xml", ".rels"))
    cap_ratio = max(_RATIO_MIN_BYTES, int(limits.max_compression_ratio * max(1, info.compress_size)))
    cap = min(limits.max_member_bytes, budget)
    inflater = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    size = 0
    tail = b""
    first = True
    pos = 0
    pending = b""
    while True:
        if inflater is None:
            chunk = bytes(raw[pos:pos + _CHUNK])
            pos += len(chunk)
            done = pos >= len(raw)
        else:
            if not pending:
                pending = bytes(raw[pos:pos + _CHUNK])
                pos += len(pending)
            try:
                chunk = inflater.decompress(pending, _CHUNK)
            except zlib.error as exc:
                raise ExtractionError(f"{what}: corrupt ZIP member {info.filename} ({exc})", "corrupt") from exc
            pending = inflater.unconsumed_tail
            done = inflater.eof or (pos >= len(raw) and not pending and not chunk)
        size += len(chunk)
        if size > cap or size > cap_ratio:
            declared = f" although the directory declares {info.file_size}" if info.file_size < size else ""
            if size > cap_ratio and cap_ratio < cap:
                reason = (f"compression ratio above max_compression_ratio={limits.max_compression_ratio:g} "
                          "(ZIP bomb?)")
            elif cap == limits.max_member_bytes:
                reason = f"exceeds max_member_bytes={limits.max_member_bytes}"
            else:
                reason = f"takes the ZIP past max_uncompressed_bytes={limits.max_uncompressed_bytes}"
            raise ExtractionError(f"{what}: ZIP member {info.filename} inflates past {min(cap, cap_ratio)} "
                                  f"bytes{declared}: {reason}; refused", "too_large")
        if is_xml and chunk:
            if first:
                refusal = _xml_encoding_refusal(chunk)
                if refusal:
                    raise ExtractionError(f"{what}: XML member {info.filename} {refusal}; refused",
                                          "xml_entities")
                first = False
            window = tail + chunk
            if b"!" in window and _DTD_MARKERS.search(window):  # every marker holds the byte "!"
                raise ExtractionError(f"{what}: XML member {info.filename} declares a DTD/entities; refused",
                                      "xml_entities")
            tail = window[-_OVERLAP:]
        if done:
            break
    if size != info.file_size:
        raise ExtractionError(f"{what}: corrupt ZIP member {info.filename}: inflates to {size} bytes but the "
                              f"directory declares {info.file_size}", "corrupt")
    return size


def open_zip(body: bytes, limits: Limits, what: str) -> zipfile.ZipFile:
    """Open ``body`` as a ZIP after checking the directory's uncompressed sizes, then inflating
    every member once through a counting reader (real sizes, ratios, DTDs in XML parts)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(body))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ExtractionError(f"{what}: not a valid ZIP container ({exc})", "corrupt") from exc
    total = sum(i.file_size for i in infos)
    if total > limits.max_uncompressed_bytes:
        raise ExtractionError(
            f"{what}: ZIP members uncompress to {total} bytes, exceeds "
            f"max_uncompressed_bytes={limits.max_uncompressed_bytes}", "too_large")
    for info in infos:
        if info.file_size >= _RATIO_MIN_BYTES:
            ratio = info.file_size / max(1, info.compress_size)
            if ratio > limits.max_compression_ratio:
                raise ExtractionError(
                    f"{what}: ZIP member {info.filename} compression ratio {ratio:.0f} exceeds "
                    f"max_compression_ratio={limits.max_compression_ratio:g} (ZIP bomb?)", "too_large")
    inflated = 0
    for info in infos:
        if info.is_dir():
            continue
        inflated += _inflate_checked(body, info, limits, what, limits.max_uncompressed_bytes - inflated)
    return zf
