"""Row-label matching that survives OCR noise: a wrong, missing or extra character in a long label.

Bounded on purpose (report-format §11's labels differ from each other by a few characters): a
label is compared only when it has at least ``FUZZY_LABEL_MIN_CHARS`` characters besides its
numbering, it may be at most ``max(1, FUZZY_LABEL_RATIO × length)`` edits from a catalogue label,
and that label must be the only one so close and ``FUZZY_LABEL_MARGIN`` edits better than any
other; everything else stays unmatched (the cell is then MISSING, never guessed). Used for OCR'd
documents only (:func:`pipelines.parsing.tables.extract_tables`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rapidfuzz.distance import Levenshtein

from pipelines.parsing import patterns as P


def edit_distance(a: str, b: str, cap: int) -> int:
    """Levenshtein distance of ``a`` and ``b``, or ``cap + 1`` when it exceeds ``cap``."""
    return int(Levenshtein.distance(a, b, score_cutoff=cap))


def bare(label: str) -> str:
    """A normalised label without its numbering ("1.属于国家秘密" → "属于国家秘密")."""
    return P.LABEL_NUMBERING.sub("", label, count=1)


def allowed_edits(label: str) -> int:
    return max(1, int(len(label) * P.FUZZY_LABEL_RATIO))


def fuzzy_match(label: str, catalogue: Mapping[str, str], keys: Iterable[str] | None = None) -> str | None:
    """The key of the one catalogue label (normalised label → key) ``label`` is a noisy reading
    of, or None. ``keys``: only these keys may match (e.g. rows after the last one read)."""
    text = bare(label)
    if len(text) < P.FUZZY_LABEL_MIN_CHARS:
        return None
    wanted = set(keys) if keys is not None else None
    cap = allowed_edits(text) + P.FUZZY_LABEL_MARGIN
    best: dict[str, int] = {}  # key → its closest label's distance (a key may have several labels)
    for name, key in catalogue.items():
        other = bare(name)
        if len(other) < P.FUZZY_LABEL_MIN_CHARS:
            continue
        d = edit_distance(text, other, cap)
        best[key] = min(best.get(key, d), d)
    ranked = sorted(best.items(), key=lambda kv: kv[1])
    if not ranked:
        return None
    key, d = ranked[0]
    if d > allowed_edits(text):
        return None
    runner_up = ranked[1][1] if len(ranked) > 1 else cap + 1
    if runner_up - d < P.FUZZY_LABEL_MARGIN:
        return None  # two labels about as close: refuse rather than guess
    if wanted is not None and key not in wanted:
        return None
    return key
