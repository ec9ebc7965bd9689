"""Listing hints of the API families: stored per seed, replayed in incremental mode, and a stale
hint (SID changed, error payload) falls back to the shell page and is learned again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scrapy.http import Request, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from crawler.hints import hint_for, hints_path, load_hints, make_hint, update_hints
from crawler.spiders import health
from crawler.spiders.gkmlpt import GkmlptSpider
from crawler.spiders.hinted import HINT
from crawler.spiders.jsonapi import JsonApiSpider
from tests.spiders.helpers import response, seed, split, stat

GK_COLUMN = "http://www.example-gov.cn/gkmlpt/annualreport#2629"
GK_API = "http://www.example-gov.cn/gkmlpt/api/all/2629?page=1&sid={sid}"
JS_COLUMN = "http://www.example-gov.cn/info_open/index.html"
JS_SEARCH = "http://www.example-gov.cn/info_open/search"
JS_BODY = "siteId={site}&channelIds=5899&pageSize=15&searchType=1&order=1&pageIndex=1"


def hinted_spider(cls, var: Path, mode: str = "incremental"):  # type: ignore[no-untyped-def]
    crawler = get_crawler(cls, settings_dict={"HARVEST_VAR_DIR": str(var)})
    sp = cls.from_crawler(crawler, mode=mode)
    return sp


def start(sp, s) -> list[Request]:  # type: ignore[no-untyped-def]
    return list(sp.start_requests_for(s))


def http_failure(request: Request, status: int, body: bytes) -> Failure:
    answer = TextResponse(url=request.url, status=status, body=body, request=request,
                          headers={"Content-Type": "application/json"})
    failure = Failure(HttpError(answer, "Ignoring non-200 response"))
    failure.request = request  # as Scrapy's scraper sets it for an errback
    return failure


def stored(var: Path) -> dict:
    return json.loads(hints_path(var).read_text(encoding="utf-8"))["seeds"]


# --- storage --------------------------------------------------------------------------------------


def test_hints_round_trip_atomic_update_and_column_url_key(tmp_path: Path) -> None:
    path = hints_path(tmp_path)
    assert load_hints(path) == {}
    gk = make_hint("a", GK_COLUMN, "get", GK_API.format(sid="1"))
    js = make_hint("b", JS_COLUMN, "POST", JS_SEARCH, JS_BODY.format(site="41").encode())
    update_hints(path, learned=[gk, js])
    loaded = load_hints(path)
    assert loaded["a"].method == "GET" and loaded["a"].url.endswith("sid=1")
    assert loaded["b"].body == JS_BODY.format(site="41")
    assert hint_for("a", GK_COLUMN, loaded) == loaded["a"]
    assert hint_for("a", "http://www.example-gov.cn/gkmlpt/annualreport#9999", loaded) is None  # column moved
    update_hints(path, forget=["a"])
    assert set(load_hints(path)) == {"b"}
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left behind
    assert make_hint("c", JS_COLUMN, "PUT", JS_SEARCH) is None
    assert make_hint("c", JS_COLUMN, "POST", JS_SEARCH, b"\xff\xfe") is None


def test_corrupt_hints_file_raises_on_load_and_is_replaced_on_update(tmp_path: Path) -> None:
    path = hints_path(tmp_path)
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="unreadable listing hints"):
        load_hints(path)
    update_hints(path, learned=[make_hint("a", GK_COLUMN, "GET", GK_API.format(sid="1"))])
    assert set(load_hints(path)) == {"a"}


# --- gkmlpt ------------------------------------------------------------------------------------


def test_gkmlpt_learns_the_api_request_behind_the_shell(tmp_path: Path) -> None:
    sp = hinted_spider(GkmlptSpider, tmp_path, mode="full")
    s = seed(GK_COLUMN, "gkmlpt")
    first = start(sp, s)
    assert [r.url for r in first] == ["http://www.example-gov.cn/gkmlpt/annualreport"]  # full mode: shell
    api, _, _ = split(sp.parse_listing(response("gkmlpt_shell.html", request=first[0]), seed=s, page=1))
    list(sp.parse_listing(response("gkmlpt_api_p1.json", request=api[0]), seed=s, page=2))
    sp.closed("finished")
    assert stored(tmp_path)[s.id]["url"] == GK_API.format(sid="755041")
    assert stored(tmp_path)[s.id]["column_url"] == GK_COLUMN
    assert stat(sp, "harvest/hints/learned") == 1


def test_gkmlpt_incremental_run_starts_from_the_hint(tmp_path: Path) -> None:
    hint = make_hint("110105_test", GK_COLUMN, "GET", GK_API.format(sid="755041"))
    update_hints(hints_path(tmp_path), learned=[hint])
    before = hints_path(tmp_path).stat().st_mtime_ns
    sp = hinted_spider(GkmlptSpider, tmp_path)
    s = seed(GK_COLUMN, "gkmlpt")
    first = start(sp, s)
    assert [r.url for r in first] == [GK_API.format(sid="755041")] and first[0].meta[HINT]
    assert first[0].meta["harvest_kind"] == "listing"  # pages on only while rows are new
    reqs, _, outcomes = split(sp.parse_listing(response("gkmlpt_api_p1.json", request=first[0]), seed=s, page=2))
    details = [r for r in reqs if r.callback == sp.parse_detail]
    pages = [r for r in reqs if r.callback == sp.parse_listing]
    assert len(details) == 100 - len(range(0, 100, 7))
    assert [r.url for r in pages] == ["http://www.example-gov.cn/gkmlpt/api/all/2629?page=2&sid=755041"]
    assert [o.event for o in outcomes] == [health.OK]
    sp.closed("finished")
    assert hints_path(tmp_path).stat().st_mtime_ns == before  # a confirmed hint is not rewritten
    assert stat(sp, "harvest/hints/used") == 1 and stat(sp, "harvest/hints/stale") == 0


def test_gkmlpt_stale_sid_falls_back_to_the_shell_and_relearns(tmp_path: Path) -> None:
    stale = make_hint("110105_test", GK_COLUMN, "GET", GK_API.format(sid="111111"))
    update_hints(hints_path(tmp_path), learned=[stale])
    sp = hinted_spider(GkmlptSpider, tmp_path)
    s = seed(GK_COLUMN, "gkmlpt")
    stale = start(sp, s)
    assert [r.url for r in stale] == [GK_API.format(sid="111111")]
    # the farm and real gkmlpt sites answer a wrong SID with 404 JSON
    reqs, docs, outcomes = split(sp.on_error(http_failure(stale[0], 404, b'{"error": "not found", "code": 404}')))
    assert [r.url for r in reqs] == ["http://www.example-gov.cn/gkmlpt/annualreport"] and not docs
    assert outcomes == [] and sp.events[s.id] == []  # a stale hint is no seed fault
    assert stat(sp, "harvest/errors/HttpError") == 0 and stat(sp, "harvest/hints/stale") == 1
    api, _, _ = split(sp.parse_listing(response("gkmlpt_shell.html", request=reqs[0]), seed=s, page=1))
    assert [r.url for r in api] == [GK_API.format(sid="755041")]
    reqs, _, outcomes = split(sp.parse_listing(response("gkmlpt_api_p1.json", request=api[0]), seed=s, page=2))
    assert len([r for r in reqs if r.callback == sp.parse_detail]) == 100 - len(range(0, 100, 7))
    assert [o.event for o in outcomes] == [health.OK]
    sp.closed("finished")
    assert stored(tmp_path)[s.id]["url"] == GK_API.format(sid="755041")


def test_gkmlpt_hint_failing_transiently_retries_the_same_api_url_past_the_dupefilter(tmp_path: Path) -> None:
    api_url = GK_API.format(sid="755041")
    update_hints(hints_path(tmp_path), learned=[make_hint("110105_test", GK_COLUMN, "GET", api_url)])
    sp = hinted_spider(GkmlptSpider, tmp_path)
    s = seed(GK_COLUMN, "gkmlpt")
    hinted = start(sp, s)
    reqs, _, outcomes = split(sp.on_error(http_failure(hinted[0], 503, b"busy")))
    assert outcomes == [] and [r.url for r in reqs] == ["http://www.example-gov.cn/gkmlpt/annualreport"]
    api, _, _ = split(sp.parse_listing(response("gkmlpt_shell.html", request=reqs[0]), seed=s, page=1))
    assert [r.url for r in api] == [api_url] and api[0].dont_filter  # the same request, asked once more
    assert stat(sp, "harvest/listing/pager_loop") == 0


def test_gkmlpt_hint_answered_by_a_challenge_backs_off_without_the_shell(tmp_path: Path) -> None:
    update_hints(hints_path(tmp_path), learned=[make_hint("110105_test", GK_COLUMN, "GET", GK_API.format(sid="1"))])
    sp = hinted_spider(GkmlptSpider, tmp_path)
    s = seed(GK_COLUMN, "gkmlpt")
    hinted = start(sp, s)
    reqs, _, outcomes = split(sp.on_error(http_failure(hinted[0], 429, b"too many requests")))
    assert reqs == [] and [o.event for o in outcomes] == [health.RATE_LIMIT_429]
    assert s.id in sp.backed_off
    sp.closed("finished")
    assert set(stored(tmp_path)) == {s.id}  # a rate limit says nothing about the hint


def test_bare_crawler_without_var_dir_neither_uses_nor_stores_hints(tmp_path: Path) -> None:
    sp = GkmlptSpider.from_crawler(get_crawler(GkmlptSpider), mode="incremental")
    s = seed(GK_COLUMN, "gkmlpt")
    assert [r.url for r in start(sp, s)] == ["http://www.example-gov.cn/gkmlpt/annualreport"]
    sp.closed("finished")  # no HARVEST_VAR_DIR: nothing written anywhere


def test_unreadable_hints_file_means_shell_first(tmp_path: Path) -> None:
    hints_path(tmp_path).write_text("[]", encoding="utf-8")
    sp = hinted_spider(GkmlptSpider, tmp_path)
    assert [r.url for r in start(sp, seed(GK_COLUMN, "gkmlpt"))] == ["http://www.example-gov.cn/gkmlpt/annualreport"]
    assert stat(sp, "harvest/hints/unreadable") == 1


# --- jsonapi -------------------------------------------------------------------------------------


def test_jsonapi_learns_endpoint_and_form_then_replays_them_with_paging(tmp_path: Path) -> None:
    sp = hinted_spider(JsonApiSpider, tmp_path, mode="full")
    s = seed(JS_COLUMN, "jsonapi")
    shell = start(sp, s)
    script, _, _ = split(sp.parse_listing(response("jsonapi_shell.html", request=shell[0]), seed=s, page=1))
    search, _, _ = split(sp.parse_listing(response("jsonapi_list.js", request=script[0]), seed=s, page=2))
    list(sp.parse_listing(response("jsonapi_search_p1.json", request=search[0]), seed=s, page=3))
    sp.closed("finished")
    entry = stored(tmp_path)[s.id]
    assert entry["method"] == "POST" and entry["url"] == JS_SEARCH
    assert entry["body"] == JS_BODY.format(site="41")  # the list script's form, page 1

    again = hinted_spider(JsonApiSpider, tmp_path)
    hinted = start(again, s)
    assert len(hinted) == 1 and hinted[0].method == "POST" and hinted[0].url == JS_SEARCH
    assert hinted[0].body == search[0].body and hinted[0].headers.get("Referer") == JS_COLUMN.encode()
    answer = response("jsonapi_search_p1.json", request=hinted[0])
    reqs, _, outcomes = split(again.parse_listing(answer, seed=s, page=2))
    assert len([r for r in reqs if r.callback == again.parse_detail]) == 15
    nxt = [r for r in reqs if r.callback == again.parse_listing]
    assert len(nxt) == 1 and b"pageIndex=2" in nxt[0].body and b"siteId=41" in nxt[0].body
    assert [o.event for o in outcomes] == [health.OK]


def test_jsonapi_error_payload_on_the_hint_falls_back_to_the_shell(tmp_path: Path) -> None:
    stale = make_hint("110105_test", JS_COLUMN, "POST", JS_SEARCH, JS_BODY.format(site="7"))
    update_hints(hints_path(tmp_path), learned=[stale])
    sp = hinted_spider(JsonApiSpider, tmp_path)
    s = seed(JS_COLUMN, "jsonapi")
    hinted = start(sp, s)
    # {"status": 1, "msg": "站点或栏目不存在"}: a 200 answer that is not a list, not a soft-404 of the seed
    reqs, docs, outcomes = split(sp.parse_listing(response("jsonapi_error.json", request=hinted[0]), seed=s, page=2))
    assert [r.url for r in reqs] == [JS_COLUMN] and docs == [] and outcomes == []
    assert stat(sp, "harvest/jsonapi/api_error") == 0 and stat(sp, "harvest/hints/stale") == 1
    script, _, _ = split(sp.parse_listing(response("jsonapi_shell.html", request=reqs[0]), seed=s, page=1))
    search, _, _ = split(sp.parse_listing(response("jsonapi_list.js", request=script[0]), seed=s, page=2))
    assert b"siteId=41" in search[0].body
    reqs, _, outcomes = split(sp.parse_listing(response("jsonapi_search_p1.json", request=search[0]), seed=s, page=3))
    assert len([r for r in reqs if r.callback == sp.parse_detail]) == 15
    assert [o.event for o in outcomes] == [health.OK]
    sp.closed("finished")
    assert stored(tmp_path)[s.id]["body"] == JS_BODY.format(site="41")


def test_stale_hint_not_relearned_is_forgotten(tmp_path: Path) -> None:
    stale = make_hint("110105_test", JS_COLUMN, "POST", JS_SEARCH, JS_BODY.format(site="7"))
    update_hints(hints_path(tmp_path), learned=[stale])
    sp = hinted_spider(JsonApiSpider, tmp_path)
    s = seed(JS_COLUMN, "jsonapi")
    hinted = start(sp, s)
    list(sp.parse_listing(response("jsonapi_error.json", request=hinted[0]), seed=s, page=2))
    sp.closed("shutdown")  # the shell never answered
    assert stored(tmp_path) == {}


def test_off_site_hint_is_not_followed(tmp_path: Path) -> None:
    update_hints(hints_path(tmp_path), learned=[
        make_hint("110105_test", GK_COLUMN, "GET", "http://elsewhere.example.com/gkmlpt/api/all/2629?page=1&sid=1")])
    sp = hinted_spider(GkmlptSpider, tmp_path)
    assert [r.url for r in start(sp, seed(GK_COLUMN, "gkmlpt"))] == ["http://www.example-gov.cn/gkmlpt/annualreport"]
    assert stat(sp, "harvest/hints/used") == 0
