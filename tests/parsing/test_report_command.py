"""``scrapy report PATH [--json]`` (crawler/commands/report.py), run in-process."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from crawler.commands.report import Command

SEED = Path(__file__).resolve().parents[1] / "fixtures" / "reports" / "seed_003" / "body.txt"


def _run(args: list[str], as_json: bool) -> Command:
    cmd = Command()
    cmd.run(args, argparse.Namespace(as_json=as_json))
    return cmd


def test_json_output_is_canonical(capsys) -> None:
    cmd = _run([str(SEED)], True)
    out = json.loads(capsys.readouterr().out)
    assert out["schema"] == "ogi-report/1" and out["status"] == "ok"
    assert out["agency"] == "巨鹿县教育局" and out["year"] == 2024
    upheld = dict(out["cells"]["t4.review.upheld"])
    where = upheld.pop("provenance")
    assert upheld == {"raw": "3", "value": 3, "semantic": "NUMERIC"}
    assert SEED.read_text(encoding="utf-8")[slice(*where["span"])] == "3"
    assert getattr(cmd, "exitcode", 0) == 0


def test_human_summary(capsys) -> None:
    _run([str(SEED)], False)
    out = capsys.readouterr().out
    assert "status: ok" in out and "formats: t2=2021" in out and "cells: 200" in out


def test_unreadable_file_exits_non_zero(capsys, tmp_path) -> None:
    missing = tmp_path / "nope.pdf"
    cmd = _run([str(missing)], True)
    assert cmd.exitcode == 1
    assert "nope.pdf" in capsys.readouterr().out


def test_garbage_file_is_a_failed_parse(capsys, tmp_path) -> None:
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 8)  # a broken ZIP
    cmd = _run([str(bad)], True)
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "failed" and "bad.docx" in out["reason"]
    assert cmd.exitcode == 2


def test_html_page_is_read_like_the_crawl_reads_it(capsys, tmp_path) -> None:
    """A whole portal page (chrome and all) parses as the pipeline parses it: the cleaned
    container behind the title. A 图片版 page is needs_ocr (its chrome alone is not text of
    the report); a text report keeps every cell."""
    from portalsim import Farm, FarmServer
    from tests.farm.helpers import fetch

    farm = Farm.generate(portals=6, seed=7, faults=False)
    with FarmServer(farm, port=0) as server:
        manifest = server.manifest()
        picture = next(r for r in manifest["reports"] if r["format"] == "image")
        text = next(r for r in manifest["reports"] if r["format"] == "html" and r["cells"]
                    and len(r["detail_urls"]) == 1)
        pages = {"picture.html": fetch(picture["detail_url"]).body, "text.html": fetch(text["detail_url"]).body}
    for name, body in pages.items():
        (tmp_path / name).write_bytes(body)

    _run([str(tmp_path / "picture.html")], True)
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "needs_ocr", out["reason"]
    assert (out["agency"], out["year"]) == (picture["agency"], picture["year"])

    _run([str(tmp_path / "text.html")], True)
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "ok" and (out["agency"], out["year"]) == (text["agency"], text["year"])
    assert {k: c["value"] for k, c in out["cells"].items() if k in text["cells"]} == text["cells"]
