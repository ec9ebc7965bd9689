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
    assert out["cells"]["t4.review.upheld"] == {"raw": "3", "value": 3, "semantic": "NUMERIC"}
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
