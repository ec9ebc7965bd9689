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


def test_pool_size_and_parse_workers_come_from_the_environment() -> None:
    from crawler.config import DEFAULT_DB_POOL_SIZE, default_parse_workers, get_config
    from pipelines.storage.db import DEFAULT_POOL_SIZE

    assert get_config({}).db_pool_size == DEFAULT_DB_POOL_SIZE == DEFAULT_POOL_SIZE
    assert get_config({"HARVEST_DB_POOL_SIZE": "12"}).db_pool_size == 12
    for bad in ("0", "x", "-1"):
        with pytest.raises(ValueError, match="HARVEST_DB_POOL_SIZE"):
            get_config({"HARVEST_DB_POOL_SIZE": bad})
    assert get_config({}).parse_workers == default_parse_workers()
    assert [default_parse_workers(n) for n in (1, 2, 3, 8)] == [0, 0, 2, 7]
    assert get_config({"HARVEST_PARSE_WORKERS": "0"}).parse_workers == 0
    with pytest.raises(ValueError, match="HARVEST_PARSE_WORKERS"):
        get_config({"HARVEST_PARSE_WORKERS": "two"})


def test_postgres_engine_pool_is_sized_by_the_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scrapy.utils.test import get_crawler

    import pipelines.storage.pipeline as stage

    engine = make_engine("postgresql://harvest@127.0.0.1:5432/nowhere", pool_size=7)  # no connection made
    assert engine.pool.size() == 7 and engine.pool._max_overflow == 7  # type: ignore[attr-defined]
    assert make_engine("postgresql://harvest@127.0.0.1:5432/nowhere").pool.size() == 5
    with pytest.raises(ValueError, match="pool size"):
        make_engine("postgresql://harvest@127.0.0.1:5432/nowhere", pool_size=0)
    # the crawl's store takes the setting (check_connection needs a database: build it without)
    crawler = get_crawler(settings_dict={"HARVEST_DB_POOL_SIZE": 3})
    calls: list[int | None] = []

    def recording(url: str, pool_size: int | None = None):  # type: ignore[no-untyped-def]
        calls.append(pool_size)
        return make_engine(f"sqlite:///{tmp_path / 'h.sqlite3'}", pool_size=pool_size)

    monkeypatch.setattr(stage, "make_engine", recording)
    monkeypatch.setattr(stage, "upgrade_to_head", lambda url: None)  # not the default database
    stage.StoragePipeline.from_crawler(crawler).store.engine.dispose()
    assert calls == [3]
