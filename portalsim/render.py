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

from pipelines.parsing import schema

LAYOUTS = ("html", "text_a", "text_b", "text_c", "text_d", "docx", "xlsx", "pdf")
CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
EXTENSIONS = {"html": "html", "docx": "docx", "xlsx": "xlsx", "pdf": "pdf"}  # text layouts: txt

# The layout comes from the cell catalogue (pipelines/parsing/schema.py).

def _t2_labels(fmt: str) -> list[tuple[str, list[str], list[tuple[str, str, list[str]]]]]:
    """Table 2 of ``fmt``: (sub-table heading, column labels, [(row label, "part.row", column keys)])."""
    return [(part.label, [c.label for c in part.columns],
             [(row.label, f"{part.key}.{row.key}", [c.key for c in part.columns]) for row in part.rows])
            for part in schema.T2.parts_for(fmt)]


T2_LABELS_2021 = _t2_labels("2021")
T2_LABELS_2019 = _t2_labels("2019")
_T2_VALUE_TYPES = {c.key: c.column.value_type for c in schema.cells() if c.table is schema.T2}
T3_LABELS = {row.key: row.label for row in schema.T3.parts[0].rows}
GROUPS = {g.key: g.label for g in schema.T3.groups if g.key != "results"}
_T3_RESULTS = schema.T3.group("results").label
T3_COL_LABELS = [c.label for c in schema.t3_columns()]
T4_HEAD = [c.label for c in schema.t4_outcomes()]
T3_COLUMNS = tuple(c.key for c in schema.t3_columns())
T4_BLOCKS = tuple(b.key for b in schema.t4_blocks())
T4_OUTCOMES = tuple(o.key for o in schema.t4_outcomes())


@dataclass
class ReportSpec:
    agency: str
    year: int
    fmt: str  # "2021" | "2019"
    cells: dict[str, str] = field(default_factory=dict)  # canonical key -> printed raw ("" = blank)
    other_single: bool = False  # (六) printed as one row (always in 2019)
    published: str | None = None  # "YYYY年M月D日"


def t3_rows(spec: ReportSpec) -> list[str]:
    single = spec.fmt == "2019" or spec.other_single
    return [r.key for r in schema.t3_rows(single=single) if spec.fmt in r.formats]


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
                kind = _T2_VALUE_TYPES[f"t2.{prefix}.{col}"]
                if kind == schema.AMOUNT:
                    raw = f"{rng.randint(0, 99999)}.{rng.randint(0, 9999):04d}".rstrip("0").rstrip(".")
                elif kind == schema.SIGNED_COUNT:
                    raw = rng.choice(["0", f"+{rng.randint(1, 9)}", f"-{rng.randint(1, 9)}"])
                else:
                    raw = num(500)
                spec.cells[f"t2.{prefix}.{col}"] = raw
    rows = t3_rows(spec)
    outcome = [r for r in rows if r not in ("new", "carried_in", "results_total", "carried_out")]
    table: dict[str, list[int]] = {r: [int(num(40)) for _ in range(len(T3_COLUMNS) - 1)] for r in outcome}
    table["results_total"] = [sum(table[r][i] for r in outcome) for i in range(len(T3_COLUMNS) - 1)]
    table["carried_out"] = [int(num(20)) for _ in range(len(T3_COLUMNS) - 1)]
    table["carried_in"] = [rng.randint(0, t + o) if rng.random() < 0.5 else 0
                           for t, o in zip(table["results_total"], table["carried_out"])]
    table["new"] = [t + o - c for t, o, c in zip(table["results_total"], table["carried_out"], table["carried_in"])]
    if inconsistent:  # a source arithmetic error: the printed total is off by one
        table["results_total"][0] += 1
    for row in rows:
        vals = table[row]
        for i, col in enumerate(T3_COLUMNS[:-1]):
            spec.cells[f"t3.{row}.{col}"] = "" if (blanks and vals[i] == 0 and rng.random() < 0.2) else str(vals[i])
        spec.cells[f"t3.{row}.{T3_COLUMNS[-1]}"] = str(sum(vals))
    for block in T4_BLOCKS:
        vals = [int(num(9)) for _ in range(len(T4_OUTCOMES) - 1)]
        for o, v in zip(T4_OUTCOMES, vals + [sum(vals)]):
            spec.cells[f"t4.{block}.{o}"] = str(v)
    return spec


# ----------------------------------------------------------------------------- grid model

def _spanning(items: list[tuple[str | None, str]]) -> list[tuple[str | None, int]]:
    """Consecutive runs of the same parent label: [(parent or None, run length)]."""
    runs: list[tuple[str | None, int]] = []
    for parent, _ in items:
        if parent is not None and runs and runs[-1][0] == parent:
            runs[-1] = (parent, runs[-1][1] + 1)
        else:
            runs.append((parent, 1))
    return runs


def _grids(spec: ReportSpec) -> list[tuple[str, list[list[tuple[str, int, int]]]]]:
    """(section heading, rows of (text, rowspan, colspan)) per table, laid out from the catalogue."""
    c = spec.cells
    t2: list[list[tuple[str, int, int]]] = []
    for head, cols, rows in (T2_LABELS_2021 if spec.fmt == "2021" else T2_LABELS_2019):
        t2.append([(head, 1, 4)])
        t2.append([(schema.T2.label_header, 1, 1)] + [(h, 1, 1 if len(cols) == 3 else (3 if i == len(cols) - 1 else 1))
                                                      for i, h in enumerate(cols)])
        for label, prefix, keys in rows:
            t2.append([(label, 1, 1)] + [(c[f"t2.{prefix}.{k}"], 1, 1 if len(cols) == 3 else
                                          (3 if i == len(keys) - 1 else 1)) for i, k in enumerate(keys)])
    rows = [schema.t3_row(r) for r in t3_rows(spec)]
    columns = schema.t3_columns()
    t3 = [[(schema.T3.corner, 3, 3), (schema.T3.column_header, 1, len(columns))], [], []]
    col_runs = iter(columns)
    for parent, n in _spanning([(col.parent, col.label) for col in columns]):
        run = [next(col_runs) for _ in range(n)]
        if parent is None:
            t3[1] += [(col.label, 2, 1) for col in run]
        else:
            t3[1].append((parent, 1, n))
            t3[2] += [(col.label, 1, 1) for col in run]
    in_results = [r for r in rows if "results" in r.groups]
    group_seen: set[str] = set()
    for row in rows:
        vals = [(c[f"t3.{row.key}.{col.key}"], 1, 1) for col in columns]
        if "results" not in row.groups:
            t3.append([(row.label, 1, 3)] + vals)
            continue
        group = row.groups[-1] if row.groups[-1] != "results" else None
        cells: list[tuple[str, int, int]] = []
        if row is in_results[0]:
            cells.append((_T3_RESULTS, len(in_results), 1))
        if group:
            if group not in group_seen:
                group_seen.add(group)
                cells.append((GROUPS[group], sum(1 for r in rows if group in r.groups), 1))
            cells.append((row.label, 1, 1))
        else:
            cells.append((row.label, 1, 2))
        t3.append(cells + vals)
    blocks, outcomes = schema.t4_blocks(), schema.t4_outcomes()
    width = len(outcomes)
    t4: list[list[tuple[str, int, int]]] = [[], [], [], []]
    block_runs = iter(blocks)
    for group, n in _spanning([(b.groups[-1] if b.groups else None, b.label) for b in blocks]):
        run = [next(block_runs) for _ in range(n)]
        if group is None:
            t4[0] += [(b.label, 1, width) for b in run]
            t4[1] += [(h, 2, 1) for b in run for h in T4_HEAD]
        else:
            t4[0].append((schema.T4.group(group).label, 1, width * n))
            t4[1] += [(b.label, 1, width) for b in run]
            t4[2] += [(h, 1, 1) for b in run for h in T4_HEAD]
    t4[3] = [(c[f"t4.{b.key}.{o.key}"], 1, 1) for b in blocks for o in outcomes]
    return [(schema.T2.label, t2), (schema.T3.label, t3), (schema.T4.label, t4)]


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


# ----------------------------------------------------------------------------- issue 12 layouts
# Heading variants, page chrome in text documents, titles naming the agency in another form,
# and pre-2019 reports (2008 条例: free-form numbered parts, no statistical tables). Separate
# functions over render_report's output; render_report itself is unchanged.

# The headings render_report prints, and printed variants of each (real reports, same family).
HEADING_VARIANTS: dict[str, tuple[str, ...]] = {
    "s1": ("一、总体情况", "一、概述", "一、基本情况"),
    "s2": (schema.T2.label, "二、主动公开政府信息的情况"),
    "s3": (schema.T3.label, "三、收到和处理政府信息公开申请的情况"),
    "s4": (schema.T4.label, "四、因政府信息公开工作被申请行政复议、提起行政诉讼情况"),
    "s5": ("五、存在的主要问题及改进情况", "五、存在的主要问题及改进措施", "五、存在的问题及改进措施",
           "五、政府信息公开工作存在的主要问题及明年工作计划", "五、存在的主要问题、改进措施及明年工作计划"),
    "s6": ("六、其他需要报告的事项", "六、需要说明的其他事项与附表", "六、其他需报告的事项", "六、其他需要说明的事项"),
}
# Page chrome a text copy of a portal page keeps (seed texts 000/003/004, report-format §9.5).
CHROME_HEAD = ("字号：大 中 小", "日期:{published} 来源:", "【打印本页】 【关闭窗口】")
CHROME_TAIL = ("来源:", "撰稿:", "校对:", "一审:", "二审:", "三审:", "关联稿件:", "相关链接:", "-",
               "扫一扫在手机打开当前页", "返回顶部 打印本页 关闭本页", "智能问答机器人")
WORD_RESIDUE = "[bookmark: _GoBack]"
# (full name, the short form a title prints): the sign-off carries the full name.
SHORT_FORMS = (("巨鹿县财政金融局", "财金局"), ("白碱滩区公安局", "公安局"),
               ("淮安市自然资源和规划局", "自然资源和规划局"))


def random_headings(rng: random.Random) -> dict[str, str]:
    return {key: rng.choice(variants) for key, variants in HEADING_VARIANTS.items()}


def render_text_variant(spec: ReportSpec, layout: str = "text_b", *, headings: dict[str, str] | None = None,
                        chrome: bool = False, title: str = "plain", title_agency: str | None = None) -> bytes:
    """A text layout of ``spec`` with ``headings`` (key → printed heading) instead of the
    canonical ones; ``chrome`` adds page chrome before the title's body, a Word bookmark in front
    of the first body line and a portal tail after the sign-off; ``title``: "plain" (agency and
    year on one line), "markdown" ("# agency" on its own line, then the year and report name) or
    "about" ("…关于2020年…"); ``title_agency`` prints another form of the name in the title
    (the sign-off keeps ``spec.agency``)."""
    if not layout.startswith("text_"):
        raise ValueError(f"render_text_variant renders text layouts only, not {layout!r}")
    lines = render_report(spec, layout)[0].decode("utf-8").split("\n")
    for key, printed in (headings or {}).items():
        canonical = HEADING_VARIANTS[key][0]
        at = lines.index(canonical)
        lines[at] = printed
    name = title_agency or spec.agency
    report_name = f"{spec.year}年政府信息公开工作年度报告"
    head = {"plain": [name + report_name], "markdown": [f"# {name}", report_name],
            "about": [f"{name}关于{report_name}"]}[title]
    lines[0:1] = head
    if chrome:
        published = f"{spec.year + 1}-01-20"
        at = len(head)
        lines[at:at] = [c.format(published=published) for c in CHROME_HEAD]
        first_body = next(i for i, ln in enumerate(lines) if ln in HEADING_VARIANTS["s1"]
                          or ln == (headings or {}).get("s1")) + 1
        lines[first_body] = WORD_RESIDUE + lines[first_body]
        while lines and lines[-1] == "":
            lines.pop()
        lines += list(CHROME_TAIL)
    return ("\n".join(lines) + "\n").encode("utf-8")


PRE2019_PARTS: tuple[tuple[str, ...], ...] = (
    ("概述", "总体情况", "基本情况"),
    ("主动公开政府信息情况", "主动公开政府信息的情况"),
    ("依申请公开政府信息情况", "政府信息公开申请的办理情况"),
    ("政府信息公开的收费及减免情况",),
    ("因政府信息公开申请行政复议、提起行政诉讼的情况",),
    ("政府信息公开工作存在的主要问题及改进措施", "存在的问题及改进措施", "存在的不足及明年工作计划"),
    ("其他需要报告的事项", "其他需报告的事项"),
)


@dataclass
class Pre2019Spec:
    agency: str
    year: int  # 2008..2018
    parts: list[tuple[str, list[str]]]  # (heading without its numeral, body paragraphs)
    published: str  # "YYYY年M月D日"


def random_pre2019_spec(rng: random.Random) -> Pre2019Spec:
    agency = rng.choice(["清水县人民政府", "巨鹿县教育局", "淮安市人民政府办公室", "平潭综合实验区管委会"])
    year = rng.randint(2009, 2018)
    n = rng.randint(4, len(PRE2019_PARTS))
    keep = sorted(rng.sample(range(1, len(PRE2019_PARTS) - 1), n - 2))
    chosen = [0, *keep, len(PRE2019_PARTS) - 1]
    parts = []
    for k in chosen:
        body = [f"（一）{year}年，本机关依照《中华人民共和国政府信息公开条例》公开政府信息{rng.randint(0, 9999)}条。",
                f"（二）全年受理申请{rng.randint(0, 99)}件，均已按期答复。"]
        parts.append((rng.choice(PRE2019_PARTS[k]), body[: rng.randint(1, 2)]))
    return Pre2019Spec(agency=agency, year=year, parts=parts, published=f"{year + 1}年3月{rng.randint(1, 28)}日")


BREADCRUMB = "当前位置：首页 > 政务公开 > 政府信息公开 > 政府信息公开年报 > 正文"


def render_pre2019(spec: Pre2019Spec, *, one_line: bool = False, breadcrumb: bool = False) -> bytes:
    """A pre-2019 report as text: title, preamble, the numbered parts 一、二、…, sign-off. With
    ``one_line`` the whole page is one line (a web archiver's flattening, like corpus e009);
    ``breadcrumb`` puts the portal's breadcrumb in front of the title."""
    lines = ([BREADCRUMB] if breadcrumb else []) + [f"{spec.agency}{spec.year}年政府信息公开工作年度报告",
             f"本报告根据《中华人民共和国政府信息公开条例》要求编制，所列数据统计期限自{spec.year}年1月1日起至"
             f"{spec.year}年12月31日止。"]
    for i, (heading, body) in enumerate(spec.parts):
        lines.append(f"{'一二三四五六七八九十'[i]}、{heading}")
        lines += body
    lines += [spec.agency, spec.published]
    if one_line:
        return (" ".join(lines) + "\n").encode("utf-8")
    return ("\n".join(lines) + "\n").encode("utf-8")


# ----------------------------------------------------------------------------- parser issue 12 layouts
# Layouts of flattened reports seen in the wild that the text layouts above do not cover. Kept as
# separate functions so other layouts can be added beside them without touching these.

def _is_value(text: str) -> bool:
    return text == "" or text.lstrip("+-").replace(".", "", 1).isdigit()


def _combine_label_cells(row: list[str]) -> list[str]:
    """Join the leading label cells of a row into one ("（六）其他处理" + "1.申请人…" → one cell)."""
    n = 0
    while n < len(row) and not _is_value(row[n]):
        n += 1
    return ["".join(row[:n]), *row[n:]] if n > 1 else list(row)


def _text_rows(rows: list[list[str]], layout: str) -> list[str]:
    lines: list[str] = []
    for row in rows:
        if layout == "text_a":
            lines += [f"{t} |" for t in row]
        elif layout == "text_b":
            lines.append("\t".join(row))
        elif layout == "text_c":
            lines += [f"\t{t}" for t in row] + [""]
        else:
            for t in row:
                lines += [t, ""]
    return lines


def render_combined_labels(spec: ReportSpec, layout: str) -> tuple[bytes, str]:
    """A text layout (``text_a``…``text_d``) whose table-3 label cells join the group label and
    the sub-row label ("（三）不予公开1.属于国家秘密", "三、本年度办理结果（一）予以公开")."""
    if layout not in ("text_a", "text_b", "text_c", "text_d"):
        raise ValueError(f"combined labels are rendered in text layouts only, not {layout!r}")
    head, tail = _narrative(spec)
    lines = list(head)
    for heading, grid in _grids(spec):
        lines.append(heading)
        rows = _flat_rows(grid)
        if heading == schema.T3.label:
            rows = [_combine_label_cells(r) for r in rows]
        lines += _text_rows(rows, layout)
    lines += tail
    return ("\n".join(lines) + "\n").encode("utf-8"), "text/plain; charset=utf-8"


def _glue(cells: list[str], rng: random.Random, spaces: float) -> str:
    """Cells concatenated as a web archiver flattens them: no separators, and a space at random
    between or inside digit runs (spaces carry no information)."""
    out: list[str] = []
    for text in cells:
        if rng.random() < spaces:
            out.append(" ")
        if text and text[0].isdigit() and rng.random() < spaces / 2 and len(text) > 1:
            cut = rng.randint(1, len(text) - 1)
            if text[:cut].isdigit() and text[cut:].isdigit():
                text = text[:cut] + " " + text[cut:]
        out.append(text)
    return "".join(out)


def render_archive_text(spec: ReportSpec, rng: random.Random, *, spaces: float = 0.3,
                        one_line: bool = True) -> tuple[bytes, str]:
    """The third-party archiver text of corpus r004–r008: every table cell glued to the next
    without separators (labels, headers and digits run together; "21710000218" is 217|1|0|0|0|0|218),
    with spaces at random. ``one_line``: the whole body on one line (headings inline), else one
    line per heading and one per table. Blank cells cannot be printed (use specs without blanks)."""
    head, tail = _narrative(spec)
    pieces: list[str] = []
    for heading, grid in _grids(spec):
        cells = [text for row in _flat_rows(grid) for text in row]
        if any(t == "" for t in cells):
            raise ValueError("the archive layout cannot print blank cells; use random_spec(blanks=False)")
        pieces += [heading, _glue(cells, rng, spaces)]
    lines = head[:2]
    body = head[2:] + pieces + tail[:4]
    lines += [" ".join(body)] if one_line else body
    lines += tail[4:]
    return ("\n".join(lines) + "\n").encode("utf-8"), "text/plain; charset=utf-8"


def small_spec(rng: random.Random, *, fmt: str | None = None, wrong_total: bool = False) -> ReportSpec:
    """A consistent report whose every table cell is a single digit (so glued digits decode by the
    cell count alone): at most nine applications in table 3, small counts in tables 2 and 4.
    ``wrong_total`` prints one outcome row's 总计 one higher than its cells (a source error)."""
    spec = random_spec(rng, fmt=fmt, blanks=False)
    for key in list(spec.cells):
        if key.startswith("t2."):
            # Signed changes are printed with "+" here: a glued "7-26" is undecidable (7|-|26 or
            # 7|-2|6, a dash being an NA mark), which the tests cover separately.
            kind = _T2_VALUE_TYPES[key]
            spec.cells[key] = (rng.choice(["0", "+1", "+3"]) if kind == schema.SIGNED_COUNT
                               else str(rng.randint(0, 9)))
    rows = t3_rows(spec)
    outcome = [r for r in rows if r not in ("new", "carried_in", "results_total", "carried_out")]
    n_cols = len(T3_COLUMNS) - 1
    table = {r: [0] * n_cols for r in rows}
    for _ in range(rng.randint(0, 7)):
        table[rng.choice(outcome)][rng.randrange(n_cols)] += 1
    table["results_total"] = [sum(table[r][i] for r in outcome) for i in range(n_cols)]
    if rng.random() < 0.5 and sum(table["results_total"]) < 9:
        table["carried_out"][rng.randrange(n_cols)] += 1
    table["new"] = [t + o for t, o in zip(table["results_total"], table["carried_out"], strict=True)]
    wrong = rng.choice(outcome) if wrong_total else None
    for row in rows:
        vals = table[row]
        total = sum(vals) + (1 if row == wrong else 0)
        for col, v in zip(T3_COLUMNS, [*vals, total], strict=True):
            spec.cells[f"t3.{row}.{col}"] = str(v)
    for block in T4_BLOCKS:
        vals = [rng.randint(0, 2) for _ in range(len(T4_OUTCOMES) - 1)]
        for o, v in zip(T4_OUTCOMES, [*vals, sum(vals)], strict=True):
            spec.cells[f"t4.{block}.{o}"] = str(v)
    return spec
