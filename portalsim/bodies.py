"""Report bodies: the text/tables of a simulated report and its attachment bytes.

The body source is one function, :func:`report_body`: either the parser's fixture generator
(:mod:`portalsim.render`, a random spec with known cells, seeded from the report's key)
or one of the five seed texts in ``data/seed_texts`` (agency and year rewritten to the simulated
report's). HTML fragments and PDF/DOCX/XLSX attachments are rendered from the
:class:`ReportBody` it returns; PNG scans and scanned PDFs are generated here.
"""

from __future__ import annotations

import functools
import hashlib
import html
import io
import random
import struct
import threading
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from portalsim import patterns
from portalsim import render

DATA_DIR = Path(__file__).resolve().parent / "data"
#: the five seed texts (../shared/seeds-texts, copied once into the project; tests read them here)
SEED_TEXT_DIR = DATA_DIR / "seed_texts"


def _load_seed_texts() -> dict[str, str]:
    texts = {}
    for path in sorted(SEED_TEXT_DIR.glob("*.txt")):
        texts[path.stem] = path.read_text(encoding="utf-8")
    if not texts:
        raise FileNotFoundError(f"no seed texts under {SEED_TEXT_DIR}")
    return texts


SEED_TEXTS = _load_seed_texts()

CellValue = int | float | None


@dataclass(frozen=True)
class ReportBody:
    title: str
    paragraphs: tuple[str, ...]
    source: str                       # "seed_text" | "fixture" | "non-report"
    source_id: str                    # seed text id / report key the fixture spec is seeded from
    cells: tuple[tuple[str, CellValue], ...] | None = None   # (canonical key, number or None) when known
    spec: render.ReportSpec | None = field(default=None, compare=False, hash=False)  # fixture bodies

    def all_blocks(self) -> tuple[tuple[str, str], ...]:
        return tuple(("h" if patterns.SECTION_HEADING.match(p) else "p", p) for p in self.paragraphs)


def _rewrite(text: str, agency: str, year: int) -> str:
    """Replace the seed text's own agency and year with the simulated report's."""
    original_year = None
    match = patterns.SEED_TITLE_YEAR.search(text)
    if match:
        original_year = int(match.group(1))
    for name in patterns.SEED_AGENCIES:
        text = text.replace(name, agency)
    if original_year:
        text = patterns.YEAR_TOKEN.sub(
            lambda m: str(year + int(m.group(0)) - original_year)
            if abs(int(m.group(0)) - original_year) <= 1 else m.group(0), text)
    return text


FIRST_FIXTURE_YEAR = 2019        # the 2019 template (国办公开办函〔2019〕60号) and later


def uses_fixture(doc_key: str, year: int) -> bool:
    """Which source a report's body comes from: most reports of 2019 and later come from the
    parser's fixture generator (known cells); the rest, and every earlier year, from seed texts."""
    digest = hashlib.sha256(doc_key.encode()).digest()
    return year >= FIRST_FIXTURE_YEAR and digest[0] % 10 < 6


def fixture_format(year: int) -> str:
    """The national template a report of ``year`` follows (``render.ReportSpec.fmt``)."""
    return "2019" if year <= 2020 else "2021"


def fixture_spec(doc_key: str, agency: str, year: int, farm_seed: int | None = None) -> render.ReportSpec:
    """A random spec (blanks included) seeded from the farm seed and the report key, printed
    under the simulated report's agency and year."""
    rng = random.Random(f"fixture:{farm_seed}:{doc_key}")
    spec = render.random_spec(rng, fmt=fixture_format(year), blanks=True)
    spec.agency, spec.year = agency, year
    return spec


def cell_number(raw: str) -> CellValue:
    """A printed fixture cell as the number the parser should store ("" → None: a blank)."""
    if raw == "":
        return None
    number = float(raw)
    return int(number) if number.is_integer() and "." not in raw else number


def fixture_html(spec: render.ReportSpec) -> str:
    """The rendered HTML report's body content, one block (paragraph or whole table) per line."""
    page = render.render_report(spec, "html")[0].decode("utf-8")
    content = page[page.index("<body>") + len("<body>"):page.rindex("</body>")]
    return content.replace("</p>", "</p>\n").replace("</table>", "</table>\n").strip()


# Body variants of the dedupe traps (FarmOptions.dedupe_traps; see model._add_dedupe_traps).
ZERO_TABLES = "zero-tables"          # fixture template, every table cell 0: agencies differ by name only
YEAR_PAIR = "year-pair"              # a seed text as is (the earlier of two consecutive years)
YEAR_PAIR_EDITED = "year-pair-edited"  # the same seed text with every EDIT_EVERY-th line edited
BODY_VARIANTS = ("", ZERO_TABLES, YEAR_PAIR, YEAR_PAIR_EDITED)
EDIT_EVERY = 10


def zero_spec(agency: str, year: int) -> render.ReportSpec:
    """The fixture template of ``year`` with every table cell printed as 0 (no blanks, （六） in
    rows). The layout does not depend on the agency: two agencies' reports differ only in the name."""
    fmt = fixture_format(year)
    for k in range(100):
        spec = render.random_spec(random.Random(f"zero-tables:{fmt}:{k}"), fmt=fmt, blanks=False)
        if not spec.other_single:
            break
    else:  # pragma: no cover - random_spec draws other_single with probability 0.3
        raise RuntimeError(f"no {fmt} layout with （六） in rows")
    spec.agency, spec.year = agency, year
    spec.cells = {key: "0" for key in spec.cells}
    return spec


def edit_lines(lines: tuple[str, ...], every: int = EDIT_EVERY) -> tuple[str, ...]:
    """A next year's rewrite of the same text: every ``every``-th line (not the title) has its
    small numbers changed, or a clause appended when it has none; years are left alone."""
    out = []
    for i, line in enumerate(lines):
        if i % every == every // 2:
            edited = patterns.EDITABLE_NUMBER.sub(lambda m: str(int(m.group(0)) + 1), line)
            line = edited if edited != line else line + patterns.EDIT_CLAUSE
        out.append(line)
    return tuple(out)


@functools.lru_cache(maxsize=None)
def report_body(text_id: str, agency: str, year: int, title: str, doc_key: str = "",
                farm_seed: int | None = None, variant: str = "") -> ReportBody:
    """THE body source of a report for ``agency``/``year``: a fixture-generator report with
    known cells, or a seed text with its agency and year rewritten. ``variant`` (one of
    :data:`BODY_VARIANTS`) forces a dedupe trap's body."""
    if variant not in BODY_VARIANTS:
        raise ValueError(f"unknown body variant {variant!r}")
    if variant == ZERO_TABLES:
        spec = zero_spec(agency, year)
        cells = tuple((key, cell_number(raw)) for key, raw in spec.cells.items())
        return ReportBody(title=title, paragraphs=(), source="fixture", source_id=ZERO_TABLES,
                          cells=cells, spec=spec)
    if doc_key and not variant and uses_fixture(doc_key, year):
        spec = fixture_spec(doc_key, agency, year, farm_seed)
        cells = tuple((key, cell_number(raw)) for key, raw in spec.cells.items())
        return ReportBody(title=title, paragraphs=(), source="fixture", source_id=doc_key,
                          cells=cells, spec=spec)
    raw = SEED_TEXTS[text_id]
    text = _rewrite(raw, agency, year)
    lines = tuple(line.strip() for line in text.splitlines() if line.strip())
    chrome_from = patterns.SEED_TEXT_CHROME_FROM.get(text_id[:3])
    if chrome_from in lines:
        lines = lines[: len(lines) - 1 - lines[::-1].index(chrome_from)]
    if variant == YEAR_PAIR_EDITED:
        lines = edit_lines(lines)
    return ReportBody(title=title, paragraphs=lines, source="seed_text", source_id=text_id)


def body_html(body: ReportBody) -> str:
    """Body as HTML: the fixture generator's rendering, or escaped paragraphs with bold headings."""
    if body.spec is not None:
        return fixture_html(body.spec)
    parts = []
    for kind, value in body.all_blocks():
        escaped = html.escape(str(value), quote=False)
        if kind == "h":
            parts.append(f'<p style="text-indent:2em;"><strong>{escaped}</strong></p>')
        else:
            parts.append(f'<p style="text-indent:2em;">{escaped}</p>')
    return "\n".join(parts)


def split_pages(html_text: str, pages: int) -> list[str]:
    """Split an HTML fragment into ``pages`` roughly equal runs of whole paragraphs."""
    lines = html_text.split("\n")
    size = max(1, -(-len(lines) // pages))
    chunks = ["\n".join(lines[i:i + size]) for i in range(0, len(lines), size)]
    return (chunks + [""] * pages)[:pages]


# ---------------------------------------------------------------- attachments

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "png": "image/png",
    "zip": "application/zip",
}


_RENDER_LOCK = threading.Lock()


@functools.lru_cache(maxsize=None)   # a farm has a few hundred attachments of tens of KB
def render_attachment(body: ReportBody, fmt: str) -> bytes:
    if fmt not in ("pdf", "docx", "xlsx"):
        raise ValueError(f"cannot render a report body as {fmt!r}")
    if body.spec is not None:
        return _fixture_file(body.spec, fmt)
    return {"pdf": _pdf, "docx": _docx, "xlsx": _xlsx}[fmt](body)


def _fixture_file(spec: render.ReportSpec, fmt: str) -> bytes:
    """The fixture generator's file, made byte-for-byte deterministic (fixed PDF/ZIP stamps)."""
    from reportlab import rl_config

    with _RENDER_LOCK:   # the invariant switch is process-global; the server renders in threads
        saved = rl_config.invariant
        rl_config.invariant = 1
        try:
            data = render.render_report(spec, fmt)[0]
        finally:
            rl_config.invariant = saved
    return data if fmt == "pdf" else _fixed_zip(data)


def _pdf(body: ReportBody) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    text_style = ParagraphStyle("body", fontName="STSong-Light", fontSize=10.5, leading=16, wordWrap="CJK")
    title_style = ParagraphStyle("title", fontName="STSong-Light", fontSize=15, leading=22, alignment=1,
                                 wordWrap="CJK")
    story = [Paragraph(html.escape(body.title), title_style), Spacer(1, 8)]
    story += [Paragraph(html.escape(str(value)), text_style) for _, value in body.all_blocks()]
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=40, rightMargin=40, topMargin=40, bottomMargin=40,
                            title=body.title, invariant=1)
    doc.build(story)
    return out.getvalue()


_CORE_DATES = ("{http://purl.org/dc/terms/}created", "{http://purl.org/dc/terms/}modified")


def _fixed_core(xml: bytes) -> bytes:
    """``docProps/core.xml`` with its created/modified stamps set to a fixed date."""
    from lxml import etree

    root = etree.fromstring(xml)
    for tag in _CORE_DATES:
        for node in root.iter(tag):
            node.text = "2020-01-01T00:00:00Z"
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _fixed_zip(data: bytes) -> bytes:
    """Rewrite a ZIP container with fixed timestamps so output is byte-for-byte deterministic."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2020, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _fixed_core(content)
            dst.writestr(fixed, content)
    return out.getvalue()


def _docx(body: ReportBody) -> bytes:
    import docx

    document = docx.Document()
    document.add_heading(body.title, level=1)
    for _, value in body.all_blocks():
        document.add_paragraph(str(value))
    out = io.BytesIO()
    document.save(out)
    return _fixed_zip(out.getvalue())


def _xlsx(body: ReportBody) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "年报"
    sheet.append([body.title])
    for _, value in body.all_blocks():
        sheet.append([str(value)])
    out = io.BytesIO()
    book.save(out)
    return _fixed_zip(out.getvalue())


def png_scan(seed: int, width: int = 120, height: int = 160) -> bytes:
    """A small grey 'scanned page' PNG (no text layer, on purpose)."""
    rows = []
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            ink = ((x * 7 + y * 13 + seed) % 23 == 0) or (y % 12 == 0 and 10 < x < width - 10)
            row.append(40 if ink else 235)
        rows.append(bytes(row))
    return _grey_png(width, height, b"".join(rows))


def png_header(width: int, height: int) -> bytes:
    """A PNG that declares ``width`` × ``height`` pixels and holds almost no image data (a hostile
    picture: its header promises more pixels than any reader should decode)."""
    return _grey_png(width, height, b"\x00" * 64)


def _grey_png(width: int, height: int, raw: bytes) -> bytes:
    """An 8-bit greyscale PNG of ``width`` × ``height`` from ``raw`` scanlines (each led by its filter byte)."""
    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


#: resolution of the pictures of a 图片版 page (the OCR reader's own rendering resolution)
PICTURE_DPI = 150
_PICTURE_PDFS: dict[str, bytes] = {}
_PICTURE_LOCK = threading.RLock()  # pdfium is not thread-safe; the server renders in threads


def _picture_pdf(key: str, body: ReportBody) -> bytes:
    with _PICTURE_LOCK:
        if key not in _PICTURE_PDFS:
            _PICTURE_PDFS[key] = render_attachment(body, "pdf")
        return _PICTURE_PDFS[key]


def picture_pages(key: str, body: ReportBody) -> int:
    """How many pictures a 图片版 of ``body`` has: the pages of its PDF rendering (cached by ``key``)."""
    import pypdfium2 as pdfium

    with _PICTURE_LOCK:
        pdf = pdfium.PdfDocument(_picture_pdf(key, body))
        try:
            return len(pdf)
        finally:
            pdf.close()


@functools.lru_cache(maxsize=64)
def _picture_png(key: str, pdf: bytes, k: int) -> bytes:
    from portalsim.scans import render_pages

    with _PICTURE_LOCK:
        (image,) = render_pages(pdf, [k], dpi=PICTURE_DPI)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def picture_png(key: str, body: ReportBody, k: int) -> bytes:
    """Page ``k`` (1-based) of ``body``'s PDF rendering as a greyscale PNG at :data:`PICTURE_DPI`:
    a report published as pictures (图片版), deterministic for ``key`` and cached."""
    return _picture_png(key, _picture_pdf(key, body), k)


@functools.lru_cache(maxsize=None)
def scan_pdf(seed: int, pages: int = 3) -> bytes:
    """A 'scanned' PDF: page images only, no text layer (portals.md §5.10)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=1)
    for k in range(pages):
        image = ImageReader(io.BytesIO(png_scan(seed * 10 + k, 240, 320)))
        pdf.drawImage(image, 30, 30, width=A4[0] - 60, height=A4[1] - 60)
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def oversized_stream(size: int, chunk_size: int = 64 * 1024):
    """Yield ``size`` bytes of a fake ZIP-looking archive without holding it in memory."""
    head = b"PK\x03\x04" + b"\x00" * 26
    yield head[:size]
    sent = len(head[:size])
    block = bytes(range(256)) * (chunk_size // 256)
    while sent < size:
        piece = block[: min(chunk_size, size - sent)]
        sent += len(piece)
        yield piece
