"""Hand-off of ``auto`` seeds: the generic spider stores the column page's family, seed selection
follows the stored detection, and the family spider's first crawl of the seed is a full one."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from crawler.commands._common import open_store
from crawler.health import seeds_crawled_through_by
from crawler.incremental import IncrementalMiddleware, KnownFetch
from crawler.platforms import load_detections, record_detection
from crawler.spiders.base import KIND
from crawler.spiders.generic import GenericSpider
from crawler.spiders.hanweb import HanwebSpider
from crawler.spiders.trs import TrsSpider
from tests.seeds.helpers import HEADER, write
from tests.spiders.helpers import prime, seed, split, stat

COLUMN = "http://127.0.0.1:8000/p/a/zwgk/zfxxgknb/index.html"
TRS_COLUMN_PAGE = f"""<html><body><ul>
<li><a href="./202303/t20230315_123.html" title="2022年政府信息公开工作年度报告">2022年政府信息公开工作年度报告</a></li>
</ul><script>createPageHTML(3, 0, "index", "html");</script></body></html>"""
ROW = "110105_{name},北京,,朝阳区,110105,county-dept,朝阳区{agency},{url},{platform},true,"


def _spider(cls, tmp_path: Path, seeds: Path | None = None):  # type: ignore[no-untyped-def]
    crawler = get_crawler(cls, settings_dict={"HARVEST_VAR_DIR": str(tmp_path / "var")})
    return cls.from_crawler(crawler, **({"seeds": str(seeds)} if seeds else {}))


def _column_response(url: str, body: str, status: int = 200) -> HtmlResponse:
    return HtmlResponse(url=url, status=status, body=body.encode("utf-8"), encoding="utf-8",
                        request=Request(url, meta={KIND: "listing"}))


def test_generic_spider_stores_the_family_of_an_auto_seeds_column_page(tmp_path: Path) -> None:
    sp = _spider(GenericSpider, tmp_path)
    auto, blocked = seed(COLUMN, "auto"), seed(COLUMN.replace("/a/", "/b/"), "auto", seed_id="110105_blocked")
    for s in (auto, blocked):
        prime(sp, s)
    requests, _, _ = split(sp.parse_listing(_column_response(COLUMN, TRS_COLUMN_PAGE), seed=auto, page=1))
    assert requests  # this run goes on generically: the report link and the TRS pager's next page
    _, _, outcomes = split(sp.parse_listing(
        _column_response(blocked.column_url, "<html><body>请开启JavaScript</body></html>", status=412),
        seed=blocked, page=1))
    assert [o.event for o in outcomes] == ["BLOCKED:challenge-412"]
    path = tmp_path / "var" / "platforms.json"
    assert not path.exists()  # written in batches and when the crawl closes
    sp.closed("finished")
    stored = load_detections(path)
    assert sorted(stored) == [auto.id]  # the challenge page told nothing
    assert (stored[auto.id].platform, stored[auto.id].url) == ("trs", COLUMN)
    assert "createPageHTML" in stored[auto.id].evidence
    assert stat(sp, "harvest/platform/detected/trs") == 1 and stat(sp, "harvest/platform/recorded") == 1


def test_a_seed_already_detected_is_not_detected_again(tmp_path: Path) -> None:
    path = tmp_path / "var" / "platforms.json"
    record_detection("110105_test", "plain", "body: next-page anchor", COLUMN, path=path,
                     now=datetime(2026, 1, 1, tzinfo=UTC))
    sp = _spider(GenericSpider, tmp_path)
    sp.detections = load_detections(path)
    s = seed(COLUMN, "auto")
    prime(sp, s)
    list(sp.parse_listing(_column_response(COLUMN, TRS_COLUMN_PAGE), seed=s, page=1))
    sp.closed("finished")
    assert load_detections(path)["110105_test"].detected_at.startswith("2026-01-01")
    assert stat(sp, "harvest/platform/detected/trs") == 0


def test_seed_selection_follows_the_stored_detection_until_the_column_url_changes(tmp_path: Path) -> None:
    csv = write(tmp_path / "seeds" / "11_beijing.csv", [
        HEADER,
        ROW.format(name="auto1", agency="民政局", url=COLUMN, platform="auto"),
        ROW.format(name="auto2", agency="教育局", url=COLUMN.replace("/a/", "/c/"), platform="auto"),
        ROW.format(name="trs1", agency="财政局", url=COLUMN.replace("/a/", "/d/"), platform="trs"),
    ])

    def selected() -> dict[str, list[str]]:
        return {cls.name: [s.id for s in _spider(cls, tmp_path, csv).load_selected_seeds()]
                for cls in (GenericSpider, TrsSpider, HanwebSpider)}

    assert selected() == {"generic": ["110105_auto1", "110105_auto2"], "trs": ["110105_trs1"], "hanweb": []}
    path = tmp_path / "var" / "platforms.json"
    record_detection("110105_auto1", "hanweb", "body: <datastore>", COLUMN, path=path)
    record_detection("110105_auto2", "trs", "body: createPageHTML", "http://old.example/nb/", path=path)
    # auto2's detection was made on a column URL the researchers have since changed: detect again
    assert selected() == {"generic": ["110105_auto2"], "trs": ["110105_trs1"], "hanweb": ["110105_auto1"]}
    path.write_text("{broken", encoding="utf-8")  # a corrupt file: crawl as auto again, with a warning
    assert selected()["generic"] == ["110105_auto1", "110105_auto2"]


def test_first_crawl_of_a_seed_by_a_spider_is_full_in_an_incremental_run(tmp_path: Path) -> None:
    crawler = get_crawler(HanwebSpider)
    mw = IncrementalMiddleware(crawler)
    mw.mode = "incremental"
    known = "http://127.0.0.1:8000/p/a/art/2024/3/1/art_1_1.html"
    mw.known = {known: KnownFetch(datetime.now(UTC), None, None)}
    mw.settled = {"110105_settled"}
    new_seed = seed(COLUMN, "auto", seed_id="110105_new")
    settled = seed(COLUMN, "hanweb", seed_id="110105_settled")
    listing = _column_response(COLUMN, "<html></html>")

    def outputs(s):  # type: ignore[no-untyped-def]
        detail = Request(known, meta={KIND: "detail"}, cb_kwargs={"seed": s})
        page2 = Request(COLUMN + "?page=2", meta={KIND: "listing"}, cb_kwargs={"seed": s})
        return [r.url for r in mw._filter(listing, [detail, page2])]

    # a seed this spider crawled OK before: the known report is skipped and paging stops there
    assert outputs(settled) == []
    # a seed new to this spider (e.g. just handed over by platform detection): read as in a backfill
    assert outputs(new_seed) == [known, COLUMN + "?page=2"]


def test_seeds_crawled_through_by_a_spider(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'h.sqlite3'}")
    try:
        generic = store.start_run(mode="nightly", spider="generic", filters={})
        store.record_health(generic, "110105_a", "OK")
        hanweb = store.start_run(mode="nightly", spider="hanweb", filters={})
        store.record_health(hanweb, "110105_b", "OK")
        store.record_health(hanweb, "110105_c", "BLOCKED:rate-limit-429")  # cut short: full again
        store.record_health(hanweb, "110105_d", "EMPTY")  # every page read, nothing to page past
        assert seeds_crawled_through_by(store.queries, "hanweb") == {"110105_b", "110105_d"}
        assert seeds_crawled_through_by(store.queries, "generic") == {"110105_a"}
        assert seeds_crawled_through_by(store.queries, "trs") == set()
    finally:
        store.engine.dispose()
