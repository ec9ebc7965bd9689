import pytest
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request

from crawler.middlewares import SeedBackoffMiddleware
from crawler.spiders.health import classify_failure
from crawler.spiders.trs import TrsSpider
from tests.spiders.helpers import seed, spider, stat


def test_backed_off_seed_requests_are_dropped_before_download():
    sp = spider(TrsSpider)
    mw = SeedBackoffMiddleware(sp.crawler)
    blocked, fine = seed("http://a.gov.cn/x/index.html", "trs", "a"), seed("http://b.gov.cn/x/index.html", "trs", "b")
    sp.backed_off.add("a")
    with pytest.raises(IgnoreRequest) as exc:
        mw.process_request(Request("http://a.gov.cn/x/1.html", cb_kwargs={"seed": blocked}), sp)
    assert mw.process_request(Request("http://b.gov.cn/x/1.html", cb_kwargs={"seed": fine}), sp) is None
    assert stat(sp, "harvest/backoff/dropped") == 1
    # the drop is not mistaken for a robots.txt refusal
    assert classify_failure(["IgnoreRequest"], str(exc.value)) is None
