"""Parse throughput over the shared corpus, per format, against the bare baseline extraction.

Baselines: trafilatura.extract for HTML, pdfplumber table extraction for PDF. The last line is
``html_docs_per_s= html_ratio= pdf_docs_per_s= pdf_ratio=`` (ratio = full parse time / baseline).
Both sides are timed after one warm-up call (see ``_time``).
Run: .venv/bin/python bench/parse.py [ROUNDS]
"""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
CORPUS = REPO / ".." / "shared" / "corpus" / "docs"


def _time(fn, docs, rounds: int) -> float:
    # One untimed call first (on the smallest document): one-off costs (imports; for the
    # isolated readers, starting the forkserver and its preloaded imports) are paid once per
    # process, not per document, and both the parser and its baseline are measured without them.
    fn(*min(docs, key=lambda doc: len(doc[1])))
    start = time.perf_counter()
    for _ in range(rounds):
        for path, body in docs:
            fn(path, body)
    return time.perf_counter() - start


def main() -> int:
    from pipelines.parsing import parse_document

    if not CORPUS.is_dir():
        print(f"corpus not found at {CORPUS}")
        return 1
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    groups: dict[str, list] = {}
    for path in sorted(CORPUS.iterdir()):
        fmt = {".pdf": "pdf", ".html": "html", ".js": "html", ".txt": "text", ".docx": "docx"}.get(path.suffix)
        if fmt:
            groups.setdefault(fmt, []).append((path, path.read_bytes()))

    def parse(path, body):
        parse_document(body, filename=path.name)

    def trafilatura_base(path, body):
        import trafilatura
        trafilatura.extract(body.decode("utf-8", "replace"))

    def pdfplumber_base(path, body):
        import pdfplumber
        with pdfplumber.open(io.BytesIO(body)) as pdf:
            for page in pdf.pages:
                page.extract_tables()
                page.extract_text()

    figures = {}
    for fmt, docs in groups.items():
        t = _time(parse, docs, rounds)
        rate = len(docs) * rounds / t
        line = f"{fmt}: {len(docs)} docs, {rate:.2f} docs/s"
        base = {"html": trafilatura_base, "pdf": pdfplumber_base}.get(fmt)
        if base:
            tb = _time(base, docs, rounds)
            ratio = t / tb
            line += f", baseline {len(docs) * rounds / tb:.2f} docs/s, ratio {ratio:.2f}"
            figures[fmt] = (rate, ratio)
        print(line)
    h, p = figures.get("html", (0, 0)), figures.get("pdf", (0, 0))
    print(f"html_docs_per_s={h[0]:.2f} html_ratio={h[1]:.2f} pdf_docs_per_s={p[0]:.2f} pdf_ratio={p[1]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
