"""Validation rules of ``scrapy seeds check``: each broken row reported on its own line."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.seeds import load_seeds, normalise_column_url
from tests.seeds.helpers import HEADER, HEBEI_GOV, HEBEI_ZHENGDING, JIANGSU_YANCHENG, write


def _errors(load):
    return [(p.path.name, p.line, p.message) for p in load.errors]


def test_deliberately_broken_rows_each_reported_with_its_line(tmp_path: Path) -> None:
    lines = [
        HEADER,  # 1
        HEBEI_GOV,  # 2 valid
        HEBEI_ZHENGDING.replace("http://zd.gov.cn/columns/e434/", "http://zd.gov.cn/other/"),  # 3 valid
        HEBEI_GOV.replace("https://www.hebei.gov.cn/columns/abc/", "https://www.hebei.gov.cn/x/"),  # 4 duplicate id
        "130100_jyj,河北,石家庄市,,130100,prefecture-dept,石家庄市教育局,ftp://jyj.sjz.gov.cn/nb/,auto,true,",  # 5 ftp
        "130100_czj,河北,石家庄市,,130100,prefecture-dept,石家庄市财政局,http://czj.sjz.gov.cn/nb/,wordpress,true,",  # 6
        "130100_wjw,河北,石家庄市,,320100,prefecture-dept,石家庄市卫健委,http://wjw.sjz.gov.cn/nb/,trs,true,",  # 7
        # 8: the column of line 3 again, spelled https + index.html
        "130123_jyj,河北,石家庄市,正定县,130123,county-dept,正定县教育局,https://zd.gov.cn/other/index.html,auto,true,",
    ]
    load = load_seeds(write(tmp_path / "13_hebei.csv", lines))
    errors = _errors(load)
    by_line: dict[int, str] = {}
    for _, line, message in errors:
        by_line[line] = by_line.get(line, "") + message + "\n"
    assert sorted(by_line) == [4, 5, 6, 7, 8], errors
    assert len(errors) == 5, errors  # one message per broken row, no echoes
    assert "duplicate id 130000_rmzf" in by_line[4] and "13_hebei.csv:2" in by_line[4]
    assert "http:// or https://" in by_line[5] and "ftp" in by_line[5]
    assert "unknown platform 'wordpress'" in by_line[6]
    assert "adcode 320100 is in province 32" in by_line[7]
    assert "same column as seed 130123_rmzf" in by_line[8] and "13_hebei.csv:3" in by_line[8]
    # rows with a row-level error and the second copy of an id are left out; line 8 is valid on its own
    assert [s.line for s in load.seeds] == [2, 3, 8]


def test_duplicate_column_with_a_retired_seed_is_fine(tmp_path: Path) -> None:
    retired = (
        "130123_jyj,河北,石家庄市,正定县,130123,county-dept,正定县教育局,"
        "https://zd.gov.cn/columns/e434/index.html,auto,false,same column as 130123_rmzf"
    )
    load = load_seeds(write(tmp_path / "13_hebei.csv", [HEADER, HEBEI_ZHENGDING, retired]))
    assert load.ok, _errors(load)
    assert [s.active for s in load.seeds] == [True, False]


def test_duplicate_id_across_files_names_both_files(tmp_path: Path) -> None:
    write(tmp_path / "13_hebei.csv", [HEADER, HEBEI_GOV])
    write(tmp_path / "32_jiangsu.csv", [HEADER, JIANGSU_YANCHENG, JIANGSU_YANCHENG.replace("33704", "1")])
    load = load_seeds(tmp_path)
    assert [(n, line) for n, line, _ in _errors(load)] == [("32_jiangsu.csv", 3)]
    assert "32_jiangsu.csv:2" in _errors(load)[0][2]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (HEBEI_GOV.replace("130000_rmzf", "rmzf"), "must be <6-digit adcode>_<ascii slug>"),
        (HEBEI_GOV.replace("130000_rmzf", "130000_人民政府"), "must be <6-digit adcode>_<ascii slug>"),
        (HEBEI_GOV.replace(",河北,", ",江苏,"), "does not belong in file 13_hebei.csv"),
        (HEBEI_GOV.replace(",河北,", ",火星,"), "unknown province '火星'"),
        (HEBEI_GOV.replace(",130000,", ",13000,"), "must be 6 digits"),
        (HEBEI_GOV.replace(",province,", ",county,"), "level county needs an adcode shaped PPCCXX"),
        (HEBEI_ZHENGDING.replace(",county,", ",province,"), "level province needs an adcode shaped PP0000"),
        (HEBEI_GOV.replace(",province,", ",city,"), "unknown level 'city'"),
        (HEBEI_GOV.replace(",true,", ",yes,"), "active must be true or false"),
        (HEBEI_GOV.replace(",auto,", ",,"), "platform is empty"),
        (HEBEI_GOV.replace(",河北省人民政府,", ",,"), "agency is empty"),
        (HEBEI_GOV.replace("https://www.hebei.gov.cn/columns/abc/", "www.hebei.gov.cn/nb/"), "got no scheme"),
        (HEBEI_GOV.replace("https://www.hebei.gov.cn/columns/abc/", "https:///nb/"), "has no host"),
        (HEBEI_ZHENGDING.replace(",正定县,", ",无极县,"), "adcode 130123 is 石家庄市正定县, but county is 无极县"),
        (HEBEI_ZHENGDING.replace(",石家庄市,", ",保定市,"), "is in 石家庄市, but city is 保定市"),
        (
            HEBEI_ZHENGDING.replace(",130123,", ",130100,").replace("130123_rmzf", "130100_zd"),
            "county 正定县 has its own adcode 130123",
        ),
    ],
)
def test_row_rules(tmp_path: Path, row: str, expected: str) -> None:
    load = load_seeds(write(tmp_path / "13_hebei.csv", [HEADER, row]))
    messages = [m for _, line, m in _errors(load) if line == 2]
    assert any(expected in m for m in messages), messages
    assert load.seeds == []


def test_development_zone_may_carry_its_prefecture_code(tmp_path: Path) -> None:
    row = "410100_gxq,河南,郑州市,郑州高新技术产业开发区,410100,county-dept,郑州高新区某局,http://a.gov.cn/x/,auto,true,"
    load = load_seeds(write(tmp_path / "41_henan.csv", [HEADER, row]))
    assert load.problems == []


def test_municipality_district_without_city(tmp_path: Path) -> None:
    ok = "110101_rmzf,北京,,东城区,110101,county,北京市东城区人民政府,https://www.bjdch.gov.cn/nb/,trs,true,"
    bad = "110000_dc,北京,,东城区,110000,county,北京市东城区人民政府,https://www.bjdch.gov.cn/nb2/,trs,true,"
    load = load_seeds(write(tmp_path / "11_beijing.csv", [HEADER, ok, bad]))
    assert [(line) for _, line, _ in _errors(load)] == [3]


def test_file_name_must_carry_province_code_and_pinyin(tmp_path: Path) -> None:
    load = load_seeds(write(tmp_path / "13_shanxi.csv", [HEADER, HEBEI_GOV]))
    assert [(n, line) for n, line, _ in _errors(load)] == [("13_shanxi.csv", 1)]
    assert "expected 13_hebei.csv" in _errors(load)[0][2]


def test_empty_column_url_needs_a_note(tmp_path: Path) -> None:
    bare = HEBEI_GOV.replace("https://www.hebei.gov.cn/columns/abc/", "")
    noted = HEBEI_GOV.replace("https://www.hebei.gov.cn/columns/abc/", "").replace(",true,", ",true,not found yet")
    load = load_seeds(write(tmp_path / "13_hebei.csv", [HEADER, noted]))
    assert load.problems == [] and load.seeds[0].needs_column
    load = load_seeds(write(tmp_path / "13_hebei.csv", [HEADER, bare]))
    assert load.ok and [p.line for p in load.warnings] == [2]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("http://zd.gov.cn/columns/e434/", "https://zd.gov.cn/columns/e434"),
        ("http://www.hbkc.gov.cn/col/col5985/index.html", "http://WWW.HBKC.GOV.CN:80/col/col5985/"),
        ("https://a.gov.cn/nb/index.shtml", "http://a.gov.cn/nb"),
    ],
)
def test_column_url_normalisation_equal(a: str, b: str) -> None:
    assert normalise_column_url(a) == normalise_column_url(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("http://a.gov.cn/nb/", "http://b.gov.cn/nb/"),
        ("http://a.gov.cn/x.jsp?area=1", "http://a.gov.cn/x.jsp?area=2"),
        ("http://a.gov.cn:8080/nb/", "http://a.gov.cn/nb/"),
    ],
)
def test_column_url_normalisation_distinct(a: str, b: str) -> None:
    assert normalise_column_url(a) != normalise_column_url(b)


@pytest.mark.parametrize(
    ("file", "row"),
    [
        ("44_guangdong.csv", "441900_rmzf,广东,东莞市,,441900,prefecture,东莞市人民政府,http://www.dg.gov.cn/nb/,trs,true,"),
        ("42_hubei.csv", "429004_rmzf,湖北,,仙桃市,429004,county,仙桃市人民政府,http://www.xiantao.gov.cn/nb/,trs,true,"),
        ("52_guizhou.csv", "522700_rmzf,贵州,黔南州,,522700,prefecture,黔南州人民政府,https://www.qiannan.gov.cn/nb/,trs,true,"),
    ],
)
def test_special_divisions_pass(tmp_path: Path, file: str, row: str) -> None:
    load = load_seeds(write(tmp_path / file, [HEADER, row]))
    assert load.problems == [], [str(p) for p in load.problems]
