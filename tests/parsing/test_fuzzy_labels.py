"""Row labels read by OCR with a wrong, missing or extra character still find their row, within
bounds (issue 13, item 2); near-equal labels and short labels are refused, never guessed."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.parsing import patterns as P
from pipelines.parsing.fuzzy import bare, edit_distance, fuzzy_match
from pipelines.parsing.tables import T3_CATALOGUE, T3_KEY_INDEX, extract_tables
from pipelines.parsing.types import Block, ExtractedDocument

# every catalogue label long enough for fuzzy matching, with its catalogue
LONG = [(label, key, cat) for cat in (T3_CATALOGUE, P.T2_ROWS) for label, key in cat.items()
        if len(bare(label)) > P.FUZZY_LABEL_MIN_CHARS]
NOISE = st.sampled_from("口囗日目曰一丨人入八")


def _noisy(label: str, how: str, at: int, char: str) -> str:
    text = bare(label)
    prefix = label[: len(label) - len(text)]
    i = at % len(text)
    if how == "drop":
        return prefix + text[:i] + text[i + 1:]
    if how == "replace":
        return prefix + text[:i] + (char if char != text[i] else "口") + text[i + 1:]
    return prefix + text[:i] + char + text[i:]


def test_there_are_labels_to_test() -> None:
    assert len(LONG) >= 20 and {"deny.third_party", "other_services", "unable.not_held"} <= {k for _, k, _ in LONG}


@settings(max_examples=300, deadline=None)
@given(entry=st.sampled_from(LONG), how=st.sampled_from(["drop", "replace", "insert"]),
       at=st.integers(min_value=0, max_value=80), char=NOISE)
def test_one_wrong_missing_or_extra_character_still_matches(entry, how, at, char) -> None:
    label, key, catalogue = entry
    assert fuzzy_match(_noisy(label, how, at, char), catalogue) == key


@given(entry=st.sampled_from(LONG))
def test_an_exact_label_matches_itself(entry) -> None:
    label, key, catalogue = entry
    assert fuzzy_match(label, catalogue) == key


def test_two_near_labels_refuse_rather_than_guess() -> None:
    catalogue = {"属于行政查询事项甲": "a", "属于行政查询事项乙": "b"}
    assert fuzzy_match("属于行政查询事项丙", catalogue) is None  # one edit from both
    assert fuzzy_match("属于行政查询事项甲", catalogue) is None  # exact, but the other is one edit off
    catalogue = {"本机关不掌握相关政府信息": "a", "本机关不掌握相关政务信息": "b"}
    assert fuzzy_match("本机关不掌握相关政府信总", catalogue) is None  # 1 and 2 edits: margin too small
    catalogue = {"本机关不掌握相关政府信息": "a", "本机关不掌握相关公开信息": "b"}
    assert fuzzy_match("本机关不掌握相关政府信总", catalogue) == "a"  # 1 and 3 edits


@settings(max_examples=200, deadline=None)
@given(entry=st.sampled_from(LONG), a=st.integers(0, 80), b=st.integers(0, 80), char=NOISE)
def test_too_many_edits_for_the_length_refuse(entry, a, b, char) -> None:
    label, _key, catalogue = entry
    text = bare(label)
    if len(text) >= 20:  # long labels allow two edits: make it three
        return
    noisy = _noisy(_noisy(label, "replace", a, char), "replace", b + 1 + a % len(text), "囗")
    if edit_distance(bare(noisy), text, 5) < 2:
        return
    assert fuzzy_match(noisy, catalogue) is None


def test_short_labels_are_never_fuzzy() -> None:
    assert fuzzy_match("行政许口", P.T2_ROWS) is None  # 行政许可: 4 characters, exact only
    assert fuzzy_match("2.重复申口", T3_CATALOGUE) is None


def test_keys_bound_the_rows_that_may_match() -> None:
    assert fuzzy_match("1.属于国家秘口", T3_CATALOGUE) == "deny.state_secret"
    later = [k for k, i in T3_KEY_INDEX.items() if i > T3_KEY_INDEX["deny.state_secret"]]
    assert fuzzy_match("1.属于国家秘口", T3_CATALOGUE, keys=later) is None


def _table3(label: str, ocr: bool) -> ExtractedDocument:
    rows = (("三、收到和处理政府信息公开申请情况",), ("本列数据的勾稽关系", "自然人", "商业企业", "科研机构",
                                                   "社会公益组织", "法律服务机构", "其他", "总计"),
            ("一、本年新收政府信息公开申请数量", "5", "0", "0", "0", "0", "0", "5"),
            (label, "2", "0", "0", "0", "0", "0", "2"))
    return ExtractedDocument(blocks=(Block(kind="table", rows=rows),), source_format="pdf", ocr=ocr)


@pytest.mark.parametrize("ocr", [True, False])
def test_tables_use_it_for_ocr_documents_only(ocr: bool) -> None:
    noisy = "二、上年结转政府信息公开申请数昰"  # 数量 read as 数昰: the keyword 上年结转 still there
    assert extract_tables(_table3(noisy, ocr)).cells["t3.carried_in.total"].value == 2
    noisier = "二、上牛结转政府信息公开申请数量"  # the keyword broken: only the catalogue label matches
    cells = extract_tables(_table3(noisier, ocr)).cells
    got = cells.get("t3.carried_in.total")
    if ocr:
        assert got is not None and got.value == 2
    else:
        assert got is None or got.value is None
