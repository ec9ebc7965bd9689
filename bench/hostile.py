"""Hostile documents through ``scrapy report``: time, peak memory and tracebacks per document.

Writes every document of :mod:`hostile_docs` (the issue's sizes: lying ZIP sizes, flate bomb,
glyph flood, span bomb, looping OLE2, nested divs, padded XXE, a 3 GiB sparse text file) into a
temporary directory and runs ``scrapy report PATH`` on each in its own process, with the default
budget (60 s, 1024 MiB per document). Peak memory is the largest VmHWM seen in the process tree
(the command, the reader forkserver and its children; sampled every 20 ms). The last line is
``documents= max_s= max_rss_mb= tracebacks=``.
Run: .venv/bin/python bench/hostile.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import hostile_docs  # noqa: E402  (bench/ sibling, not a package)

from pipelines.parsing.extract.limits import vm_hwm_mb  # noqa: E402


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(b")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def _tree_hwm_mb(root: int) -> float:
    """Largest VmHWM (peak resident set) among ``root`` and its descendants now."""
    tree = _children()
    best, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(tree.get(pid, []))
        best = max(best, vm_hwm_mb(pid) or 0.0)
    return best


def run_one(path: Path) -> tuple[float, float, str, bool]:
    """(seconds, peak RSS MiB, status line, traceback seen) of ``scrapy report PATH``."""
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "scrapy", "report", str(path)], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak_mb = 0.0
    while proc.poll() is None:
        peak_mb = max(peak_mb, _tree_hwm_mb(proc.pid))
        time.sleep(0.02)
    seconds = time.monotonic() - start
    out, err = proc.communicate()
    text = out.decode("utf-8", "replace") + err.decode("utf-8", "replace")
    status = next((line for line in text.splitlines() if line.startswith("status:")),
                  f"no status line (exit code {proc.returncode})")
    return seconds, peak_mb, status, "Traceback" in text


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
        plain = Path(tmp) / "plain.txt"
        plain.write_text("政府信息公开工作年度报告\n一、总体情况\n", encoding="utf-8")
        seconds, rss, status, _ = run_one(plain)
        print(f"baseline (a two-line text file; command start-up): {seconds:.1f} s, {rss:.0f} MiB, {status}")
        paths = hostile_docs.write_all(Path(tmp))
        max_s = max_rss = 0.0
        tracebacks = 0
        for path in paths:
            seconds, rss, status, traceback = run_one(path)
            max_s, max_rss = max(max_s, seconds), max(max_rss, rss)
            tracebacks += traceback
            size = path.stat().st_size
            print(f"{path.name}: {size} bytes, {seconds:.1f} s, {rss:.0f} MiB, {status[:220]}"
                  + (" [TRACEBACK]" if traceback else ""))
    print(f"documents={len(paths)} max_s={max_s:.1f} max_rss_mb={max_rss:.0f} tracebacks={tracebacks}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
