"""``scrapy farm``: serve the simulated portal farm on 127.0.0.1 until interrupted.

    scrapy farm [--port P] [--portals N] [--seed S] [--faults/--no-faults] [--dedupe-traps] --out DIR

Writes ``DIR/seeds.csv`` (the seeds format, one row per simulated portal) and
``DIR/manifest.json`` (ground truth: every report URL, every fault and its expected seed health),
prints the base URL, then serves until SIGINT/SIGTERM and shuts down cleanly.
Crawl it with ``HARVEST_SEEDS=DIR/seeds.csv scrapy nightly``.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError


class Command(ScrapyCommand):
    requires_project = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[--port P] [--portals N] [--seed S] [--faults/--no-faults] [--dedupe-traps] --out DIR"

    def short_desc(self) -> str:
        return "Serve the simulated portal farm on 127.0.0.1 and write its seeds and manifest"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--port", type=int, default=0, help="port to listen on (default: any free port)")
        parser.add_argument("--portals", type=int, default=12, help="number of healthy portals (default 12)")
        parser.add_argument("--seed", type=int, default=1, help="generation seed (default 1)")
        parser.add_argument("--faults", action=argparse.BooleanOptionalAction, default=False,
                            help="add one portal per fault kind (default: off)")
        parser.add_argument("--dedupe-traps", action=argparse.BooleanOptionalAction, default=False,
                            help="add reports that look alike but differ: agencies with all-zero tables, "
                                 "an agency's two ~90%%-identical consecutive years (default: off)")
        parser.add_argument("--timeout-s", type=float, default=3.0,
                            help="how long the 'timeout' fault stalls an answer (default 3 s)")
        parser.add_argument("--oversized-mb", type=int, default=80,
                            help="size of the oversized attachment in MiB (default 80, over the crawl's 64 MiB cap)")
        parser.add_argument("--first-year", type=int, default=None,
                            help="first report year of every column (default: 2013-2016 at random)")
        parser.add_argument("--non-reports", type=int, default=None,
                            help="non-report items per column (default: 2-5 at random)")
        parser.add_argument("--warm", action=argparse.BooleanOptionalAction, default=True,
                            help="render every page and attachment before serving (default: on)")
        parser.add_argument("--out", required=False, help="directory for seeds.csv and manifest.json")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            raise UsageError(f"unexpected arguments: {' '.join(args)}")
        if not opts.out:
            raise UsageError("--out DIR is required")
        if opts.portals < 0 or not (0 <= opts.port < 65536):
            raise UsageError("--portals must be >= 0 and --port within 0..65535")
        from portalsim import Farm, FarmOptions, FarmServer  # test/demo tooling: loaded only by this command
        options = FarmOptions(timeout_s=opts.timeout_s, oversized_bytes=opts.oversized_mb * 1024 * 1024,
                              first_year=opts.first_year, non_reports=opts.non_reports,
                              dedupe_traps=opts.dedupe_traps)
        farm = Farm.generate(portals=opts.portals, seed=opts.seed, faults=opts.faults, options=options)
        server = FarmServer(farm, port=opts.port)
        try:
            server.start()
        except OSError as exc:
            print(f"error: cannot listen on 127.0.0.1:{opts.port}: {exc}", file=sys.stderr)
            self.exitcode = 1
            return
        stop = threading.Event()
        previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            if opts.warm:
                server.warm()
            seeds_path, manifest_path = server.write_out(opts.out)
            manifest = server.manifest()
            print(f"farm serving {len(farm.portals)} portals, {len(manifest['reports'])} reports at {server.base_url}")
            print(f"seeds: {seeds_path}")
            print(f"manifest: {manifest_path}")
            print("press Ctrl-C to stop", flush=True)
            while not stop.wait(0.5):
                pass
        finally:
            server.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            print("farm stopped", flush=True)
