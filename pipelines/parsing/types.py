"""Dataclasses shared by the report parser: the extraction IR and the parse results.

Extraction (format readers) turns bytes into an :class:`ExtractedDocument`: an ordered list of
blocks, each either a line of text or a table grid (rowspan/colspan already expanded, ``None``
for a position covered by a span or a cell that does not exist). The semantic layer turns that
into a :class:`ParsedReport` whose :meth:`to_json` is the canonical ``ogi-report/1`` JSON
(see ``../shared/spec/report-schema.md``), or a :class:`ParseFailure`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

SCHEMA = "ogi-report/1"

BlockKind = Literal["text", "table"]
Semantic = Literal["ZERO", "NUMERIC", "EMPTY", "NA", "TEXT", "MISSING"]
CheckOutcome = Literal["pass", "fail", "not_assessable"]
Status = Literal["ok", "not_report", "needs_ocr", "failed"]


@dataclass(frozen=True)
class Block:
    """One unit of document content in reading order."""

    kind: BlockKind
    text: str = ""  # for kind == "text": one paragraph/line, whitespace-normalised
    rows: tuple[tuple[str | None, ...], ...] = ()  # for kind == "table": expanded grid
    page: int | None = None  # 1-based page number where known (PDF)
    # Where the block was read in the decoded source text (text reader only): one (start, end)
    # character span per source line — one for a text line, one per grid row for a table.
    spans: tuple[tuple[int, int], ...] = ()
    # ... and for a table read from text, the span of each grid cell (row by row), whitespace excluded
    cell_spans: tuple[tuple[tuple[int, int], ...], ...] = ()
    # OCR only: the recogniser's score (0..1) of every grid cell, row by row (None where no text),
    # or one ``((score,),)`` for a text line
    scores: tuple[tuple[float | None, ...], ...] = ()


@dataclass(frozen=True)
class ExtractedDocument:
    """Format-independent content of one document."""

    blocks: tuple[Block, ...]
    source_format: str  # html | text | pdf | docx | doc | xls | xlsx | ofd
    needs_ocr: bool = False  # image-only page / PDF without a text layer
    warnings: tuple[str, ...] = ()
    images: int = 0  # <img> elements of an HTML document (a report published as pictures)
    ocr: bool = False  # the text was recognised from page images (see extract/ocr.py)
    ocr_pages: tuple[int, ...] = ()  # pages without a text layer (1-based; PDF)
    # pictures of a 图片版 page read by OCR: the SHA-256 of the picture each page came from (page k
    # is picture k, 1-based), so a cell's provenance (block → page) names its picture
    picture_sources: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """All text blocks joined by newlines (tables rendered one row per line, cells by tabs)."""
        lines: list[str] = []
        for block in self.blocks:
            if block.kind == "text":
                lines.append(block.text)
            else:
                lines.extend("\t".join(c or "" for c in row) for row in block.rows)
        return "\n".join(lines)


@dataclass(frozen=True)
class Section:
    key: str  # s1 … s6, or pre2019 keys, or "preamble"
    heading: str
    text: str


@dataclass(frozen=True)
class Cell:
    raw: str | None
    value: float | int | None
    semantic: Semantic
    unit: str | None = None
    annotation: str | None = None
    # Where the cell was read (see :func:`pipelines.parsing.tables.token_stream`): ``block`` (index
    # in the extracted document), ``page`` (PDF/OFD), ``table``/``row``/``col`` (grid cells, 0-based),
    # ``line`` (1-based) and ``span`` ([start, end) characters of the decoded text, text documents).
    # Not part of the cell's identity: two equal values read from two places are equal cells.
    provenance: dict[str, Any] | None = field(default=None, compare=False)
    # OCR only: the recogniser's score (0..1) for the text of this cell; not part of its identity
    confidence: float | None = field(default=None, compare=False)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"raw": self.raw, "value": self.value, "semantic": self.semantic}
        if self.unit is not None:
            out["unit"] = self.unit
        if self.annotation is not None:
            out["annotation"] = self.annotation
        if self.provenance is not None:
            out["provenance"] = dict(self.provenance)
        if self.confidence is not None:
            out["confidence"] = round(self.confidence, 4)
        return out


@dataclass(frozen=True)
class CheckResult:
    rule: str
    scope: str
    strict: CheckOutcome
    lenient: CheckOutcome
    detail: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"rule": self.rule, "scope": self.scope, "strict": self.strict,
                               "lenient": self.lenient}
        if self.detail is not None:
            out["detail"] = self.detail
        return out


@dataclass(frozen=True)
class ParsedReport:
    """A document recognised as an annual OGI report (status ``ok``)."""

    title: str | None
    agency: str | None
    year: int | None
    published: str | None  # ISO date
    formats: dict[str, str | None]  # t2/t3/t4 -> "2021" | "2019" | "pre2019" | None
    sections: tuple[Section, ...]
    cells: dict[str, Cell]
    incomplete: dict[str, bool]
    checks: tuple[CheckResult, ...]
    warnings: tuple[str, ...] = ()
    source_format: str | None = None
    parser_version: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # agency_full, agency_short, …

    status: Status = "ok"

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "status": self.status,
            "reason": None,
            "title": self.title,
            "agency": self.agency,
            "year": self.year,
            "published": self.published,
            "formats": dict(self.formats),
            "sections": [{"key": s.key, "heading": s.heading, "text": s.text} for s in self.sections],
            "cells": {key: cell.to_json() for key, cell in self.cells.items()},
            "incomplete": dict(self.incomplete),
            "checks": [c.to_json() for c in self.checks],
            "warnings": list(self.warnings),
            "source_format": self.source_format,
            "parser_version": self.parser_version,
            **({"extra": dict(self.extra)} if self.extra else {}),
        }


@dataclass(frozen=True)
class ParseFailure:
    """A document that is not a parsed report: not a report, needs OCR, or failed (with reason)."""

    status: Status  # "not_report" | "needs_ocr" | "failed"
    reason: str
    title: str | None = None
    agency: str | None = None
    year: int | None = None
    source_format: str | None = None
    parser_version: str | None = None
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "status": self.status,
            "reason": self.reason,
            "title": self.title,
            "agency": self.agency,
            "year": self.year,
            "published": None,
            "formats": {"t2": None, "t3": None, "t4": None},
            "sections": [],
            "cells": {},
            "incomplete": {},
            "checks": [],
            "warnings": list(self.warnings),
            "source_format": self.source_format,
            "parser_version": self.parser_version,
        }
