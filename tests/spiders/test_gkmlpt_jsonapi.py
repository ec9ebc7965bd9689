
import pytest

from crawler.spiders import gkmlpt, jsonapi
from crawler.spiders.gkmlpt import GkmlptSpider
from crawler.spiders.jsonapi import JsonApiSpider
from tests.spiders.helpers import page, prime, response, seed, split, spider, stat

GK_COLUMN = "http://www.example-gov.cn/gkmlpt/annualreport#2629"
JS_COLUMN = "http://www.example-gov.cn/info_open/index.html"


def test_gkmlpt_sid_category_and_api_url():
    text, url = page("gkmlpt_shell.html")
    assert gkmlpt.site_id(text) == "755041"
    assert gkmlpt.category_id(GK_COLUMN) == "2629"
    assert gkmlpt.category_id("http://x/gkmlpt/annualreport", text) == "2629"  # from the TREE
    assert gkmlpt.api_url(url, "2629", "755041", 1) == "http://www.example-gov.cn/gkmlpt/api/all/2629?page=1&sid=755041"


def test_gkmlpt_api_titles_unescaped_and_filtered():
    text, url = page("gkmlpt_api_p1.json")
    answer = gkmlpt.parse_api(text, url)
    assert answer.total == 145 and answer.rows == 100
    assert len(answer.links) == 100 - len(range(0, 100, 7))
    assert answer.links[0].title == "某区1号单位2022年政府信息公开工作年度报告"
    assert all("%u" not in link.title for link in answer.links)
    assert any(link.url.endswith("post_963003.html") for link in answer.links)  # %u-escaped title row kept
    assert gkmlpt.next_api_url(answer, url, 100).endswith("page=2&sid=755041")
    p2_text, p2_url = page("gkmlpt_api_p2.json")
    assert gkmlpt.next_api_url(gkmlpt.parse_api(p2_text, p2_url), p2_url, 100) is None


def test_gkmlpt_spider_starts_at_page_one_never_zero_and_survives_error_payload():
    sp = spider(GkmlptSpider)
    s = seed(GK_COLUMN, "gkmlpt")
    prime(sp, s)
    requests, _, outcomes = split(sp.parse_listing(response("gkmlpt_shell.html"), seed=s, page=1))
    assert [r.url for r in requests] == ["http://www.example-gov.cn/gkmlpt/api/all/2629?page=1&sid=755041"]
    assert outcomes == []  # the shell lists nothing yet; no EMPTY while the API page is pending
    requests, docs, _ = split(sp.parse_listing(response("gkmlpt_api_error.json"), seed=s, page=3))
    assert requests == [] and docs == []
    assert stat(sp, "harvest/gkmlpt/api_error") == 1
    with pytest.raises(gkmlpt.ApiError):
        gkmlpt.parse_api("<html>500</html>", "http://x/")


def test_jsonapi_params_from_list_script_and_form_post():
    text, url = page("jsonapi_shell.html")
    assert jsonapi.script_urls(text, url) == ["http://www.example-gov.cn/info_open/list.js"]
    js, js_url = page("jsonapi_list.js")
    config = jsonapi.parse_config(js, js_url)
    assert config.url == "http://www.example-gov.cn/info_open/search"
    assert config.params["siteId"] == "41" and config.params["channelIds"] == "5899"
    req = jsonapi.search_request(config, 2, JS_COLUMN)
    assert req.method == "POST" and b"pageIndex=2" in req.body and b"siteId=41" in req.body


def test_jsonapi_search_answer_and_paging():
    text, url = page("jsonapi_search_p1.json")
    answer = jsonapi.parse_search(text, url)
    assert answer.rows == 16 and len(answer.links) == 15 and answer.total_pages == 3
    assert answer.links[0].year == 2023
    assert jsonapi.next_page_index(answer, 1) == 2
    assert jsonapi.next_page_index(answer, 3) is None


def test_jsonapi_spider_chain_and_error_payload():
    sp = spider(JsonApiSpider)
    s = seed(JS_COLUMN, "jsonapi")
    prime(sp, s)
    reqs, _, _ = split(sp.parse_listing(response("jsonapi_shell.html"), seed=s, page=1))
    assert [r.url for r in reqs] == ["http://www.example-gov.cn/info_open/list.js"]
    reqs, _, _ = split(sp.parse_listing(response("jsonapi_list.js", request=reqs[0]), seed=s, page=2))
    assert len(reqs) == 1 and reqs[0].method == "POST"
    search = reqs[0]
    reqs, _, outcomes = split(sp.parse_listing(response("jsonapi_search_p1.json", request=search), seed=s, page=3))
    assert len([r for r in reqs if r.callback == sp.parse_detail]) == 15
    nxt = [r for r in reqs if r.callback == sp.parse_listing]
    assert len(nxt) == 1 and b"pageIndex=2" in nxt[0].body
    assert [o.event for o in outcomes] == ["OK"]
    reqs, docs, _ = split(sp.parse_listing(response("jsonapi_error.json", request=nxt[0]), seed=s, page=4))
    assert reqs == [] and docs == []
    assert stat(sp, "harvest/jsonapi/api_error") == 1
    with pytest.raises(jsonapi.ApiError, match="status=1"):
        jsonapi.parse_search(page("jsonapi_error.json")[0], "http://x/")
