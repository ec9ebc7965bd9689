"""Fixture generator: render a report with known cells into a document layout.

``render_report(spec, layout)`` returns ``(bytes, content_type)``. Layouts: ``html`` (one table
per statistical table, rowspan/colspan like the printed form), ``text_a`` (cell + pipe per line),
``text_b`` (tab-separated rows), ``text_c`` (tab-indented cell per line, blank line between rows),
``text_d`` (cell per line, blank line between cells). ``random_spec(rng)`` draws a spec.
Used by golden/property tests and by the simulated portal farm.
"""

from __future__ import annotations

import html as _html
import random
from dataclasses import dataclass, field

from pipelines.parsing import patterns as P

LAYOUTS = ("html", "text_a", "text_b", "text_c", "text_d", "docx", "xlsx", "pdf")
CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
EXTENSIONS = {"html": "html", "docx": "docx", "xlsx": "xlsx", "pdf": "pdf"}  # text layouts: txt

T2_LABELS_2021 = [("第二十条第（一）项", ["本年制发件数", "本年废止件数", "现行有效件数"],
                   [("规章", "a1.regulations", ["issued", "repealed", "in_force"]),
                    ("行政规范性文件", "a1.normative_docs", ["issued", "repealed", "in_force"])]),
                  ("第二十条第（五）项", ["本年处理决定数量"], [("行政许可", "a5.admin_license", ["decisions"])]),
                  ("第二十条第（六）项", ["本年处理决定数量"], [("行政处罚", "a6.admin_penalty", ["decisions"]),
                                                     ("行政强制", "a6.admin_coercion", ["decisions"])]),
                  ("第二十条第（八）项", ["本年收费金额（单位：万元）"], [("行政事业性收费", "a8.admin_fee", ["amount"])])]
T2_LABELS_2019 = [("第二十条第（一）项", ["本年新制作数量", "本年新公开数量", "对外公开总数量"],
                   [("规章", "a1.regulations", ["newly_made", "newly_published", "total_published"]),
                    ("规范性文件", "a1.normative_docs", ["newly_made", "newly_published", "total_published"])]),
                  ("第二十条第（五）项", ["上一年项目数量", "本年增/减", "处理决定数量"],
                   [("行政许可", "a5.admin_license", ["prev_items", "change", "decisions"]),
                    ("其他对外管理服务事项", "a5.other_services", ["prev_items", "change", "decisions"])]),
                  ("第二十条第（六）项", ["上一年项目数量", "本年增/减", "处理决定数量"],
                   [("行政处罚", "a6.admin_penalty", ["prev_items", "change", "decisions"]),
                    ("行政强制", "a6.admin_coercion", ["prev_items", "change", "decisions"])]),
                  ("第二十条第（八）项", ["上一年项目数量", "本年增/减"],
                   [("行政事业性收费", "a8.admin_fee", ["prev_items", "change"])]),
                  ("第二十条第（九）项", ["采购项目数量", "采购总金额（单位：万元）"],
                   [("政府集中采购", "a9.gov_procurement", ["items", "amount"])])]
T3_LABELS = {
    "new": "一、本年新收政府信息公开申请数量", "carried_in": "二、上年结转政府信息公开申请数量",
    "granted": "（一）予以公开", "partial": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "deny.state_secret": "1.属于国家秘密", "deny.other_law": "2.其他法律行政法规禁止公开",
    "deny.security_stability": "3.危及“三安全一稳定”", "deny.third_party": "4.保护第三方合法权益",
    "deny.internal_affairs": "5.属于三类内部事务信息", "deny.process_info": "6.属于四类过程性信息",
    "deny.enforcement_file": "7.属于行政执法案卷", "deny.admin_query": "8.属于行政查询事项",
    "unable.not_held": "1.本机关不掌握相关政府信息", "unable.need_creation": "2.没有现成信息需要另行制作",
    "unable.unclear": "3.补正后申请内容仍不明确", "noproc.petition": "1.信访举报投诉类申请",
    "noproc.repeat": "2.重复申请", "noproc.publication": "3.要求提供公开出版物",
    "noproc.mass_repeat": "4.无正当理由大量反复申请", "noproc.confirm": "5.要求行政机关确认或重新出具已获取信息",
    "other.no_correction": "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "other.fee_unpaid": "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "other.other": "3.其他", "other.single": "（六）其他处理", "results_total": "（七）总计",
    "carried_out": "四、结转下年度继续办理",
}
GROUPS = {"deny": "（三）不予公开", "unable": "（四）无法提供", "noproc": "（五）不予处理", "other": "（六）其他处理"}
T3_COL_LABELS = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
T4_HEAD = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]


@dataclass
class ReportSpec:
    agency: str
    year: int
    fmt: str  # "2021" | "2019"
    cells: dict[str, str] = field(default_factory=dict)  # canonical key -> printed raw ("" = blank)
    other_single: bool = False  # (六) printed as one row (always in 2019)
    published: str | None = None  # "YYYY年M月D日"


def t3_rows(spec: ReportSpec) -> list[str]:
    rows = list(P.T3_ROWS_2021)
    if spec.fmt == "2019" or spec.other_single:
        rows = [r for r in rows if not r.startswith("other.")]
        rows.insert(rows.index("results_total"), "other.single")
    return rows


def random_spec(rng: random.Random, *, fmt: str | None = None, blanks: bool = True,
                inconsistent: bool = False) -> ReportSpec:
    """A random report whose table 3/4 arithmetic holds (§6.1–6.2); some zero cells printed blank
    when ``blanks``; ``inconsistent`` prints a wrong （七）总计 for 自然人 (a source error)."""
    fmt = fmt or rng.choice(["2021", "2019"])
    agency = rng.choice(["白碱滩区教育局", "淮安市人民政府", "巨鹿县教育局", "平潭综合实验区管委会"])
    year = rng.randint(2021, 2024) if fmt == "2021" else rng.randint(2019, 2020)
    spec = ReportSpec(agency=agency, year=year, fmt=fmt, other_single=(fmt == "2021" and rng.random() < 0.3))

    def num(hi: int) -> str:
        return str(rng.choice([0, 0, rng.randint(0, hi)]))

    for _, _, rows in (T2_LABELS_2021 if fmt == "2021" else T2_LABELS_2019):
        for _, prefix, cols in rows:
            for col in cols:
                if col == "amount":
                    raw = f"{rng.randint(0, 99999)}.{rng.randint(0, 9999):04d}".rstrip("0").rstrip(".")
                elif col == "change":
                    raw = rng.choice(["0", f"+{rng.randint(1, 9)}", f"-{rng.randint(1, 9)}"])
                else:
                    raw = num(500)
                spec.cells[f"t2.{prefix}.{col}"] = raw
    rows = t3_rows(spec)
    outcome = [r for r in rows if r not in ("new", "carried_in", "results_total", "carried_out")]
    table: dict[str, list[int]] = {r: [int(num(40)) for _ in range(6)] for r in outcome}
    table["results_total"] = [sum(table[r][i] for r in outcome) for i in range(6)]
    table["carried_out"] = [int(num(20)) for _ in range(6)]
    table["carried_in"] = [rng.randint(0, t + o) if rng.random() < 0.5 else 0
                           for t, o in zip(table["results_total"], table["carried_out"])]
    table["new"] = [t + o - c for t, o, c in zip(table["results_total"], table["carried_out"], table["carried_in"])]
    if inconsistent:  # a source arithmetic error: the printed total is off by one
        table["results_total"][0] += 1
    for row in rows:
        vals = table[row]
        for i, col in enumerate(P.T3_COLUMNS[:-1]):
            spec.cells[f"t3.{row}.{col}"] = "" if (blanks and vals[i] == 0 and rng.random() < 0.2) else str(vals[i])
        spec.cells[f"t3.{row}.total"] = str(sum(vals))
    for block in P.T4_BLOCKS:
        vals = [int(num(9)) for _ in range(4)]
        for o, v in zip(P.T4_OUTCOMES, vals + [sum(vals)]):
            spec.cells[f"t4.{block}.{o}"] = str(v)
    return spec


# ----------------------------------------------------------------------------- grid model

def _grids(spec: ReportSpec) -> list[tuple[str, list[list[tuple[str, int, int]]]]]:
    """(section heading, rows of (text, rowspan, colspan)) per table."""
    c = spec.cells
    t2: list[list[tuple[str, int, int]]] = []
    for head, cols, rows in (T2_LABELS_2021 if spec.fmt == "2021" else T2_LABELS_2019):
        t2.append([(head, 1, 4)])
        t2.append([("信息内容", 1, 1)] + [(h, 1, 1 if len(cols) == 3 else (3 if i == len(cols) - 1 else 1))
                                       for i, h in enumerate(cols)])
        for label, prefix, keys in rows:
            t2.append([(label, 1, 1)] + [(c[f"t2.{prefix}.{k}"], 1, 1 if len(cols) == 3 else
                                          (3 if i == len(keys) - 1 else 1)) for i, k in enumerate(keys)])
    rows = t3_rows(spec)
    t3 = [[("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 3, 3), ("申请人情况", 1, 7)],
          [("自然人", 2, 1), ("法人或其他组织", 1, 5), ("总计", 2, 1)],
          [(h, 1, 1) for h in T3_COL_LABELS[1:6]]]
    outcome = [r for r in rows if r not in ("new", "carried_in", "carried_out")]
    group_seen: set[str] = set()
    for row in rows:
        vals = [(c[f"t3.{row}.{col}"], 1, 1) for col in P.T3_COLUMNS]
        group = row.split(".")[0] if "." in row and row != "other.single" else None
        if row in ("new", "carried_in", "carried_out"):
            t3.append([(T3_LABELS[row], 1, 3)] + vals)
            continue
        cells: list[tuple[str, int, int]] = []
        if row == outcome[0]:
            cells.append(("三、本年度办理结果", len(outcome), 1))
        if group:
            if group not in group_seen:
                group_seen.add(group)
                cells.append((GROUPS[group], sum(1 for r in rows if r.startswith(group + ".")), 1))
            cells.append((T3_LABELS[row], 1, 1))
        else:
            cells.append((T3_LABELS[row], 1, 2))
        t3.append(cells + vals)
    t4 = [[("行政复议", 1, 5), ("行政诉讼", 1, 10)],
          [(h, 2, 1) for h in T4_HEAD] + [("未经复议直接起诉", 1, 5), ("复议后起诉", 1, 5)],
          [(h, 1, 1) for h in T4_HEAD * 2],
          [(c[f"t4.{b}.{o}"], 1, 1) for b in P.T4_BLOCKS for o in P.T4_OUTCOMES]]
    return [("二、主动公开政府信息情况", t2), ("三、收到和处理政府信息公开申请情况", t3),
            ("四、政府信息公开行政复议、行政诉讼情况", t4)]


def _flat_rows(grid: list[list[tuple[str, int, int]]]) -> list[list[str]]:
    return [[text for text, _, _ in row] for row in grid]


def _narrative(spec: ReportSpec) -> tuple[list[str], list[str]]:
    head = [f"{spec.agency}{spec.year}年政府信息公开工作年度报告",
            f"本报告所列数据的统计期限自{spec.year}年1月1日起至{spec.year}年12月31日止。",
            "一、总体情况", f"{spec.year}年，本机关认真贯彻落实《中华人民共和国政府信息公开条例》。"]
    tail = ["五、存在的主要问题及改进情况", "政府信息公开工作仍存在不足，下一步将持续改进。",
            "六、其他需要报告的事项", "本年度无收取信息处理费的情况。", spec.agency,
            spec.published or f"{spec.year + 1}年1月20日"]
    return head, tail


def _place(grid: list[list[tuple[str, int, int]]]) -> tuple[int, int, list[tuple[int, int, int, int, str]]]:
    """HTML table algorithm: (rows, cols, [(row, col, rowspan, colspan, text)])."""
    taken: set[tuple[int, int]] = set()
    out = []
    for r, row in enumerate(grid):
        c = 0
        for text, rs, cs in row:
            while (r, c) in taken:
                c += 1
            out.append((r, c, rs, cs, text))
            for dr in range(rs):
                for dc in range(cs):
                    taken.add((r + dr, c + dc))
            c += cs
    n_rows = max(r for r, _ in taken) + 1
    n_cols = max(c for _, c in taken) + 1
    return n_rows, n_cols, out


def _render_docx(head, grids, tail) -> bytes:
    import io

    from docx import Document

    doc = Document()
    for line in head:
        doc.add_paragraph(line)
    for heading, grid in grids:
        doc.add_paragraph(heading)
        n_rows, n_cols, placed = _place(grid)
        table = doc.add_table(rows=n_rows, cols=n_cols)
        table.style = "Table Grid"
        for r, c, rs, cs, text in placed:
            cell = table.cell(r, c)
            if rs > 1 or cs > 1:
                cell = cell.merge(table.cell(r + rs - 1, c + cs - 1))
            cell.text = text
    for line in tail:
        doc.add_paragraph(line)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _xlsx_value(text: str):
    return int(text) if text.isdigit() and (text == "0" or text[0] != "0") and len(text) < 12 else text


def _render_xlsx(head, grids, tail) -> bytes:
    import io

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "年度报告"
    row0 = 1
    for line in head:
        ws.cell(row=row0, column=1, value=line)
        row0 += 1
    for heading, grid in grids:
        ws.cell(row=row0, column=1, value=heading)
        row0 += 1
        n_rows, _, placed = _place(grid)
        for r, c, rs, cs, text in placed:
            if text != "":
                ws.cell(row=row0 + r, column=c + 1, value=_xlsx_value(text))
            if rs > 1 or cs > 1:
                ws.merge_cells(start_row=row0 + r, start_column=c + 1, end_row=row0 + r + rs - 1,
                               end_column=c + cs)
        row0 += n_rows
    for line in tail:
        ws.cell(row=row0, column=1, value=line)
        row0 += 1
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _render_pdf(head, grids, tail) -> bytes:
    import io

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    body = ParagraphStyle("body", fontName="STSong-Light", fontSize=10, leading=14)
    cell_style = ParagraphStyle("cell", fontName="STSong-Light", fontSize=6, leading=7.5)
    story = [Paragraph(_html.escape(t), body) for t in head]
    width = A4[0] - 60
    for heading, grid in grids:
        story.append(Paragraph(_html.escape(heading), body))
        n_rows, n_cols, placed = _place(grid)
        data = [["" for _ in range(n_cols)] for _ in range(n_rows)]
        style = [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("FONTNAME", (0, 0), (-1, -1), "STSong-Light"),
                 ("FONTSIZE", (0, 0), (-1, -1), 6), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
        for r, c, rs, cs, text in placed:
            data[r][c] = Paragraph(_html.escape(text), cell_style) if len(text) > 6 else text
            if rs > 1 or cs > 1:
                style.append(("SPAN", (c, r), (c + cs - 1, r + rs - 1)))
        if n_cols == 10:  # table 3: three label columns, seven values
            widths = [40, 70, 110] + [(width - 220) / 7] * 7
        else:
            widths = [width / n_cols] * n_cols
        table = Table(data, colWidths=widths, repeatRows=0)
        table.setStyle(TableStyle(style))
        story += [table, Spacer(1, 8)]
    story += [Paragraph(_html.escape(t), body) for t in tail]
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, leftMargin=30, rightMargin=30, topMargin=40, bottomMargin=40).build(story)
    return buf.getvalue()


def render_report(spec: ReportSpec, layout: str) -> tuple[bytes, str]:
    """Render ``spec`` in ``layout``; returns (bytes, content type)."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; expected one of {LAYOUTS}")
    head, tail = _narrative(spec)
    grids = _grids(spec)
    if layout == "docx":
        return _render_docx(head, grids, tail), CONTENT_TYPES["docx"]
    if layout == "xlsx":
        return _render_xlsx(head, grids, tail), CONTENT_TYPES["xlsx"]
    if layout == "pdf":
        return _render_pdf(head, grids, tail), CONTENT_TYPES["pdf"]
    if layout == "html":
        parts = ["<html><head><meta charset='utf-8'><title>", _html.escape(head[0]), "</title></head><body>"]
        parts += [f"<p>{_html.escape(t)}</p>" for t in head]
        for heading, grid in grids:
            parts.append(f"<p>{_html.escape(heading)}</p><table border='1'>")
            for row in grid:
                parts.append("<tr>" + "".join(
                    f"<td{f' rowspan={rs}' if rs > 1 else ''}{f' colspan={cs}' if cs > 1 else ''}>"
                    f"{_html.escape(t) if t else '&nbsp;'}</td>" for t, rs, cs in row) + "</tr>")
            parts.append("</table>")
        parts += [f"<p>{_html.escape(t)}</p>" for t in tail]
        parts.append("</body></html>")
        return "".join(parts).encode("utf-8"), "text/html; charset=utf-8"
    lines = list(head)
    for heading, grid in grids:
        lines.append(heading)
        for row in _flat_rows(grid):
            if layout == "text_a":
                lines += [f"{t} |" for t in row]
            elif layout == "text_b":
                lines.append("\t".join(row))
            elif layout == "text_c":
                lines += [f"\t{t}" for t in row] + [""]
            else:  # text_d: cell per line; blank cells cannot be represented
                for t in row:
                    lines += [t, ""]
    lines += tail
    return ("\n".join(lines) + "\n").encode("utf-8"), "text/plain; charset=utf-8"
