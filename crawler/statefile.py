"""Small per-seed JSON state files under the var directory (platform detections, listing hints).

Shape: ``{"format": N, "seeds": {seed_id: {field: value, ...}}}``; an entry is a dataclass with a
``seed_id`` field (not repeated inside its entry). Files are rewritten atomically.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def utc_stamp(now: datetime | None = None) -> str:
    """When an entry was learned: ``now`` (default: the current UTC time), to the second."""
    return (now or datetime.now(UTC)).isoformat(timespec="seconds")


def read_seed_entries(path: Path) -> dict[str, Any]:
    """The ``seeds`` mapping of a state file ({} when the file is absent). A malformed file raises
    ValueError, KeyError, TypeError or AttributeError; callers name the file in their message."""
    if not path.exists():
        return {}
    entries = json.loads(path.read_text(encoding="utf-8"))["seeds"]
    if not isinstance(entries, dict):
        raise TypeError(f"'seeds' is a {type(entries).__name__}, not an object")
    return entries


def write_seed_entries(path: Path, file_format: int, entries: Mapping[str, Any]) -> None:
    """Rewrite the state file with ``entries`` (dataclasses by seed id), sorted by seed id."""
    write_json_atomically(path, {
        "format": file_format,
        "seeds": {sid: {k: v for k, v in asdict(entry).items() if k != "seed_id"}
                  for sid, entry in sorted(entries.items())},
    })


def write_json_atomically(path: Path, payload: dict[str, Any]) -> None:
    """Write ``payload`` to ``path`` through a temporary file and a rename: a reader (or a run
    killed mid-write) sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(payload, fh, ensure_ascii=False, indent=1)
            fh.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
