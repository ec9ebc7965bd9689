"""Real pages from ../shared/corpus: r013 (TRS page with full chrome), e001–e009 excerpts wrapped in
family templates, l001 (a listing page). Skipped when the corpus is absent."""

import json
import re
from pathlib import Path

import lxml.html
import pytest

from pipelines.cleaning import clean_page
from pipelines.cleaning import patterns as P
from portalsim.pages import Page, render

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"
R013 = CORPUS / "docs" / "r013_fujian_pingtan_2024_page.html"
R013_URL = "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/202503/t20250310_97791.htm"

pytestmark = pytest.mark.corpus


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"corpus file absent: {path}")
    return path


def squash(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


@pytest.fixture(scope="module")
def r013():
    raw = _need(R013).read_bytes()
    return raw, clean_page(raw, url=R013_URL)


def test_r013_container_and_metadata(r013):
    _, r = r013
    assert r.container == "trs:.TRS_Editor"
    assert r.title == "平潭综合实验区2024年度政府信息公开工作年度报告"
    assert (r.published, r.published_source) == ("2025-03-10", "meta")
    assert r.site_id_code == "3590000001"
    assert r.encoding == "utf-8" and not r.flags - {"no_report_markers"} and "no_report_markers" not in r.flags


def test_r013_every_body_line_kept_and_no_boilerplate(r013):
    raw, r = r013
    doc = lxml.html.document_fromstring(raw.decode("utf-8"))
    editor = doc.xpath("//div[contains(@class,'TRS_Editor')]")[0]
    source_paras = [squash(p.text_content()) for p in editor.iter("p") if p.find(".//table") is None
                    and p.getparent().tag not in ("td",) and squash(p.text_content())]
    source_paras = [s for s in source_paras if not any(s == squash(td.text_content()) for td in editor.iter("td"))]
    kept = set(r.content_text.splitlines())
    assert source_paras and all(p in kept for p in source_paras)
    editor_text = editor.text_content()
    for marker in P.BOILERPLATE_MARKERS:
        if marker not in editor_text:
            assert marker not in r.content_text, marker
    assert r.content_html.count("<table") == 3 and "rowspan" in r.content_html


def _fmt(v) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def test_r013_truth_numbers_in_content_text(r013):
    _, r = r013
    truth = json.loads(_need(CORPUS / "truth" / "r013_fujian_pingtan_2024_page.html.json").read_text("utf-8"))
    cells = [c.strip() for ln in r.content_text.splitlines() if ln.startswith("|") for c in ln.strip("|").split("|")]
    numbers = {c for c in cells if re.fullmatch(r"-?\d+(?:\.\d+)?", c)}
    expected = {k: v for k, v in truth["expected"].items() if isinstance(v, (int, float)) and k not in truth.get("uncertain", [])}
    missing = {k: v for k, v in expected.items() if _fmt(v) not in numbers}
    assert len(expected) > 150 and not missing
    assert "| 行政规范性文件 | 62 | 33 | 440 |" in r.content_text.splitlines()


EXCERPTS = sorted(CORPUS.glob("docs/e00*_excerpt.txt"))
# Chrome lines printed inside the excerpts themselves (report-format.md §9.5).
EXCERPT_CHROME = {"字号:"}


@pytest.mark.parametrize("family", ["trs", "hanweb", "plain"])
@pytest.mark.parametrize("path", EXCERPTS or [CORPUS / "docs" / "e001_missing.txt"], ids=lambda p: p.name[:4])
def test_excerpts_body_kept_and_chrome_removed(path, family):
    text = _need(path).read_text("utf-8")
    lines = [squash(ln) for ln in text.splitlines() if squash(ln)]
    body = [ln for ln in lines if ln not in EXCERPT_CHROME]
    page = Page(family=family, title="某机关2023年政府信息公开工作年度报告", lines=tuple(lines), table="")
    r = clean_page(render(page), url="http://example.gov.cn/a/t1.html")
    assert "all_chrome" not in r.flags and "no_container" not in r.flags
    kept = r.content_text.splitlines()
    assert [ln for ln in kept if ln in set(body)] == [ln for ln in body if ln in set(kept)]  # order kept
    assert all(ln in kept for ln in body), [ln[:40] for ln in body if ln not in kept]
    for marker in P.BOILERPLATE_MARKERS:
        if marker not in text:
            assert marker not in r.content_text, marker
    for ln in EXCERPT_CHROME & set(lines):
        assert ln not in kept


def test_listing_page_is_not_a_report():
    raw = _need(CORPUS / "docs" / "l001_fujian_pingtan_nianbao_list_page1.html").read_bytes()
    r = clean_page(raw, url="https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/")
    assert "no_report_markers" in r.flags
