"""Listing hints: the list-API request a seed's shell page led to, remembered between runs.

API families (gkmlpt, jsonapi) cannot list anything from their column page: the page is a shell
whose script holds the parameters of the real list request (gkmlpt: the ``SID`` of ``_CONFIG``;
jsonapi: the form of ``list*.js``). A nightly run with nothing new would spend two or three
requests per such seed just to rebuild the same API request. After a run reads a valid first API
answer, the request that produced it is stored here; an incremental run starts from it directly,
and falls back to the shell page (and learns again) when the answer is no longer a valid API
answer (SID changed, 404, error payload).

Hints live in ``<var_dir>/listing_hints.json`` (never in the researchers' seed files, like
:mod:`crawler.platforms`), keyed by seed id; a hint is used only while the seed's column URL is the
one it was learned from. The file is a cache: losing it costs one shell page per seed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from crawler.statefile import read_seed_entries, utc_stamp, write_seed_entries

HINTS_FILE = "listing_hints.json"
HINTS_FORMAT = 1
METHODS = ("GET", "POST")


@dataclass(frozen=True)
class ListingHint:
    """The first list-API request of one seed (``body``: the form-encoded POST body, or "")."""

    seed_id: str
    column_url: str
    method: str
    url: str
    body: str = ""
    learned_at: str = ""

    def same_request(self, other: ListingHint) -> bool:
        return (self.column_url, self.method, self.url, self.body) == (
            other.column_url, other.method, other.url, other.body)


def hints_path(var_dir: Path | str) -> Path:
    return Path(var_dir) / HINTS_FILE


def make_hint(seed_id: str, column_url: str, method: str, url: str, body: bytes | str = b"",
              now: datetime | None = None) -> ListingHint | None:
    """A hint for a request, or None when it cannot be stored (an unusual method, a binary body)."""
    method = method.upper()
    if method not in METHODS:
        return None
    if isinstance(body, bytes):
        try:
            body = body.decode("ascii")  # form-encoded bodies are ASCII; anything else is not replayed
        except UnicodeDecodeError:
            return None
    return ListingHint(seed_id=seed_id, column_url=column_url, method=method, url=url, body=body,
                       learned_at=utc_stamp(now))


def load_hints(path: Path) -> dict[str, ListingHint]:
    """Stored hints by seed id; an absent file is empty, a corrupt one raises ValueError."""
    path = Path(path)
    try:
        result = {}
        for seed_id, entry in read_seed_entries(path).items():
            hint = ListingHint(seed_id=seed_id, column_url=entry["column_url"], method=entry["method"],
                               url=entry["url"], body=entry.get("body", ""),
                               learned_at=entry.get("learned_at", ""))
            if hint.method not in METHODS or not all(isinstance(v, str) for v in asdict(hint).values()):
                raise ValueError(f"bad hint for seed {seed_id}: {entry!r}")
            result[seed_id] = hint
        return result
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"{path}: unreadable listing hints ({exc}); delete the file to learn them again") from exc


def hint_for(seed_id: str, column_url: str, hints: Mapping[str, ListingHint]) -> ListingHint | None:
    """The seed's hint, if it was learned from the seed's current column URL."""
    found = hints.get(seed_id)
    return found if found is not None and found.column_url == column_url else None


def update_hints(path: Path, learned: Iterable[ListingHint] = (), forget: Iterable[str] = ()) -> dict[str, ListingHint]:
    """Store ``learned`` hints and drop those of the ``forget`` seed ids; the file is re-read first
    (other spiders of the run write it too) and rewritten atomically. A corrupt file is replaced."""
    path = Path(path)
    try:
        current = load_hints(path)
    except ValueError:
        current = {}
    for seed_id in forget:
        current.pop(seed_id, None)
    for hint in learned:
        current[hint.seed_id] = hint
    write_seed_entries(path, HINTS_FORMAT, current)
    return current
