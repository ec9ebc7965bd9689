"""Database URLs that cannot work end in one clear line naming the URL (password hidden), never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.storage.db import DatabaseUnavailable, make_engine

REPO = Path(__file__).resolve().parents[2]


def test_sqlite_parent_is_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    with pytest.raises(DatabaseUnavailable, match=r"is a file, not a directory") as info:
        make_engine(f"sqlite:///{blocker}/sub/harvest.sqlite3")
    assert "afile" in str(info.value)


def test_mysql_url_is_refused_without_leaking_the_password() -> None:
    with pytest.raises(DatabaseUnavailable, match=r"backend 'mysql' is not supported") as info:
        make_engine("mysql://harvest:s3cret@db.example/ogi")
    assert "s3cret" not in str(info.value)


def test_unparseable_url() -> None:
    with pytest.raises(DatabaseUnavailable, match=r"invalid database URL"):
        make_engine("not a url at all")


@pytest.mark.parametrize("url", ["mysql://u:pw@127.0.0.1/x", "sqlite:////etc/passwd/sub/db.sqlite3"])
def test_command_prints_one_line_and_exits_2(tmp_path: Path, url: str) -> None:
    env = {"PATH": "/usr/bin:/bin", "HARVEST_DATABASE_URL": url, "HARVEST_VAR_DIR": str(tmp_path / "var"),
           "HARVEST_SEEDS": str(REPO / "seeds")}
    proc = subprocess.run([sys.executable, "-m", "scrapy", "nightly", "--province", "13"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr + proc.stdout
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and ("not supported" in errors[0] or "not a directory" in errors[0]), proc.stderr
    assert "pw@" not in proc.stderr + proc.stdout
