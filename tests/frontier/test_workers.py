"""``scrapy worker`` processes on the shared Redis frontier, end to end: real farm, real Scrapy
engines in subprocesses, real Redis, SQLite.

- two workers, one killed with SIGKILL mid-backfill: every report of the manifest stored exactly once;
- two workers: per-portal politeness (one request at a time, the delay between them) holds across both;
- Redis lost mid-run: the worker stops cleanly, and a rerun after Redis is back finishes the run.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from pipelines.storage.models import Document
from portalsim import Farm, FarmServer
from portalsim.server import politeness_violations
from tests.conftest import RedisSpace
from tests.crawl.harness import Workspace, manifest_report_urls

pytestmark = [pytest.mark.slow, pytest.mark.redis]

# short leases: a dead worker's requests come back after 2 s, a host lease it held after 5 s
LEASE = ("-s", "HARVEST_FRONTIER_LEASE_S=2", "-s", "HARVEST_POLITENESS_LEASE_S=5")
DELAY = 0.2
POLITE = ("-s", "HARVEST_POLITENESS_SCOPE=seed", "-s", f"HARVEST_POLITENESS_DELAY={DELAY}")


def _serve(ws: Workspace, portals: int, seed: int) -> FarmServer:
    server = FarmServer(Farm.generate(portals=portals, seed=seed, faults=False), port=0)
    server.start()
    server.write_out(ws.seeds.parent)
    return server


def _expected(manifest: dict, province: str | None = None) -> set[str]:
    ok = {p["id"] for p in manifest["portals"] if p.get("expected_health") == "OK"
          and (province is None or p["id"].startswith(province))}
    return manifest_report_urls({"reports": [r for r in manifest["reports"] if r["portal_id"] in ok]})


def _stored_once(ws: Workspace, expected: set[str]) -> None:
    with ws.store().sessions() as session:
        per_url = Counter(session.scalars(select(Document.requested_url)))
    assert expected <= set(per_url), sorted(expected - set(per_url))[:5]
    assert [u for u, n in per_url.items() if n > 1] == []


def _figures(output: str, key: str) -> dict[str, str]:
    line = next(line for line in reversed(output.splitlines()) if line.startswith(f"{key}="))
    return dict(part.split("=", 1) for part in line.split())


def _holds_leases(space: RedisSpace, pid: int) -> bool:
    client = space.client()
    return any(client.hlen(key) for key in client.scan_iter(match=f"{space.prefix}:inflight:*-{pid}-*"))


def _wait_for_leases(worker: subprocess.Popen[str], space: RedisSpace, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not _holds_leases(space, worker.pid):
        if worker.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"the worker took no work within {timeout:g} s:\n{log.read_text()[-3000:]}")
        time.sleep(0.02)


def _kill_while_holding_leases(worker: subprocess.Popen[str], ws: Workspace, space: RedisSpace,
                               timeout: float = 90) -> bool:
    """SIGKILL ``worker`` at a moment it holds in-flight requests, once the run has stored something.

    The worker is frozen (SIGSTOP) before its leases are looked at, so it cannot finish its requests
    between the look and the kill; when it holds none it is let go on (SIGCONT) and looked at again.
    Returns whether it was killed holding leases (it is killed in any case)."""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and worker.poll() is None:
            if ws.stored_urls():
                worker.send_signal(signal.SIGSTOP)
                if _holds_leases(space, worker.pid):
                    return True
                worker.send_signal(signal.SIGCONT)
            time.sleep(0.05)
        return False
    finally:
        if worker.poll() is None:
            worker.send_signal(signal.SIGKILL)


def test_a_worker_killed_mid_backfill_loses_nothing(tmp_path: Path, redis_space: RedisSpace,
                                                    db_url: str) -> None:
    # on both backends: workers on several machines share a PostgreSQL database
    ws = Workspace(tmp_path, database=None if db_url.startswith("sqlite") else db_url)
    env = {"HARVEST_REDIS_URL": redis_space.url, "HARVEST_REDIS_PREFIX": redis_space.prefix}
    server = _serve(ws, portals=8, seed=176)  # three portals in province 44 (gkmlpt, hanweb, trs)
    try:
        expected = _expected(server.manifest(), "44")
        queued = ws.scrapy("backfill", "--province", "44", **env)
        assert queued.returncode == 0, queued.stdout + queued.stderr
        assert _figures(queued.stdout, "seeds")["seeds"] == "3"
        slow = ("-s", "CONCURRENT_REQUESTS=2", *LEASE, *POLITE)
        doomed = ws.popen("worker", *slow, log=tmp_path / "doomed.log", **env)
        # the survivor starts once the doomed worker has taken work: started together, the survivor
        # could take every column page (their listing walks stay with it) and finish the small run
        # while the doomed one, idle between Scrapy's 5 s heartbeats, never held anything
        _wait_for_leases(doomed, redis_space, tmp_path / "doomed.log")
        survivor = ws.popen("worker", *slow, log=tmp_path / "survivor.log", **env)
        killed_midway = _kill_while_holding_leases(doomed, ws, redis_space)
        doomed.wait(timeout=30)
        assert killed_midway, ("the worker finished or held nothing before it could be killed:\n"
                               + (tmp_path / "doomed.log").read_text()[-3000:])
        survivor.wait(timeout=180)
        out = (tmp_path / "survivor.log").read_text()
        assert survivor.returncode == 0, out[-3000:]
        assert int(_figures(out, "worker")["reaped"]) >= 1, out[-3000:]  # the dead worker's requests
        _stored_once(ws, expected)
    finally:
        server.stop()


def test_two_workers_keep_one_request_at_a_time_per_portal_and_the_delay(tmp_path: Path,
                                                                        redis_space: RedisSpace) -> None:
    ws = Workspace(tmp_path)
    env = {"HARVEST_REDIS_URL": redis_space.url, "HARVEST_REDIS_PREFIX": redis_space.prefix}
    server = _serve(ws, portals=4, seed=7)
    try:
        queued = ws.scrapy("nightly", **env)
        assert queued.returncode == 0, queued.stdout + queued.stderr
        # two requests at a time per spider and worker: neither worker can take the whole small farm
        workers = [ws.popen("worker", "-s", "CONCURRENT_REQUESTS=2", *POLITE, **env) for _ in range(2)]
        outputs = [w.communicate(timeout=180)[0] for w in workers]
        assert [w.returncode for w in workers] == [0, 0], "\n".join(o[-2000:] for o in outputs)
        assert all(int(_figures(o, "worker")["requests"]) > 0 for o in outputs), outputs  # both crawled
        portals = {portal for portal, *_ in server.timings if portal}
        assert len(portals) == 4
        assert politeness_violations(list(server.timings), DELAY) == []
        _stored_once(ws, _expected(server.manifest()))
    finally:
        server.stop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _redis_server(port: int, directory: Path) -> subprocess.Popen[bytes]:
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed (CI may not skip it)")
        pytest.skip("redis-server is not installed: cannot start a Redis of this test's own to lose")
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "yes", "--appendfsync", "always", "--dir", str(directory)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    pytest.fail(f"redis-server did not start on port {port}")


def test_redis_lost_mid_run_stops_the_worker_cleanly_and_a_rerun_finishes(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    port, data = _free_port(), tmp_path / "redis"
    data.mkdir()
    redis_proc = _redis_server(port, data)
    env = {"HARVEST_REDIS_URL": f"redis://127.0.0.1:{port}/0"}
    server = _serve(ws, portals=4, seed=7)
    try:
        queued = ws.scrapy("nightly", **env)
        assert queued.returncode == 0, queued.stdout + queued.stderr
        worker = ws.popen("worker", "-s", "CONCURRENT_REQUESTS=1", *LEASE, *POLITE, **env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and worker.poll() is None and len(ws.stored_urls()) < 3:
            time.sleep(0.05)
        assert worker.poll() is None, "the worker finished before Redis could be lost"
        redis_proc.kill()
        redis_proc.wait()
        out, _ = worker.communicate(timeout=60)
        assert worker.returncode == 3, out[-3000:]
        assert "Traceback" not in out, out[-3000:]
        lost = [line for line in out.splitlines() if "ERROR" in line]
        assert len(lost) == 1 and f"Redis at redis://127.0.0.1:{port}/0 lost" in lost[0], out[-3000:]
        partial = len(ws.stored_urls())

        redis_proc = _redis_server(port, data)  # back, with what it had written (append-only file)
        rerun = ws.scrapy("worker", *LEASE, *POLITE, timeout=180, **env)
        assert rerun.returncode == 0, rerun.stdout[-3000:] + rerun.stderr[-3000:]
        assert len(ws.stored_urls()) > partial
        _stored_once(ws, _expected(server.manifest()))
    finally:
        server.stop()
        redis_proc.kill()
        redis_proc.wait()
