"""Decide the real format of a document from its bytes; content type and file name are hints."""

from __future__ import annotations

import contextlib
import io
import zipfile
from pathlib import PurePosixPath

from pipelines.decoding import BOMS
from pipelines.parsing import patterns as P

FORMATS = ("pdf", "docx", "xlsx", "ofd", "doc", "xls", "html", "text", "zip", "image")

_EXT_HINTS = {
    ".pdf": "pdf", ".docx": "docx", ".doc": "doc", ".wps": "doc", ".xlsx": "xlsx", ".xlsm": "xlsx",
    ".xls": "xls", ".et": "xls", ".ofd": "ofd", ".html": "html", ".htm": "html", ".shtml": "html",
    ".jsp": "html", ".php": "html", ".asp": "html", ".aspx": "html", ".js": "html", ".txt": "text",
    ".text": "text", ".csv": "text", ".md": "text",
}
_CT_HINTS = (
    ("pdf", "pdf"), ("wordprocessingml", "docx"), ("msword", "doc"), ("spreadsheetml", "xlsx"),
    ("ms-excel", "xls"), ("ofd", "ofd"), ("html", "html"), ("javascript", "html"), ("text/plain", "text"),
)


def format_hint(content_type: str | None, filename: str | None) -> str | None:
    """The format the caller's content type or file name suggests, or None."""
    if filename:
        suffix = PurePosixPath(filename.split("?")[0].lower()).suffix
        if suffix in _EXT_HINTS:
            return _EXT_HINTS[suffix]
    if content_type:
        ct = content_type.lower()
        for needle, fmt in _CT_HINTS:
            if needle in ct:
                return fmt
    return None


def _zip_kind(body: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as zf:
            names = zf.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return "zip"
    lowered = [n.lower() for n in names]
    if "word/document.xml" in lowered:
        return "docx"
    if "xl/workbook.xml" in lowered:
        return "xlsx"
    if "ofd.xml" in lowered or any(n.endswith("content.xml") and "/pages/" in n for n in lowered):
        return "ofd"
    return "zip"


def _ole_kind(body: bytes, hint: str | None) -> str:
    # Stream names in the OLE2 directory are UTF-16-LE; cheap marker search avoids an OLE parser.
    if "WordDocument".encode("utf-16-le") in body:
        return "doc"
    if "Workbook".encode("utf-16-le") in body or "Book".encode("utf-16-le") in body:
        return "xls"
    return hint if hint in ("doc", "xls") else "doc"


def sniff(body: bytes, hint: str | None = None) -> str:
    """Return one of FORMATS for ``body`` judged by its bytes (``hint`` only breaks ties)."""
    head = body[:1024].lstrip()
    if head.startswith(P.EXTRACT_MAGIC_PDF) or P.EXTRACT_MAGIC_PDF in body[:1024]:
        return "pdf"
    if body.startswith(P.EXTRACT_MAGIC_ZIP):
        return _zip_kind(body)
    if body.startswith(P.EXTRACT_MAGIC_OLE2):
        return _ole_kind(body, hint)
    if body.startswith(P.EXTRACT_MAGIC_IMAGES) and (not body.startswith(b"RIFF") or body[8:12] == b"WEBP"):
        return "image"
    sample = body[:8192]
    for bom, enc in BOMS:
        if sample.startswith(bom):
            with contextlib.suppress(LookupError):
                sample = sample[len(bom):].decode(enc, errors="ignore").encode("utf-8")
            break
    text = sample.decode("latin-1")
    if P.EXTRACT_HTML_MARKERS.search(text[:4096]):
        return "html"
    if hint == "html" and P.EXTRACT_JS_HTML_TAG.search(body[:2_000_000].decode("latin-1")):
        return "html"
    if (b"\\\"" in body or b"\\'" in body) and P.EXTRACT_JS_HTML_TAG.search(body[:2_000_000].decode("latin-1")):
        return "html"
    return "text"
