"""Seed hygiene (issue 15, part 4) and clear messages for seed files that are no seed files (part 5).

Credentials in a seed URL are warned about with the password masked and removed before the crawl
(so no log line, health row, status line or stored portal row shows them); internal and oddly
spelled IP hosts are warned about; huge, binary, empty and misplaced seed files say what they are.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest

from crawler.commands.seeds import run_check, status_rows
from crawler.seeds import ADDRESS, WARNING, load_seeds, log_problems, mask_credentials, strip_credentials
from crawler.seeds.reading import MAX_SEED_FILE_BYTES
from tests.seeds.helpers import HEADER, HEBEI_GOV, write

PASSWORD = "Pw-s3cret-XYZ"
GOV_URL = "https://www.hebei.gov.cn/columns/abc/"


def _row(url: str, seed_id: str = "130000_rmzf", notes: str = "") -> str:
    return HEBEI_GOV.replace(GOV_URL, url).replace("130000_rmzf", seed_id) + notes


def _check(tmp_path: Path, rows: list[str], header: str = HEADER) -> tuple[int, str]:
    path = write(tmp_path / "13_hebei.csv", [header, *rows])
    out = io.StringIO()
    return run_check(path, out), out.getvalue()


# --- credentials ------------------------------------------------------------------------------

def test_mask_and_strip_credentials() -> None:
    url = f"https://admin:{PASSWORD}@www.hebei.gov.cn/a@b/"
    assert mask_credentials(url) == "https://admin:***@www.hebei.gov.cn/a@b/"
    assert strip_credentials(url) == "https://www.hebei.gov.cn/a@b/"
    assert mask_credentials("see https://TOKEN123@host.gov.cn/ and http://u:p@ss@x.gov.cn/") == (
        "see https://***@host.gov.cn/ and http://u:***@x.gov.cn/")
    assert mask_credentials(GOV_URL) == GOV_URL and strip_credentials("no url @ all") == "no url @ all"


def test_credentials_in_column_url_warn_masked_and_are_removed(tmp_path: Path) -> None:
    code, out = _check(tmp_path, [_row(f"https://admin:{PASSWORD}@www.hebei.gov.cn/columns/abc/")])
    assert code == 0, out
    assert PASSWORD not in out
    assert ("13_hebei.csv:2: warning: column_url carries credentials "
            "(https://admin:***@www.hebei.gov.cn/columns/abc/): removed") in out
    seed = load_seeds(tmp_path / "13_hebei.csv").seeds[0]
    assert seed.column_url == GOV_URL
    assert PASSWORD not in repr(status_rows([seed], {}))


def test_credentials_in_other_url_columns_and_notes(tmp_path: Path) -> None:
    header = HEADER + ",sample_report_url"
    row = _row(GOV_URL, notes=f"old http://bob:{PASSWORD}@x.gov.cn/") + f",https://u:{PASSWORD}@www.hebei.gov.cn/r.html"
    code, out = _check(tmp_path, [row], header=header)
    assert code == 0 and PASSWORD not in out
    assert "warning: column notes carries credentials in a URL (old http://bob:***@x.gov.cn/): removed" in out
    assert "warning: column sample_report_url carries credentials in a URL" in out
    seed = load_seeds(tmp_path / "13_hebei.csv").seeds[0]
    assert seed.notes == "old http://x.gov.cn/"
    assert seed.extra["sample_report_url"] == "https://www.hebei.gov.cn/r.html"


def test_no_error_message_shows_a_password(tmp_path: Path) -> None:
    rows = [_row(f"http://u:{PASSWORD}@www.hebei.gov.cn:80x/c/"),
            _row(f"ftp://u:{PASSWORD}@www.hebei.gov.cn/c/", "130000_b"),
            _row(f'http://u:{PASSWORD}@www.hebei.gov.cn/c"/', "130000_c")]
    code, out = _check(tmp_path, rows)
    assert code == 1
    assert "column_url has an invalid port: http://u:***@www.hebei.gov.cn:80x/c/" in out
    assert "got ftp: ftp://u:***@" in out and "stray double quote" in out
    assert PASSWORD not in out


# --- hosts ------------------------------------------------------------------------------------

@pytest.mark.parametrize("url, words", [
    ("http://10.1.2.3/c/", "10.1.2.3 is a private address"),
    ("http://172.20.0.5/c/", "172.20.0.5 is a private address"),
    ("http://192.168.1.1/c/", "192.168.1.1 is a private address"),
    ("http://127.0.0.1:8080/c/", "127.0.0.1 is a loopback address"),
    ("http://[::1]/c/", "::1 is a loopback address"),
    ("http://169.254.169.254/latest/", "169.254.169.254 is a link-local address"),
    ("http://[fe80::1]/c/", "fe80::1 is a link-local address"),
    ("http://2130706433/c/", "127.0.0.1 (written 2130706433, which resolvers read as 127.0.0.1) is a loopback"),
    ("http://0x7f.1/c/", "(written 0x7f.1, which resolvers read as 127.0.0.1)"),
    ("http://0177.0.0.1/c/", "(written 0177.0.0.1, which resolvers read as 127.0.0.1)"),
    ("http://134744072/c/", "134744072 is the IP address 8.8.8.8 in an unusual spelling"),
    ("http://localhost/c/", "host localhost only resolves inside a network"),
    ("http://intranet/c/", "host intranet only resolves inside a network"),
])
def test_internal_and_numeric_hosts_warn(tmp_path: Path, url: str, words: str) -> None:
    code, out = _check(tmp_path, [_row(url)])
    assert code == 0, out
    assert "13_hebei.csv:2: warning: column_url host " in out and words in out, out
    load = load_seeds(tmp_path / "13_hebei.csv")
    assert [(p.severity, p.kind) for p in load.problems] == [(WARNING, ADDRESS)]
    assert len(load.seeds) == 1  # a warning: the seed still loads


@pytest.mark.parametrize("url", [GOV_URL, "http://122.137.242.24/c/", "http://[2001:4860::8888]/c/"])
def test_public_names_and_dotted_public_addresses_are_quiet(tmp_path: Path, url: str) -> None:
    code, out = _check(tmp_path, [_row(url)])
    assert code == 0 and "warning:" not in out and "warnings=0" in out, out


def test_runs_log_address_notes_once_at_info_and_each_at_debug(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    rows = [_row(f"http://127.0.0.1:9/{n}/", f"130000_s{n}") for n in range(5)]
    rows.append(_row(f"http://u:{PASSWORD}@www.hebei.gov.cn/x/", "130000_cred"))
    load = load_seeds(write(tmp_path / "13_hebei.csv", [HEADER, *rows]))
    log = logging.getLogger("test.hygiene")
    with caplog.at_level(logging.DEBUG, logger="test.hygiene"):
        log_problems(load.problems, log)
    by_level = {level: [r.getMessage() for r in caplog.records if r.levelno == level]
                for level in (logging.DEBUG, logging.INFO, logging.WARNING)}
    assert len(by_level[logging.DEBUG]) == 5
    assert by_level[logging.INFO] == ["5 seed(s) at internal or numeric hosts (scrapy seeds check lists them)"]
    assert len(by_level[logging.WARNING]) == 1 and "u:***@" in by_level[logging.WARNING][0]
    assert PASSWORD not in caplog.text


# --- files that are no seed files -------------------------------------------------------------

def test_huge_single_field_names_the_field_limit(tmp_path: Path) -> None:
    path = tmp_path / "13_hebei.csv"
    path.write_text("x" * 50_000_000)
    out = io.StringIO()
    assert run_check(path, out) == 1
    first = out.getvalue().splitlines()[0]
    assert first.startswith(f"{path}:1: line 1 is 50,000,000 characters long, over the csv module's field limit")
    assert "stray double quote" not in first and "no seed file" in first


def test_stray_quote_swallowing_the_file_says_so_with_its_line(tmp_path: Path) -> None:
    filler = [_row(f"https://www.hebei.gov.cn/c{n}/", f"130000_r{n}") for n in range(3000)]
    path = write(tmp_path / "13_hebei.csv", [HEADER, HEBEI_GOV, '130000_q,"河北', *filler])
    load = load_seeds(path)
    assert [s.id for s in load.seeds] == ["130000_rmzf"]
    (problem,) = load.errors
    assert problem.line == 3 and "a field starting on line 3 runs past the csv module's field limit" in problem.message
    assert "stray double quote" in problem.message


def test_oversized_file_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "13_hebei.csv"
    with open(path, "wb") as fh:
        fh.truncate(MAX_SEED_FILE_BYTES + 1)  # sparse: costs no disk
    (problem,) = load_seeds(path).problems
    assert "a seed list is a few kB" in problem.message and "not read" in problem.message


@pytest.mark.parametrize("data, words", [
    (b"PK\x03\x04" + b"\x00" * 100, "file is a ZIP archive (an Excel .xlsx"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "file is an old Office file"),
    (b"%PDF-1.7\n", "file is a PDF document"),
    (b"id,province\n\x00\x01\x02garbage", "file contains NUL bytes (first at byte offset 12)"),
])
def test_binary_files_say_what_they_are(tmp_path: Path, data: bytes, words: str) -> None:
    path = tmp_path / "13_hebei.csv"
    path.write_bytes(data)
    (problem,) = load_seeds(path).problems
    assert words in problem.message and "not CSV text" in problem.message


@pytest.mark.parametrize("data", [b"", b"\n\n  \n", b"\xef\xbb\xbf"])
def test_empty_or_blank_file(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "13_hebei.csv"
    path.write_bytes(data)
    errors = load_seeds(path).errors
    assert [p.message.split(":")[0] for p in errors] == ["seed file is empty"]


def test_directory_without_csv_names_spreadsheets_and_subdirectories(tmp_path: Path) -> None:
    (tmp_path / "13_hebei.xlsx").write_bytes(b"PK\x03\x04")
    write(tmp_path / "seeds" / "13_hebei.csv", [HEADER, HEBEI_GOV])
    (problem,) = load_seeds(tmp_path).problems
    assert problem.message.startswith("no seed files (*.csv) in this directory")
    assert "found 13_hebei.xlsx: save each as 'CSV UTF-8'" in problem.message
    assert "CSV files are in subdirectory seeds: pass that directory" in problem.message


# --- a real nightly: the password never reaches the output, the log, the database or the blobs ----

def test_nightly_never_shows_the_password(tmp_path: Path) -> None:
    import csv

    from portalsim import Farm, FarmServer
    from tests.crawl.harness import Workspace

    ws = Workspace(tmp_path)
    log_file = ws.var / "nightly.log"
    ws.var.mkdir(parents=True)
    farm = Farm.generate(portals=1, seed=3, faults=False)
    with FarmServer(farm, port=0) as server:
        server.write_out(ws.seeds.parent)
        with open(ws.seeds, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        rows = rows[:1]
        rows[0]["column_url"] = rows[0]["column_url"].replace("http://", f"http://alice:{PASSWORD}@", 1)
        with open(ws.seeds, "w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        result = ws.scrapy("nightly", "-L", "DEBUG", "-s", f"LOG_FILE={log_file}", timeout=180)
        status = ws.scrapy("seeds", "status", "--csv", str(ws.var / "status.csv"), timeout=120)
    output = result.stdout + result.stderr + status.stdout + status.stderr
    assert result.returncode == 0, output[-3000:]
    log = log_file.read_text(encoding="utf-8")
    assert "column_url carries credentials (http://alice:***@127.0.0.1:" in log
    assert "Crawled (200)" in log  # the farm's pages were read, without the credentials
    assert PASSWORD not in output and PASSWORD not in log
    leaks = [p for p in ws.root.rglob("*") if p.is_file() and p != ws.seeds and PASSWORD.encode() in p.read_bytes()]
    assert leaks == []  # nor the database (portals.column_url, health detail, runs) nor blobs nor status.csv
