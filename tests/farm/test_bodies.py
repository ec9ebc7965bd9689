"""Report bodies: fixture-generator reports with known cells, seed-text rewriting, attachment rendering."""

from __future__ import annotations

import io

import pytest
from lxml import html as lxml_html

from portalsim import Farm, FarmServer, bodies
from pipelines.parsing import patterns as parsing_patterns
from tests.farm.helpers import fetch


def _fixture_key(year: int, start: int = 0) -> str:
    """The first report key from ``start`` whose body comes from the fixture generator."""
    return next(f"x/{n}" for n in range(start, 1000) if bodies.uses_fixture(f"x/{n}", year))


def test_fixture_body_cells_are_the_spec_cells_and_deterministic():
    key = _fixture_key(2023)
    body = bodies.report_body("000_2155bf533a9f2703", "测试县教育局", 2023, "t", key)
    again = bodies.report_body.__wrapped__("000_2155bf533a9f2703", "测试县教育局", 2023, "t", key)
    other = bodies.report_body("000_2155bf533a9f2703", "测试县教育局", 2023, "t", _fixture_key(2023, 1 + int(key[2:])))
    assert body.source == "fixture" and body.spec.fmt == "2021"
    assert body.cells == again.cells and body.cells != other.cells
    assert (body.spec.agency, body.spec.year) == ("测试县教育局", 2023)
    cells = dict(body.cells)
    assert set(cells) == set(body.spec.cells)
    for key_, raw in body.spec.cells.items():
        assert cells[key_] == (None if raw == "" else float(raw)), key_
    cols = parsing_patterns.T3_COLUMNS
    for col in cols:   # the generator's arithmetic holds for every column (blanks are zeros)
        def v(row: str) -> float:
            return cells[f"t3.{row}.{col}"] or 0
        assert v("new") + v("carried_in") == v("results_total") + v("carried_out"), col


def test_fixture_format_follows_the_year_and_older_years_use_seed_texts():
    assert bodies.fixture_format(2019) == bodies.fixture_format(2020) == "2019"
    assert bodies.fixture_format(2021) == "2021"
    old = bodies.report_body("000_2155bf533a9f2703", "甲局", 2020, "t", _fixture_key(2020))
    assert old.spec.fmt == "2019" and "t2.a9.gov_procurement.amount" in dict(old.cells)
    assert not any(bodies.uses_fixture(f"x/{n}", 2018) for n in range(200))
    assert 0.4 < sum(bodies.uses_fixture(f"x/{n}", 2022) for n in range(500)) / 500 < 0.8


def test_cell_number_keeps_blanks_signs_and_decimals():
    assert bodies.cell_number("") is None
    assert bodies.cell_number("0") == 0 and isinstance(bodies.cell_number("12"), int)
    assert bodies.cell_number("+3") == 3 and bodies.cell_number("-2") == -2
    assert bodies.cell_number("1234.5") == 1234.5


def test_seed_text_rewrites_agency_and_year():
    body = bodies.report_body("000_2155bf533a9f2703", "某某区财政局", 2021, "t")
    text = "\n".join(body.paragraphs)
    assert "某某区财政局2021年政府信息公开工作年度报告" in text
    assert "白碱滩区教育局" not in text
    assert "国办公开办函〔2021〕30号" in text  # document numbers are not years to rewrite


@pytest.fixture(scope="module")
def served():
    farm = Farm.generate(portals=10, seed=9, faults=False)
    with FarmServer(farm) as server:
        yield server, server.manifest()


def _html_grid(table) -> dict[tuple[int, int], str]:
    taken: dict[tuple[int, int], str] = {}
    for r, tr in enumerate(table.xpath(".//tr")):
        c = 0
        for td in tr.xpath("./td|./th"):
            while (r, c) in taken:
                c += 1
            rs, cs = int(td.get("rowspan", 1)), int(td.get("colspan", 1))
            for dr in range(rs):
                for dc in range(cs):
                    taken[(r + dr, c + dc)] = td.text_content().strip()
            c += cs
    return taken


def _printed(value) -> str:
    return "" if value is None else str(value)


def test_html_report_tables_match_manifest_cells(served):
    server, manifest = served
    utf8 = {p["id"] for p in manifest["portals"] if p["encoding"] == "utf-8"}
    reports = [r for r in manifest["reports"] if r["cells"] and r["format"] in ("html", "html+pdf")
               and r["portal_id"] in utf8 and len(r["detail_urls"]) == 1]
    assert reports
    for report in reports[:3]:
        page = lxml_html.fromstring(fetch(report["detail_url"]).body.decode("utf-8"))
        tables = [t for t in page.xpath("//table") if "申请人情况" in t.text_content()]
        assert len(tables) == 1
        cells = _html_grid(tables[0])
        last = max(r for r, _ in cells)
        for i, col in enumerate(parsing_patterns.T3_COLUMNS):
            assert cells[(3, 3 + i)].replace("\xa0", "") == _printed(report["cells"][f"t3.new.{col}"])
            assert cells[(last, 3 + i)].replace("\xa0", "") == _printed(report["cells"][f"t3.carried_out.{col}"])


def test_attachments_carry_the_report(served):
    import docx
    import openpyxl
    import pdfplumber

    server, manifest = served
    seen = set()
    for report in manifest["reports"]:
        if not report["cells"] or not report["attachments"]:
            continue
        att = report["attachments"][0]
        if att["format"] in seen:
            continue
        answer = fetch(att["url"])
        if answer.status == 302:
            answer = fetch(att["final_url"])
        data = answer.body
        value = _printed(report["cells"]["t3.results_total.total"])
        if att["format"] == "pdf":
            with pdfplumber.open(io.BytesIO(data)) as pdf:
                text = "".join(p.extract_text() or "" for p in pdf.pages)
            assert report["agency"] in text and value in text
        elif att["format"] == "docx":
            document = docx.Document(io.BytesIO(data))
            texts = {c.text for t in document.tables for row in t.rows for c in row.cells}
            assert value in texts
        elif att["format"] == "xlsx":
            sheet = openpyxl.load_workbook(io.BytesIO(data)).active
            texts = {str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None}
            assert value in texts
        seen.add(att["format"])
    assert seen == {"pdf", "docx", "xlsx"}


def test_attachment_bytes_are_deterministic():
    seed_text = bodies.report_body("001_89e3a79961b80e89", "甲局", 2019, "甲局2019年政府信息公开工作年度报告")
    fixture = bodies.report_body("001_89e3a79961b80e89", "甲局", 2022, "t", _fixture_key(2022))
    assert seed_text.source == "seed_text" and fixture.source == "fixture"
    for body in (seed_text, fixture):
        for fmt in ("pdf", "docx", "xlsx"):
            assert bodies.render_attachment.__wrapped__(body, fmt) == bodies.render_attachment.__wrapped__(body, fmt)


def test_scanned_pdf_has_images_but_no_text_layer():
    import pdfplumber

    farm = Farm.generate(portals=10, seed=3)
    with FarmServer(farm) as server:
        manifest = server.manifest()
    scans = [r for r in manifest["reports"] if r["format"] == "scan-pdf"]
    images = [r for r in manifest["reports"] if r["format"] == "image"]
    assert scans and images
    assert all(r["needs_ocr"] and r["cells"] is None for r in scans + images)
    data = bodies.scan_pdf(12345)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        assert len(pdf.pages) == 3
        assert all(page.images for page in pdf.pages)
        assert "".join(page.extract_text() or "" for page in pdf.pages).strip() == ""


def test_same_report_in_two_columns_serves_identical_bytes(served):
    server, manifest = served
    by_key = {r["key"]: r for r in manifest["reports"]}
    copy = next(r for r in manifest["reports"] if r["same_as"])
    original = by_key[copy["same_as"]]
    assert copy["portal_id"] != original["portal_id"] and copy["title"] == original["title"]

    def first_file(report):
        att = report["attachments"][0]
        answer = fetch(att["url"])
        return fetch(att["final_url"]).body if answer.status == 302 else answer.body

    assert first_file(copy) == first_file(original)
