"""``scrapy report PATH [--json]``: parse one local report file and print the result.

With ``--json`` the canonical ``ogi-report/1`` JSON is printed (the same JSON the database
stores); otherwise a short human summary. An HTML page is read as a crawl reads it: its cleaned
content container behind the page title (:mod:`pipelines.cleaning`, :func:`pipelines.report.
joined_page`), so site chrome around the report changes nothing; a page without a recognisable
container is parsed whole. The file is read with the size check
first (a file over the size limit is refused unread). Exit code 1 when the file cannot be read,
2 when the document could not be parsed (status ``failed``).
"""

from __future__ import annotations

import argparse
import json
import mimetypes
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.commands._common import quiet_unless_asked
from pipelines.cleaning import clean_page
from pipelines.parsing import PARSER_VERSION, parse_document
from pipelines.parsing.extract import ExtractionError, read_bounded
from pipelines.parsing.types import ParseFailure
from pipelines.report import joined_page

HTML_TYPES = ("text/html", "application/xhtml+xml")


def summary(result) -> str:
    """A few human-readable lines about one parse result."""
    j = result.to_json()
    lines = [f"status: {j['status']}" + (f" ({j['reason']})" if j["reason"] else "")]
    if j["status"] == "ok":
        lines.append(f"title: {j['title']}")
        lines.append(f"agency: {j['agency']}   year: {j['year']}   published: {j['published']}")
        lines.append("formats: " + ", ".join(f"{k}={v}" for k, v in j["formats"].items()))
        lines.append("sections: " + " ".join(s["key"] for s in j["sections"]))
        lines.append(f"cells: {len(j['cells'])}   incomplete: {j['incomplete']}")
        failed = [c for c in j["checks"] if "fail" in (c["strict"], c["lenient"])]
        lines.append(f"checks: {len(j['checks'])} evaluated, {len(failed)} failed")
        lines.extend(f"  FAIL {c['rule']} [{c['scope']}] strict={c['strict']} lenient={c['lenient']}"
                     for c in failed[:20])
    lines.extend(f"warning: {w}" for w in j["warnings"][:20])
    return "\n".join(lines)


class Command(ScrapyCommand):
    requires_project = False

    def syntax(self) -> str:
        return "PATH [--json]"

    def short_desc(self) -> str:
        return "Parse one local annual-report file and print the result"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--json", action="store_true", dest="as_json",
                            help="print the canonical ogi-report/1 JSON")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        quiet_unless_asked(self.settings, opts)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one PATH")
        path = Path(args[0])
        try:
            body = read_bounded(path)
        except OSError as exc:
            print(f"report: cannot read {path}: {exc.strerror or exc}")
            self.exitcode = 1
            return
        except ExtractionError as exc:  # over the size limit: refused before reading
            self.show(ParseFailure(status="failed", reason=f"{exc.reason} [{exc.code}]",
                                   parser_version=PARSER_VERSION), opts)
            return
        content_type, _ = mimetypes.guess_type(path.name)
        if content_type in HTML_TYPES:
            cleaned = clean_page(body, url=path.resolve().as_uri())
            if cleaned.content_html and "no_container" not in cleaned.flags:
                body = joined_page(cleaned.title, [cleaned.content_html])
                content_type = "text/html; charset=utf-8"
        result = parse_document(body, content_type=content_type, filename=path.name)
        self.show(result, opts)

    def show(self, result, opts: argparse.Namespace) -> None:
        if opts.as_json:
            print(json.dumps(result.to_json(), ensure_ascii=False, indent=1))
        else:
            print(summary(result))
        if result.status == "failed":
            self.exitcode = 2
