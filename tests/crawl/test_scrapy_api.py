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
