"""The project's pipelines, middlewares and settings follow the installed Scrapy's current API:
building them as a crawl does raises no ScrapyDeprecationWarning (``make demo`` prints none)."""

from __future__ import annotations

import warnings
from pathlib import Path

from scrapy.core.downloader import Downloader
from scrapy.core.downloader.middleware import DownloaderMiddlewareManager
from scrapy.core.spidermw import SpiderMiddlewareManager
from scrapy.crawler import Crawler
from scrapy.exceptions import ScrapyDeprecationWarning
from scrapy.pipelines import ItemPipelineManager
from scrapy.utils.project import get_project_settings

from crawler.spiders.trs import TrsSpider


def test_project_components_raise_no_scrapy_deprecation_warning(tmp_path: Path) -> None:
    settings = get_project_settings()  # kept as Settings: each value keeps its priority
    settings.setdict({"HARVEST_DATABASE_URL": f"sqlite:///{tmp_path / 'h.sqlite3'}",
                      "HARVEST_BLOB_DIR": str(tmp_path / "blobs"), "HARVEST_VAR_DIR": str(tmp_path / "var")},
                     priority="cmdline")
    crawler = Crawler(TrsSpider, settings)
    crawler._apply_settings()  # what Crawler.crawl() does before building the components
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pipelines = ItemPipelineManager.from_crawler(crawler)
        DownloaderMiddlewareManager.from_crawler(crawler)
        SpiderMiddlewareManager.from_crawler(crawler)
        Downloader(crawler)
    deprecated = [str(w.message) for w in caught if issubclass(w.category, ScrapyDeprecationWarning)]
    assert deprecated == []
    assert {type(p).__name__ for p in pipelines.middlewares} >= {"StoragePipeline", "RawArchivePipeline"}


def test_cookies_never_fetch_the_public_suffix_list(tmp_path: Path, monkeypatch) -> None:
    """Scrapy's CookiesMiddleware would download the Public Suffix List (publicsuffix.org, then
    GitHub) the first time a portal sets a cookie with a Domain attribute; the project's replacement
    reads the bundled snapshot (seen in bench/scale.py's worker log before: a farm portal's cookie
    challenge made the worker look up publicsuffix.org)."""
    import tldextract.suffix_list
    from scrapy.downloadermiddlewares import cookies as scrapy_cookies
    from scrapy.http import HtmlResponse, Request

    from crawler import sites
    from crawler.middlewares import OfflineCookiesMiddleware

    real = tldextract.suffix_list.find_first_response

    def no_network(cache, urls, *args, **kwargs):  # type: ignore[no-untyped-def]
        if urls:  # the bundled-snapshot extractor asks with no URL at all, and falls back
            raise AssertionError(f"the public suffix list must not be fetched from {urls}")
        return real(cache, urls, *args, **kwargs)

    monkeypatch.setattr(tldextract.suffix_list, "find_first_response", no_network)
    monkeypatch.setattr(scrapy_cookies, "_split_domain", scrapy_cookies._split_domain)  # restored after
    settings = get_project_settings()
    settings.setdict({"HARVEST_DATABASE_URL": f"sqlite:///{tmp_path / 'h.sqlite3'}",
                      "HARVEST_VAR_DIR": str(tmp_path / "var")}, priority="cmdline")
    crawler = Crawler(TrsSpider, settings)
    crawler._apply_settings()
    manager = DownloaderMiddlewareManager.from_crawler(crawler)
    names = [type(m).__name__ for m in manager.middlewares]
    assert "OfflineCookiesMiddleware" in names and "CookiesMiddleware" not in names
    cookies = next(m for m in manager.middlewares if isinstance(m, OfflineCookiesMiddleware))
    assert scrapy_cookies._split_domain is sites.PUBLIC_SUFFIXES

    request = Request("https://www.hangzhou.gov.cn/col/index.html")
    headers = {"Set-Cookie": ["__jsl_clearance=1; Domain=.gov.cn; Path=/", "sid=2; Domain=.hangzhou.gov.cn"]}
    cookies.process_response(request, HtmlResponse(request.url, headers=headers, body=b""))
    follow = Request("https://www.hangzhou.gov.cn/col/col2.html")
    cookies.process_request(follow)
    # a cookie for the public suffix gov.cn is dropped (it would reach every government); the site's is kept
    sent = follow.headers.get("Cookie", b"").decode()
    assert sent == "sid=2"
    other = Request("https://www.ningbo.gov.cn/")
    cookies.process_request(other)
    assert other.headers.get("Cookie") is None
