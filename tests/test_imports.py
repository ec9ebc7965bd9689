"""The project's packages resolve to this repository, and the Scrapy project loads."""

from __future__ import annotations

import importlib
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import crawler
import crawler.spiders
import pipelines

REPO_ROOT = Path(__file__).resolve().parents[1]


def test_packages_resolve_to_this_repository() -> None:
    # PyPI has unrelated distributions named crawler and pipelines; ours must win.
    for package in (crawler, pipelines):
        assert Path(package.__file__).resolve().is_relative_to(REPO_ROOT), package.__file__


def test_every_spider_module_imports() -> None:
    names = [m.name for m in pkgutil.iter_modules(crawler.spiders.__path__, "crawler.spiders.")]
    assert "crawler.spiders.generic" in names
    for name in names:
        importlib.import_module(name)


def test_parser_library_has_no_scrapy_imports() -> None:
    offenders = [str(p.relative_to(REPO_ROOT)) for p in (REPO_ROOT / "pipelines" / "parsing").rglob("*.py")
                 if "import scrapy" in p.read_text("utf-8") or "from scrapy" in p.read_text("utf-8")]
    assert offenders == []


def test_scrapy_list_from_repository_root() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPY_")}
    result = subprocess.run([str(Path(sys.executable).parent / "scrapy"), "list"], cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    assert "generic" in result.stdout.split()
