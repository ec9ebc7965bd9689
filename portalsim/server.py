"""Serve a :class:`~portalsim.model.Farm` on 127.0.0.1 from background threads.

One main listener serves every portal under ``/p/<portal_id>/``; portals whose fault is a
host-level one (robots.txt answering 500, HTTPS with a self-signed certificate, an "HTTPS" port
that does not speak TLS) get a listener of their own in the same process; a ``connect-refused``
portal gets a port that is bound but never listens. Only the loopback address is ever bound.
"""

from __future__ import annotations

import csv
import json
import logging
import select
import socket
import ssl
import struct
import tempfile
import threading
import time
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs, urlsplit

from portalsim import chrome, faults, homepage, patterns
from portalsim import manifest as ground_truth
from portalsim.families import family_of
from portalsim.families.base import Request, Response
from portalsim.model import Farm, Portal

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
SEED_HEADER = ("id", "province", "city", "county", "adcode", "level", "agency", "column_url",
               "platform", "active", "notes", "homepage")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, handler, farm_server: "FarmServer", own_portal: str | None):
        self.farm_server = farm_server
        self.own_portal = own_portal
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, handler)

    def close_connections(self) -> None:
        """Shut down kept-alive client connections so no handler outlives :meth:`FarmServer.stop`."""
        with self.connections_lock:
            open_now = list(self.connections)
        for conn in open_now:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request, client_address) -> None:  # resets/aborted clients are expected
        log.debug("farm: connection error from %s", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""

    def log_message(self, fmt: str, *args) -> None:  # quiet; the farm keeps its own request log
        pass

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.server.connections_lock:
                self.server.connections.discard(self.connection)

    def _client_gone(self) -> bool:
        """Whether the client closed its end (e.g. it timed out while the answer stalled)."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):
            return True

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def _dispatch(self, method: str) -> None:
        fs: FarmServer = self.server.farm_server
        began = time.monotonic()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        split = urlsplit(self.path)
        fs.record(method, self.path, body)
        try:
            result = fs.answer(method, split.path, split.query, body, dict(self.headers.items()),
                               self.server.own_portal)
        except Exception:  # a farm bug must not kill the listener; answer 500 and log it
            log.exception("farm: error answering %s %s", method, self.path)
            result = Response(500, [("Content-Type", "text/plain")], b"farm internal error")
        # logged before sending: a client retrying after a reset or a stall may be back before
        # this handler returns
        self._answer_entry = fs.record_answer(method, self.path, body, answer_outcome(result))
        try:
            self._send(result, method)
        finally:
            fs.record_timing(self.server.own_portal, split.path, began, time.monotonic())

    def _send(self, result, method: str) -> None:
        if isinstance(result, faults.Action):
            if result.kind == "reset":
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                self.connection.close()
                return
            assert result.then is not None
            if result.kind == "stall":
                time.sleep(result.seconds)
                result = result.then()
                if not self._client_gone():  # the client waited: this was an answer, not a timeout
                    self.server.farm_server.settle_answer(self._answer_entry, answer_outcome(result))
            elif result.kind == "truncate":
                full = result.then()
                data = full.body
                self.send_response(full.status)
                for k, v in full.headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(data[: max(1, len(data) // 2)])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
        assert isinstance(result, Response)
        self.send_response(result.status)
        for k, v in result.headers:
            self.send_header(k, v)
        length = result.length if result.stream is not None else len(result.body)
        self.send_header("Content-Length", str(length))
        self.end_headers()
        if method == "HEAD":
            return
        try:
            if result.stream is not None:
                for piece in result.stream:
                    self.wfile.write(piece)
            else:
                self.wfile.write(result.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


#: how late the farm may note when it finished an answer: the handler thread takes the time after
#: its last write, and on a loaded machine (GIL, CPU contention) that can come tens of
#: milliseconds after the client has already read the answer
TIMING_SLACK_S = 0.05


def politeness_violations(timings: list[tuple[str, str, float, float]], delay: float,
                          slack: float = TIMING_SLACK_S) -> list[str]:
    """Per portal, requests that overlapped the previous one or started less than ``delay`` seconds
    (minus ``slack``, see TIMING_SLACK_S) after it ended; robots.txt and the farm's own paths are
    left out (they are not a portal's pages). One line per violation."""
    by_portal: dict[str, list[tuple[float, float, str]]] = {}
    for portal, path, start, end in timings:
        if portal and not path.endswith("/robots.txt"):
            by_portal.setdefault(portal, []).append((start, end, path))
    found = []
    for portal, spans in sorted(by_portal.items()):
        spans.sort()
        for (s0, e0, p0), (s1, _, p1) in zip(spans, spans[1:]):
            if s1 < e0 - slack:
                found.append(f"{portal}: {p1} started {e0 - s1:.3f} s before {p0} ended")
            elif s1 - e0 < delay - slack:
                found.append(f"{portal}: {p1} started {s1 - e0:.3f} s after {p0} ended (delay {delay} s)")
    return found


#: answers after which a client may repeat the same request (its retry, not a duplicate fetch):
#: server errors, 408, 429 and the transport faults (reset, truncated body, stalled answer)
RETRYABLE_STATUS_MIN = 500
RETRYABLE_STATUSES = frozenset({408, 429})
RETRYABLE_ACTIONS = frozenset({"reset", "truncate", "stall"})


def answer_outcome(result) -> str:
    """How the farm answered one request: the HTTP status, or the transport action's kind."""
    if isinstance(result, faults.Action):
        return result.kind
    return str(result.status)


def is_retryable(outcome: str) -> bool:
    if outcome in RETRYABLE_ACTIONS:
        return True
    return outcome.isdigit() and (int(outcome) >= RETRYABLE_STATUS_MIN or int(outcome) in RETRYABLE_STATUSES)


def split_repeats(answer_log, ignore: Callable[[str], bool] = lambda path: False
                  ) -> tuple[dict[tuple[str, str, str], int], dict[tuple[str, str, str], int]]:
    """Sort the repeated requests of an answer log ``(method, path?query, body, outcome)`` into
    retries — a repeat of a request whose previous answer was retryable — and true duplicates.
    Returns ({request: retry count}, {request: duplicate count}), a request being (method,
    path?query, body); paths for which ``ignore`` is true (robots.txt) are skipped."""
    last: dict[tuple[str, str, str], str] = {}
    retries: dict[tuple[str, str, str], int] = {}
    duplicates: dict[tuple[str, str, str], int] = {}
    for method, path, body, outcome in answer_log:
        if ignore(path):
            continue
        key = (method, path, body)
        previous = last.get(key)
        if previous is not None:
            bucket = retries if is_retryable(previous) else duplicates
            bucket[key] = bucket.get(key, 0) + 1
        last[key] = outcome
    return retries, duplicates


class FarmServer:
    """Serves a farm in background threads; use as a context manager."""

    def __init__(self, farm: Farm, port: int = 0, host: str = LOOPBACK):
        if host != LOOPBACK:
            raise ValueError(f"the farm binds {LOOPBACK} only, not {host!r}")
        self.farm = farm
        self.port = port
        self.host = host
        self.state = faults.FaultState()
        self._servers: list[_Server] = []
        self._threads: list[threading.Thread] = []
        self._bases: dict[str, str] = {}
        self._routes: dict[str, tuple[int, dict[str, Callable[[], Response]]]] = {}
        self._routes_lock = threading.Lock()
        self._log_lock = threading.Lock()
        self.requests: list[tuple[str, str]] = []             # (method, path?query)
        self.request_log: list[tuple[str, str, str]] = []     # (method, path?query, request body)
        self.answer_log: list[tuple[str, str, str, str]] = []  # (method, path?query, body, outcome)
        #: (portal id or "" for the farm's own paths, path, start, end) of every answered request, in
        #: time.monotonic() seconds: per-portal politeness checks (:func:`politeness_violations`)
        self.timings: list[tuple[str, str, float, float]] = []
        self._log_generation = 0  # bumped by clear_log, so a late settle_answer cannot hit a new log
        self._tmpdir: tempfile.TemporaryDirectory | None = None
        self._raw_listeners: list[socket.socket] = []

    # ------------------------------------------------------------ lifecycle
    def __enter__(self) -> "FarmServer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        if self._servers:
            raise RuntimeError("this FarmServer is already running")
        try:
            main = self._listen(self.port, None)
            self.port = main.server_address[1]
            for portal in self.farm.portals:
                if portal.own_listener:
                    server = self._listen(0, portal.portal_id, tls=portal.fault.kind == "tls-self-signed")
                    self._bases[portal.portal_id] = f"{portal.scheme}://{LOOPBACK}:{server.server_address[1]}"
                elif portal.fault is not None and portal.fault.kind == "connect-refused":
                    # a port bound but never listening: the kernel refuses every connection
                    refused = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                    refused.bind((LOOPBACK, 0))
                    self._raw_listeners.append(refused)
                    self._bases[portal.portal_id] = f"{portal.scheme}://{LOOPBACK}:{refused.getsockname()[1]}"
        except BaseException:
            self.stop()
            raise

    def _listen(self, port: int, own_portal: str | None, tls: bool = False) -> _Server:
        server = _Server((self.host, port), _Handler, self, own_portal)
        if tls:
            server.socket = self._tls_context().wrap_socket(server.socket, server_side=True)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                  name=f"farm-{own_portal or 'main'}", daemon=True)
        thread.start()
        self._servers.append(server)
        self._threads.append(thread)
        return server

    def _tls_context(self) -> ssl.SSLContext:
        from portalsim.tls import self_signed_pem
        if self._tmpdir is None:
            self._tmpdir = tempfile.TemporaryDirectory(prefix="farm-tls-")
        cert, key = self_signed_pem()
        cert_path = Path(self._tmpdir.name) / "cert.pem"
        key_path = Path(self._tmpdir.name) / "key.pem"
        cert_path.write_bytes(cert)
        key_path.write_bytes(key)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_path, key_path)
        return context

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
            server.close_connections()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers.clear()
        self._threads.clear()
        for raw in self._raw_listeners:
            raw.close()
        self._raw_listeners.clear()
        if self._tmpdir is not None:
            self._tmpdir.cleanup()
            self._tmpdir = None

    # ------------------------------------------------------------ addresses
    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def portal_base(self, portal: Portal) -> str:
        return self._bases.get(portal.portal_id, self.base_url)

    def url(self, portal: Portal, path: str) -> str:
        return f"{self.portal_base(portal)}{chrome.prefix(portal)}{path}"

    def column_url(self, portal: Portal) -> str:
        family = family_of(portal.family)
        return self.url(portal, family.column_path(portal)) + family.column_fragment(portal)

    # ------------------------------------------------------------ outputs
    def seed_rows(self) -> list[dict[str, str]]:
        return ground_truth.seed_rows(self.farm, self)

    def manifest(self) -> dict:
        return ground_truth.build_manifest(self.farm, self)

    def write_out(self, directory: str | Path) -> tuple[Path, Path]:
        """Write ``seeds.csv`` (all portals), ``seeds/<code>_<pinyin>.csv`` (the same rows split by
        province, as the seed validator wants them) and ``manifest.json`` into ``directory``."""
        from crawler.patterns import PROVINCES_BY_CODE

        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        rows = self.seed_rows()
        seeds_path = out / "seeds.csv"
        _write_csv(seeds_path, rows)
        by_province: dict[str, list[dict[str, str]]] = {}
        for row in rows:
            by_province.setdefault(row["adcode"][:2], []).append(row)
        split_dir = out / "seeds"
        split_dir.mkdir(exist_ok=True)
        for code, group in sorted(by_province.items()):
            province = PROVINCES_BY_CODE[code]
            _write_csv(split_dir / f"{code}_{province.pinyin}.csv", group)
        manifest_path = out / "manifest.json"
        manifest_path.write_text(json.dumps(self.manifest(), ensure_ascii=False, indent=1), encoding="utf-8")
        return seeds_path, manifest_path

    def warm(self) -> int:
        """Render every page and attachment once (they are cached), so timing a crawl measures the
        crawler rather than the farm's first renders. Returns the number of resources rendered."""
        count = 0
        for portal in self.farm.portals:
            for path, render in self.routes(portal).items():
                answer = render()
                if answer.stream is not None:   # the oversized attachment is generated on the fly
                    continue
                count += 1
        return count

    # ------------------------------------------------------------ request log
    def record(self, method: str, path: str, body: bytes = b"") -> None:
        with self._log_lock:
            self.requests.append((method, path))
            self.request_log.append((method, path, body.decode("utf-8", "replace")))

    def record_answer(self, method: str, path: str, body: bytes, outcome: str) -> tuple[int, int]:
        """Log how a request is answered (see :func:`answer_outcome`), for :func:`split_repeats`;
        returns the entry's (log generation, index)."""
        with self._log_lock:
            self.answer_log.append((method, path, body.decode("utf-8", "replace"), outcome))
            return self._log_generation, len(self.answer_log) - 1

    def settle_answer(self, entry: tuple[int, int], outcome: str) -> None:
        """Replace the outcome of a logged answer (a stall the client waited out got its answer)."""
        generation, index = entry
        with self._log_lock:
            if generation == self._log_generation and index < len(self.answer_log):
                method, path, body, _ = self.answer_log[index]
                self.answer_log[index] = (method, path, body, outcome)

    def record_timing(self, own_portal: str | None, path: str, start: float, end: float) -> None:
        parts = path.split("/")
        portal = own_portal or (parts[2] if len(parts) > 2 and parts[1] == "p" else "")
        with self._log_lock:
            self.timings.append((portal, path, start, end))

    def clear_log(self) -> None:
        with self._log_lock:
            self.timings.clear()
            self.requests.clear()
            self.request_log.clear()
            self.answer_log.clear()
            self._log_generation += 1

    def request_counts(self) -> dict[tuple[str, str, str], int]:
        """How often each (method, path?query, body) was requested — for duplicate-fetch checks
        (POST APIs share one path, so the body is part of the key)."""
        with self._log_lock:
            counts: dict[tuple[str, str, str], int] = {}
            for key in self.request_log:
                counts[key] = counts.get(key, 0) + 1
            return counts

    def repeats(self) -> tuple[dict[tuple[str, str, str], int], dict[tuple[str, str, str], int]]:
        """({request: retries}, {request: true duplicates}) of the requests logged so far,
        robots.txt excluded (see :func:`split_repeats`)."""
        with self._log_lock:
            answers = list(self.answer_log)
        return split_repeats(answers, ignore=lambda path: urlsplit(path).path.endswith("/robots.txt"))

    # ------------------------------------------------------------ answering
    def routes(self, portal: Portal) -> dict[str, Callable[[], Response]]:
        with self._routes_lock:
            cached = self._routes.get(portal.portal_id)
            if cached is None or cached[0] != self.farm.version:
                with self.farm.lock:
                    table = family_of(portal.family).routes(self.farm, portal)
                cached = (self.farm.version, table)
                self._routes[portal.portal_id] = cached
            return cached[1]

    def answer(self, method: str, path: str, query: str, body: bytes, headers: dict[str, str],
               own_portal: str | None):
        if path == "/robots.txt":
            return self.robots(own_portal)
        match = patterns.PORTAL_PATH.match(path)
        if not match or match.group("portal") not in self.farm.by_id:
            return faults.not_found_page()
        portal = self.farm.portal(match.group("portal"))
        rest = match.group("rest") or ""
        if rest == "":
            return Response(301, [("Location", f"{chrome.prefix(portal)}/")], b"")
        req = Request(method, rest, parse_qs(query, keep_blank_values=True), body, headers)
        if rest == "/robots.txt":
            return self.portal_robots(portal)
        family = family_of(portal.family)
        column_dir = family.column_dir(portal)
        is_listing = family.is_listing(portal, req)
        intercepted = faults.intercept(self.farm, portal, req, self.state, is_listing, column_dir)
        if isinstance(intercepted, faults.Action):
            # the handler misbehaves first, then (stall/truncate) sends the normal answer
            return replace(intercepted, then=lambda: self.normal(portal, req))
        if intercepted is not None:
            return intercepted
        return self.normal(portal, req)

    def normal(self, portal: Portal, req: Request) -> Response:
        family = family_of(portal.family)
        page = homepage.answer(self.farm, portal, req)   # homepage, hubs, decoy columns (discovery)
        if page is not None:
            return page
        with self.farm.lock:
            answer = family.listing(self.farm, portal, req)
        if answer is not None:
            return answer
        render = self.routes(portal).get(family.route_key(req))
        if render is None:
            return faults.not_found_page()
        return render()

    def robots(self, own_portal: str | None) -> Response:
        if own_portal is not None:
            portal = self.farm.portal(own_portal)
            if portal.fault and portal.fault.kind == "robots-500":
                return Response(500, [("Content-Type", "text/html")],
                                b"<html><body><h1>500 Internal Server Error</h1></body></html>")
            return self.portal_robots(portal)
        lines = ["User-agent: *"]
        for portal in self.farm.portals:
            if portal.fault and portal.fault.kind == "robots-disallow":
                lines.append(f"Disallow: {chrome.prefix(portal)}{family_of(portal.family).column_dir(portal)}")
        lines.append("Disallow: /p/*/search/")
        lines.append("")
        return Response(200, [("Content-Type", "text/plain")], "\n".join(lines).encode())

    def portal_robots(self, portal: Portal) -> Response:
        lines = ["User-agent: *", "Disallow: /search/"]
        if portal.fault and portal.fault.kind == "robots-disallow":
            lines.append(f"Disallow: {chrome.prefix(portal)}{family_of(portal.family).column_dir(portal)}")
        if portal.fault and portal.fault.kind == "robots-500":
            return Response(500, [("Content-Type", "text/html")],
                            b"<html><body><h1>500 Internal Server Error</h1></body></html>")
        lines.append("")
        return Response(200, [("Content-Type", "text/plain")], "\n".join(lines).encode())


def _write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=SEED_HEADER, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
