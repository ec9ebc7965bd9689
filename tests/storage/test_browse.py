"""``scrapy browse FILE`` serves the database with Datasette on 127.0.0.1; Debian's headless
Chromium loads the panel of one province and sees its rows (issue 11)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import update

from pipelines.storage.blobs import FileBlobStore
from pipelines.storage.browse import metadata, panel_sql
from pipelines.storage.db import make_engine, upgrade_to_head
from pipelines.storage.models import Portal
from pipelines.storage.store import ReportStore
from tests.crawl.harness import REPO_ROOT, SCRAPY
from tests.storage.test_show import _store_case


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed (CI installs it from .ci/apt-packages.txt)")
        pytest.skip("chromium is not installed (apt-get install chromium); CI runs this test")
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_metadata_comes_from_the_data_dictionary() -> None:
    meta = metadata("harvest")
    panel = meta["databases"]["harvest"]["queries"]["panel"]
    assert '"t3.carried_in.total"' in panel["sql"] and "t3.carried_in.total = " in panel["description"]
    assert "上年结转" in panel["description"]
    assert set(meta["databases"]["harvest"]["queries"]) == {"panel", "failed_checks", "overdue"}
    assert panel["sql"] == panel_sql()


def test_browse_panel_in_headless_chromium(tmp_path: Path) -> None:
    chromium = _chromium()
    db = tmp_path / "harvest.sqlite3"
    url = f"sqlite:///{db}"
    upgrade_to_head(url)
    engine = make_engine(url)
    store, blobs = ReportStore(engine), FileBlobStore(tmp_path / "blobs")
    _store_case(store, blobs, "seed_003", "http://127.0.0.1:8080/a/003.txt")
    _store_case(store, blobs, "rendered_html_2019", "http://127.0.0.1:8080/b/2019.html")
    with store.sessions.begin() as session:
        session.execute(update(Portal).values(province="河北省"))
    engine.dispose()

    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HARVEST_", "SCRAPY_"))}
    env.update({"HARVEST_VAR_DIR": str(tmp_path / "var"), "PYTHONPATH": str(REPO_ROOT)})
    server = subprocess.Popen([SCRAPY, "browse", str(db), "--port", str(port)], cwd=REPO_ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/-/versions.json", timeout=2).read()
                break
            except OSError as exc:
                if server.poll() is not None or time.monotonic() > deadline:
                    output = server.stdout.read() if server.stdout else ""
                    raise AssertionError(f"datasette did not start: {output}") from exc
                time.sleep(0.3)
        page = f"{base}/harvest/panel?province=%E6%B2%B3%E5%8C%97%E7%9C%81"
        dom = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                              f"--user-data-dir={tmp_path / 'chrome'}", "--dump-dom", page],
                             capture_output=True, text=True, timeout=120).stdout
        assert "省份面板 Panel of one province" in dom
        assert "巨鹿县教育局" in dom
        assert "2 rows" in dom, dom[:2000]
        assert 'class="rows-and-columns"' in dom
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
