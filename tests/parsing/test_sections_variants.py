"""Heading variants, pre-2019 parts, agency forms and text-input chrome (issue 12, items 4, 5, 7).

The seed-text and corpus tests read ../shared and skip cleanly when it is absent."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from pipelines.parsing import parse_document
from portalsim.render import (
    CHROME_TAIL,
    SHORT_FORMS,
    random_pre2019_spec,
    random_spec,
    render_pre2019,
    render_text_variant,
)

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO / ".." / "shared"
SEEDS = SHARED / "seeds-texts"
CORPUS = SHARED / "corpus"

# The page chrome the seed texts carry (issue 12 item 7), written here independently of the
# cleaner's vocabulary so the test can fail when that vocabulary loses an entry.
CHROME = ("扫一扫在手机打开当前页", "返回顶部", "打印本页", "关闭本页", "智能问答机器人", "撰稿:", "校对:",
          "一审:", "二审:", "三审:", "关联稿件", "相关链接", "_GoBack", "字号:")
# First line of a seed text's page tail.
TAIL_STARTS = ("来源:", "撰稿:", "关联稿件:", "相关链接:", "扫一扫在手机打开当前页")


def _squash(line: str) -> str:
    return "".join(line.split())


def _section_lines(result) -> list[str]:
    return [_squash(ln) for s in result.sections for ln in s.text.split("\n") if ln.strip()]


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds-texts not present")
@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else [], ids=lambda p: p.name[:3])
def test_seed_sections_hold_no_chrome_and_keep_every_body_line(path: Path) -> None:
    result = parse_document(path.read_bytes(), filename=path.name)
    assert result.status == "ok"
    got = _section_lines(result)
    assert not [ln for ln in got if any(c in ln for c in CHROME)]
    lines = path.read_text(encoding="utf-8").split("\n")
    first = result.sections[0].heading.strip()
    start = next(i for i, ln in enumerate(lines) if ln.strip() == first)
    end = next((i for i in range(start, len(lines)) if lines[i].strip() in TAIL_STARTS), len(lines))
    headings = {_squash(s.heading) for s in result.sections}
    body = [_squash(ln.replace("[bookmark: _GoBack]", "")) for ln in lines[start + 1:end]]
    body = [ln for ln in body if ln and ln not in headings]
    kept = set(got)
    assert [ln for ln in body if ln not in kept] == []


def _full_reports() -> list[tuple[Path, dict]]:
    out = []
    for truth in sorted((CORPUS / "truth").glob("*.json")):
        data = json.loads(truth.read_text(encoding="utf-8"))
        path = SHARED / data["file"] if data["file"].startswith("seeds-texts/") else CORPUS / data["file"]
        out.append((path, data))
    return out


@pytest.mark.skipif(not (CORPUS / "truth").is_dir(), reason="../shared/corpus not present")
def test_agency_and_year_right_on_every_full_report_of_the_corpus() -> None:
    wrong = []
    for path, truth in _full_reports():
        result = parse_document(path.read_bytes(), filename=path.name)
        names = {truth["agency"], *truth.get("agency_aliases", [])}
        if result.status != "ok" or result.agency not in names or result.year != truth["year"]:
            wrong.append((path.name, result.status, result.agency, result.year))
    assert wrong == []


@pytest.mark.skipif(not (CORPUS / "docs").is_dir(), reason="../shared/corpus not present")
def test_no_report_of_the_corpus_is_not_report() -> None:
    reports = [p for p in sorted((CORPUS / "docs").iterdir()) if p.name.startswith(("r", "e"))]
    assert reports
    rejected = [p.name for p in reports
                if parse_document(p.read_bytes(), filename=p.name).status == "not_report"]
    assert rejected == []


# --- agency forms ----------------------------------------------------------------------------

def _spec(agency: str):
    spec = random_spec(random.Random(3), fmt="2021", blanks=False)
    spec.agency = agency
    return spec


def test_short_title_agency_takes_the_sign_off_name() -> None:
    full, short = SHORT_FORMS[0]
    result = parse_document(render_text_variant(_spec(full), title_agency=short), filename="r.txt")
    assert result.agency == full
    assert result.extra["agency_title"] == short and result.extra["agency_source"] == "signoff"


def test_short_title_agency_takes_the_seed_agency_when_nothing_else_names_it() -> None:
    full, short = SHORT_FORMS[1]
    text = render_text_variant(_spec(full), title_agency=short).decode("utf-8")
    text = text.replace(f"\n{full}\n", "\n")  # no sign-off name
    assert full not in text
    assert parse_document(text.encode("utf-8"), filename="r.txt").agency == short
    hinted = parse_document(text.encode("utf-8"), filename="r.txt", agency_hint=full)
    assert hinted.agency == full and hinted.extra["agency_source"] == "seed"
    # A seed of another agency never renames the report.
    other = parse_document(text.encode("utf-8"), filename="r.txt", agency_hint="巨鹿县人民政府")
    assert other.agency == short


def test_about_and_markdown_titles() -> None:
    agency = "平潭综合实验区自然资源管理局"
    about = parse_document(render_text_variant(_spec(agency), title="about"), filename="r.txt")
    assert about.agency == agency and about.year == _spec(agency).year
    markdown = parse_document(render_text_variant(_spec("巨鹿县教育局"), title="markdown"), filename="r.md.txt")
    assert markdown.agency == "巨鹿县教育局"
    assert "#" not in (markdown.title or "")


# --- pre-2019 --------------------------------------------------------------------------------

@pytest.mark.parametrize("one_line", [False, True])
@pytest.mark.parametrize("breadcrumb", [False, True])
def test_pre2019_parts_are_sections(one_line: bool, breadcrumb: bool) -> None:
    spec = random_pre2019_spec(random.Random(7))
    result = parse_document(render_pre2019(spec, one_line=one_line, breadcrumb=breadcrumb), filename="p.txt")
    assert result.status == "ok", result.to_json().get("reason")
    assert (result.agency, result.year) == (spec.agency, spec.year)
    assert result.formats["t3"] == "pre2019"
    assert [s.key for s in result.sections] == [f"pre2019.{i + 1}" for i in range(len(spec.parts))]
    for section, (heading, body) in zip(result.sections, spec.parts, strict=True):
        assert section.heading.endswith(heading)
        assert all(_squash(p) in _squash(section.text) for p in body)


def test_chrome_tail_is_cut_from_section_six() -> None:
    spec = _spec("白碱滩区教育局")
    result = parse_document(render_text_variant(spec, chrome=True), filename="r.txt")
    s6 = next(s for s in result.sections if s.key == "s6")
    assert not [c for c in CHROME_TAIL if c != "-" and c in s6.text]
    assert spec.agency in s6.text  # the sign-off is body
    assert "_GoBack" not in result.sections[0].text
