"""``scrapy seeds check`` and ``scrapy seeds status``: output format and exit codes."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.commands.seeds import STATE_NEEDS_COLUMN, STATE_UNKNOWN, run_check, status_rows
from crawler.platforms import load_detections, record_detection
from crawler.seeds import load_seeds
from tests.seeds.helpers import HEADER, HEBEI_GOV, HEBEI_ZHENGDING, write

REPO = Path(__file__).resolve().parents[2]


def _scrapy(*args: str, cwd: Path, **harvest_env: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).parent / "scrapy"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "scrapy"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCRAPY_", "HARVEST_"))}
    env.update(harvest_env)
    return subprocess.run(
        [*command, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_run_check_prints_file_line_message_and_fails(tmp_path: Path) -> None:
    bad = HEBEI_ZHENGDING.replace("http://", "ftp://")
    write(tmp_path / "13_hebei.csv", [HEADER, HEBEI_GOV, bad])
    out = io.StringIO()
    assert run_check(tmp_path, out) == 1
    lines = out.getvalue().splitlines()
    assert lines[0].endswith("13_hebei.csv:3: column_url must be http:// or https://, got ftp: ftp://zd.gov.cn/columns/e434/")
    assert lines[-1].startswith("seeds check FAILED") and "errors=1" in lines[-1]


def test_run_check_clean_with_warning_exits_zero(tmp_path: Path) -> None:
    write(tmp_path / "13_hebei.csv", [HEADER, HEBEI_GOV], bom=True)
    out = io.StringIO()
    assert run_check(tmp_path / "13_hebei.csv", out) == 0
    assert "13_hebei.csv:1: warning: file starts with a UTF-8 byte order mark" in out.getvalue()
    assert "seeds check OK" in out.getvalue() and "seeds=1" in out.getvalue()


def test_scrapy_seeds_check_on_shipped_seeds() -> None:
    result = _scrapy("seeds", "check", "seeds/", cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("seeds check OK: seeds ") and "errors=0" in last


def test_scrapy_seeds_check_on_broken_file(tmp_path: Path) -> None:
    write(tmp_path / "13_hebei.csv", [HEADER, HEBEI_GOV, HEBEI_GOV.replace(",auto,", ",wordpress,")])
    result = _scrapy("seeds", "check", str(tmp_path), cwd=REPO)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{tmp_path / '13_hebei.csv'}:3: duplicate id 130000_rmzf" in result.stdout
    assert f"{tmp_path / '13_hebei.csv'}:3: unknown platform 'wordpress'" in result.stdout
    assert "errors=2" in result.stdout.strip().splitlines()[-1]


def test_status_rows_states_and_detected_platform(tmp_path: Path) -> None:
    no_column = HEBEI_ZHENGDING.replace("http://zd.gov.cn/columns/e434/", "").replace(",true,", ",true,find it")
    load = load_seeds(write(tmp_path / "13_hebei.csv", [HEADER, HEBEI_GOV, no_column]))
    assert load.ok
    path = tmp_path / "platforms.json"
    record_detection("130000_rmzf", "trs", "e", "https://www.hebei.gov.cn/columns/abc/", path=path)
    rows = status_rows(load.seeds, load_detections(path))
    assert [(r.id, r.state, r.platform) for r in rows] == [
        ("130000_rmzf", STATE_UNKNOWN, "trs"),
        ("130123_rmzf", STATE_NEEDS_COLUMN, "auto"),
    ]
    health = {"130000_rmzf": {"state": "BROKEN:404", "last_success": "2026-01-02", "reports_found": 0}}
    row = status_rows(load.seeds, {}, health)[0]
    assert (row.state, row.last_success, row.reports_found) == ("BROKEN:404", "2026-01-02", "0")


@pytest.mark.parametrize("args", [(), ("frobnicate",)])
def test_usage_errors_exit_2(args) -> None:
    result = _scrapy("seeds", *args, cwd=REPO)
    assert result.returncode == 2
    assert "check or status" in result.stderr


def test_scrapy_seeds_status_province_and_csv(tmp_path: Path) -> None:
    no_column = HEBEI_ZHENGDING.replace("http://zd.gov.cn/columns/e434/", "").replace(",true,", ",true,find it")
    write(tmp_path / "seeds" / "13_hebei.csv", [HEADER, HEBEI_GOV, no_column])
    out = tmp_path / "status.csv"
    result = _scrapy(
        "seeds", "status", "--province", "河北省", "--csv", str(out), cwd=REPO,
        HARVEST_SEEDS=str(tmp_path / "seeds"), HARVEST_VAR_DIR=str(tmp_path / "var"),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1] == "seeds=2 NEEDS-COLUMN=1 UNKNOWN=1 overdue=0"
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("id,province,agency,level,platform,state")
    assert lines[2].startswith("130123_rmzf,河北,正定县人民政府,county,auto,NEEDS-COLUMN")
    missing = _scrapy("seeds", "status", "--province", "广东", cwd=REPO, HARVEST_SEEDS=str(tmp_path / "seeds"))
    assert missing.returncode == 2 and "known provinces: 河北 (13, hebei)" in missing.stderr


def test_status_marks_the_detected_platform_of_auto_seeds(tmp_path: Path) -> None:
    write(tmp_path / "seeds" / "13_hebei.csv", [HEADER, HEBEI_GOV, HEBEI_ZHENGDING])
    path = tmp_path / "var" / "platforms.json"
    record_detection("130000_rmzf", "hanweb", "body: <datastore> XML record set",
                     "https://www.hebei.gov.cn/columns/abc/", path=path)
    record_detection("130123_rmzf", "trs", "body: createPageHTML() pager", "http://zd.gov.cn/old/", path=path)
    rows = status_rows(load_seeds(tmp_path / "seeds").seeds, load_detections(path))
    # the second detection was made on a column URL since changed: the seed is auto again
    assert [(r.platform, r.detection) for r in rows] == [("hanweb", "body: <datastore> XML record set"),
                                                          ("auto", "")]
    out = tmp_path / "status.csv"
    result = _scrapy("seeds", "status", "--csv", str(out), cwd=REPO,
                     HARVEST_SEEDS=str(tmp_path / "seeds"), HARVEST_VAR_DIR=str(tmp_path / "var"))
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split("\t")[:3] == ["130000_rmzf", "UNKNOWN", "hanweb (detected)"]
    assert lines[1].split("\t")[:3] == ["130123_rmzf", "UNKNOWN", "auto"]
    assert out.read_text(encoding="utf-8").splitlines()[1].endswith(",body: <datastore> XML record set")
