"""Text decoding (BOM, UTF-8, GB18030, charset-normalizer) and plain-text reading."""

from __future__ import annotations

import codecs

from pipelines.parsing import patterns as P
from pipelines.parsing.extract.errors import ExtractionError
from pipelines.parsing.types import Block, ExtractedDocument

# Share of control bytes (other than \t \n \r \f, ESC) above which bytes are treated as binary.
_BINARY_CONTROL_SHARE = 0.02


def _normalise_charset(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in P.EXTRACT_GB_ALIASES:
        return "gb18030"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def charset_from_content_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    m = P.EXTRACT_CHARSET.search(content_type)
    return _normalise_charset(m.group(1)) if m else None


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


def decode_text(body: bytes, declared: str | None = None, what: str = "document") -> tuple[str, list[str]]:
    """Decode ``body``: BOM, then UTF-8 strict, then GB18030, then charset-normalizer.

    Returns the text and warnings. Mixed UTF-8/GB18030 bytes are decoded line by line with a
    warning; undecodable or binary bytes raise :class:`ExtractionError`.
    """
    warnings: list[str] = []
    declared = _normalise_charset(declared)
    for bom, enc in P.EXTRACT_BOMS:
        if body.startswith(bom):
            try:
                return body[len(bom):].decode(enc), warnings
            except UnicodeDecodeError as exc:
                raise ExtractionError(f"{what}: {enc} byte-order mark but invalid {enc} bytes at {exc.start}",
                                      "encoding") from exc
    _check_binary(body, what)
    try:
        text = body.decode("utf-8")
        if declared and declared not in ("utf-8", "ascii") and any(b > 127 for b in body[:65536]):
            warnings.append(f"{what}: declared charset {declared} but bytes are valid UTF-8; decoded as UTF-8")
        return text, warnings
    except UnicodeDecodeError:
        pass
    if declared and declared not in ("utf-8", "ascii", "gb18030"):
        try:
            return body.decode(declared), warnings  # an explicit legacy charset that fits (Big5 …)
        except (UnicodeDecodeError, LookupError):
            warnings.append(f"{what}: bytes do not decode as the declared charset {declared}")
    utf8_lines, bad_lines = _mixed_utf8_lines(body)
    if utf8_lines and bad_lines:
        lines = body.split(b"\n")
        out, n_utf8, n_gb, n_bad = [], 0, 0, 0
        for raw in lines:
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
        warnings.append(
            f"{what}: mixed encodings: {n_utf8} lines UTF-8, {n_gb} lines GB18030"
            + (f", {n_bad} lines undecodable (replacement characters)" if n_bad else "")
            + "; decoded line by line"
        )
        return "\n".join(out), warnings
    try:
        text = body.decode("gb18030")
        if declared and declared != "gb18030":
            warnings.append(f"{what}: declared charset {declared} but bytes are not valid UTF-8; decoded as GB18030")
        return text, warnings
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(body[:2_000_000]).best()
    if best is None or best.encoding is None:
        raise ExtractionError(f"{what}: bytes are neither UTF-8 nor GB18030 and no encoding was detected",
                              "encoding")
    warnings.append(f"{what}: not UTF-8 or GB18030; decoded as {best.encoding} (charset-normalizer guess)")
    return body.decode(best.encoding, errors="replace"), warnings


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


def _pipe_table_end(lines: list[str], i: int) -> int:
    """End index (exclusive) of an unambiguous pipe/markdown table starting at ``i``, or ``i``."""
    j = i
    while j < len(lines) and P.EXTRACT_PIPE_ROW.match(lines[j]) and lines[j].strip().count("|") >= 3:
        j += 1
    if j - i < 2:
        return i
    widths = {len(_split_pipe_row(l)) for l in lines[i:j] if not P.EXTRACT_MD_RULE.match(l)}
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


def text_blocks(text: str) -> list[Block]:
    """Every line as a text block (blank lines kept as ""), except unambiguous tables."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()  # the final newline does not start another line
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        end = _pipe_table_end(lines, i) if "|" in line else i
        if end > i:
            rows = tuple(tuple(_split_pipe_row(l)) for l in lines[i:end] if not P.EXTRACT_MD_RULE.match(l))
            blocks.append(Block(kind="table", rows=rows))
            i = end
            continue
        if "\t" in line and (i == 0 or "\t" not in lines[i - 1]):
            end = _tab_table_end(lines, i)
            if end > i:
                rows = tuple(tuple(normalise_ws(c) for c in l.split("\t")) for l in lines[i:end])
                blocks.append(Block(kind="table", rows=rows))
                i = end
                continue
        # Plain-text lines are kept verbatim (tabs included): flattened layouts B/C encode cells
        # and empty cells as tabs, which the semantic layer reads positionally.
        blocks.append(Block(kind="text", text=line.rstrip("\r\n")))
        i += 1
    return blocks


def extract_text(body: bytes, *, declared_charset: str | None = None, what: str = "text",
                 warnings: list[str] | None = None) -> ExtractedDocument:
    text, warns = decode_text(body, declared_charset, what)
    if not text.strip():
        raise ExtractionError(f"{what}: no text (only whitespace)", "empty")
    return ExtractedDocument(blocks=tuple(text_blocks(text)), source_format="text",
                             warnings=tuple((warnings or []) + warns))
