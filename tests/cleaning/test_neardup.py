"""Near-duplicates and report identity: reposts attach, the two traps never merge."""

from pipelines.cleaning import clean_page, fingerprint, is_near_duplicate, sha256_bytes, similarity
from pipelines.identity import Relation, relation, report_key, same_report
from portalsim.pages import render, report_lines, seed_page


def _text(n: int) -> str:
    return "\n".join(report_lines(n))


def _next_year(text: str) -> str:
    """The same agency's next report: years shifted and ~10% of the text rewritten."""
    t = text.replace("2024", "2025")
    cut = len(t) // 10
    mid = len(t) // 2
    return t[:mid] + "本年度我局进一步加强政务公开工作" * (cut // 16) + t[mid + cut:]


def test_repost_on_two_portals_is_same_report():
    a = clean_page(render(seed_page(0, family="trs")), url="http://a.gov.cn/x.html")
    b = clean_page(render(seed_page(0, family="hanweb").with_chrome(visits=3)), url="http://b.gov.cn/y.html")
    ka, kb = report_key("白碱滩区教育局", 2024, a.content_text), report_key("白碱滩区教育局", 2024, b.content_text)
    assert relation(ka, kb) is Relation.SAME_CONTENT and same_report(ka, kb)


def test_repost_with_small_edits_is_repost():
    t = _text(0)
    edited = t.replace("认真", "切实", 1).replace("57条", "57 条") + "\n扫一扫在手机打开当前页"
    ka, kb = report_key("白碱滩区教育局", 2024, t), report_key(" 白碱滩区教育局", 2024, edited)
    assert is_near_duplicate(ka.fingerprint, kb.fingerprint)
    assert relation(ka, kb) is Relation.REPOST


def test_trap_two_agencies_all_zero_tables_not_merged():
    # seeds 000 and 002 both print all-zero tables 3/4; different agencies, different prose
    ka, kb = report_key("白碱滩区教育局", 2024, _text(0)), report_key("华龙区教育局", 2024, _text(2))
    assert not same_report(ka, kb)
    assert similarity(ka.fingerprint, kb.fingerprint) < 0.8
    # even with the agency unknown on one side, content alone does not merge them
    assert not same_report(ka, report_key(None, 2024, _text(2)))


def test_trap_identical_zero_tables_different_agencies_not_merged():
    table = "\n".join(["| 规章 | 0 | 0 | 0 |", "| 行政规范性文件 | 0 | 0 | 0 |"] * 20)
    ka, kb = report_key("甲区统计局", 2023, table), report_key("乙区统计局", 2023, table)
    assert ka.digest == kb.digest and relation(ka, kb) is Relation.DIFFERENT


def test_trap_consecutive_years_90_percent_identical_not_merged():
    t = _text(0)
    nxt = _next_year(t)
    ka, kb = report_key("白碱滩区教育局", 2024, t), report_key("白碱滩区教育局", 2025, nxt)
    assert similarity(ka.fingerprint, kb.fingerprint) > 0.85  # content alone would be fooled
    assert not same_report(ka, kb)
    # without the year on one side the strict content rule still refuses
    assert not same_report(ka, report_key("白碱滩区教育局", None, nxt))


def test_other_content_same_agency_year_is_a_version():
    t = _text(0)
    other = _text(3)
    corrected = t[: len(t) // 2] + other[: len(t) // 2]  # half of the text replaced
    ka, kb = report_key("白碱滩区教育局", 2024, t), report_key("白碱滩区教育局", 2024, corrected)
    assert relation(ka, kb) is Relation.VERSION and same_report(ka, kb)


def test_different_seeds_far_apart_and_empty_text_safe():
    fps = [fingerprint(_text(n)) for n in range(5)]
    for i in range(5):
        for j in range(i + 1, 5):
            assert not is_near_duplicate(fps[i], fps[j])
    empty = fingerprint("")
    assert similarity(empty, fps[0]) == 0.0 and not is_near_duplicate(empty, empty)
    assert relation(report_key(None, None, ""), report_key(None, None, "")) is Relation.DIFFERENT


def test_sha256_bytes_exact_dedupe():
    assert sha256_bytes(b"%PDF-1.4 x") == sha256_bytes(bytearray(b"%PDF-1.4 x")) != sha256_bytes(b"%PDF-1.4 y")


def test_unknown_agency_template_twins_not_merged():
    t = _text(0)
    twin = t.replace("白碱滩区教育局", "克拉玛依区教育局")  # another agency filling the same template
    assert similarity(fingerprint(t), fingerprint(twin)) > 0.9
    assert relation(report_key(None, 2024, t), report_key(None, 2024, twin)) is Relation.DIFFERENT
    assert relation(report_key(None, 2024, t), report_key(None, 2024, t + "\n")) is Relation.SAME_CONTENT


def test_unknown_year_same_agency_repost_attaches():
    t = _text(0)
    edited = t.replace("认真", "切实", 1)
    assert relation(report_key("白碱滩区教育局", None, t), report_key("白碱滩区教育局", 2024, edited)) is Relation.REPOST


def test_fingerprint_roundtrips_through_signed_bigint():
    from pipelines.cleaning import Fingerprint

    fps = [fingerprint(_text(n)) for n in range(5)]
    for fp in fps:
        assert -(1 << 63) <= fp.as_signed() < (1 << 63)
        assert Fingerprint.from_signed(fp.as_signed(), fp.shingles) == fp
