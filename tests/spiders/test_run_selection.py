"""Seeds are selected once per run by the command machinery and handed to the family spiders;
a spider started on its own (``scrapy crawl <family> -a seeds=…``) still selects them itself."""

from __future__ import annotations

from pathlib import Path

from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from crawler.commands.runs import plan_crawl
from crawler.platforms import record_detection
from crawler.seeds import crawlable, load_seeds
from crawler.spiders.generic import GenericSpider
from crawler.spiders.hanweb import HanwebSpider
from crawler.spiders.trs import TrsSpider
from tests.seeds.helpers import HEADER, write

COLUMN = "http://127.0.0.1:8000/p/{name}/zwgk/zfxxgknb/index.html"
ROW = "110105_{name},北京,,朝阳区,110105,county-dept,朝阳区{agency},{url},{platform},{active},"


def _seeds(tmp_path: Path) -> Path:
    rows = [("auto1", "民政局", "auto", "true"), ("trs1", "财政局", "trs", "true"),
            ("auto2", "教育局", "auto", "true"), ("han1", "商务局", "hanweb", "true"),
            ("off1", "水务局", "trs", "false")]
    return write(tmp_path / "seeds" / "11_beijing.csv", [HEADER] + [
        ROW.format(name=n, agency=a, url=COLUMN.format(name=n), platform=p, active=act) for n, a, p, act in rows])


def _started(spider) -> list[str]:  # type: ignore[no-untyped-def]
    """URLs of the spider's start requests (start() awaits nothing, so it is stepped by hand:
    the tests run inside Scrapy's asyncio reactor, where asyncio.run is refused)."""
    urls, gen = [], spider.start()
    while True:
        step = gen.__anext__()
        try:
            step.send(None)
        except StopIteration as done:
            urls.append(done.value.url)
        except StopAsyncIteration:
            return urls
        else:
            step.close()
            raise AssertionError("start() awaited something")


def test_plan_gives_each_family_spider_its_seeds_once(tmp_path: Path) -> None:
    var = tmp_path / "var"
    record_detection("110105_auto1", "hanweb", "body: <datastore>", COLUMN.format(name="auto1"),
                     path=var / "platforms.json")
    chosen = crawlable(load_seeds(_seeds(tmp_path)).seeds)
    plan = plan_crawl(chosen, SpiderLoader.from_settings(get_project_settings()), var, warn=print)
    got = {cls.name: [s.id for s in seeds] for cls, seeds in plan.spiders.items()}
    assert got == {"generic": ["110105_auto2"], "trs": ["110105_trs1"],
                   "hanweb": ["110105_auto1", "110105_han1"]}
    assert plan.unowned == []
    assert plan.detections["110105_auto1"].platform == "hanweb"


def test_a_spider_handed_its_seeds_does_not_load_seed_files(tmp_path: Path) -> None:
    chosen = crawlable(load_seeds(_seeds(tmp_path)).seeds)
    trs = [s for s in chosen if s.platform == "trs"]
    crawler = get_crawler(TrsSpider, settings_dict={"HARVEST_VAR_DIR": str(tmp_path / "var")})
    # the seeds argument names no file: reading it would find no seeds at all
    sp = TrsSpider.from_crawler(crawler, seeds=str(tmp_path / "missing"), selected_seeds=trs, detections={})
    assert _started(sp) == [COLUMN.format(name="trs1")]
    assert sp.seeds == trs


def test_a_spider_started_on_its_own_selects_its_seeds(tmp_path: Path) -> None:
    path = _seeds(tmp_path)

    def started(cls, **args: str) -> list[str]:  # type: ignore[no-untyped-def]
        crawler = get_crawler(cls, settings_dict={"HARVEST_VAR_DIR": str(tmp_path / "var")})
        return _started(cls.from_crawler(crawler, seeds=str(path), **args))

    assert started(GenericSpider) == [COLUMN.format(name="auto1"), COLUMN.format(name="auto2")]
    assert started(HanwebSpider) == [COLUMN.format(name="han1")]
    assert started(GenericSpider, portal="110105_auto2") == [COLUMN.format(name="auto2")]
