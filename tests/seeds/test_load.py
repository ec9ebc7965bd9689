"""Loading seed files: the header, encodings, line endings and CSV damage researchers can cause."""

from __future__ import annotations

from pathlib import Path

from crawler.seeds import ERROR, WARNING, load_seeds
from tests.seeds.helpers import HEADER, HEBEI_GOV, HEBEI_ZHENGDING, JIANGSU_YANCHENG, write


def _messages(load, severity=ERROR):
    return [(p.path.name, p.line, p.message) for p in load.problems if p.severity == severity]


def test_clean_file_loads_every_field(tmp_path: Path) -> None:
    path = write(tmp_path / "13_hebei.csv", [HEADER, HEBEI_GOV, HEBEI_ZHENGDING])
    load = load_seeds(path)
    assert load.problems == []
    assert [s.id for s in load.seeds] == ["130000_rmzf", "130123_rmzf"]
    seed = load.seeds[1]
    assert (seed.province, seed.city, seed.county, seed.adcode) == ("河北", "石家庄市", "正定县", "130123")
    assert (seed.level, seed.platform, seed.active, seed.line) == ("county", "auto", True, 3)
    assert seed.column_url == "http://zd.gov.cn/columns/e434/"
    assert seed.province_code == "13" and not seed.needs_column


def test_extra_columns_are_kept_and_blank_rows_skipped(tmp_path: Path) -> None:
    path = write(
        tmp_path / "13_hebei.csv",
        [HEADER + ",sample_report_url", HEBEI_GOV + ",https://www.hebei.gov.cn/x.html", ",,,,,,,,,,,", HEBEI_ZHENGDING + ","],
    )
    load = load_seeds(path)
    assert load.errors == []
    assert load.seeds[0].extra == {"sample_report_url": "https://www.hebei.gov.cn/x.html"}
    assert [s.line for s in load.seeds] == [2, 4]


def test_bom_is_reported_and_rows_still_load(tmp_path: Path) -> None:
    path = write(tmp_path / "13_hebei.csv", [HEADER, HEBEI_GOV], bom=True)
    load = load_seeds(path)
    assert load.errors == []
    assert [(n, line) for n, line, m in _messages(load, WARNING) if "byte order mark" in m] == [("13_hebei.csv", 1)]
    assert [s.id for s in load.seeds] == ["130000_rmzf"]  # the BOM is not glued to the first column name


def test_windows_line_endings_are_reported_and_rows_still_load(tmp_path: Path) -> None:
    path = write(tmp_path / "13_hebei.csv", [HEADER, HEBEI_GOV, HEBEI_ZHENGDING], newline="\r\n")
    load = load_seeds(path)
    assert load.errors == []
    assert any("CRLF" in m for _, _, m in _messages(load, WARNING))
    assert [s.notes for s in load.seeds] == ["", ""]  # no stray \r at the end of the last column
    assert [s.line for s in load.seeds] == [2, 3]


def test_missing_column_names_file_and_line_and_other_files_load(tmp_path: Path) -> None:
    write(tmp_path / "13_hebei.csv", [HEADER.replace(",platform", ""), HEBEI_GOV.replace(",auto", "")])
    write(tmp_path / "32_jiangsu.csv", [HEADER, JIANGSU_YANCHENG])
    load = load_seeds(tmp_path)
    errors = _messages(load)
    assert len(errors) == 1
    name, line, message = errors[0]
    assert (name, line) == ("13_hebei.csv", 1) and "missing column(s) platform" in message
    assert [s.id for s in load.seeds] == ["320900_sthjj"]


def test_missing_cell_in_a_row_is_reported_on_its_line(tmp_path: Path) -> None:
    short = HEBEI_ZHENGDING.rsplit(",", 2)[0]  # drops active and notes
    load = load_seeds(write(tmp_path / "13_hebei.csv", [HEADER, HEBEI_GOV, short]))
    errors = _messages(load)
    assert [(n, line) for n, line, _ in errors] == [("13_hebei.csv", 3)]
    assert "9 fields but the header has 11" in errors[0][2]
    assert [s.id for s in load.seeds] == ["130000_rmzf"]


def test_stray_quote_inside_a_value(tmp_path: Path) -> None:
    bad = HEBEI_ZHENGDING.replace("正定县人民政府", '正定县"人民政府')
    load = load_seeds(write(tmp_path / "13_hebei.csv", [HEADER, HEBEI_GOV, bad]))
    errors = _messages(load)
    assert [(n, line) for n, line, _ in errors] == [("13_hebei.csv", 3)]
    assert "stray double quote" in errors[0][2] and "agency" in errors[0][2]


def test_stray_opening_quote_that_swallows_later_lines(tmp_path: Path) -> None:
    bad = HEBEI_GOV.replace(",河北省人民政府,", ',"河北省人民政府,')
    write(tmp_path / "13_hebei.csv", [HEADER, HEBEI_ZHENGDING, bad, HEBEI_GOV.replace("130000_rmzf", "130000_x")])
    write(tmp_path / "32_jiangsu.csv", [HEADER, JIANGSU_YANCHENG])
    load = load_seeds(tmp_path)
    errors = _messages(load)
    assert errors and errors[0][:2] == ("13_hebei.csv", 3)
    assert "stray double quote" in errors[0][2]
    assert {s.id for s in load.seeds} == {"130123_rmzf", "320900_sthjj"}


def test_quote_right_after_closing_quote(tmp_path: Path) -> None:
    bad = HEBEI_GOV.replace(",河北省人民政府,", ',"河北省"人民政府,')
    later = HEBEI_GOV.replace("130000_rmzf", "130000_x").replace("/abc/", "/def/")
    load = load_seeds(write(tmp_path / "13_hebei.csv", [HEADER, HEBEI_ZHENGDING, bad, later]))
    errors = _messages(load)
    assert [e[:2] for e in errors] == [("13_hebei.csv", 3)] and "malformed CSV" in errors[0][2]
    assert [(s.id, s.line) for s in load.seeds] == [("130123_rmzf", 2), ("130000_x", 4)]


def test_stray_quote_in_header(tmp_path: Path) -> None:
    load = load_seeds(write(tmp_path / "13_hebei.csv", ['"id"x' + HEADER[2:], HEBEI_GOV]))
    assert [(p.line, "malformed CSV" in p.message) for p in load.errors] == [(1, True)]
    assert load.seeds == []


def test_gbk_file_names_line_and_other_files_load(tmp_path: Path) -> None:
    write(tmp_path / "13_hebei.csv", [HEADER, HEBEI_GOV, HEBEI_ZHENGDING], encoding="gbk")
    write(tmp_path / "32_jiangsu.csv", [HEADER, JIANGSU_YANCHENG])
    load = load_seeds(tmp_path)
    errors = _messages(load)
    assert len(errors) == 1
    name, line, message = errors[0]
    assert (name, line) == ("13_hebei.csv", 2)  # the header is ASCII; the first Chinese byte is on line 2
    assert "not UTF-8" in message and "GBK" in message
    assert "320900_sthjj" in {s.id for s in load.seeds}
    assert not load.ok


def test_undecodable_file_loads_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "13_hebei.csv"
    path.write_bytes((HEADER + "\n").encode() + b"\xff\xfe\xff\xfe,\x80\x80\n")
    load = load_seeds(path)
    assert load.seeds == [] and [p.line for p in load.errors] == [2]


def test_empty_file_and_missing_location(tmp_path: Path) -> None:
    (tmp_path / "13_hebei.csv").write_bytes(b"")
    load = load_seeds(tmp_path)
    assert [(p.path.name, p.line) for p in load.errors] == [("13_hebei.csv", 1)]
    missing = load_seeds(tmp_path / "nowhere")
    assert not missing.ok and "does not exist" in missing.errors[0].message


def test_spreadsheet_lock_files_are_ignored(tmp_path: Path) -> None:
    write(tmp_path / "13_hebei.csv", [HEADER, HEBEI_GOV])
    (tmp_path / "~$13_hebei.csv").write_bytes(b"\x00garbage")
    (tmp_path / ".~lock.13_hebei.csv#").write_bytes(b"x")
    load = load_seeds(tmp_path)
    assert load.ok and [f.name for f in load.files] == ["13_hebei.csv"]


def test_utf16_file_is_reported_and_skipped(tmp_path: Path) -> None:
    path = tmp_path / "13_hebei.csv"
    path.write_bytes("\n".join([HEADER, HEBEI_GOV]).encode("utf-16"))
    load = load_seeds(path)
    assert load.seeds == [] and [(p.line, "UTF-16" in p.message) for p in load.errors] == [(1, True)]


def test_single_file_may_have_any_name_and_mix_provinces(tmp_path) -> None:
    """A file given on its own (the farm's seeds.csv, a researcher's subset) needs no province name."""
    from crawler.seeds import load_seeds

    header = "id,province,city,county,adcode,level,agency,column_url,platform,active,notes\n"
    rows = ("130000_rmzf,河北省,,,130000,province,河北省人民政府,http://127.0.0.1:8000/a/,plain,true,\n"
            "320000_rmzf,江苏省,,,320000,province,江苏省人民政府,http://127.0.0.1:8000/b/,plain,true,\n")
    single = tmp_path / "subset.csv"
    single.write_text(header + rows, encoding="utf-8")
    loaded = load_seeds(single)
    assert loaded.errors == [] and [s.id for s in loaded.seeds] == ["130000_rmzf", "320000_rmzf"]
    folder = tmp_path / "dir"
    folder.mkdir()
    (folder / "subset.csv").write_text(header + rows, encoding="utf-8")
    assert any("file name must be" in p.message for p in load_seeds(folder).errors)
