"""Column discovery: link shapes, decoys, confirmation, --write byte for byte, and an end-to-end
``scrapy seeds discover`` on a small farm with homepages."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.discovery import (
    DiscoveryResult,
    agency_matches,
    apply_discoveries,
    confirm_titles,
    is_discovered,
    page_links,
    same_page,
    score_label,
)
from crawler.seeds import load_seeds
from crawler.seeds.writing import ColumnUpdate, write_columns
from pipelines.decoding import decode_text
from tests.seeds.helpers import HEADER, HEBEI_GOV, HEBEI_ZHENGDING, write

REPO = Path(__file__).resolve().parents[2]
BASE = "http://www.zd.gov.cn/zwgk/index.html"


def _best(html: str, government: bool = True, base: str = BASE):
    scored = [(score_label(c.label, c.context, government=government), c) for c in page_links(html, base)]
    return max(scored, key=lambda sc: sc[0].score)


@pytest.mark.parametrize("html, shape, url", [
    ('<div><h2>政务公开</h2><a href="/xxgk/nb/">政府信息公开年报</a></div>', "anchor", "http://www.zd.gov.cn/xxgk/nb/"),
    ('<a href="nb/list.html"><span>政府信息公开</span><span>年度报告</span></a>', "spans",
     "http://www.zd.gov.cn/zwgk/nb/list.html"),
    ('<a href="../nb/"><img src="x.png" alt="信息公开年报"></a>', "img-alt", "http://www.zd.gov.cn/nb/"),
    ('<select><option value="">快速通道</option><option value="/tj/">统计年报</option>'
     '<option value="/gk/nb/">政务公开年度报告</option></select>', "select", "http://www.zd.gov.cn/gk/nb/"),
    ('<script>var menu=[{"name":"年鉴","url":"\\/nj\\/"},{"name":"政府信息公开工作年度报告","url":"\\/gk\\/ndbg\\/"}];'
     "</script>", "script", "http://www.zd.gov.cn/gk/ndbg/"),
])
def test_each_link_shape_is_a_candidate(html: str, shape: str, url: str) -> None:
    scored, link = _best(f"<html><body>{html}</body></html>")
    assert scored.score >= 50 and link.shape == shape and link.url == url


def test_gbk_page_through_the_one_decoder() -> None:
    body = ('<html><head><meta charset="gb2312"></head><body><a href="/nb/">政府信息公开年报</a>'
            "</body></html>").encode("gbk")
    scored, link = _best(decode_text(body, "text/html"))
    assert scored.label == "政府信息公开年报" and link.url == "http://www.zd.gov.cn/nb/"


@pytest.mark.parametrize("label", ["政府工作报告", "法治政府建设年度报告", "统计年报", "统计公报", "预决算公开", "年鉴",
                                   "关于做好2024年政府信息公开工作年度报告编制发布工作的通知", "部门年报", "乡镇年报",
                                   "部门政府信息公开年报", "2023年政府信息公开工作年度报告"])
def test_decoys_lose(label: str) -> None:
    html = f'<a href="/decoy/">{label}</a><a href="/nb/">年报</a>'
    scored, link = _best(html, government=True)
    assert link.url == "http://www.zd.gov.cn/nb/"
    assert score_label(label, "政务公开", government=True).score == 0


def test_department_column_is_not_a_decoy_for_a_department_but_needs_its_titles() -> None:
    assert score_label("部门年报", government=False).score > 0
    titles = [f"正定县财政局{y}年政府信息公开工作年度报告" for y in (2022, 2023)]
    assert not confirm_titles(titles, "正定县教育局").ok


def test_confirmation_requires_this_agencys_report_titles() -> None:
    own = [f"正定县人民政府{y}年政府信息公开工作年度报告" for y in (2021, 2022, 2023)]
    ok = confirm_titles(own + ["关于做好2024年政府信息公开工作年度报告编制发布工作的通知"], "正定县人民政府")
    assert ok.ok and ok.years == [2021, 2022, 2023]
    assert confirm_titles(["正定县2022年政府信息公开工作年度报告", "正定县2023年政府信息公开工作年度报告"],
                          "正定县人民政府").ok  # a bare place name is its government
    assert not confirm_titles([], "正定县人民政府").ok
    assert not confirm_titles(["2023年国民经济和社会发展统计公报", "2024年政府工作报告"], "正定县人民政府").ok
    assert not confirm_titles(own[:1], "正定县人民政府").ok
    assert not confirm_titles([f"石家庄市财政局{y}年政府信息公开工作年度报告" for y in (2022, 2023)],
                              "正定县人民政府").ok
    assert agency_matches("正定教育局", "正定县教育局") and not agency_matches("正定县财政局", "正定县教育局")


def test_apply_discoveries_marks_only_column_less_seeds(tmp_path: Path) -> None:
    empty = HEBEI_ZHENGDING.replace("http://zd.gov.cn/columns/e434/", "") + "no column yet"
    seeds = load_seeds(write(tmp_path / "13_hebei.csv", [HEADER, HEBEI_GOV, empty])).seeds
    out = apply_discoveries(seeds, {s.id: "http://zd.gov.cn/nb/" for s in seeds})
    assert [is_discovered(s) for s in out] == [False, True]
    assert out[0].column_url == seeds[0].column_url and out[1].column_url == "http://zd.gov.cn/nb/"


HOMEPAGE_HEADER = HEADER + ",homepage"


def _column_less_file(tmp_path: Path, **kwargs) -> Path:  # type: ignore[no-untyped-def]
    row = HEBEI_ZHENGDING.replace("http://zd.gov.cn/columns/e434/", "") + "\"find it, please\",http://zd.gov.cn/"
    return write(tmp_path / "13_hebei.csv", [HOMEPAGE_HEADER, HEBEI_GOV + ",", row], **kwargs)


def test_write_changes_only_the_discovered_row(tmp_path: Path) -> None:
    path = _column_less_file(tmp_path)
    before = path.read_bytes()
    written, problems = write_columns(path, {"130123_rmzf": ColumnUpdate("http://zd.gov.cn/nb/", "column discovered")})
    assert written == ["130123_rmzf"] and not problems
    after = path.read_bytes().split(b"\n")
    assert after[:2] == before.split(b"\n")[:2] and after[3:] == before.split(b"\n")[3:]
    seed = load_seeds(path).seeds[1]
    assert seed.column_url == "http://zd.gov.cn/nb/" and seed.notes == "find it, please; column discovered"
    assert seed.homepage == "http://zd.gov.cn/"


@pytest.mark.parametrize("kwargs, line, words", [
    ({"bom": True}, 1, "byte order mark"),
    ({"newline": "\r\n"}, 1, "CRLF"),
])
def test_write_refuses_bom_and_crlf(tmp_path: Path, kwargs: dict, line: int, words: str) -> None:
    path = _column_less_file(tmp_path, **kwargs)
    before = path.read_bytes()
    written, problems = write_columns(path, {"130123_rmzf": ColumnUpdate("http://zd.gov.cn/nb/", "x")})
    assert not written and path.read_bytes() == before
    assert problems[0].line == line and words in problems[0].message


def test_write_refuses_an_unparseable_row_and_names_its_line(tmp_path: Path) -> None:
    path = _column_less_file(tmp_path)
    path.write_bytes(path.read_bytes() + b'320900_x,"broken,row\n')
    before = path.read_bytes()
    written, problems = write_columns(path, {"130123_rmzf": ColumnUpdate("http://zd.gov.cn/nb/", "x")})
    assert not written and path.read_bytes() == before and problems[0].line == 4


def test_seeds_discover_on_a_small_farm(tmp_path: Path) -> None:
    """End to end: every portal's column found from its homepage, no decoy; hostile homepages
    (off-site redirect, redirect loop, thousands of links) each get a reason and fetch nothing off-site."""
    from portalsim import SEED_HEADER, Farm, FarmServer

    farm = Farm.generate(portals=6, seed=3)
    with FarmServer(farm) as server:
        rows = server.seed_rows()
        hostile = []
        for kind in ("offsite", "loop-a", "links"):
            extra = dict(rows[0], id=f"{rows[0]['id']}{kind[:4].replace('-', '')}", column_url="",
                         homepage=server.url(farm.portals[0], f"/hostile/{kind}/"))
            hostile.append(extra)
        seeds = tmp_path / "seeds.csv"
        with seeds.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=SEED_HEADER, lineterminator="\n")
            writer.writeheader()
            writer.writerows([{**r, "column_url": ""} for r in rows] + hostile)
        out = tmp_path / "found.csv"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SCRAPY_", "HARVEST_"))}
        env.update(PYTHONPATH=str(REPO), HARVEST_DATABASE_URL=f"sqlite:///{tmp_path / 'h.db'}",
                   HARVEST_VAR_DIR=str(tmp_path / "var"), HARVEST_BLOB_DIR=str(tmp_path / "blobs"))
        done = subprocess.run([str(Path(sys.executable).parent / "scrapy"), "seeds", "discover", str(seeds),
                               "--out", str(out), "--write", "-s", "DOWNLOAD_DELAY=0", "-s",
                               "AUTOTHROTTLE_ENABLED=0", "-s", "HARVEST_DISCOVER_MAX_PAGES=25"],
                              cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
        manifest = server.manifest()
        requested = [path for _, path in server.requests]
    truth = {p["id"]: p for p in manifest["portals"]}
    with out.open(encoding="utf-8") as handle:
        assert handle.readline().strip() == "id,column_url,score,evidence"
    found = {r["id"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    for row in rows:
        assert same_page(found[row["id"]]["column_url"], truth[row["id"]]["column_url"]), found[row["id"]]
    for extra in hostile:
        assert found[extra["id"]]["column_url"] == "" and found[extra["id"]]["evidence"]
    assert "redirect" in found[hostile[0]["id"]]["evidence"].lower()
    assert len([p for p in requested if "/hostile/links/" in p]) <= 25
    written = {s.id: s for s in load_seeds(seeds).seeds}
    assert all(written[r["id"]].column_url for r in rows)
    assert "column discovered" in written[rows[0]["id"]].notes
    assert DiscoveryResult("x", "", 0, "").confident is False
