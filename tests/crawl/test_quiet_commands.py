"""Commands meant for people print their answer without Scrapy's start-up log; -L INFO brings it back."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.crawl.harness import REPO_ROOT, SCRAPY
from tests.seeds.helpers import HEADER, HEBEI_GOV, write

REPORT = REPO_ROOT / "tests" / "fixtures" / "reports" / "seed_003" / "body.txt"
START_UP = ("started (bot:", "Versions:", "Overridden settings", "[scrapy.")


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HARVEST_", "SCRAPY_"))}
    env.update({"HARVEST_VAR_DIR": str(tmp_path / "var"), "PYTHONPATH": str(REPO_ROOT)})
    return subprocess.run([SCRAPY, *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("command", ["report", "seeds"])
def test_commands_for_people_print_no_start_up_log_unless_asked(tmp_path: Path, command: str) -> None:
    if command == "report":
        args, answer = [command, str(REPORT)], "status: ok"
    else:
        seeds = write(tmp_path / "seeds" / "13_hebei.csv", [HEADER, HEBEI_GOV]).parent
        args, answer = [command, "check", str(seeds)], "seeds check OK"
    quiet = _run(tmp_path, *args)
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stdout.startswith(answer)
    output = quiet.stdout + quiet.stderr
    assert not [marker for marker in START_UP if marker in output], output
    loud = _run(tmp_path, *args, "-L", "INFO")
    assert loud.returncode == 0, loud.stderr
    assert re.search(r"Scrapy \S+ started \(bot: ", loud.stderr), loud.stderr
    assert answer in loud.stdout
