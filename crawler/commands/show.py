"""``scrapy show REPORT_ID [--key KEY] [--context N]``: one stored report, and where a value was read.

Prints the report's header (agency, year, status, formats, sources with their SHA-256, failed
checks). With ``--key`` also the cell: its printed text, value and semantic, and the lines of
the archived source around it (read from the blob store, no network) with the value in 【】 — so
a researcher can check a number by eye. Exit code 1 when the report or key does not exist or the
archived bytes are missing, 2 when the database is unreachable.
"""

from __future__ import annotations

import argparse
from typing import Any

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.commands._common import fail, open_store, quiet_unless_asked
from pipelines.storage.blobs import BlobCorrupted, BlobStore, blob_store_from_settings
from pipelines.storage.db import DatabaseUnavailable


def header_lines(view: dict[str, Any]) -> list[str]:
    lines = [f"report {view['id']}: {view['title'] or '(no title)'}",
             f"agency: {view['agency']}   year: {view['year']}   published: {view['published']}",
             f"status: {view['status']}" + (f" ({view['reason']})" if view["reason"] else ""),
             "formats: " + ", ".join(f"{k}={v}" for k, v in view["formats"].items())
             + f"   source format: {view['source_format']}   parser: {view['parser_version']}",
             f"logical report: {view['group_id']} ({view['versions']} version(s); this one "
             + ("canonical" if view["canonical"] else "not canonical") + f")   cells: {view['cells']}"]
    lines.extend(f"source: {s['url']}  sha256={s['sha256']}" for s in view["sources"])
    failed = view["failed_checks"]
    lines.append(f"failed checks: {len(failed)}")
    lines.extend(f"  FAIL {c['rule']} [{c['scope']}] strict={c['strict']} lenient={c['lenient']}"
                 + (f"  {c['detail']}" if c["detail"] else "") for c in failed[:30])
    return lines


def cell_lines(view: dict[str, Any], cell: dict[str, Any], blobs: BlobStore, context: int) -> tuple[list[str], bool]:
    """The cell and its source lines; (lines, True) when the source could be shown."""
    from pipelines.provenance import source_context

    unit = f" {cell['unit']}" if cell["unit"] else ""
    value = cell["value"]
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # counts come back from a Float column
    lines = [f"key: {cell['key']}", f"value: {value}{unit}   raw: {cell['raw']!r}   semantic: {cell['semantic']}"]
    where = cell["provenance"]
    if not where:
        lines.append("where: not recorded (no printed cell, or stored before provenance; reparse to record it)")
        return lines, cell["semantic"] == "MISSING"
    lines.append("where: " + ", ".join(f"{k}={v}" for k, v in where.items()))
    source = next((s for s in view["sources"] if s["sha256"] == where.get("sha256")), None)
    if source is None:
        lines.append(f"source: document {where.get('sha256')} is not among the report's sources")
        return lines, False
    try:
        body = blobs.get(source["sha256"])
    except (FileNotFoundError, ValueError) as exc:
        lines.append(f"source: archived bytes missing from {blobs.url}: {exc}")
    except (OSError, BlobCorrupted) as exc:
        lines.append(f"source: archived bytes unreadable in {blobs.url}: {exc}")
        return lines, False
    shown = source_context(body, source["content_type"], source["filename"], source["url"], where,
                           raw=cell["raw"], context=context)
    lines.append(f"source: {source['url']}")
    lines.extend(shown or ["(the location is not in the document as read now)"])
    return lines, bool(shown)


class Command(ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "REPORT_ID [--key KEY] [--context N]"

    def short_desc(self) -> str:
        return "Print a stored report's header and, for a key, the value and its source lines"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--key", help="cell key, e.g. t3.carried_in.total")
        parser.add_argument("--context", type=int, default=3, help="source lines before and after (default 3)")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        quiet_unless_asked(self.settings, opts)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        if len(args) != 1 or not args[0].isdigit():
            raise UsageError("give exactly one REPORT_ID (a number)")
        try:
            store = open_store(self.settings["HARVEST_DATABASE_URL"])
        except DatabaseUnavailable as exc:
            fail(str(exc))
            self.exitcode = 2
            return
        view = store.queries.report_view(int(args[0]))
        if view is None:
            print(f"show: no report {args[0]}")
            self.exitcode = 1
            return
        print("\n".join(header_lines(view)))
        if not opts.key:
            return
        cell = store.queries.report_cell(view["id"], opts.key)
        print()
        if cell is None:
            print(f"show: report {view['id']} has no cell {opts.key}")
            self.exitcode = 1
            return
        lines, ok = cell_lines(view, cell, blob_store_from_settings(self.settings), max(opts.context, 0))
        print("\n".join(lines))
        if not ok:
            self.exitcode = 1
