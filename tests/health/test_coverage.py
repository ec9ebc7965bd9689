"""The coverage panel (``scrapy seeds coverage``) counted against a hand-made small database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from crawler.coverage import FAILING, NO_COLUMN, NO_SEED, OVERDUE, STORED, coverage, tallies
from crawler.seeds import Seed
from crawler.seeds.history import CodeHistory, parse_history
from pipelines.storage.models import Document, Report, ReportSource

# Four places of 河北 and one of 台湾 (outside the regulation): 130101 retired after 2009 (merged
# into 130102), 130103 created in 2010.
HISTORY = CodeHistory(tuple(parse_history(
    "代码,一级行政区,二级行政区,名称,级别,状态,启用时间,变更/弃用时间,新代码\n"
    "130000,河北省,,河北省,省级,在用,1981,,\n"
    "130101,河北省,石家庄市,旧区,县级,弃用,1981,2010,130102\n"
    "130102,河北省,石家庄市,甲区,县级,在用,1981,,\n"
    "130103,河北省,石家庄市,乙县,县级,在用,2010,,\n"
    "130104,河北省,石家庄市,丙县,县级,在用,1981,,\n"
    "710000,台湾省,,台湾省,省级,在用,1981,,\n"
)))
TODAY = date(2013, 5, 1)  # 2012 reports were due 2013-03-31 (+30 days grace): years 2008–2012 are due


def _seed(seed_id: str, adcode: str, level: str, column_url: str = "", active: bool = True) -> Seed:
    return Seed(id=seed_id, province="河北", city="", county="", adcode=adcode, level=level,
                agency="x", column_url=column_url, platform="auto", active=active)


SEEDS = [
    _seed("130000_rmzf", "130000", "province", "http://www.hebei.gov.cn/nb/"),  # stored 2008–2010, EMPTY
    _seed("130000_jyt", "130000", "province-dept", "http://jyt.hebei.gov.cn/nb/"),  # a department: not the place
    _seed("130102_rmzf", "130102", "county", "http://jq.gov.cn/nb/"),  # BROKEN, stored 2011
    _seed("130103_rmzf", "130103", "county"),  # no column
    _seed("130104_rmzf", "130104", "county", "http://bx.gov.cn/nb/", active=False),  # retired seed: no seed
    _seed("710000_rmzf", "710000", "province", active=False),
]


def _store_report(session, seed_id: str, year: int, n: int, status: str = "ok") -> None:  # type: ignore[no-untyped-def]
    doc = Document(requested_url=f"http://x.gov.cn/{seed_id}/{n}.html", final_url=f"http://x.gov.cn/{seed_id}/{n}.html",
                   http_status=200, fetched_at=datetime(2013, 4, 1, tzinfo=UTC), sha256=f"{n:064d}", size=1,
                   portal_id=seed_id)
    report = Report(digest=f"d{n}", status=status, year=year, agency="x")
    session.add_all([doc, report])
    session.flush()
    session.add(ReportSource(report_id=report.id, document_id=doc.id))


def _database(db_url: str):  # type: ignore[no-untyped-def]
    from crawler.commands._common import open_store

    store = open_store(db_url)
    store.upsert_portals([{"id": s.id, "province": s.province, "agency": s.agency, "column_url": s.column_url,
                           "platform": s.platform, "active": s.active} for s in SEEDS])
    with store.queries.sessions.begin() as session:
        for n, year in enumerate((2008, 2009, 2010)):
            _store_report(session, "130000_rmzf", year, n)
        _store_report(session, "130000_rmzf", 2010, 3)  # a second version of one year counts once
        _store_report(session, "130000_jyt", 2011, 4)  # a department's report is not the province's
        _store_report(session, "130102_rmzf", 2011, 5)
        _store_report(session, "130102_rmzf", 2012, 6, status="failed")  # not parsed: not stored
    run = store.start_run(mode="nightly", spider="trs", filters={})
    store.record_health(run, "130000_rmzf", "EMPTY")
    store.record_health(run, "130102_rmzf", "BROKEN:404")
    store.finish_run(run, status="finished", stats={})
    return store


def test_coverage_counts_of_a_small_database(db_url: str) -> None:
    store = _database(db_url)
    try:
        stored = store.queries.report_years_per_seed()
        states = {k: h.state for k, h in store.queries.latest_seed_health().items()}
    finally:
        store.engine.dispose()
    assert stored == {"130000_rmzf": {2008, 2009, 2010}, "130000_jyt": {2011}, "130102_rmzf": {2011}}
    rows = coverage(HISTORY, SEEDS, stored, states, TODAY, grace_days=30)
    got = {(r.adcode, r.year): r.category for r in rows}
    assert {y for _, y in got} == {2008, 2009, 2010, 2011, 2012}
    assert not any(code == "710000" for code, _ in got)  # outside the regulation
    for year in (2008, 2009, 2010):
        assert got[("130000", year)] == STORED
    assert got[("130000", 2011)] == got[("130000", 2012)] == OVERDUE  # column works (EMPTY), nothing stored
    assert got[("130101", 2008)] == got[("130101", 2009)] == NO_SEED
    assert ("130101", 2010) not in got and ("130103", 2009) not in got  # years the code was not valid
    assert got[("130102", 2011)] == STORED and got[("130102", 2010)] == FAILING
    assert got[("130103", 2010)] == NO_COLUMN
    assert got[("130104", 2008)] == NO_SEED  # only an inactive seed
    per, total = tallies(rows)
    assert list(per) == ["13"]
    # places: 130000, 130101, 130102, 130103, 130104; place-years: 5 + 2 + 5 + 3 + 5 = 20
    assert total.line() == "places=5 years=5 reports=4 overdue=2 no_seed=7 no_column=3 failing=4"
    assert per["13"].line() == total.line()
    since = coverage(HISTORY, SEEDS, stored, states, TODAY, grace_days=30, since=2011, province="13")
    assert tallies(since)[1].line() == "places=4 years=2 reports=1 overdue=2 no_seed=2 no_column=2 failing=1"
    assert coverage(HISTORY, SEEDS, stored, states, TODAY, grace_days=30, province="32") == []


def test_coverage_stops_at_the_last_due_year() -> None:
    # 2013-04-20 with 30 days' grace: 2012 government reports (due 2013-03-31) are not yet overdue
    rows = coverage(HISTORY, SEEDS, {}, {}, date(2013, 4, 20), grace_days=30)
    assert max(r.year for r in rows) == 2011


def test_seeds_coverage_command_prints_province_and_total_lines(tmp_path: Path, db_url: str,  # type: ignore[no-untyped-def]
                                                                 monkeypatch, capsys) -> None:
    import argparse

    from crawler.commands.seeds import Command

    _database(db_url).engine.dispose()
    monkeypatch.setenv("HARVEST_DATABASE_URL", db_url)
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "13_hebei.csv").write_text(
        "id,province,city,county,adcode,level,agency,column_url,platform,active,notes\n"
        "130000_rmzf,河北,,,130000,province,河北省人民政府,http://www.hebei.gov.cn/nb/,auto,true,\n", encoding="utf-8")
    monkeypatch.setenv("HARVEST_SEEDS", str(seeds))
    opts = argparse.Namespace(province="河北", since=2021, csv_file=str(tmp_path / "c.csv"))
    assert Command._coverage(opts) == 0
    lines = capsys.readouterr().out.strip().split("\n")
    assert lines[0].startswith("province=13 河北 places=")
    assert lines[-1].startswith("places=") and " no_seed=" in lines[-1] and " failing=0" in lines[-1]
    header = (tmp_path / "c.csv").read_text(encoding="utf-8").split("\n")[0]
    assert header == "province,adcode,name,year,seed_id,category"
