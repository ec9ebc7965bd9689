"""The shared frontier's pieces against the real Redis: JSON serialisation of the spiders' real
requests, leases (pop, acknowledge, renew, reap), the run claim, and Redis unreachable at start."""

from __future__ import annotations

import pickle
import subprocess
import time

import pytest
from scrapy.http import Request
from scrapy.utils.request import request_from_dict

from crawler.frontier import Frontier, FrontierBusy, FrontierUnavailable, connect, serializer
from crawler.frontier.scheduler import TOKEN, make_dupefilter, make_queue
from crawler.spiders.base import LOCAL, PortalSpider
from crawler.spiders.generic import GenericSpider
from crawler.spiders.gkmlpt import GkmlptSpider
from crawler.spiders.hanweb import HanwebSpider
from crawler.spiders.jsonapi import JsonApiSpider
from crawler.spiders.trs import TrsSpider
from tests.conftest import REPO_ROOT, RedisSpace
from tests.crawl.harness import SCRAPY
from tests.spiders.helpers import prime, response, seed, split, spider

#: (spider, platform, column URL, listing fixtures in paging order, detail fixture): pages each family
#: really answers (the API families: the shell page, then the list-API answers it leads to)
FAMILY_PAGES = [
    (TrsSpider, "trs", "http://www.example.gov.cn/zwgk/ndbg/index.html", ["trs_listing_p1.html"],
     "trs_article_p1.html"),
    (HanwebSpider, "hanweb", "http://www.example.gov.cn/col/col123/index.html", ["hanweb_column.html"],
     "hanweb_detail.html"),
    (GkmlptSpider, "gkmlpt", "http://www.example-gov.cn/gkmlpt/annualreport",
     ["gkmlpt_shell.html", "gkmlpt_api_p1.json"], "gkmlpt_detail.html"),
    (JsonApiSpider, "jsonapi", "http://www.example-gov.cn/info_open/index.html",
     ["jsonapi_shell.html", "jsonapi_list.js", "jsonapi_search_p1.json"], "jsonapi_detail.html"),
    (GenericSpider, "generic", "http://www.example.gov.cn/xxgk/nb/index.html", ["plain_numbered.html"],
     "plain_detail.html"),
]


def _real_requests(cls: type[PortalSpider], platform: str, column: str, listings: list[str],
                   detail: str) -> list[Request]:
    """The requests a family spider makes: its start request, what its listing pages and a report
    page yield (cb_kwargs with the seed and the report link, the family's meta)."""
    sp = spider(cls, selected_seeds=[], detections={})
    s = seed(column, platform)
    made = list(sp.start_requests_for(s))
    prime(sp, s)
    previous = made[0]
    for page, name in enumerate(listings, start=1):
        listed, _, _ = split(sp.parse_listing(response(name, request=previous), seed=s, page=page))
        made += listed
        nexts = [r for r in listed if r.callback == sp.parse_listing]
        if nexts:
            previous = nexts[0]
    details = [r for r in made if r.callback == sp.parse_detail]
    if details:
        made += split(sp.parse_detail(response(detail, request=details[0]), **details[0].cb_kwargs))[0]
    return made


@pytest.mark.parametrize(("cls", "platform", "column", "listings", "detail"), FAMILY_PAGES,
                         ids=[p[1] for p in FAMILY_PAGES])
def test_every_request_a_spider_makes_round_trips_through_json(cls, platform, column, listings, detail) -> None:
    made = _real_requests(cls, platform, column, listings, detail)
    sp = spider(cls, selected_seeds=[], detections={})
    assert any(r.cb_kwargs.get("link") for r in made), "no report request was made: the fixture changed"
    for request in made:
        text = serializer.dumps(request.to_dict(spider=sp))
        back = request_from_dict(serializer.loads(text), spider=sp)
        assert back.to_dict(spider=sp) == request.to_dict(spider=sp), text
        assert back.cb_kwargs == request.cb_kwargs and back.meta == request.meta
        assert back.callback.__name__ == request.callback.__name__  # type: ignore[union-attr]


def test_multi_page_article_requests_stay_local() -> None:
    made = _real_requests(*FAMILY_PAGES[0])
    parts = [r for r in made if r.callback.__name__ == "parse_article_page"]  # type: ignore[union-attr]
    assert parts and all(r.meta.get(LOCAL) for r in parts)


def test_objects_json_cannot_say_are_refused_by_name() -> None:
    sp = TrsSpider()
    with pytest.raises(TypeError, match=r"set at request\.meta\.odd"):
        serializer.dumps(Request("http://a.gov.cn/", meta={"odd": {1, 2}}).to_dict(spider=sp))


@pytest.mark.redis
def test_queue_uses_json_and_never_pickle(redis_space: RedisSpace, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pickle(*args: object, **kwargs: object) -> None:
        raise AssertionError("pickle used")

    monkeypatch.setattr(pickle, "dumps", no_pickle)
    monkeypatch.setattr(pickle, "loads", no_pickle)
    made = _real_requests(*FAMILY_PAGES[1])
    sp = spider(HanwebSpider, selected_seeds=[], detections={})
    frontier = Frontier(connect(redis_space.url), redis_space.prefix, lease_s=60)
    queue = make_queue(frontier, sp)
    for request in made:
        queue.push(request)
    raw = redis_space.client().zrange(frontier.queue_key(sp.name), 0, -1)
    assert len(raw) == len(made) and all(item.startswith("{") for item in raw)
    popped = [queue.pop() for _ in made]
    assert sorted(r.url for r in popped) == sorted(r.url for r in made)  # type: ignore[union-attr]


@pytest.mark.redis
def test_a_popped_request_is_leased_until_acknowledged_and_put_back_when_its_lease_expires(
        redis_space: RedisSpace) -> None:
    sp = spider(HanwebSpider, selected_seeds=[], detections={})
    server = connect(redis_space.url)
    alive = Frontier(server, redis_space.prefix, lease_s=0.3, worker="alive")
    dead = Frontier(server, redis_space.prefix, lease_s=0.3, worker="dead")
    seen = make_dupefilter(alive, sp)
    for i in range(3):
        request = Request(f"http://a.gov.cn/{i}", callback=sp.parse_detail)
        assert not seen.request_seen(request)
        make_queue(alive, sp).push(request)
    first, second = make_queue(dead, sp).pop(), make_queue(alive, sp).pop()
    assert first is not None and second is not None
    assert dead.in_flight() == 2 and dead.queued() == 1 and not dead.drained()
    alive.ack(second.meta[TOKEN])
    assert alive.in_flight() == 1
    assert alive.reap() == 0  # the lease of the dead worker's request has not expired yet
    time.sleep(0.5)
    assert alive.reap() == 1  # now it has: back in the queue, past the duplicate filter
    assert alive.queued() == 2 and alive.in_flight() == 0
    urls = {make_queue(alive, sp).pop().url for _ in range(2)}  # type: ignore[union-attr]
    assert first.url in urls
    # a live worker renewing its leases keeps them
    time.sleep(0.2)
    alive.renew()
    time.sleep(0.2)
    assert alive.reap() == 0 and alive.in_flight() == 2
    assert alive.release_all() == 2 and alive.queued() == 2


@pytest.mark.redis
def test_one_run_at_a_time_holds_the_frontier(redis_space: RedisSpace) -> None:
    sp = spider(HanwebSpider, selected_seeds=[], detections={})
    frontier = Frontier(connect(redis_space.url), redis_space.prefix)
    backfill = {"command": "backfill-44", "mode": "full"}
    assert frontier.claim(backfill, ["hanweb"]) == "new"
    make_queue(frontier, sp).push(Request("http://a.gov.cn/", callback=sp.parse_detail))
    assert frontier.claim(backfill, ["hanweb"]) == "joined"
    with pytest.raises(FrontierBusy, match="backfill-44"):
        frontier.claim({"command": "nightly", "mode": "incremental"}, ["hanweb"])
    make_queue(frontier, sp).pop()
    frontier.release_all()
    assert make_queue(frontier, sp).pop() is not None
    frontier.ack(next(iter(redis_space.client().hkeys(frontier.inflight_key))))
    assert frontier.drained()
    make_dupefilter(frontier, sp).request_seen(Request("http://a.gov.cn/"))
    assert frontier.claim({"command": "nightly", "mode": "incremental"}, ["hanweb"]) == "new"
    assert not redis_space.client().exists(frontier.dupefilter_key("hanweb"))  # a new run fetches again


def test_unreachable_redis_is_one_line_naming_the_url(tmp_path) -> None:
    url = "redis://:secret@127.0.0.1:1/0"
    with pytest.raises(FrontierUnavailable, match=r"Redis unreachable at redis://:\*\*\*@127\.0\.0\.1:1/0"):
        connect(url)
    env = {"HARVEST_REDIS_URL": url, "HARVEST_VAR_DIR": str(tmp_path), "PATH": "/usr/bin:/bin",
           "HARVEST_DATABASE_URL": f"sqlite:///{tmp_path / 'h.sqlite3'}"}
    for args in (["worker"], ["nightly"]):
        run = subprocess.run([SCRAPY, *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60)
        assert run.returncode == 2, run.stdout + run.stderr
        lines = run.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: Redis unreachable at redis://:***@127.0.0.1:1/0"), lines
        assert "secret" not in run.stdout + run.stderr


def test_follow_ups_hold_their_parents_lease_only_when_they_stay_local() -> None:
    from crawler.frontier.scheduler import CHILD, tag_followups
    from crawler.incremental import REDELIVERED

    parent = Request("http://a.gov.cn/list", meta={TOKEN: "t1", REDELIVERED: True, LOCAL: True})
    copied = parent.replace(url="http://a.gov.cn/copy", meta={**parent.meta, LOCAL: False})
    local = Request("http://a.gov.cn/list?page=2", meta={LOCAL: True})
    shared = Request("http://a.gov.cn/report.html")
    out = list(tag_followups(parent, [local, shared, copied, "an item"]))
    assert out[-1] == "an item"
    assert (local.meta[TOKEN], local.meta[CHILD], local.meta[REDELIVERED]) == ("t1", True, True)
    assert TOKEN not in shared.meta and TOKEN not in copied.meta and CHILD not in copied.meta
