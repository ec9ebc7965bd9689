"""ZIP container checks shared by the DOCX, XLSX and OFD readers (bombs, DTDs, corruption)."""

from __future__ import annotations

import io
import zipfile

from pipelines.parsing.extract.errors import ExtractionError
from pipelines.parsing.extract.limits import Limits

# Members smaller than this are never judged by their compression ratio.
_RATIO_MIN_BYTES = 1024 * 1024


def open_zip(body: bytes, limits: Limits, what: str) -> zipfile.ZipFile:
    """Open ``body`` as a ZIP after checking the directory's uncompressed sizes; the XML members
    must not declare a DTD (entity-expansion attacks)."""
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
        if info.filename.lower().endswith((".xml", ".rels")):
            try:
                with zf.open(info) as fh:
                    head = fh.read(4096)
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError) as exc:
                raise ExtractionError(f"{what}: corrupt ZIP member {info.filename} ({exc})", "corrupt") from exc
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise ExtractionError(f"{what}: XML member {info.filename} declares a DTD/entities; refused",
                                      "xml_entities")
    return zf
