"""The nationwide seed list: one row per government, homepages, adcodes checked against the code
history, and the builder that adds the rows (crawler/seeds/build.py)."""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path

import pytest

from crawler import patterns as P
from crawler.seeds import load_seeds
from crawler.seeds.build import NEEDS_COLUMN_NOTE, build
from crawler.seeds.history import code_history, parse_history
from tests.seeds.helpers import HEADER, HEBEI_GOV, HEBEI_ZHENGDING, write

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "seeds"


@pytest.fixture(scope="module")
def load():
    return load_seeds(SEEDS)


def test_every_2024_code_at_county_level_or_above_has_a_government_row(load) -> None:
    current = code_history().valid_in(2024)
    assert len(current) == 3213
    governments = {(s.adcode, P.LEVEL_TIER[s.level]) for s in load.seeds if s.level in P.GOVERNMENT_LEVELS}
    missing = sorted(code for code, rec in current.items() if (code, rec.tier) not in governments)
    assert missing == []


def test_homepages_and_places_outside_the_regulation(load) -> None:
    with_homepage = [s for s in load.seeds if s.homepage]
    assert len(with_homepage) >= 3200
    assert all(s.homepage.startswith(("http://", "https://")) for s in with_homepage)
    by_id = {s.id: s for s in load.seeds}
    for seed_id in ("710000_rmzf", "810000_rmzf", "820000_rmzf"):
        assert not by_id[seed_id].active and "不适用" in by_id[seed_id].notes
    # the places README's flags are carried into notes
    assert "qianxian_host_shared_with_other_row" in by_id["120102_rmzf"].notes
    assert "qianxian_uses_old_code_540422" in by_id["540481_rmzf"].notes
    # a government row with a homepage and no column is valid and needs its column
    assert by_id["130100_rmzf"].needs_column and by_id["130100_rmzf"].homepage


def test_existing_rows_are_kept_byte_for_byte_but_the_homepage_cell() -> None:
    """Every row of the seed files before the nationwide rows were added is still there, its text
    unchanged but for the appended homepage cell."""
    before = subprocess.run(["git", "-C", str(REPO), "show", "557f981:seeds/13_hebei.csv"],
                            capture_output=True, text=True)
    if before.returncode != 0:
        pytest.skip("git history not available")
    now = (SEEDS / "13_hebei.csv").read_text(encoding="utf-8").split("\n")
    old = before.stdout.split("\n")
    for i, line in enumerate(old[:-1]):
        assert now[i].startswith(line + ","), (i, line)


def _places(tmp_path: Path, rows: list[str]) -> Path:
    places = tmp_path / "places"
    places.mkdir()
    (places / "homepages.csv").write_text(
        "adcode,name,level,province,prefecture,homepage,confirmed,flags\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return places


def test_builder_adds_missing_governments_keeps_existing_rows_and_is_idempotent(tmp_path: Path) -> None:
    places = _places(tmp_path, [
        "130000,河北省,province,河北省,,http://www.hebei.gov.cn/,yes,",
        "130100,石家庄市,prefecture,河北省,,http://www.sjz.gov.cn/,no,",
        "130102,长安区,county,河北省,石家庄市,http://www.sjzca.gov.cn/,yes,qianxian_host_shared_with_other_row",
        "130123,正定县,county,河北省,石家庄市,http://www.zd.gov.cn/,yes,",
        "710000,台湾省,province,台湾省,,,no,no homepage known",
    ])
    seeds = tmp_path / "seeds"
    dept = "130000_jyt,河北,,,130000,province-dept,河北省教育厅,http://jyt.hebei.gov.cn/nb/,auto,true,"
    write(seeds / "13_hebei.csv", [HEADER, HEBEI_GOV, dept, HEBEI_ZHENGDING])
    figures = build(places, seeds)
    assert figures == {"places": 5, "files": 2, "filled": 2, "added": 3}
    lines = (seeds / "13_hebei.csv").read_text(encoding="utf-8").split("\n")
    assert lines[0] == HEADER + ",homepage"
    assert lines[1] == HEBEI_GOV + ",http://www.hebei.gov.cn/"
    assert lines[2] == dept + ","  # a department is not the government: no homepage of its own here
    assert lines[3] == HEBEI_ZHENGDING + ",http://www.zd.gov.cn/"
    rows = list(csv.DictReader(lines[4:6], fieldnames=lines[0].split(",")))
    assert [(r["id"], r["level"], r["agency"], r["city"], r["county"]) for r in rows] == [
        ("130100_rmzf", "prefecture", "石家庄市人民政府", "石家庄市", ""),
        ("130102_rmzf", "county", "石家庄市长安区人民政府", "石家庄市", "长安区"),
    ]
    assert rows[0]["notes"].startswith(NEEDS_COLUMN_NOTE) and "unconfirmed" in rows[0]["notes"]
    assert "qianxian_host_shared_with_other_row" in rows[1]["notes"] and rows[1]["active"] == "true"
    assert rows[1]["column_url"] == "" and rows[1]["platform"] == "auto"
    taiwan = (seeds / "71_taiwan.csv").read_text(encoding="utf-8").split("\n")
    assert taiwan[1].startswith("710000_rmzf,台湾,,,710000,province,") and ",false," in taiwan[1]
    load = load_seeds(seeds)
    assert load.ok, [str(p) for p in load.errors]
    assert sum(1 for s in load.seeds if s.needs_column and s.homepage) == 2
    snapshot = {p.name: p.read_bytes() for p in seeds.iterdir()}
    assert build(places, seeds) == {"places": 5, "files": 0, "filled": 0, "added": 0}
    assert {p.name: p.read_bytes() for p in seeds.iterdir()} == snapshot


def test_retired_adcode_warns_with_successor_and_unknown_adcode_is_an_error(tmp_path: Path) -> None:
    retired = ("110103_rmzf,北京,,崇文区,110103,county,北京市崇文区人民政府,http://www.bjchw.gov.cn/nb/,"
               "auto,false,merged 2010")
    unknown = "110199_rmzf,北京,,,110199,county,某区人民政府,http://www.example.gov.cn/nb/,auto,true,"
    load = load_seeds(write(tmp_path / "11_beijing.csv", [HEADER, retired, unknown]))
    warnings = [(p.line, p.message) for p in load.warnings]
    errors = [(p.line, p.message) for p in load.errors]
    assert warnings == [(2, "adcode 110103 (北京市崇文区) was retired in 2010; successor: 110101 (东城区)")]
    assert len(errors) == 1 and errors[0][0] == 3 and "110199 is not a region code" in errors[0][1]
    assert [s.id for s in load.seeds] == ["110103_rmzf"]


def test_bad_homepage_is_an_error_and_optional_columns_may_come_in_any_order(tmp_path: Path) -> None:
    header = HEADER + ",sample_report_year,homepage"
    good = HEBEI_GOV + ",2023,http://www.hebei.gov.cn/"
    bad = HEBEI_ZHENGDING + ",,ftp://zd.gov.cn/"
    load = load_seeds(write(tmp_path / "13_hebei.csv", [header, good, bad]))
    assert [(p.line, p.message) for p in load.errors] == [
        (3, "homepage must be http:// or https://, got ftp: ftp://zd.gov.cn/")]
    assert load.seeds[0].homepage == "http://www.hebei.gov.cn/"


def test_history_years_are_half_open_and_successors_are_parsed() -> None:
    text = ("\ufeff代码,一级行政区,二级行政区,名称,级别,状态,启用时间,变更/弃用时间,新代码\n"
            "130107,河北省,石家庄市,井陉矿区,县级,在用,1981,,\n"
            "130108,河北省,石家庄市,郊区,县级,弃用,1981,2001,130104[2001];130105\n")
    current, retired = parse_history(text)
    assert retired.successors == ("130104", "130105")
    assert retired.valid_in(2000) and not retired.valid_in(2001) and current.valid_in(2024)
