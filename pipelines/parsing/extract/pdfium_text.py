"""The fast PDF engine: pypdfium2 (PDFium) reads each page's text layer with its character boxes
and the page's path objects; the rules of those paths become pdfplumber-style edges, so
pdfplumber's own table geometry (pure Python, no pdfminer parsing) finds the same cell grids.

PDFium interprets content streams in C, which is where pdfplumber (pdfminer) spends its time.
Everything the engine cannot read faithfully raises :class:`FastEngineDeclined`, and the caller
hands the document to pdfplumber.
"""

from __future__ import annotations

import ctypes
import itertools
import math
from dataclasses import dataclass

from pipelines.parsing.extract.errors import ExtractionError
from pipelines.parsing.extract.limits import Deadline, Limits

# PDFium's content parser cuts a string operand at 32767 bytes and says nothing; a page with
# that many characters is past what the fast engine reads faithfully (a glyph flood, most
# likely), so pdfplumber reads it under the reading budget.
PDFIUM_MAX_PAGE_CHARS = 32767
# Form XObjects nest; deeper nesting than this is not followed for ruling lines.
_MAX_FORM_DEPTH = 8


class FastEngineDeclined(Exception):
    """The fast engine cannot read this document; ``reason`` says why (the next engine tries)."""

    def __init__(self, reason: str, code: str = "corrupt") -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


@dataclass
class PageView:
    """The parts of a pdfplumber page that pdfplumber's ``TableFinder`` and ``Table`` read."""

    chars: list[dict]
    edges: list[dict]
    bbox: tuple[float, float, float, float]
    has_images: bool = False


def _edge(kind: str, x0: float, top: float, x1: float, bottom: float, orientation: str | None) -> dict:
    return {"object_type": kind, "x0": x0, "x1": x1, "top": top, "bottom": bottom, "doctop": top,
            "width": x1 - x0, "height": bottom - top, "orientation": orientation}


def _subpath_edges(points: list[tuple[float, float]], bezier: bool) -> list[dict]:
    """Edges of one subpath (top-down coordinates), classified the way pdfminer classifies paths
    and pdfplumber turns them into edges: a two-point path is a line, an axis-aligned
    quadrilateral a rect (four edges), anything else a curve (edges between consecutive points)."""
    if len(points) == 5 and points[0] == points[-1]:
        points = points[:4]
    if not bezier and len(points) == 2:
        (ax, ay), (bx, by) = points
        return [_edge("line", min(ax, bx), min(ay, by), max(ax, bx), max(ay, by), "h" if ay == by else "v")]
    if not bezier and len(points) == 4:
        (ax, ay), (bx, by), (cx, cy), (dx, dy) = points
        if (ax == bx and by == cy and cx == dx and dy == ay) or (ay == by and bx == cx and cy == dy and dx == ax):
            x0, x1 = min(ax, cx), max(ax, cx)
            t, b = min(ay, cy), max(ay, cy)
            return [_edge("rect_edge", x0, t, x1, t, "h"), _edge("rect_edge", x0, b, x1, b, "h"),
                    _edge("rect_edge", x0, t, x0, b, "v"), _edge("rect_edge", x1, t, x1, b, "v")]
    out = []
    for (ax, ay), (bx, by) in itertools.pairwise(points):
        orientation = "v" if ax == bx else ("h" if ay == by else None)
        if orientation:
            out.append(_edge("curve_edge", min(ax, bx), min(ay, by), max(ax, bx), max(ay, by), orientation))
    return out


def _path_edges(raw, obj, matrix: tuple[float, ...], height: float) -> list[dict]:
    a, b, c, d, e, f = matrix
    x, y = ctypes.c_float(), ctypes.c_float()
    edges: list[dict] = []
    points: list[tuple[float, float]] = []
    bezier = False
    for i in range(raw.FPDFPath_CountSegments(obj)):
        seg = raw.FPDFPath_GetPathSegment(obj, i)
        raw.FPDFPathSegment_GetPoint(seg, ctypes.byref(x), ctypes.byref(y))
        px, py = x.value, y.value
        pt = (a * px + c * py + e, height - (b * px + d * py + f))
        kind = raw.FPDFPathSegment_GetType(seg)
        if kind == raw.FPDF_SEGMENT_MOVETO:
            if points:
                edges.extend(_subpath_edges(points, bezier))
            points, bezier = [pt], False
        else:
            bezier = bezier or kind == raw.FPDF_SEGMENT_BEZIERTO
            points.append(pt)
    if points:
        edges.extend(_subpath_edges(points, bezier))
    return edges


def _compose(m: tuple[float, ...], n: tuple[float, ...]) -> tuple[float, ...]:
    """``m`` applied first, then ``n`` (PDF row-vector convention)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _object_matrix(raw, obj) -> tuple[float, ...]:
    m = raw.FS_MATRIX()
    if not raw.FPDFPageObj_GetMatrix(obj, ctypes.byref(m)):
        return (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _page_objects(raw, page, height: float) -> tuple[list[dict], bool]:
    """Edges of every path on the page (inside form XObjects too) and whether it shows images."""
    edges: list[dict] = []
    images = False
    identity: tuple[float, ...] = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    stack = [(raw.FPDFPage_GetObject(page, i), identity, 0)
             for i in range(raw.FPDFPage_CountObjects(page))]
    while stack:
        obj, outer, depth = stack.pop()
        kind = raw.FPDFPageObj_GetType(obj)
        if kind == raw.FPDF_PAGEOBJ_PATH:
            edges.extend(_path_edges(raw, obj, _compose(_object_matrix(raw, obj), outer), height))
        elif kind == raw.FPDF_PAGEOBJ_IMAGE:
            images = True
        elif kind == raw.FPDF_PAGEOBJ_FORM and depth < _MAX_FORM_DEPTH:
            inner = _compose(_object_matrix(raw, obj), outer)
            stack.extend((raw.FPDFFormObj_GetObject(obj, j), inner, depth + 1)
                         for j in range(raw.FPDFFormObj_CountObjects(obj)))
    return edges, images


def _descent(raw, font, cache: dict[int, float]) -> float:
    """The font's descent per unit of font size (negative), as its descriptor gives it."""
    key = ctypes.cast(font, ctypes.c_void_p).value or 0
    if key not in cache:
        out = ctypes.c_float()
        ok = font and raw.FPDFFont_GetDescent(font, ctypes.c_float(1000.0), ctypes.byref(out))
        cache[key] = out.value / 1000 if ok else 0.0
    return cache[key]


def _prototype(function, restype, *argtypes):
    """``function`` (a pypdfium2.raw binding) called through a prototype with plain ctypes
    types: handles go in and out as integers, which saves a pointer conversion per call."""
    address = ctypes.cast(function, ctypes.c_void_p).value
    if not address:
        raise FastEngineDeclined(f"PDFium symbol {function.__name__} not bound", "failed")
    return ctypes.CFUNCTYPE(restype, *argtypes)(address)


class _CharCalls:
    """The per-character PDFium text calls, bound once (they run for every character)."""

    def __init__(self, raw) -> None:
        vp, i, ci = ctypes.c_void_p, ctypes.c_int, ctypes.c_int
        self.is_generated = _prototype(raw.FPDFText_IsGenerated, i, vp, ci)
        self.unicode = _prototype(raw.FPDFText_GetUnicode, ctypes.c_uint, vp, ci)
        self.map_error = _prototype(raw.FPDFText_HasUnicodeMapError, i, vp, ci)
        self.loose_box = _prototype(raw.FPDFText_GetLooseCharBox, i, vp, ci, ctypes.POINTER(raw.FS_RECTF))
        self.origin = _prototype(raw.FPDFText_GetCharOrigin, i, vp, ci, ctypes.POINTER(ctypes.c_double),
                                 ctypes.POINTER(ctypes.c_double))
        self.text_object = _prototype(raw.FPDFText_GetTextObject, vp, vp, ci)


_calls: _CharCalls | None = None


def _char_calls(raw) -> _CharCalls:
    global _calls
    if _calls is None:
        _calls = _CharCalls(raw)
    return _calls


def _em_size(raw, textpage, index: int, matrix) -> float:
    """The font size as drawn (em size × the char's matrix)."""
    size = raw.FPDFText_GetFontSize(textpage, index)
    if raw.FPDFText_GetMatrix(textpage, index, ctypes.byref(matrix)):
        size *= math.hypot(matrix.c, matrix.d)
    return size


def _page_chars(raw, textpage, height: float, number: int) -> tuple[list[dict], int]:
    """pdfplumber-style char dicts (text, x0, x1, top, bottom) of the drawn characters, in
    content order, and how many of them have no Unicode mapping."""
    n = raw.FPDFText_CountChars(textpage)
    if n >= PDFIUM_MAX_PAGE_CHARS:
        raise FastEngineDeclined(f"page {number} holds {n} characters, at PDFium's {PDFIUM_MAX_PAGE_CHARS}-character "
                                 "string limit (text may be cut)", "too_large")
    calls = _char_calls(raw)
    page = ctypes.cast(textpage, ctypes.c_void_p).value
    rect = raw.FS_RECTF()
    matrix = raw.FS_MATRIX()
    ox, oy = ctypes.c_double(), ctypes.c_double()
    rect_ref, ox_ref, oy_ref = ctypes.byref(rect), ctypes.byref(ox), ctypes.byref(oy)
    descents: dict[int, float] = {}
    # Font size and font come from the character's text object: (size as drawn, descent) per object.
    objects: dict[int, tuple[float, float]] = {}
    chars: list[dict] = []
    unmapped = 0
    for i in range(n):
        if calls.is_generated(page, i) == 1:
            continue
        code = calls.unicode(page, i)
        if code in (0x0D, 0x0A, 0xFFFE, 0xFFFF):
            continue
        if calls.map_error(page, i) == 1:
            unmapped += 1
        if not calls.loose_box(page, i, rect_ref):
            continue
        # pdfminer's box, which pdfplumber's tolerances are tuned to: from the font's descent
        # below the baseline up by the font size as drawn (em size × the char's matrix).
        obj = calls.text_object(page, i)
        known = objects.get(obj) if obj else None
        if known is None:
            size = _em_size(raw, textpage, i, matrix)
            font = raw.FPDFTextObj_GetFont(raw.FPDFText_GetTextObject(textpage, i))
            known = (size, _descent(raw, font, descents))
            if obj:
                objects[obj] = known
        size, descent = known
        calls.origin(page, i, ox_ref, oy_ref)
        x0, x1 = rect.left, rect.right
        if size <= 0:
            top, bottom = height - rect.top, height - rect.bottom
        elif x1 - x0 > 2 * size:
            # Vertical writing: PDFium's loose box spans the run, its origin is the glyph's
            # lower-left corner (where pdfminer puts the box).
            x0, x1 = ox.value, ox.value + size
            bottom = height - oy.value
            top = bottom - size
        else:
            bottom = height - oy.value - descent * size
            top = bottom - size
        chars.append({"text": chr(code) if code < 0x110000 else "\ufffd", "x0": x0, "x1": x1,
                      "top": top, "bottom": bottom, "doctop": top, "upright": True, "size": size})
    return chars, unmapped


def _surrogates(chars: list[dict]) -> list[dict]:
    """Join UTF-16 surrogate pairs that PDFium reports as two characters."""
    out: list[dict] = []
    for ch in chars:
        t = ch["text"]
        if out and "\udc00" <= t <= "\udfff" and "\ud800" <= out[-1]["text"] <= "\udbff":
            hi = ord(out[-1]["text"]) - 0xD800
            out[-1] = {**out[-1], "text": chr(0x10000 + (hi << 10) + ord(t) - 0xDC00), "x1": ch["x1"]}
        else:
            out.append(ch)
    return out


def open_document(body: bytes):
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(body)
    except pdfium.PdfiumError as exc:
        code = "encrypted" if "password" in str(exc).lower() else "corrupt"
        raise FastEngineDeclined(f"cannot open ({exc})", code) from exc


def read_pages(body: bytes, *, limits: Limits, deadline: Deadline):
    """Yield ``(number, PageView, unmapped_chars)`` for every page; raises
    :class:`FastEngineDeclined` when PDFium cannot read the document faithfully and
    :class:`ExtractionError` for limits (page count, deadline)."""
    import pypdfium2.raw as raw

    doc = open_document(body)
    try:
        n_pages = len(doc)
        if n_pages == 0:
            raise FastEngineDeclined("no pages")
        if n_pages > limits.max_pages:
            raise ExtractionError(f"pdf: {n_pages} pages exceeds max_pages={limits.max_pages}", "too_many_pages")
        for i in range(n_pages):
            deadline.check(f"pdf page {i + 1} of {n_pages}")
            page = doc[i]
            try:
                x0, y0, x1, y1 = page.get_mediabox()
                height = float(y1)
                textpage = page.get_textpage()
                try:
                    chars, unmapped = _page_chars(raw, textpage.raw, height, i + 1)
                finally:
                    textpage.close()
                edges, images = _page_objects(raw, page.raw, height)
            finally:
                page.close()
            view = PageView(chars=_surrogates(chars), edges=edges,
                            bbox=(float(x0), height - float(y1), float(x1), height - float(y0)), has_images=images)
            yield i + 1, view, unmapped
    finally:
        doc.close()
