"""The crawl's worker pool (pipelines/workers.py): same results as in-process, deaths contained."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy.utils.defer import deferred_f_from_coro_f
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.items import FetchedDocument
from pipelines.cleaning.cleaner import clean_page
from pipelines.cleaning.pipeline import CleaningPipeline
from pipelines.report import ReportParsingPipeline, parse_to_json
from pipelines.storage.pipeline import StoragePipeline
from pipelines.workers import WorkerDied, WorkerPool

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reports"
CASES = sorted(p for p in FIXTURES.iterdir() if p.is_dir())
JOBS = "tests.parsing.worker_jobs"


def _case(case: Path) -> tuple[bytes, str | None, str]:
    meta = json.loads((case / "meta.json").read_text(encoding="utf-8"))
    body = next(p for p in case.iterdir() if p.name.startswith("body")).read_bytes()
    return body, meta.get("content_type"), meta["filename"]


@pytest.fixture
def pool():  # type: ignore[no-untyped-def]
    pool = WorkerPool(2, job_timeout_s=30)
    if not pool.available:
        pytest.skip("no forkserver on this platform: jobs run in-process")
    yield pool
    pool.close()


@deferred_f_from_coro_f
async def test_pool_parses_and_cleans_every_fixture_exactly_as_in_process(pool: WorkerPool) -> None:
    cases = [_case(c) for c in CASES]
    parsed = await asyncio.gather(*(pool.run("pipelines.report:parse_to_json", body, ctype, name, None, False)
                                    for body, ctype, name in cases))
    cleaned = await asyncio.gather(*(pool.run("pipelines.cleaning.cleaner:clean_page", body, url="http://x/a.html")
                                     for body, ctype, _ in cases if "html" in (ctype or "")))
    assert len(parsed) == len(CASES) >= 20
    for case, (body, ctype, name), got in zip(CASES, cases, parsed, strict=True):
        assert got == parse_to_json(body, ctype, name, None, False), case.name
    html = [body for body, ctype, _ in cases if "html" in (ctype or "")]
    assert html and cleaned == [clean_page(body, url="http://x/a.html") for body in html]
    assert len(set(pool.pids())) == 2


@deferred_f_from_coro_f
async def test_a_worker_killed_mid_job_fails_only_that_job_and_the_pool_recovers(pool: WorkerPool) -> None:
    await asyncio.gather(*(pool.run(f"{JOBS}:echo_pid", n) for n in range(2)))  # both workers up
    busy = set(pool.pids())
    slow = asyncio.ensure_future(pool.run(f"{JOBS}:sleep_then", "slow", 30))
    await asyncio.sleep(0.3)
    # the worker running the slow job: the other one still answers
    free_pid, _ = await pool.run(f"{JOBS}:echo_pid", 0)
    os.kill(next(pid for pid in busy if pid != free_pid), signal.SIGKILL)
    started = time.monotonic()
    with pytest.raises(WorkerDied) as died:
        await slow
    assert time.monotonic() - started < 10
    assert died.value.reason == "worker process died (SIGKILL) on this document"
    after = await asyncio.gather(*(pool.run(f"{JOBS}:echo_pid", n) for n in range(4)))
    assert [value for _, value in after] == [0, 1, 2, 3]
    assert len(pool.pids()) == 2 and set(pool.pids()) != busy
    assert pool.deaths == 1


@deferred_f_from_coro_f
async def test_a_job_over_the_timeout_has_its_worker_killed() -> None:
    pool = WorkerPool(1, job_timeout_s=3)
    try:
        started = time.monotonic()
        with pytest.raises(WorkerDied, match=r"killed after 3 s"):
            await pool.run(f"{JOBS}:sleep_then", 1, 20)
        with pytest.raises(RuntimeError, match="ValueError: bad job"):
            await pool.run(f"{JOBS}:boom")
        assert await pool.run(f"{JOBS}:sleep_then", "next", 0) == "next"
        assert time.monotonic() - started < 20
    finally:
        pool.close()


@deferred_f_from_coro_f
async def test_close_stops_every_worker() -> None:
    pool = WorkerPool(2)
    await pool.run(f"{JOBS}:echo_pid", 0)
    procs = [w.proc for w in pool._workers]
    assert all(p.is_alive() for p in procs)
    pool.close()
    assert not any(p.is_alive() for p in procs)
    pool.close()  # idempotent
    with pytest.raises(RuntimeError, match="closed"):
        await pool.run(f"{JOBS}:echo_pid", 0)


@deferred_f_from_coro_f
async def test_a_document_whose_worker_dies_is_stored_failed_with_the_reason(tmp_path: Path) -> None:
    crawler = get_crawler(settings_dict={"HARVEST_DATABASE_URL": f"sqlite:///{tmp_path / 'h.sqlite3'}",
                                         "HARVEST_BLOB_DIR": str(tmp_path / "blobs"), "HARVEST_PARSE_WORKERS": 1})
    cleaning = build_from_crawler(CleaningPipeline, crawler)
    parsing = build_from_crawler(ReportParsingPipeline, crawler)
    assert parsing.pool is not None and parsing.pool is cleaning.pool
    if not parsing.pool.available:
        pytest.skip("no forkserver on this platform")
    body, ctype, name = _case(FIXTURES / "rendered_html_2019")

    def item(url: str) -> FetchedDocument:
        return FetchedDocument(url=url, final_url=url, status=200, body=body, fetched_at=datetime.now(UTC),
                               content_type=ctype, filename=name, sha256="0" * 64)

    try:
        parsing.parse_target = f"{JOBS}:die"
        dying = await parsing.process_item(await cleaning.process_item(item("http://127.0.0.1/a.html")))
        parsing.parse_target = ReportParsingPipeline.parse_target
        fine = await parsing.process_item(await cleaning.process_item(item("http://127.0.0.1/b.html")))
    finally:
        parsing.pool.close()
    assert dying.cleaned is not None  # cleaning went through the pool
    assert dying.parse_result["status"] == "failed"
    assert dying.parse_result["reason"] == "parse: worker process died (SIGKILL) on this document"
    assert fine.parse_result["status"] == "ok"
    storage = build_from_crawler(StoragePipeline, crawler)
    storage.process_item(dying)
    assert storage.store.counts()["reports_failed"] == 1


@deferred_f_from_coro_f
async def test_the_crawlers_of_one_process_share_one_pool_closed_by_the_last_to_close() -> None:
    from scrapy import signals

    from pipelines.workers import pool_for

    first, second = (get_crawler(settings_dict={"HARVEST_PARSE_WORKERS": 1}) for _ in range(2))
    pool = pool_for(first)
    assert pool is not None and pool_for(second) is pool and pool_for(first) is pool
    assert pool_for(get_crawler(settings_dict={"HARVEST_PARSE_WORKERS": 0})) is None
    await pool.run(f"{JOBS}:echo_pid", 0)
    procs = [w.proc for w in pool._workers]
    from twisted.python.failure import Failure

    for crawler in (first, second):
        answers = await crawler.signals.send_catch_log_async(signals.spider_closed, spider=None, reason="finished")
        ours = [result for receiver, result in answers if getattr(receiver, "__module__", "") == "pipelines.workers"]
        assert len(ours) == 1 and not isinstance(ours[0], Failure | BaseException), ours
        if crawler is first:
            assert await pool.run(f"{JOBS}:echo_pid", 1)  # still open for the other crawler
    assert not any(p.is_alive() for p in procs)
    fresh = pool_for(get_crawler(settings_dict={"HARVEST_PARSE_WORKERS": 1}))
    assert fresh is not None and fresh is not pool
    fresh.close()
