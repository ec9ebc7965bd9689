"""The cleaner's boilerplate rules applied to the lines of a text document (issue 12 item 7)."""

from pipelines.cleaning.text import clean_text_lines


def test_tail_chrome_and_bylines_go_body_lines_stay() -> None:
    lines = ["某县教育局2020年政府信息公开工作年度报告", "日期:2021-01-31 来源:", "字号:", "",
             "一、总体情况", "[bookmark: _GoBack]（一）主动公开情况。", "-", "\t—", "0 |",
             "六、其他需要报告的事项", "无。", "某县教育局", "2021年1月20日", "", "撰稿:", "校对:",
             "关联稿件:", "扫一扫在手机打开当前页", "返回顶部 打印本页 关闭本页", "智能问答机器人"]
    out = clean_text_lines(lines)
    assert len(out) == len(lines)
    kept = [ln for ln in out if ln is not None]
    assert kept == ["某县教育局2020年政府信息公开工作年度报告", "", "一、总体情况", "（一）主动公开情况。", "-", "\t—",
                    "0 |", "六、其他需要报告的事项", "无。", "某县教育局", "2021年1月20日", ""]


def test_a_marker_followed_by_body_is_not_a_tail() -> None:
    lines = ["一、总体情况", "撰稿：", "本机关全年主动公开政府信息120条。"]
    assert clean_text_lines(lines) == lines


def test_only_chrome_keeps_everything() -> None:
    lines = ["返回顶部", "打印本页"]
    assert clean_text_lines(lines) == lines
