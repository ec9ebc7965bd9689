"""Text decoding (through pipelines.decoding, the one body decoder) and plain-text reading."""

from __future__ import annotations

from pipelines import decoding as D
from pipelines.cleaning.text import clean_text_lines
from pipelines.decoding import canonical_charset
from pipelines.parsing import patterns as P
from pipelines.parsing.extract.errors import ExtractionError
from pipelines.parsing.types import Block, ExtractedDocument

# Share of control bytes (other than \t \n \r \f, ESC) above which bytes are treated as binary.
_BINARY_CONTROL_SHARE = 0.02


def charset_from_content_type(content_type: str | None) -> str | None:
    """The codec named by a ``Content-Type`` value (None when it names none Python knows)."""
    return canonical_charset(D.charset_from_content_type(content_type))


def _check_binary(body: bytes, what: str) -> None:
    sample = body[:65536]
    if b"\x00" in sample:
        raise ExtractionError(f"{what}: binary content (NUL bytes) in a document sniffed as text", "binary")
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    if sample and controls / len(sample) > _BINARY_CONTROL_SHARE:
        raise ExtractionError(
            f"{what}: unrecognised binary content ({controls} control bytes in the first {len(sample)})",
            "binary",
        )


def _mixed_utf8_lines(body: bytes) -> tuple[int, int]:
    """(lines valid as UTF-8 holding ≥ 2 CJK ideographs, lines invalid as UTF-8).

    GB18030 text almost never forms a whole line of valid UTF-8 with Chinese in it, so both
    counts above zero means UTF-8 and legacy-encoded lines are mixed in one file."""
    utf8_lines = bad_lines = 0
    for raw in body.split(b"\n"):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            bad_lines += 1
            continue
        if len(P.EXTRACT_CJK.findall(line)) >= 2:
            utf8_lines += 1
    return utf8_lines, bad_lines


def _decode_mixed_lines(body: bytes, what: str) -> tuple[str, list[str]]:
    out, n_utf8, n_gb, n_bad = [], 0, 0, 0
    for raw in body.split(b"\n"):
        try:
            out.append(raw.decode("utf-8"))
            if any(b > 127 for b in raw):
                n_utf8 += 1
        except UnicodeDecodeError:
            try:
                out.append(raw.decode("gb18030"))
                n_gb += 1
            except UnicodeDecodeError:
                out.append(raw.decode("utf-8", errors="replace"))
                n_bad += 1
    warning = (f"{what}: mixed encodings: {n_utf8} lines UTF-8, {n_gb} lines GB18030"
               + (f", {n_bad} lines undecodable (replacement characters)" if n_bad else "")
               + "; decoded line by line")
    return "\n".join(out), [warning]


def decode_text(body: bytes, declared: str | None = None, what: str = "document") -> tuple[str, list[str]]:
    """Decode ``body`` with the project's one body decoder (:mod:`pipelines.decoding`: BOM, the
    declared charset when the bytes agree, UTF-8, GB18030, charset-normalizer).

    Returns the text and warnings. A document is stricter than a page: invalid bytes after a BOM,
    binary bytes, and bytes no charset decodes raise :class:`ExtractionError`; mixed UTF-8/GB18030
    lines are decoded line by line with a warning.
    """
    bom = D.bom_encoding(body)
    if bom is not None:
        enc, size = bom
        try:
            return body[size:].decode(enc), []
        except UnicodeDecodeError as exc:
            raise ExtractionError(f"{what}: {enc} byte-order mark but invalid {enc} bytes at {exc.start}",
                                  "encoding") from exc
    _check_binary(body, what)
    declared_cs = canonical_charset(declared)
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        # a declared legacy charset (not UTF-8/ASCII/GB18030) that decodes the whole body wins
        legacy_cs = declared_cs if declared_cs not in (None, "utf-8", "ascii", "gb18030") else None
        utf8_lines, bad_lines = _mixed_utf8_lines(body)
        if utf8_lines and bad_lines and not (legacy_cs is not None and D.strict_decode(body, legacy_cs) is not None):
            return _decode_mixed_lines(body, what)
    dec = D.decode(body, charset=declared)
    warnings: list[str] = []
    if dec.lossy:
        raise ExtractionError(f"{what}: bytes are neither UTF-8 nor GB18030 and no encoding was detected",
                              "encoding")
    if declared_cs and dec.encoding != declared_cs and dec.encoding != "ascii":
        if dec.encoding == "utf-8":
            warnings.append(f"{what}: declared charset {declared_cs} but bytes are valid UTF-8; decoded as UTF-8")
        elif dec.encoding == "gb18030":
            warnings.append(f"{what}: declared charset {declared_cs} but bytes are not valid UTF-8; "
                            "decoded as GB18030")
        else:
            warnings.append(f"{what}: bytes do not decode as the declared charset {declared_cs}")
    if dec.source == "detected":
        warnings.append(f"{what}: not UTF-8 or GB18030; decoded as {dec.encoding} (charset-normalizer guess)")
    return dec.text, warnings


def normalise_ws(text: str) -> str:
    """Collapse runs of horizontal whitespace (incl. NBSP) to one space and strip."""
    return P.EXTRACT_WS.sub(" ", text).strip()


def _split_pipe_row(line: str) -> list[str]:
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|"):
        s = s[:-1]
    return [normalise_ws(c) for c in s.split("|")]


def _piece_spans(line: str, start: int, sep: str, pipe: bool) -> tuple[tuple[int, int], ...]:
    """Character spans (in the whole text; ``start``: the line's offset) of the cells of a table
    row split on ``sep``, each without its surrounding whitespace — the cells :func:`_split_pipe_row`
    or a tab split yields, in order."""
    lo, hi = 0, len(line)
    if pipe:
        lo = len(line) - len(line.lstrip())
        hi = len(line.rstrip())
        if line[lo:hi].startswith("|"):
            lo += 1
        if line[lo:hi].endswith("|") and hi > lo:
            hi -= 1
    out = []
    pos = lo
    for piece in line[lo:hi].split(sep):
        inner = piece.strip()
        at = pos + (piece.find(inner) if inner else 0)
        out.append((start + at, start + at + len(inner)))
        pos += len(piece) + len(sep)
    return tuple(out)


def _pipe_table_end(lines: list[str], i: int) -> int:
    """End index (exclusive) of an unambiguous pipe/markdown table starting at ``i``, or ``i``."""
    j = i
    while j < len(lines) and P.EXTRACT_PIPE_ROW.match(lines[j]) and lines[j].strip().count("|") >= 3:
        j += 1
    if j - i < 2:
        return i
    widths = {len(_split_pipe_row(row)) for row in lines[i:j] if not P.EXTRACT_MD_RULE.match(row)}
    if len(widths) != 1 or widths.pop() < 2:
        return i
    return j


def _tab_table_end(lines: list[str], i: int) -> int:
    """End of a rectangular tab-separated block at ``i``: ≥3 rows, same width ≥2, no blank leading cell."""
    j = i
    width = None
    while j < len(lines) and "\t" in lines[j]:
        cells = lines[j].rstrip("\r").split("\t")
        if width is None:
            width = len(cells)
        if (len(cells) != width or width < 2 or not cells[0].strip()
                or sum(1 for c in cells if c.strip()) < 2
                or any(c.strip() and not c.strip().strip("-=:") for c in cells)):
            return i
        j += 1
    # Only the whole maximal run counts: the seeds' flattened layouts (report-format §9.1) are
    # ragged and must stay text for the semantic layer.
    return j if j - i >= 3 else i


def source_lines(text: str) -> list[str]:
    """The lines of a decoded text, newlines normalised to ``\\n``: the coordinates of the
    character spans a text document's cells record (``Block.spans``, ``Cell.provenance``)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def text_blocks(text: str) -> list[Block]:
    """Every line as a text block (blank lines kept as ""), except unambiguous tables."""
    lines = source_lines(text)
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()  # the final newline does not start another line
    starts: list[int] = []
    pos = 0
    for line in lines:
        starts.append(pos)
        pos += len(line) + 1

    def spans(lo: int, hi: int) -> tuple[tuple[int, int], ...]:
        return tuple((starts[k], starts[k] + len(lines[k])) for k in range(lo, hi)
                     if not P.EXTRACT_MD_RULE.match(lines[k]))

    def cell_spans(lo: int, hi: int, sep: str) -> tuple[tuple[tuple[int, int], ...], ...]:
        return tuple(_piece_spans(lines[k], starts[k], sep, sep == "|") for k in range(lo, hi)
                     if not P.EXTRACT_MD_RULE.match(lines[k]))

    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        end = _pipe_table_end(lines, i) if "|" in line else i
        if end > i:
            rows = tuple(tuple(_split_pipe_row(row)) for row in lines[i:end] if not P.EXTRACT_MD_RULE.match(row))
            blocks.append(Block(kind="table", rows=rows, spans=spans(i, end), cell_spans=cell_spans(i, end, "|")))
            i = end
            continue
        if "\t" in line and (i == 0 or "\t" not in lines[i - 1]):
            end = _tab_table_end(lines, i)
            if end > i:
                rows = tuple(tuple(normalise_ws(c) for c in row.split("\t")) for row in lines[i:end])
                blocks.append(Block(kind="table", rows=rows, spans=spans(i, end),
                                    cell_spans=cell_spans(i, end, "\t")))
                i = end
                continue
        # Plain-text lines are kept verbatim (tabs included): flattened layouts B/C encode cells
        # and empty cells as tabs, which the semantic layer reads positionally.
        blocks.append(Block(kind="text", text=line, spans=((starts[i], starts[i] + len(line)),)))
        i += 1
    return blocks


def extract_text(body: bytes, *, declared_charset: str | None = None, what: str = "text",
                 warnings: list[str] | None = None) -> ExtractedDocument:
    text, warns = decode_text(body, declared_charset, what)
    if not text.strip():
        raise ExtractionError(f"{what}: no text (only whitespace)", "empty")
    return ExtractedDocument(blocks=tuple(text_blocks(text)), source_format="text",
                             warnings=tuple((warnings or []) + warns))


def strip_boilerplate(doc: ExtractedDocument) -> ExtractedDocument:
    """The page cleaner's boilerplate rules applied to a text document line by line: the page
    tail (扫一扫…, 返回顶部, 关联稿件, 撰稿:/校对:…), whole-line chrome and bylines are dropped, Word
    residue is cut out of its line; every other line is kept as it is. Table blocks are kept
    and count as body (a tail never starts before a table)."""
    texts = [b.text if b.kind == "text" else "|table|" for b in doc.blocks]
    cleaned = clean_text_lines(texts)
    blocks = []
    for block, text in zip(doc.blocks, cleaned, strict=True):
        if block.kind != "text":
            blocks.append(block)
        elif text is not None:
            blocks.append(block if text == block.text else Block(kind="text", text=text, page=block.page))
    return ExtractedDocument(blocks=tuple(blocks), source_format=doc.source_format, needs_ocr=doc.needs_ocr,
                             warnings=doc.warnings, images=doc.images)
