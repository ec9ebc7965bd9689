"""OCR reader (optional extra ``ocr``: rapidocr + onnxruntime, models inside the wheel, offline):
page images → recognised text lines with boxes → the same blocks as the other readers.

Tables are rebuilt from the page's ruling lines (a scan keeps the printed grid): the horizontal
and vertical strokes give the row and column boundaries, a missing stroke between two grid cells
merges them (a span: the text sits in the top-left position, ``None`` in the covered ones, as
the PDF reader expands them), and every recognised line is placed in the cell holding its
centre. Lines outside a grid become text blocks in reading order (top to bottom, left to right).
Each block carries the recogniser's score of every cell (``Block.scores``).

Runs only in the budgeted child process (:mod:`.isolate`), never in the crawl's process.
"""

from __future__ import annotations

import importlib.util
import io
import math
import re
from dataclasses import dataclass, field
from typing import Any

from pipelines.parsing.extract.errors import ExtractionError
from pipelines.parsing.extract.limits import Deadline, Limits
from pipelines.parsing.extract.text import normalise_ws
from pipelines.parsing.types import Block, Cell, CheckResult, ExtractedDocument

EXTRA_HINT = "pip install -e '.[ocr]'"
RENDER_DPI = 150
# A stroke must span at least this share of the page width/height to count as a ruling line.
_MIN_H_LINE = 1 / 25
_MIN_V_LINE = 1 / 60
# A grid must be at least this big (pixels at 150 dpi) to be read as a table.
_MIN_GRID = 40
# A picture of a 图片版 page with a shorter side than this (pixels) is an icon or a banner, and a
# square one smaller than SQUARE_PICTURE_MAX a QR code or a logo: never OCR'd as a page.
MIN_PICTURE_SIDE = 300
SQUARE_PICTURE_MAX = 800
# A page read with at least this many lines is checked for its orientation (:func:`looks_upright`;
# upside down, the recogniser keeps only a few fragments); fewer: nothing to tell it by (a blank page).
MIN_ORIENT_LINES = 3
# A cell whose recognised text scored below this carries the annotation ``low_confidence``.
LOW_CONFIDENCE = 0.9
# Letters a recogniser reads for digits in a number cell; such a reading is accepted only when
# the row's arithmetic confirms it (see :func:`confirm_numbers`).
_CONFUSABLE = str.maketrans({"O": "0", "o": "0", "D": "0", "Q": "0", "l": "1", "I": "1", "|": "1", "i": "1"})
_CONFUSED_NUMBER = re.compile(r"^[0-9OoDQlI|i]+$")


def available() -> bool:
    """Whether the ``ocr`` extra is installed."""
    return all(importlib.util.find_spec(m) is not None for m in ("rapidocr", "onnxruntime", "cv2"))


def missing_reason() -> str:
    return f"OCR is not installed (the optional extra: {EXTRA_HINT})"


@dataclass(frozen=True)
class Line:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    score: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


@dataclass
class _Item:
    top: float
    bottom: float
    text: str | None = None
    score: float | None = None
    rows: list[list[str | None]] | None = None
    scores: list[list[float | None]] | None = None


@dataclass
class _Page:
    number: int
    height: float
    items: list[_Item] = field(default_factory=list)


_engine: Any = None


def _get_engine():
    global _engine
    if _engine is None:
        from rapidocr import RapidOCR

        # no text-direction classifier: pages are deskewed first and turned upright as a whole
        # (read_upright); skipping it halves the time per page on this machine (22.9 s → 9.7 s, r001 page 3)
        _engine = RapidOCR(params={"Global.log_level": "error", "Global.use_cls": False})
    return _engine


def recognise(image) -> list[Line]:
    """Text lines with boxes and scores of one page image (numpy RGB array)."""
    result = _get_engine()(image)
    if result is None or getattr(result, "boxes", None) is None or result.txts is None:
        return []
    lines = []
    for box, text, score in zip(result.boxes, result.txts, result.scores, strict=False):
        xs = [float(p[0]) for p in box]
        ys = [float(p[1]) for p in box]
        text = normalise_ws(str(text))
        if text:
            lines.append(Line(min(xs), min(ys), max(xs), max(ys), text, float(score)))
    return lines


# ---------------------------------------------------------------- grid geometry


def _positions(profile, min_gap: int = 4) -> list[int]:
    """Centres of the runs of true values in a 1-D boolean profile."""
    out: list[int] = []
    start = None
    for i, on in enumerate([*list(profile), False]):
        if on and start is None:
            start = i
        elif not on and start is not None:
            centre = (start + i - 1) // 2
            if out and centre - out[-1] < min_gap:
                out[-1] = (out[-1] + centre) // 2
            else:
                out.append(centre)
            start = None
    return out


@dataclass
class Grid:
    x0: int
    y0: int
    x1: int
    y1: int
    xs: list[int]
    ys: list[int]
    anchor: list[list[tuple[int, int]]]  # each grid position → the top-left position of its merged cell


def find_grids(gray) -> list[Grid]:
    """Ruled tables of a greyscale page (numpy uint8): their row/column boundaries and spans."""
    import cv2
    import numpy as np

    h, w = gray.shape
    # a light smoothing first: a harsh scan's noise breaks thin strokes up (a stroke missing
    # between two cells reads as a span); a median would erase a clean one-pixel line instead
    binary = cv2.adaptiveThreshold(cv2.GaussianBlur(gray, (3, 3), 0), 255, cv2.ADAPTIVE_THRESH_MEAN_C,
                                   cv2.THRESH_BINARY_INV, 25, 15)
    hk = cv2.getStructuringElement(cv2.MORPH_RECT, (max(10, int(w * _MIN_H_LINE)), 1))
    vk = cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(10, int(h * _MIN_V_LINE))))
    horiz = cv2.dilate(cv2.morphologyEx(binary, cv2.MORPH_OPEN, hk), np.ones((3, 3), np.uint8))
    vert = cv2.dilate(cv2.morphologyEx(binary, cv2.MORPH_OPEN, vk), np.ones((3, 3), np.uint8))
    mask = cv2.bitwise_or(horiz, vert)
    n, _labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    grids: list[Grid] = []
    for k in range(1, n):
        x, y, gw, gh, _area = (int(v) for v in stats[k])
        if gw < _MIN_GRID * 3 or gh < _MIN_GRID:
            continue
        hs = horiz[y:y + gh, x:x + gw] > 0
        vs = vert[y:y + gh, x:x + gw] > 0
        ys = _positions(hs.sum(axis=1) > gw * 0.15)
        xs = _positions(vs.sum(axis=0) > gh * 0.08)
        # a table cut by the page edge has no closing stroke: its vertical strokes end the last row
        if ys and gh - 1 - ys[-1] > 8:
            ys.append(gh - 1)
        if ys and ys[0] > 8:
            ys.insert(0, 0)
        if len(ys) < 2 or len(xs) < 2:
            continue
        # cut segments shorter than a cell: a position counts when its stroke covers half its edge
        rows, cols = len(ys) - 1, len(xs) - 1
        anchor = [[(r, c) for c in range(cols)] for r in range(rows)]

        def find(p: tuple[int, int], anchor: list[list[tuple[int, int]]] = anchor) -> tuple[int, int]:
            while anchor[p[0]][p[1]] != p:
                p = anchor[p[0]][p[1]]
            return p

        def union(a: tuple[int, int], b: tuple[int, int], anchor: list[list[tuple[int, int]]] = anchor) -> None:
            ra, rb = find(a), find(b)
            if ra != rb:
                first, second = min(ra, rb), max(ra, rb)
                anchor[second[0]][second[1]] = first

        for r in range(rows):
            for c in range(cols):
                ya, yb = ys[r], ys[r + 1]
                xa, xb = xs[c], xs[c + 1]
                if c + 1 < cols:  # vertical stroke at xs[c+1] between ya..yb?
                    xl = xs[c + 1]
                    seg = vs[ya + 2:max(ya + 3, yb - 2), max(0, xl - 3):xl + 4].any(axis=1)
                    if seg.size and seg.mean() < 0.5:
                        union((r, c), (r, c + 1))
                if r + 1 < rows:
                    yl = ys[r + 1]
                    seg = hs[max(0, yl - 3):yl + 4, xa + 2:max(xa + 3, xb - 2)].any(axis=0)
                    if seg.size and seg.mean() < 0.5:
                        union((r, c), (r + 1, c))
        final = [[find((r, c)) for c in range(cols)] for r in range(rows)]
        grids.append(Grid(x, y, x + gw, y + gh, [x + v for v in xs], [y + v for v in ys], final))
    grids.sort(key=lambda g: g.y0)
    return grids


def _join(lines: list[Line]) -> tuple[str, float]:
    """Lines inside one cell in reading order: text rows joined by newlines; the lowest score."""
    if not lines:
        return "", 1.0
    rows: list[list[Line]] = []
    for ln in sorted(lines, key=lambda ln: ln.cy):
        if rows and abs(ln.cy - sum(x.cy for x in rows[-1]) / len(rows[-1])) < (ln.y1 - ln.y0) * 0.5:
            rows[-1].append(ln)
        else:
            rows.append([ln])
    text = "\n".join("".join(x.text for x in sorted(r, key=lambda x: x.x0)) for r in rows)
    return text, min(ln.score for ln in lines)


def _grid_rows(grid: Grid, lines: list[Line]) -> tuple[list[list[str | None]], list[list[float | None]]]:
    rows_n, cols_n = len(grid.ys) - 1, len(grid.xs) - 1
    buckets: dict[tuple[int, int], list[Line]] = {}
    import bisect

    for ln in lines:
        r = bisect.bisect_right(grid.ys, ln.cy) - 1
        c = bisect.bisect_right(grid.xs, ln.cx) - 1
        r = min(max(r, 0), rows_n - 1)
        c = min(max(c, 0), cols_n - 1)
        buckets.setdefault(grid.anchor[r][c], []).append(ln)
    rows: list[list[str | None]] = []
    scores: list[list[float | None]] = []
    for r in range(rows_n):
        row: list[str | None] = []
        srow: list[float | None] = []
        for c in range(cols_n):
            if grid.anchor[r][c] != (r, c):
                row.append(None)
                srow.append(None)
                continue
            text, score = _join(buckets.get((r, c), []))
            row.append(text)
            srow.append(score if text else None)
        rows.append(row)
        scores.append(srow)
    return rows, scores


def _text_items(lines: list[Line]) -> list[_Item]:
    """Lines outside tables: boxes on one baseline joined left to right, one item per printed line."""
    items: list[_Item] = []
    group: list[Line] = []
    for ln in sorted(lines, key=lambda ln: (ln.cy, ln.x0)):
        if group and abs(ln.cy - group[-1].cy) > (ln.y1 - ln.y0) * 0.5:
            items.append(_line_item(group))
            group = []
        group.append(ln)
    if group:
        items.append(_line_item(group))
    return items


def _line_item(group: list[Line]) -> _Item:
    parts = sorted(group, key=lambda ln: ln.x0)
    return _Item(top=min(p.y0 for p in parts), bottom=max(p.y1 for p in parts),
                 text=" ".join(p.text for p in parts), score=min(p.score for p in parts))


def layout_page(number: int, gray, lines: list[Line]) -> _Page:
    """One page's items (text lines and table grids) in reading order."""
    grids = find_grids(gray)
    page = _Page(number=number, height=float(gray.shape[0]))
    free: list[Line] = []
    inside: list[list[Line]] = [[] for _ in grids]
    for ln in lines:
        for k, g in enumerate(grids):
            if g.x0 <= ln.cx <= g.x1 and g.y0 <= ln.cy <= g.y1:
                inside[k].append(ln)
                break
        else:
            free.append(ln)
    items = _text_items(free)
    for g, lns in zip(grids, inside, strict=True):
        rows, scores = _grid_rows(g, lns)
        if any(any(c for c in r) for r in rows):
            items.append(_Item(top=g.y0, bottom=g.y1, rows=rows, scores=scores))
    items.sort(key=lambda it: it.top)
    page.items = items
    return page


# ---------------------------------------------------------------- pages → blocks


def _stitch(pages: list[_Page]) -> list[Block]:
    """Blocks of all pages; a table that opens a page continues the table that ended the previous
    page when both have the same number of columns (a repeated header row is dropped)."""
    blocks: list[Block] = []
    open_rows: list[list[str | None]] | None = None
    open_scores: list[list[float | None]] | None = None
    open_page = 0

    def close() -> None:
        nonlocal open_rows, open_scores
        if open_rows:
            blocks.append(Block(kind="table", rows=tuple(tuple(r) for r in open_rows), page=open_page,
                                scores=tuple(tuple(s) for s in open_scores or [])))
        open_rows = open_scores = None

    for pg in pages:
        for idx, it in enumerate(pg.items):
            if it.rows is not None and it.scores is not None:
                if open_rows is not None and idx == 0 and len(it.rows[0]) == len(open_rows[-1]):
                    rows, scores = it.rows, it.scores
                    if rows and rows[0] == open_rows[0]:
                        rows, scores = rows[1:], scores[1:]
                    open_rows.extend(rows)
                    assert open_scores is not None
                    open_scores.extend(scores)
                else:
                    close()
                    open_rows, open_scores, open_page = list(it.rows), list(it.scores), pg.number
            elif it.text is not None:
                close()
                blocks.append(Block(kind="text", text=it.text, page=pg.number, scores=((it.score,),)))
    close()
    return blocks


def deskew(image, max_angle: float = 2.0, step: float = 0.1):
    """The page turned upright: the small rotation that makes its text rows and ruling lines
    sharpest in the row profile (searched on a quarter-size copy)."""
    import numpy as np
    from PIL import Image

    small = image.convert("L")
    small = small.resize((max(1, small.width // 4), max(1, small.height // 4)))
    ink = Image.fromarray((np.asarray(small) < 128).astype(np.uint8) * 255)
    best, best_angle = -1.0, 0.0
    for k in range(-int(max_angle / step), int(max_angle / step) + 1):
        angle = k * step
        profile = np.asarray(ink.rotate(angle, resample=Image.Resampling.BILINEAR), dtype=np.float32).sum(axis=1)
        score = float(np.var(profile))
        if score > best:
            best, best_angle = score, angle
    if abs(best_angle) < step / 2:
        return image
    return image.convert("RGB").rotate(best_angle, resample=Image.Resampling.BICUBIC, fillcolor=(255, 255, 255))


def _check_pixels(width: int, height: int, limits: Limits, what: str) -> None:
    if width * height > limits.max_image_pixels:
        raise ExtractionError(f"{what}: {width}×{height} pixels exceeds max_image_pixels={limits.max_image_pixels}; "
                              "not decoded", "too_large")


def _tall(line: Line) -> bool:
    return (line.y1 - line.y0) > 1.2 * (line.x1 - line.x0)


def upright_chars(lines: list[Line]) -> int:
    """How much a page's reading looks like upright text: the characters of confident
    (score ≥ 0.9) lines of two or more characters laid out wider than tall. A page read turned by
    90° gives tall boxes, one turned by 180° unconfident fragments."""
    return sum(len(ln.text) for ln in lines if len(ln.text) >= 2 and not _tall(ln) and ln.score >= 0.9)


def other_orientations(lines: list[Line]) -> tuple[int, ...]:
    """The turns (degrees) worth another reading of a page, by its first reading: none when there
    is too little text to tell or most lines of two or more characters are wide and confident;
    90° and 270° when most are tall (a page on its side); else 180° (upside down, the recogniser
    reads unconfident fragments). A noisy upright page thus costs one more reading, not three."""
    if len(lines) < MIN_ORIENT_LINES:
        return ()
    multi = [ln for ln in lines if len(ln.text) >= 2]
    if not multi:
        return (90, 180, 270)
    if sum(1 for ln in multi if _tall(ln)) / len(multi) >= 0.5:
        return (90, 270)
    if sum(1 for ln in multi if ln.score >= 0.9) / len(multi) >= 0.7:
        return ()
    return (180,)


def looks_upright(lines: list[Line]) -> bool:
    """Whether a page's first reading needs no other orientation (:func:`other_orientations`)."""
    return not other_orientations(lines)


def read_upright(image, number: int, deadline: Deadline, warns: list[str]):
    """(image, lines) of one page, turned upright: read as it is; when that does not look upright
    (a page scanned or stored at 90°/180°/270°), read turned as :func:`other_orientations` says
    too (at most four readings) and keep the reading with the most upright text."""
    import numpy as np
    from PIL import Image

    lines = recognise(np.asarray(image.convert("RGB")))
    turns = other_orientations(lines)
    best = (upright_chars(lines), 0, image, lines)
    for angle in turns:
        deadline.check(f"ocr page {number}, turned by {angle}°")
        turned = image.convert("RGB").rotate(angle, resample=Image.Resampling.NEAREST, expand=True,
                                             fillcolor=(255, 255, 255))
        tried = recognise(np.asarray(turned))
        if upright_chars(tried) > best[0]:
            best = (upright_chars(tried), angle, turned, tried)
    _, angle, image, lines = best
    if angle:
        warns.append(f"ocr: page {number} read turned by {angle}° (scanned sideways or upside down)")
    return image, lines


def _read_images(images, limits: Limits, deadline: Deadline, warns: list[str]) -> list[_Page]:
    import numpy as np

    pages: list[_Page] = []
    for number, image in images:
        deadline.check(f"ocr page {number}")
        image, lines = read_upright(deskew(image), number, deadline, warns)
        gray = np.asarray(image.convert("L"))
        pages.append(layout_page(number, gray, lines))
    return pages


def _document(pages: list[_Page], warns: list[str], source_format: str) -> ExtractedDocument:
    blocks = _stitch(pages)
    return ExtractedDocument(blocks=tuple(blocks), source_format=source_format, needs_ocr=not blocks,
                             warnings=tuple(warns), ocr=True)


def extract_ocr_image(body: bytes, *, limits: Limits, deadline: Deadline,
                      warnings: list[str] | None = None) -> ExtractedDocument:
    """OCR of one picture (PNG, JPEG, …); frames of a multi-frame TIFF/GIF become pages."""
    from PIL import Image, ImageSequence, UnidentifiedImageError

    warns = list(warnings or [])
    Image.MAX_IMAGE_PIXELS = None  # checked below, before any decoding, with a clearer reason
    try:
        img = Image.open(io.BytesIO(body))
        _check_pixels(img.width, img.height, limits, "image")
        frames = []
        for i, frame in enumerate(ImageSequence.Iterator(img), start=1):
            if i > limits.max_pages:
                warns.append(f"image: more than {limits.max_pages} frames; the rest not read")
                break
            frame.load()
            frames.append((i, frame.copy()))
    except ExtractionError:
        raise
    except Image.DecompressionBombError as exc:
        raise ExtractionError(f"image: {exc}", "too_large") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ExtractionError(f"image: corrupt or unsupported image ({type(exc).__name__}: {exc})",
                              "corrupt") from exc
    return _document(_read_images(frames, limits, deadline, warns), warns, "image")


def _page_like(width: int, height: int) -> bool:
    """Whether a picture's size is that of a page of a report: not an icon or a banner (a short
    side under :data:`MIN_PICTURE_SIDE`), not a small square (a QR code, a logo)."""
    short, long_ = min(width, height), max(width, height)
    if short < MIN_PICTURE_SIDE:
        return False
    return not (long_ < SQUARE_PICTURE_MAX and long_ <= short * 1.25)


def extract_ocr_pictures(body: bytes, *, limits: Limits, deadline: Deadline, pictures: list[bytes],
                         warnings: list[str] | None = None) -> ExtractedDocument:
    """OCR of the pictures of a 图片版 page, in page order, as the pages of one document (picture
    k is page k). A picture that is no page of a report (icon, QR code, logo: by its size), too
    large or corrupt is left out with a warning naming it; the others are read (``body`` unused)."""
    from PIL import Image, UnidentifiedImageError

    warns = list(warnings or [])
    Image.MAX_IMAGE_PIXELS = None  # checked below, before any decoding, with a clearer reason

    def decoded():  # one picture decoded at a time: memory stays that of one page
        for k, data in enumerate(pictures, start=1):
            if k > limits.max_pages:
                warns.append(f"pictures: more than {limits.max_pages}; the rest not read")
                return
            if not data:  # refused by the caller (not an image), with its warning
                continue
            try:
                img = Image.open(io.BytesIO(data))
                _check_pixels(img.width, img.height, limits, f"picture {k}")
                if not _page_like(img.width, img.height):
                    warns.append(f"picture {k}: {img.width}×{img.height} pixels is no page of a report "
                                 "(icon, logo, QR code); not read")
                    continue
                img.load()
            except ExtractionError as exc:
                warns.append(f"{exc.reason} [{exc.code}]")
                continue
            except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
                warns.append(f"picture {k}: corrupt or unsupported image ({type(exc).__name__}: {exc}); not read")
                continue
            yield k, img

    return _document(_read_images(decoded(), limits, deadline, warns), warns, "image")


def extract_ocr_pdf(body: bytes, *, limits: Limits, deadline: Deadline, pages: list[int] | None = None,
                    warnings: list[str] | None = None) -> ExtractedDocument:
    """OCR of a PDF's pages (1-based ``pages``; all when None), rendered at 150 dpi."""
    import pypdfium2 as pdfium

    warns = list(warnings or [])
    try:
        pdf = pdfium.PdfDocument(body)
    except pdfium.PdfiumError as exc:
        raise ExtractionError(f"pdf: cannot open for OCR ({exc})", "corrupt") from exc
    try:
        n = len(pdf)
        if n > limits.max_pages:
            raise ExtractionError(f"pdf: {n} pages exceeds max_pages={limits.max_pages}", "too_many_pages")
        wanted = [p for p in (pages or range(1, n + 1)) if 1 <= p <= n]

        def rendered():
            for number in wanted:
                page = pdf[number - 1]
                w_pt, h_pt = page.get_size()
                scale = RENDER_DPI / 72
                if w_pt * h_pt * scale * scale > limits.max_image_pixels:
                    scale = math.sqrt(limits.max_image_pixels / max(1.0, w_pt * h_pt))
                    warns.append(f"pdf: page {number} is {w_pt:.0f}×{h_pt:.0f} pt; rendered below {RENDER_DPI} dpi")
                yield number, page.render(scale=scale, grayscale=False).to_pil()

        result = _read_images(rendered(), limits, deadline, warns)
    finally:
        pdf.close()
    return _document(result, warns, "pdf")


def cell_confidence(doc: ExtractedDocument, where: dict[str, Any] | None) -> float | None:
    """The recogniser's score of the text a cell was read from (by its provenance)."""
    if not where or "block" not in where or not 0 <= where["block"] < len(doc.blocks):
        return None
    block = doc.blocks[where["block"]]
    if not block.scores:
        return None
    row, col = (where.get("row"), where.get("col")) if block.kind == "table" else (0, 0)
    if row is None or col is None or row >= len(block.scores) or col >= len(block.scores[row]):
        return None
    return block.scores[row][col]


def with_confidence(doc: ExtractedDocument, cells: dict[str, Cell]) -> dict[str, Cell]:
    """The cells of an OCR'd document with their confidence (and, for a 图片版 page, the SHA-256 of
    the picture in their provenance); the ones below
    :data:`LOW_CONFIDENCE` annotated ``low_confidence`` (unless they carry an annotation already);
    look-alike letters in numbers settled by :func:`confirm_numbers`."""
    from dataclasses import replace

    out: dict[str, Cell] = {}
    for key, cell in cells.items():
        score = cell_confidence(doc, cell.provenance)
        if score is None:
            out[key] = cell
            continue
        low = score < LOW_CONFIDENCE and cell.annotation is None
        where = cell.provenance
        page = (where or {}).get("page")
        if where is not None and isinstance(page, int) and 1 <= page <= len(doc.picture_sources):
            where = {**where, "picture": doc.picture_sources[page - 1]}  # the 图片版 picture it was read from
        out[key] = replace(cell, confidence=score, annotation="low_confidence" if low else cell.annotation,
                           provenance=where)
    return confirm_numbers(out)


def _misread(cell: Cell) -> int | None:
    """The number a cell's text would be with look-alike letters read as digits, or None."""
    raw = (cell.raw or "").replace(" ", "")
    if cell.semantic != "TEXT" or not _CONFUSED_NUMBER.match(raw) or raw.isdigit():
        return None
    return int(raw.translate(_CONFUSABLE))


def confirm_numbers(cells: dict[str, Cell]) -> dict[str, Cell]:
    """Number cells OCR read with look-alike letters ("1O", "l"): the digit reading is kept when
    table 3's row arithmetic (the parts add up to the row's total) confirms it, else the cell is
    MISSING (``low_confidence``): never a guessed number."""
    from dataclasses import replace

    from pipelines.parsing.schema import t3_columns

    columns = [c.key for c in t3_columns()]
    parts, total = [c for c in columns if c != "total"], "total"
    out = dict(cells)
    for key, cell in cells.items():
        guess = _misread(cell)
        if guess is None:
            continue
        confirmed = False
        prefix, _, column = key.rpartition(".")
        if key.startswith("t3.") and column in columns:
            values: dict[str, float | int | None] = {c: getattr(out.get(f"{prefix}.{c}"), "value", None)
                                                     for c in columns}
            values[column] = guess
            if all(values[c] is not None for c in columns):
                confirmed = sum(values[c] or 0 for c in parts) == values[total]
        if confirmed:
            out[key] = replace(cell, value=guess, semantic="ZERO" if guess == 0 else "NUMERIC")
        else:
            out[key] = replace(cell, value=None, semantic="MISSING", annotation="low_confidence")
    return out


def _scope_keys(scope: str, cells: dict[str, Cell]) -> list[str]:
    """The cells a check's scope covers: a table ("t3"), a row or block ("new", "review"), or a
    table 3 column ("total", "natural_person:carried_out")."""
    base = scope.split(":")[0]
    return [k for k in cells if k.startswith((f"{base}.", f"t3.{base}.", f"t4.{base}."))
            or (k.startswith("t3.") and k.endswith(f".{base}"))]


def name_doubtful(checks: tuple[CheckResult, ...], cells: dict[str, Cell], n: int = 3) -> tuple[CheckResult, ...]:
    """Failed checks of an OCR'd report, their detail naming the ``n`` cells of their scope read
    with the lowest confidence (the likeliest misreadings)."""
    from dataclasses import replace

    out = []
    for check in checks:
        if "fail" in (check.strict, check.lenient):
            scored = sorted((cells[k].confidence or 0.0, k) for k in _scope_keys(check.scope, cells)
                            if cells[k].confidence is not None)
            if scored:
                names = ", ".join(f"{k}={cells[k].raw!r} ({score:.2f})" for score, k in scored[:n])
                check = replace(check, detail=f"{check.detail or check.rule}; lowest OCR confidence: {names}")
        out.append(check)
    return tuple(out)
