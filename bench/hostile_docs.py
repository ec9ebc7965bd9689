"""Generators of hostile documents: small files (kilobytes to a few MB) that explode when read.

Shared by bench/hostile.py and tests/parsing/test_hostile.py (which loads this file by path; the
bench must not import the tests, and this module imports nothing of the project). Each maker
returns bytes, except :func:`huge_text`, which writes a sparse file. Sizes are parameters: the
bench uses the issue's sizes, the tests smaller ones against smaller budgets.

- lying ZIP sizes: a DOCX/XLSX whose central directory and local header declare a part as
  40,000 bytes while it inflates to a gigabyte;
- flate bomb: a PDF whose one content stream inflates to 1.5 GiB;
- glyph flood: a 7 KB PDF drawing 1.2 M glyphs on one page;
- span bomb: an HTML page of 200 tables, each one cell with rowspan × colspan ≈ 1 M;
- looping OLE2: a 2.5 KB .doc whose directory chain points at itself;
- nested divs: 100,000 nested <div> elements around the only text;
- huge text: a 3 GiB (sparse) text file;
- padded XXE: a DOCX whose document.xml declares entities after 8 KB of padding, optionally
  UTF-16-encoded.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

MB = 1024 * 1024
GB = 1024 * MB
_SPACES = b" " * MB


# --- deflate streams of many spaces, built from one repeated full-flush block ------------------

def _raw_deflate_spaces(n_mb: int) -> bytes:
    """Raw deflate of ``n_mb`` MiB of spaces: every MiB compresses to the same ~1 KB block."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(_SPACES) + c.flush(zlib.Z_FULL_FLUSH)
    return block * n_mb + c.flush()


def _checksum_spaces(n_mb: int, fn, start: int) -> int:
    value = start
    for _ in range(n_mb):
        value = fn(_SPACES, value)
    return value


def _zlib_spaces(n_mb: int) -> bytes:
    """zlib stream (header, raw deflate, Adler-32) of ``n_mb`` MiB of spaces (PDF FlateDecode)."""
    return (b"\x78\xda" + _raw_deflate_spaces(n_mb)
            + struct.pack(">I", _checksum_spaces(n_mb, zlib.adler32, 1)))


# --- ZIP containers written by hand, so a member's declared size can lie -----------------------

def _zip(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """A ZIP of (name, raw deflate bytes, crc32, declared uncompressed size) members."""
    out = io.BytesIO()
    central = []
    for name, raw, crc, declared in members:
        offset = out.tell()
        fname = name.encode()
        out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(raw), declared,
                              len(fname), 0) + fname + raw)
        central.append(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, crc, len(raw),
                                   declared, len(fname), 0, 0, 0, 0, 0, offset) + fname)
    start = out.tell()
    for entry in central:
        out.write(entry)
    size = out.tell() - start
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(central), len(central), size, start, 0))
    return out.getvalue()


def _deflate(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def _members_of(container: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(container)) as zf:
        return [(i.filename, zf.read(i)) for i in zf.infolist()]


def _lying_zip(container: bytes, member: str, inflated: int, declared: int) -> bytes:
    """``container`` with ``member`` followed by ``inflated`` bytes of spaces (XML allows trailing
    whitespace), its directory and local header declaring ``declared`` bytes."""
    n_mb = max(1, inflated // MB)
    members = []
    for name, data in _members_of(container):
        if name == member:
            # The member's own bytes, byte-aligned by a full flush, then the spaces.
            c = zlib.compressobj(9, zlib.DEFLATED, -15)
            head = c.compress(data) + c.flush(zlib.Z_FULL_FLUSH)
            raw = head + _raw_deflate_spaces(n_mb)
            crc = _checksum_spaces(n_mb, zlib.crc32, zlib.crc32(data))
            members.append((name, raw, crc, declared))
        else:
            members.append((name, _deflate(data), zlib.crc32(data), len(data)))
    return _zip(members)


def _plain_docx(text: str = "政府信息公开工作年度报告") -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph(text)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _plain_xlsx() -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active["A1"] = "政府信息公开工作年度报告"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def lying_docx(inflated: int = 1 * GB, declared: int = 40_000) -> bytes:
    """A ~1 MB DOCX whose word/document.xml is declared as 40,000 bytes but inflates to ``inflated``."""
    return _lying_zip(_plain_docx(), "word/document.xml", inflated, declared)


def lying_xlsx(inflated: int = 725 * MB, declared: int = 40_000) -> bytes:
    """A small XLSX whose first sheet is declared as 40,000 bytes but inflates to ``inflated``."""
    return _lying_zip(_plain_xlsx(), "xl/worksheets/sheet1.xml", inflated, declared)


def padded_xxe_docx(pad: int = 8192, encoding: str = "utf-8") -> bytes:
    """A DOCX whose document.xml declares an external entity after ``pad`` bytes of a comment
    (past any guard that reads only the head of a part), encoded in ``encoding``."""
    members = []
    for name, data in _members_of(_plain_docx()):
        if name == "word/document.xml":
            text = data.decode("utf-8")
            decl, _, rest = text.partition("?>")
            text = (f'<?xml version="1.0" encoding="{encoding.upper()}" standalone="yes"?>'
                    f"<!--{'x' * pad}-->"
                    '<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' + rest)
            text = text.replace("政府信息公开工作年度报告", "政府信息公开工作年度报告&xxe;")
            data = (b"\xff\xfe" + text.encode("utf-16-le")) if encoding.lower() == "utf-16" else text.encode(encoding)
        members.append((name, _deflate(data), zlib.crc32(data), len(data)))
    return _zip(members)


# --- PDF ---------------------------------------------------------------------------------------

def _pdf(content: bytes, *, flate: bool) -> bytes:
    """A one-page PDF (Helvetica) whose page content stream is ``content`` (already
    Flate-compressed when ``flate``)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d%s >>\nstream\n" % (len(content), b" /Filter /FlateDecode" if flate else b"")
        + content + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def flate_bomb_pdf(inflated: int = 1536 * MB) -> bytes:
    """A ~1.5 MB PDF whose page content stream inflates to ``inflated`` bytes (of spaces)."""
    return _pdf(_zlib_spaces(max(1, inflated // MB)), flate=True)


def glyph_flood_pdf(glyphs: int = 1_200_000) -> bytes:
    """A few-KB PDF drawing ``glyphs`` glyphs on its one page (one compressed text run)."""
    content = b"BT /F1 1 Tf 10 400 Td (" + b"A" * glyphs + b") Tj ET"
    return _pdf(zlib.compress(content, 9), flate=True)


# --- HTML --------------------------------------------------------------------------------------

def span_bomb_html(tables: int = 200, rows: int = 1000, colspan: int = 999) -> bytes:
    """``tables`` tables of ``rows`` rows whose first cell spans them all and ``colspan``
    columns: each table expands to rows × colspan grid positions (just under a 1 M cell limit)."""
    table = (f'<table><tr><td rowspan="{rows}" colspan="{colspan}">表</td></tr>'
             + "<tr></tr>" * (rows - 1) + "</table>")
    return ("<html><head><meta charset=\"utf-8\"><title>年度报告</title></head><body>"
            + table * tables + "</body></html>").encode("utf-8")


def nested_divs_html(depth: int = 100_000) -> bytes:
    """The only text of the page inside ``depth`` nested <div> elements."""
    return ("<html><head><meta charset=\"utf-8\"></head><body>" + "<div>" * depth
            + "政府信息公开工作年度报告" + "</div>" * depth + "</body></html>").encode("utf-8")


# --- OLE2 (.doc) -------------------------------------------------------------------------------

def _dirent(name: str, kind: int, start: int, size: int, child: int = 0xFFFFFFFF) -> bytes:
    encoded = name.encode("utf-16-le") + b"\0\0"
    entry = (encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), kind, 1)
             + struct.pack("<III", 0xFFFFFFFF, 0xFFFFFFFF, child))
    return (entry.ljust(0x74, b"\0") + struct.pack("<IIH", start, size, 0)).ljust(128, b"\0")


def looping_ole2_doc() -> bytes:
    """A 2.5 KB OLE2 .doc whose directory sector chain points at itself (and whose WordDocument
    stream chain loops between two sectors): a reader that follows chains without a visited set
    allocates forever."""
    header = bytearray(512)
    header[0:8] = bytes.fromhex("d0cf11e0a1b11ae1")
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<I", header, 0x2C, 1)  # one FAT sector
    struct.pack_into("<I", header, 0x30, 1)  # directory starts at sector 1
    struct.pack_into("<I", header, 0x38, 4096)
    struct.pack_into("<IIII", header, 0x3C, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
    struct.pack_into("<109I", header, 0x4C, 0, *([0xFFFFFFFF] * 108))  # FAT at sector 0
    fat = struct.pack("<128I", 0xFFFFFFFD, 1, 3, 2, *([0xFFFFFFFF] * 124))
    directory = (_dirent("Root Entry", 5, 0xFFFFFFFE, 0, child=1) + _dirent("WordDocument", 2, 2, 0x10000)
                 + b"\0" * 256)
    return bytes(header) + fat + directory + b"\xec\xa5" + b"\0" * 1022


# --- plain text --------------------------------------------------------------------------------

def huge_text(path: Path, size: int = 3 * GB) -> Path:
    """A ``size``-byte text file at ``path``: one line of text, then a hole (sparse, so it
    costs no disk)."""
    with open(path, "wb") as fh:
        fh.write("政府信息公开工作年度报告\n".encode("utf-8"))
        fh.truncate(size)
    return path


# --- the bench's set ---------------------------------------------------------------------------

HOSTILE = {
    "lying_zip.docx": lying_docx,
    "lying_zip.xlsx": lying_xlsx,
    "flate_bomb.pdf": flate_bomb_pdf,
    "glyph_flood.pdf": glyph_flood_pdf,
    "span_bomb.html": span_bomb_html,
    "looping_ole2.doc": looping_ole2_doc,
    "nested_divs.html": nested_divs_html,
    "padded_xxe.docx": padded_xxe_docx,
    "padded_xxe_utf16.docx": lambda: padded_xxe_docx(encoding="utf-16"),
}


def write_all(directory: Path) -> list[Path]:
    """Write every hostile document (the issue's sizes) into ``directory``; return the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, maker in HOSTILE.items():
        path = directory / name
        path.write_bytes(maker())
        paths.append(path)
    paths.append(huge_text(directory / "huge.txt"))
    return paths
