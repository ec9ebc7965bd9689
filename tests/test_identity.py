"""Report identity on small hand-made inputs: relations between versions, title identity, digests,
and the canonical order (text over image, the correction over the original, then filled cells)."""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.identity import (
    Relation,
    VersionKey,
    canonical,
    canonical_order,
    conflicting_identity,
    content_text,
    filled_cells,
    is_correction,
    raw_digest,
    relation,
    report_digest,
    report_key,
    title_identity,
    version_identity,
    version_relation,
)

AGENCY = "甲区教育局"
TEXT = "".join(f"第{i}项：本机关{i + 2000}年共收到政府信息公开申请{i * 7}件，办结{i * 5}件，其中予以公开{i * 3}件。"
               for i in range(1, 31))
REPOST = TEXT.replace("办结5件", "办结6件", 1)  # one figure retyped: a near-duplicate
OTHER = "本机关全年主动公开政府信息，依申请公开办理情况见下表。" * 3 + "二〇二四年度工作要点已在门户网站发布。" * 5


@dataclass
class V:
    """A stored version as canonical_order reads it."""

    id: int
    status: str = "ok"
    correction: bool = False
    filled_cells: int | None = 0


# --- relations ----------------------------------------------------------------------------------


def test_same_text_same_identity_is_same_content() -> None:
    assert relation(report_key(AGENCY, 2024, TEXT), report_key(AGENCY, 2024, TEXT + "\n")) is Relation.SAME_CONTENT


def test_near_duplicate_is_repost_and_other_content_a_version() -> None:
    key = report_key(AGENCY, 2024, TEXT)
    assert relation(key, report_key(AGENCY, 2024, REPOST)) is Relation.REPOST
    assert relation(key, report_key(AGENCY, 2024, OTHER)) is Relation.VERSION


def test_other_year_or_other_agency_is_different_whatever_the_content() -> None:
    key = report_key(AGENCY, 2024, TEXT)
    assert relation(key, report_key(AGENCY, 2025, TEXT)) is Relation.DIFFERENT
    assert relation(key, report_key("乙区教育局", 2024, TEXT)) is Relation.DIFFERENT
    # an agency name differing only by spaces and quotes is the same agency
    assert relation(key, report_key(f" “{AGENCY}” ", 2024, TEXT)) is Relation.SAME_CONTENT


def test_unknown_agency_merges_on_equal_text_only() -> None:
    key = report_key(None, 2024, TEXT)
    assert relation(key, report_key(None, 2024, TEXT)) is Relation.SAME_CONTENT
    assert relation(key, report_key(None, 2024, REPOST)) is Relation.DIFFERENT


def test_near_duplicate_of_the_same_kind_attaches_to_the_version() -> None:
    stored = VersionKey(report_key(AGENCY, 2024, TEXT), "ok", False)
    assert version_relation(stored, VersionKey(report_key(AGENCY, 2024, REPOST), "ok", False)) is Relation.REPOST
    assert version_relation(stored, VersionKey(report_key(AGENCY, 2024, TEXT), "ok", False)) is Relation.SAME_CONTENT


def test_correction_of_a_near_duplicate_is_another_version() -> None:
    original = VersionKey(report_key(AGENCY, 2024, TEXT), "ok", False)
    corrected = VersionKey(report_key(AGENCY, 2024, REPOST), "ok", True)
    assert version_relation(original, corrected) is Relation.VERSION
    assert version_relation(corrected, original) is Relation.VERSION


def test_status_change_or_no_text_is_another_version() -> None:
    text = VersionKey(report_key(AGENCY, 2024, TEXT), "ok", False)
    assert version_relation(text, VersionKey(report_key(AGENCY, 2024, TEXT), "failed", False)) is Relation.VERSION
    scan = VersionKey(report_key(AGENCY, 2024, ""), "needs_ocr", False)
    assert version_relation(scan, VersionKey(report_key(AGENCY, 2024, ""), "needs_ocr", False)) is Relation.VERSION
    assert version_relation(text, VersionKey(report_key(AGENCY, 2025, TEXT), "ok", False)) is Relation.DIFFERENT


def test_conflicting_identity_needs_both_sides_known() -> None:
    key = report_key(AGENCY, 2024, TEXT)
    assert conflicting_identity(key, "乙区教育局", 2024)
    assert conflicting_identity(key, AGENCY, 2023)
    assert not conflicting_identity(key, AGENCY, 2024)
    assert not conflicting_identity(key, None, None)
    assert not conflicting_identity(report_key(None, None, TEXT), "乙区教育局", 2023)


# --- what a document is identified by -----------------------------------------------------------


def test_title_identity_reads_agency_and_year_of_a_report_title_only() -> None:
    assert title_identity(f"{AGENCY}2024年政府信息公开工作年度报告（更正版）") == (AGENCY, 2024)
    assert title_identity("关于做好2024年政府信息公开工作年度报告编制工作的通知") == (None, None)
    assert title_identity("  ") == (None, None) and title_identity(None) == (None, None)


def test_text_less_version_takes_its_identity_from_the_first_title_that_names_one() -> None:
    scan = {"status": "needs_ocr", "sections": []}
    titles = (None, "附件1", f"{AGENCY}2023年政府信息公开工作年度报告.pdf")
    assert version_identity(scan, "", titles) == (AGENCY, 2023)
    assert version_identity(scan, "", (None, "附件1")) == (None, None)
    # a version with text keeps its parse's identity (even unknown): titles are for scans only
    parsed = {"agency": None, "year": 2024, "sections": [{"text": TEXT}]}
    assert version_identity(parsed, content_text(parsed, None), titles) == (None, 2024)


def test_content_text_is_the_sections_else_the_page_text() -> None:
    parsed = {"sections": [{"heading": "一、总体情况", "text": "正文"}]}
    assert content_text(parsed, "页面文字") == "一、总体情况\n正文"
    assert content_text({"sections": [{"heading": "", "text": " "}]}, "页面文字") == "页面文字"
    assert content_text({}, None) == ""


def test_correction_is_named_by_any_title() -> None:
    assert is_correction(("年度报告", None, "报告（更正版）.pdf"))
    assert is_correction(("2024年年度报告（修订）",))
    assert not is_correction(("2024年政府信息公开工作年度报告", None, None))


# --- digests ------------------------------------------------------------------------------------


def test_report_digest_ignores_whitespace_not_values() -> None:
    parsed = {"agency": AGENCY, "year": 2024, "sections": [{"text": "全年 收到申请"}],
              "cells": {"t3.new.total": {"raw": "12"}}}
    reflowed = {**parsed, "sections": [{"text": "全年\n收到申请"}]}
    changed = {**parsed, "cells": {"t3.new.total": {"raw": "13"}}}
    assert report_digest(parsed) == report_digest(reflowed) != report_digest(changed)


def test_raw_digest_separates_the_same_bytes_under_two_identities() -> None:
    unknown = report_key(None, None, "")
    assert raw_digest("abc", unknown) == "raw:abc"
    a, b = raw_digest("abc", report_key(AGENCY, 2024, "")), raw_digest("abc", report_key("乙区教育局", 2024, ""))
    assert a.startswith("raw:abc:") and a != b


# --- the canonical version ----------------------------------------------------------------------


def test_filled_cells_count_everything_but_missing() -> None:
    cells = {"a": {"semantic": "VALUE"}, "b": {"semantic": "MISSING"}, "c": {"semantic": "ZERO"}}
    assert filled_cells({"cells": cells}) == 2 and filled_cells({}) == 0


def test_correction_beats_the_original() -> None:
    original, corrected = V(id=2, filled_cells=40), V(id=1, correction=True, filled_cells=30)
    assert canonical([original, corrected]) is corrected
    assert canonical([corrected, original]) is corrected


def test_text_beats_image_and_failed_parse() -> None:
    image = V(id=3, status="needs_ocr", correction=True, filled_cells=99)
    failed = V(id=2, status="failed", filled_cells=50)
    text = V(id=1, status="ok")
    assert canonical([image, failed, text]) is text
    assert canonical([image, failed]) is failed
    # an unknown status ranks as a failed parse, above an image
    assert canonical_order(V(id=1, status="odd")) > canonical_order(V(id=2, status="needs_ocr"))


def test_ties_are_broken_by_filled_cells_then_the_latest() -> None:
    summary, full = V(id=2, filled_cells=2), V(id=1, filled_cells=22)
    assert canonical([summary, full]) is full
    assert canonical([V(id=1, filled_cells=5), V(id=2, filled_cells=5)]).id == 2
    assert canonical_order(V(id=None, filled_cells=None)) == (2, 0, 0, 0)  # type: ignore[arg-type]
