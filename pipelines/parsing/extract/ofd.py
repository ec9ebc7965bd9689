"""OFD reader (GB/T 33190): a ZIP of XML pages; TextCode runs regrouped into lines by Y, ordered by X."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

import defusedxml.ElementTree as DET
from defusedxml import DefusedXmlException

from pipelines.parsing import patterns as P
from pipelines.parsing.extract.errors import ExtractionError
from pipelines.parsing.extract.limits import Deadline, Limits
from pipelines.parsing.extract.text import normalise_ws
from pipelines.parsing.extract.zipsafe import open_zip
from pipelines.parsing.types import Block, ExtractedDocument


@dataclass(frozen=True)
class _Run:
    x: float
    y: float
    size: float
    width: float
    text: str


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _floats(value: str | None) -> list[float]:
    if not value:
        return []
    out = []
    for tok in value.replace(",", " ").split():
        try:
            out.append(float(tok))
        except ValueError:
            # "g 3 1.5" compact DeltaX notation: keep the repeated value only.
            continue
    return out


def _parse_xml(zf, name: str):
    try:
        with zf.open(name) as fh:
            return DET.parse(fh, forbid_dtd=True, forbid_entities=True).getroot()
    except KeyError as exc:
        raise ExtractionError(f"ofd: member {name} missing", "corrupt") from exc
    except DefusedXmlException as exc:
        raise ExtractionError(f"ofd: {name} declares a DTD/entities; refused ({exc})", "xml_entities") from exc
    except DET.ParseError as exc:
        raise ExtractionError(f"ofd: {name} is not well-formed XML ({exc})", "corrupt") from exc


def _page_paths(zf) -> list[str]:
    """Content.xml of every page in document order (OFD.xml → Document.xml → Pages)."""
    names = set(zf.namelist())
    lower = {n.lower(): n for n in names}
    paths: list[str] = []
    if "ofd.xml" in lower:
        root = _parse_xml(zf, lower["ofd.xml"])
        for el in root.iter():
            if _local(el.tag) == "DocRoot" and el.text:
                doc_path = el.text.strip().lstrip("/")
                if doc_path not in names:
                    continue
                base = posixpath.dirname(doc_path)
                doc = _parse_xml(zf, doc_path)
                for page in doc.iter():
                    if _local(page.tag) == "Page" and page.get("BaseLoc"):
                        loc = page.get("BaseLoc").strip()
                        path = loc.lstrip("/") if loc.startswith("/") else posixpath.normpath(
                            posixpath.join(base, loc))
                        if path in names:
                            paths.append(path)
    if not paths:
        def order(name: str) -> tuple[int, ...]:
            return tuple(int(n) for n in P.EXTRACT_DIGITS.findall(name))
        paths = sorted((n for n in names if n.lower().endswith("content.xml") and "/pages/" in n.lower()),
                       key=order)
    return paths


def _page_runs(root) -> list[_Run]:
    runs: list[_Run] = []
    for obj in root.iter():
        if _local(obj.tag) != "TextObject":
            continue
        box = _floats(obj.get("Boundary"))
        ox, oy = (box[0], box[1]) if len(box) >= 2 else (0.0, 0.0)
        size = float(obj.get("Size") or (box[3] if len(box) >= 4 else 3.5) or 3.5)
        for code in obj:
            if _local(code.tag) != "TextCode" or not code.text:
                continue
            try:
                x = float(code.get("X", "0"))
                y = float(code.get("Y", "0"))
            except ValueError:
                continue
            deltas = _floats(code.get("DeltaX"))
            width = sum(deltas) + size if deltas else size * len(code.text)
            runs.append(_Run(ox + x, oy + y, size, width, code.text))
    return runs


def _lines(runs: list[_Run]) -> list[str]:
    """Group runs into lines (baseline within half a font size) and join them left to right;
    a gap wider than one character becomes a space."""
    lines: list[list[_Run]] = []
    for run in sorted(runs, key=lambda r: (r.y, r.x)):
        if lines and abs(run.y - lines[-1][0].y) <= max(0.5, run.size * 0.5):
            lines[-1].append(run)
        else:
            lines.append([run])
    out: list[str] = []
    for line in lines:
        line.sort(key=lambda r: r.x)
        parts: list[str] = []
        end = None
        for run in line:
            if end is not None and run.x - end > run.size:
                parts.append(" ")
            parts.append(run.text)
            end = run.x + run.width
        text = normalise_ws("".join(parts))
        if text:
            out.append(text)
    return out


def extract_ofd(body: bytes, *, limits: Limits, deadline: Deadline,
                warnings: list[str] | None = None) -> ExtractedDocument:
    zf = open_zip(body, limits, "ofd")
    blocks: list[Block] = []
    try:
        paths = _page_paths(zf)
        if not paths:
            raise ExtractionError("ofd: no page content (Doc_N/Pages/Page_N/Content.xml) found", "corrupt")
        if len(paths) > limits.max_pages:
            raise ExtractionError(f"ofd: {len(paths)} pages exceeds max_pages={limits.max_pages}",
                                  "too_many_pages")
        empty_pages = []
        for number, path in enumerate(paths, start=1):
            deadline.check(f"ofd page {number}")
            lines = _lines(_page_runs(_parse_xml(zf, path)))
            if not lines:
                empty_pages.append(number)
            for i, line in enumerate(lines):
                if i in (0, len(lines) - 1) and P.EXTRACT_PAGE_NUMBER.match(line):
                    continue  # page number at the top or bottom of the page
                blocks.append(Block(kind="text", text=line, page=number))
    finally:
        zf.close()
    warns = list(warnings or [])
    needs_ocr = not blocks
    if empty_pages:
        warns.append(f"ofd: pages without text: {empty_pages}")
    return ExtractedDocument(blocks=tuple(blocks), source_format="ofd", needs_ocr=needs_ocr,
                             warnings=tuple(warns))
