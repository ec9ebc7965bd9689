"""Selecting seeds by province, id and platform, and the configured seeds location."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.seeds import SeedSelectionError, default_seeds_path, load_default_seeds, load_seeds, select_seeds
from tests.seeds.helpers import HEADER, HEBEI_GOV, HEBEI_ZHENGDING, JIANGSU_YANCHENG, write

RETIRED = "130100_jyj,河北,石家庄市,,130100,prefecture-dept,石家庄市教育局,http://jyj.sjz.gov.cn/nb/,trs,false,moved"


@pytest.fixture
def seeds(tmp_path: Path):
    write(tmp_path / "13_hebei.csv", [HEADER, HEBEI_GOV, HEBEI_ZHENGDING, RETIRED])
    write(tmp_path / "32_jiangsu.csv", [HEADER, JIANGSU_YANCHENG])
    load = load_seeds(tmp_path)
    assert load.problems == []
    return load.seeds


@pytest.mark.parametrize("name", ["河北", "河北省", "13", "130000", "hebei", "HeBei"])
def test_province_by_name_code_or_pinyin(seeds, name: str) -> None:
    assert [s.id for s in select_seeds(seeds, province=name)] == ["130000_rmzf", "130123_rmzf"]


def test_inactive_seeds_only_on_request(seeds) -> None:
    assert "130100_jyj" not in {s.id for s in select_seeds(seeds)}
    assert [s.id for s in select_seeds(seeds, province="河北", active_only=False)][-1] == "130100_jyj"


@pytest.mark.parametrize("name", ["火星", "44", "guangdong", "130100"])
def test_province_matching_nothing_lists_known_provinces(seeds, name: str) -> None:
    with pytest.raises(SeedSelectionError) as info:
        select_seeds(seeds, province=name)
    message = str(info.value)
    assert repr(name) in message
    assert "河北 (13, hebei)" in message and "江苏 (32, jiangsu)" in message
    assert "广东" not in message


def test_ids_and_platform(seeds) -> None:
    assert [s.id for s in select_seeds(seeds, ids=["320900_sthjj", "130123_rmzf"])] == ["130123_rmzf", "320900_sthjj"]
    assert [s.id for s in select_seeds(seeds, platform="hanweb")] == ["320900_sthjj"]
    assert [s.id for s in select_seeds(seeds, province="13", platform="auto")] == ["130000_rmzf", "130123_rmzf"]
    with pytest.raises(SeedSelectionError, match="unknown seed id"):
        select_seeds(seeds, ids=["999999_x"])
    with pytest.raises(SeedSelectionError, match="unknown platform"):
        select_seeds(seeds, platform="wordpress")


@pytest.mark.parametrize("as_file", [False, True])
def test_default_location_from_harvest_seeds(tmp_path: Path, monkeypatch, as_file: bool) -> None:
    write(tmp_path / "s" / "13_hebei.csv", [HEADER, HEBEI_GOV])
    write(tmp_path / "s" / "32_jiangsu.csv", [HEADER, JIANGSU_YANCHENG])
    target = tmp_path / "s" / "13_hebei.csv" if as_file else tmp_path / "s"
    monkeypatch.setenv("HARVEST_SEEDS", str(target))
    assert default_seeds_path() == target
    load = load_default_seeds()
    assert load.ok
    expected = ["130000_rmzf"] if as_file else ["130000_rmzf", "320900_sthjj"]
    assert [s.id for s in load.seeds] == expected
