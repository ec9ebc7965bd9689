"""The cell catalogue: every statistical table of the annual report, every row and column, once.

One source for the statutory cell schema (report-format §3–§5, report-schema "Cell keys"). The
parser's row/column lookup tables (:mod:`pipelines.parsing.patterns`, :mod:`pipelines.parsing.tables`),
the fixture renderer's layout (``render``), the consistency checks (:mod:`pipelines.parsing.checks`)
and the export's data dictionary (:func:`data_dictionary`) are all derived from :data:`TABLES`.
Adding a cell is one edit here (plus the golden files that then change).

Model: a :class:`Table` (``t2``/``t3``/``t4``) is made of :class:`Part` s — blocks of rows that share
their columns (table 2's sub-tables ``第二十条第（X）项``; tables 3 and 4 have one part each). A part,
a row and a column each carry the format years (``FORMATS``) they are printed in; a cell exists in a
format when its part and its row do. The cell key is ``<table>.[<part>.]<row>.<column>``.

Free-form reports (``formats.tN == "pre2019"``, report-format §8) carry no catalogue cells: the
parser keeps their sections only.

Labels are the ones the renderer prints (the official form's wording where report-format marks it
[V]/[S]); ``variants`` are other printings the parser accepts or that real reports use.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

# Format years of the national tables, newest first (report-schema: formats.tN).
FORMATS = ("2021", "2019")
# formats.tN of a free-form report before 2019: no tables, no catalogue cells.
PRE2019 = "pre2019"

# Semantic types of a cell's number (report-format §6.2 R2/R3/R4 types).
COUNT = "count"  # integer >= 0
SIGNED_COUNT = "signed_count"  # signed integer (2019 本年增/减)
AMOUNT = "amount"  # decimal >= 0
VALUE_TYPES = (COUNT, SIGNED_COUNT, AMOUNT)


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # as printed by the renderer (official wording where known)
    en: str
    unit: str | None = None  # unit of the number, for the data dictionary
    value_type: str = COUNT
    variants: tuple[str, ...] = ()  # other printed labels
    parent: str | None = None  # a spanning header above the column (法人或其他组织)
    parent_en: str | None = None
    # A substring that, found in a table-2 header, identifies this column's format (report-format §7).
    signal: str | None = None
    # Unit the parser attaches when the cell prints none; ``unit_from_header``: only when the
    # table header prints it (2019 采购总金额 is printed in 万元 or 元).
    default_unit: str | None = None
    unit_from_header: bool = False


@dataclass(frozen=True)
class Group:
    """A merged label spanning several rows (三、本年度办理结果, （三）不予公开 …)."""

    key: str
    label: str
    en: str
    keywords: tuple[str, ...] = ()  # a label holding one of these is this group's header (no values)


@dataclass(frozen=True)
class Row:
    key: str  # may be dotted (deny.state_secret)
    label: str
    en: str
    formats: tuple[str, ...] = FORMATS
    variants: tuple[str, ...] = ()  # other exact printings (normalised labels)
    keywords: tuple[str, ...] = ()  # a normalised label containing one of these is this row
    exclude: tuple[str, ...] = ()  # ... unless it contains one of these
    bare_labels: frozenset[str] = frozenset()  # exact labels matched only by context (see tables.py)
    groups: tuple[str, ...] = ()  # keys of the groups spanning this row, outermost first
    outcome: bool = False  # one of the exclusive outcomes summed into （七）总计 (R3.results_sum)
    # Table 3 （六）其他处理: "single" = printed as one row, "split" = its three sub-rows.
    variant: str | None = None
    signal: bool = False  # the row label identifies its format in table 2's header


@dataclass(frozen=True)
class Part:
    key: str | None  # table-2 item (a1 …); None for tables 3 and 4
    label: str
    en: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    formats: tuple[str, ...] = FORMATS
    signal: bool = False  # the part heading identifies its format

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def row(self, key: str) -> Row:
        for r in self.rows:
            if r.key == key:
                return r
        raise KeyError(f"no row {key!r} in {self.label}")


@dataclass(frozen=True)
class Table:
    key: str
    label: str  # section heading of the report
    en: str
    parts: tuple[Part, ...]
    groups: tuple[Group, ...] = ()
    label_header: str | None = None  # header of the label column (table 2: 信息内容)
    corner: str | None = None  # top-left merged header cell (table 3)
    column_header: str | None = None  # header spanning all value columns (table 3: 申请人情况)
    row_header: str | None = None  # header spanning some row blocks (table 4: 行政诉讼)

    def group(self, key: str) -> Group:
        return next(g for g in self.groups if g.key == key)

    def parts_for(self, fmt: str) -> tuple[Part, ...]:
        return tuple(p for p in self.parts if fmt in p.formats)


@dataclass(frozen=True)
class CellDef:
    """One catalogue cell as printed in one set of formats."""

    key: str
    table: Table
    part: Part
    row: Row
    column: Column
    formats: tuple[str, ...]


# --------------------------------------------------------------------------- table 2

_T2_2021_A1_COLS = (
    Column("issued", "本年制发件数", "Issued this year", "件", signal="本年制发件数"),
    Column("repealed", "本年废止件数", "Repealed this year", "件", variants=("本年废止数",), signal="本年废止"),
    Column("in_force", "现行有效件数", "In force", "件", signal="现行有效件数"),
)
_T2_2019_A1_COLS = (
    Column("newly_made", "本年新制作数量", "Newly made this year", "件", signal="本年新制作数量"),
    Column("newly_published", "本年新公开数量", "Newly published this year", "件", signal="本年新公开数量"),
    Column("total_published", "对外公开总数量", "Total published", "件", signal="对外公开总数量"),
)
_T2_2019_ITEM_COLS = (
    Column("prev_items", "上一年项目数量", "Items in the previous year", "项", signal="上一年项目数量"),
    Column("change", "本年增/减", "Change this year (+/-)", "项", SIGNED_COUNT, signal="本年增/减"),
    Column("decisions", "处理决定数量", "Decisions", "件"),
)
_T2_2021_DECISIONS = (Column("decisions", "本年处理决定数量", "Decisions this year", "件"),)

# (key, label, en) of rows printed in both formats' table 2
_REGULATIONS = ("regulations", "规章", "Rules (规章)")
_LICENSE = ("admin_license", "行政许可", "Administrative licensing")
_PENALTY = ("admin_penalty", "行政处罚", "Administrative penalty")
_COERCION = ("admin_coercion", "行政强制", "Administrative coercion")
_FEE = ("admin_fee", "行政事业性收费", "Administrative fees")

_A1 = ("第二十条第（一）项", "Art. 20(1): rules and normative documents")
_A5 = ("第二十条第（五）项", "Art. 20(5): administrative licensing and other external services")
_A6 = ("第二十条第（六）项", "Art. 20(6): administrative penalty and coercion")
_A8 = ("第二十条第（八）项", "Art. 20(8): administrative fees")
_A9 = ("第二十条第（九）项", "Art. 20(9): government centralised procurement")

T2 = Table(
    key="t2", label="二、主动公开政府信息情况", en="II. Proactive disclosure of government information",
    label_header="信息内容",
    parts=(
        # 2021 format [V]: four sub-tables, 10 cells (report-format §3.1).
        Part("a1", *_A1, columns=_T2_2021_A1_COLS, formats=("2021",), rows=(
            Row(*_REGULATIONS, formats=("2021",)),
            Row("normative_docs", "行政规范性文件", "Administrative normative documents", formats=("2021",),
                variants=("规范性文件",)),
        )),
        Part("a5", *_A5, columns=_T2_2021_DECISIONS, formats=("2021",), rows=(Row(*_LICENSE, formats=("2021",)),)),
        Part("a6", *_A6, columns=_T2_2021_DECISIONS, formats=("2021",), rows=(
            Row(*_PENALTY, formats=("2021",)), Row(*_COERCION, formats=("2021",)))),
        Part("a8", *_A8, formats=("2021",), rows=(Row(*_FEE, formats=("2021",)),), columns=(
            Column("amount", "本年收费金额（单位：万元）", "Fees collected this year", "万元", AMOUNT,
                   variants=("本年收费金额（万元）",), signal="本年收费金额", default_unit="万元"),)),
        # 2019 format [S]: five sub-tables, 22 cells (report-format §3.2); never mapped onto 2021 keys.
        Part("a1", *_A1, columns=_T2_2019_A1_COLS, formats=("2019",), rows=(
            Row(*_REGULATIONS, formats=("2019",)),
            Row("normative_docs", "规范性文件", "Normative documents", formats=("2019",),
                variants=("行政规范性文件",)),
        )),
        Part("a5", *_A5, columns=_T2_2019_ITEM_COLS, formats=("2019",), rows=(
            Row(*_LICENSE, formats=("2019",)),
            Row("other_services", "其他对外管理服务事项", "Other external management services", formats=("2019",),
                signal=True),
        )),
        Part("a6", *_A6, columns=_T2_2019_ITEM_COLS, formats=("2019",), rows=(
            Row(*_PENALTY, formats=("2019",)), Row(*_COERCION, formats=("2019",)))),
        Part("a8", *_A8, columns=_T2_2019_ITEM_COLS[:2], formats=("2019",), rows=(Row(*_FEE, formats=("2019",)),)),
        Part("a9", *_A9, formats=("2019",), signal=True, rows=(
            Row("gov_procurement", "政府集中采购", "Government centralised procurement", formats=("2019",),
                signal=True),), columns=(
            Column("items", "采购项目数量", "Procurement items", "项"),
            Column("amount", "采购总金额（单位：万元）", "Total procurement amount", "万元", AMOUNT,
                   variants=("采购总金额", "采购总金额（单位：万元，保留4位小数）", "采购总金额万元,保留四位小数"),
                   signal="采购总金额", default_unit="万元", unit_from_header=True),
        )),
    ),
)

# --------------------------------------------------------------------------- table 3

_APPLICANT = ("法人或其他组织", "Legal persons or other organisations")
_T3_COLUMNS = (
    Column("natural_person", "自然人", "Natural persons", "件"),
    Column("commercial", "商业企业", "Commercial enterprises", "件", parent=_APPLICANT[0], parent_en=_APPLICANT[1]),
    Column("research", "科研机构", "Research institutions", "件", parent=_APPLICANT[0], parent_en=_APPLICANT[1]),
    Column("social_welfare", "社会公益组织", "Social welfare organisations", "件", parent=_APPLICANT[0],
           parent_en=_APPLICANT[1]),
    Column("legal_service", "法律服务机构", "Legal service providers", "件", parent=_APPLICANT[0],
           parent_en=_APPLICANT[1]),
    Column("other_org", "其他", "Other organisations", "件", parent=_APPLICANT[0], parent_en=_APPLICANT[1]),
    Column("total", "总计", "Total", "件"),
)

_R = ("results",)
_DENY, _UNABLE = ("results", "deny"), ("results", "unable")
_NOPROC, _OTHER = ("results", "noproc"), ("results", "other")

# Canonical order; keyword matching relies on it (a row never matches before the last one seen).
# （六）其他处理 sits before its sub-rows: printed alone it is the row other.single, printed with
# sub-rows it is their group label.
_T3_ROWS = (
    Row("new", "一、本年新收政府信息公开申请数量", "New applications received this year", keywords=("本年新收",)),
    Row("carried_in", "二、上年结转政府信息公开申请数量", "Applications carried over from last year",
        keywords=("上年结转",)),
    Row("granted", "（一）予以公开", "Disclosed", keywords=("予以公开",), exclude=("不予",), groups=_R, outcome=True),
    Row("partial", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "Partly disclosed",
        keywords=("部分公开",), groups=_R, outcome=True),
    Row("deny.state_secret", "1.属于国家秘密", "Denied: state secret", keywords=("国家秘密",), groups=_DENY,
        outcome=True),
    Row("deny.other_law", "2.其他法律行政法规禁止公开", "Denied: prohibited by other laws or regulations",
        keywords=("其他法律", "行政法规禁止", "法规禁止公开"), groups=_DENY, outcome=True),
    Row("deny.security_stability", "3.危及“三安全一稳定”", "Denied: endangers the three securities and stability",
        keywords=("三安全", "一稳定"), groups=_DENY, outcome=True),
    Row("deny.third_party", "4.保护第三方合法权益", "Denied: protects third-party rights", keywords=("第三方",),
        groups=_DENY, outcome=True),
    Row("deny.internal_affairs", "5.属于三类内部事务信息", "Denied: internal affairs", keywords=("内部事务",),
        groups=_DENY, outcome=True),
    Row("deny.process_info", "6.属于四类过程性信息", "Denied: process information", keywords=("过程性",),
        groups=_DENY, outcome=True),
    Row("deny.enforcement_file", "7.属于行政执法案卷", "Denied: law-enforcement case file", keywords=("执法案卷",),
        groups=_DENY, outcome=True),
    Row("deny.admin_query", "8.属于行政查询事项", "Denied: administrative query matter", keywords=("行政查询",),
        groups=_DENY, outcome=True),
    Row("unable.not_held", "1.本机关不掌握相关政府信息", "Unable: information not held", keywords=("不掌握",),
        groups=_UNABLE, outcome=True),
    Row("unable.need_creation", "2.没有现成信息需要另行制作", "Unable: would need to be created",
        keywords=("另行制作", "没有现成"), groups=_UNABLE, outcome=True),
    Row("unable.unclear", "3.补正后申请内容仍不明确", "Unable: still unclear after correction",
        keywords=("补正后", "仍不明确"), groups=_UNABLE, outcome=True),
    Row("noproc.petition", "1.信访举报投诉类申请", "Not processed: petition or complaint", keywords=("信访",),
        groups=_NOPROC, outcome=True),
    Row("noproc.repeat", "2.重复申请", "Not processed: repeated application", keywords=("重复申请",),
        groups=_NOPROC, outcome=True),
    Row("noproc.publication", "3.要求提供公开出版物", "Not processed: asks for publications", keywords=("出版物",),
        groups=_NOPROC, outcome=True),
    Row("noproc.mass_repeat", "4.无正当理由大量反复申请", "Not processed: mass repeated applications",
        keywords=("大量反复",), groups=_NOPROC, outcome=True),
    Row("noproc.confirm", "5.要求行政机关确认或重新出具已获取信息", "Not processed: confirm or re-issue information",
        keywords=("重新出具", "确认或重新"), groups=_NOPROC, outcome=True),
    Row("other.single", "（六）其他处理", "Other handling (one row)", keywords=("其他处理",), groups=_R,
        outcome=True, variant="single"),
    Row("other.no_correction", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        "Other: applicant did not correct in time", formats=("2021",), keywords=("逾期不补正", "不补正"),
        groups=_OTHER, outcome=True, variant="split"),
    Row("other.fee_unpaid", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        "Other: fee not paid", formats=("2021",), keywords=("收费通知", "缴纳费用"), groups=_OTHER, outcome=True,
        variant="split"),
    # Bare "3.其他": matched only right after the (六) group label or its sub-rows.
    Row("other.other", "3.其他", "Other: other", formats=("2021",), groups=_OTHER, outcome=True, variant="split",
        bare_labels=frozenset({"3.其他", "3、其他", "3其他", "其他"})),
    # Bare "总计" counts as (七)总计 only inside the (六) group.
    Row("results_total", "（七）总计", "Results total", keywords=("(七)总计", "七)总计"), groups=_R,
        bare_labels=frozenset({"总计", "(七)总计", "七、总计"})),
    Row("carried_out", "四、结转下年度继续办理", "Carried over to next year", keywords=("结转下年度",)),
)

T3 = Table(
    key="t3", label="三、收到和处理政府信息公开申请情况", en="III. Applications received and handled",
    corner="（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
    column_header="申请人情况",
    groups=(
        Group("results", "三、本年度办理结果", "Results this year", ("本年度办理结果",)),
        Group("deny", "（三）不予公开", "Not disclosed", ("不予公开",)),
        Group("unable", "（四）无法提供", "Unable to provide", ("无法提供", "无法提")),
        Group("noproc", "（五）不予处理", "Not processed", ("不予处理",)),
        # Its label is matched as the row other.single (report-format §4.3).
        Group("other", "（六）其他处理", "Other handling"),
    ),
    parts=(Part(None, "收到和处理政府信息公开申请情况", "Applications", columns=_T3_COLUMNS, rows=_T3_ROWS),),
)

# --------------------------------------------------------------------------- table 4

_T4_OUTCOMES = (
    Column("upheld", "结果维持", "Upheld", "件"),
    Column("corrected", "结果纠正", "Corrected", "件"),
    Column("other", "其他结果", "Other result", "件"),
    Column("pending", "尚未审结", "Pending", "件"),
    Column("total", "总计", "Total", "件"),
)
T4 = Table(
    key="t4", label="四、政府信息公开行政复议、行政诉讼情况",
    en="IV. Administrative reconsideration and litigation", row_header="行政诉讼",
    groups=(Group("litigation", "行政诉讼", "Administrative litigation"),),
    parts=(Part(None, "政府信息公开行政复议、行政诉讼情况", "Reconsideration and litigation", columns=_T4_OUTCOMES,
                rows=(Row("review", "行政复议", "Administrative reconsideration"),
                      Row("lit_direct", "未经复议直接起诉", "Litigation without prior reconsideration",
                          groups=("litigation",)),
                      Row("lit_after_review", "复议后起诉", "Litigation after reconsideration",
                          groups=("litigation",)))),),
)

TABLES: tuple[Table, ...] = (T2, T3, T4)

# --------------------------------------------------------------------------- lookups


def table(key: str) -> Table:
    return next(t for t in TABLES if t.key == key)


def cell_key(tbl: Table, part: Part, row: Row, column: Column) -> str:
    return ".".join([tbl.key] + ([part.key] if part.key else []) + [row.key, column.key])


def cells(fmt: str | None = None) -> Iterator[CellDef]:
    """Every catalogue cell (of format ``fmt``, or of any format), in printed order."""
    for tbl in TABLES:
        for part in tbl.parts:
            for row in part.rows:
                formats = tuple(f for f in FORMATS if f in part.formats and f in row.formats)
                if not formats or (fmt is not None and fmt not in formats):
                    continue
                for col in part.columns:
                    yield CellDef(cell_key(tbl, part, row, col), tbl, part, row, col, formats)


def keys(fmt: str | None = None) -> frozenset[str]:
    return frozenset(c.key for c in cells(fmt))


def cell(key: str) -> CellDef:
    """The catalogue cell of ``key`` (its newest format's printing); KeyError if not in the catalogue."""
    for c in cells():
        if c.key == key:
            return c
    raise KeyError(f"{key!r} is not a catalogue cell key")


def t2_columns(fmt: str) -> dict[str, tuple[str, tuple[Column, ...]]]:
    """Table 2 of ``fmt``: row key -> (part key, its columns)."""
    out: dict[str, tuple[str, tuple[Column, ...]]] = {}
    for part in T2.parts_for(fmt):
        if part.key is None:  # every table-2 part is keyed by its item (a1 …); only t3/t4 parts are not
            raise ValueError(f"table-2 part {part.label!r} has no key")
        for row in part.rows:
            out[row.key] = (part.key, part.columns)
    return out


def t2_row_labels() -> dict[str, str]:
    """Every printed table-2 row label (any format) -> row key."""
    out: dict[str, str] = {}
    for part in T2.parts:
        for row in part.rows:
            for label in (row.label, *row.variants):
                if out.setdefault(label, row.key) != row.key:
                    raise ValueError(f"t2 label {label!r} names two rows")
    return out


def t2_signals(fmt: str) -> tuple[str, ...]:
    """Header substrings that identify table 2's format (report-format §7), in catalogue order."""
    out: list[str] = []
    for part in T2.parts:
        if part.formats != (fmt,):
            continue
        found = [c.signal for c in part.columns if c.signal]
        found += [r.label for r in part.rows if r.signal]
        if part.signal:
            found.append(part.label)
        out += [s for s in found if s not in out]
    return tuple(out)


def t3_rows(*, single: bool) -> tuple[Row, ...]:
    """Table 3's rows in order, with （六）其他处理 printed as one row or as its three sub-rows."""
    want = "single" if single else "split"
    return tuple(r for r in T3.parts[0].rows if r.variant in (None, want))


def t3_row(key: str) -> Row:
    return T3.parts[0].row(key)


def t3_columns() -> tuple[Column, ...]:
    return T3.parts[0].columns


def t4_blocks() -> tuple[Row, ...]:
    return T4.parts[0].rows


def t4_outcomes() -> tuple[Column, ...]:
    return T4.parts[0].columns


# --------------------------------------------------------------------------- data dictionary


@dataclass(frozen=True)
class DictionaryEntry:
    key: str
    formats: tuple[str, ...]
    table: str
    table_zh: str
    table_en: str
    part_zh: str | None  # table-2 sub-table heading
    part_en: str | None
    group_zh: str | None  # merged labels above the row, outermost first, " / "-joined
    group_en: str | None
    row_zh: str
    row_en: str
    column_zh: str
    column_en: str
    unit: str | None
    value_type: str
    # Other printed labels of the row / column (other formats' wording and variants).
    row_variants_zh: tuple[str, ...] = ()
    column_variants_zh: tuple[str, ...] = ()


def data_dictionary() -> Iterator[DictionaryEntry]:
    """One entry per catalogue key (labels of its newest format), in printed order."""
    by_key: dict[str, list[CellDef]] = {}
    for c in cells():
        by_key.setdefault(c.key, []).append(c)
    for key, defs in by_key.items():
        first = defs[0]
        tbl, part, row, col = first.table, first.part, first.row, first.column
        groups = [tbl.group(g) for g in row.groups]
        col_zh = f"{col.parent} / {col.label}" if col.parent else col.label
        col_en = f"{col.parent_en} / {col.en}" if col.parent_en else col.en
        row_vars: list[str] = []
        col_vars: list[str] = []
        for d in defs:
            for label in (d.row.label, *d.row.variants):
                if label != row.label and label not in row_vars:
                    row_vars.append(label)
            for label in (d.column.label, *d.column.variants):
                if label != col.label and label not in col_vars:
                    col_vars.append(label)
        yield DictionaryEntry(
            key=key, formats=tuple(f for f in FORMATS if any(f in d.formats for d in defs)),
            table=tbl.key, table_zh=tbl.label, table_en=tbl.en,
            part_zh=part.label if part.key else None, part_en=part.en if part.key else None,
            group_zh=" / ".join(g.label for g in groups) or None,
            group_en=" / ".join(g.en for g in groups) or None,
            row_zh=row.label, row_en=row.en, column_zh=col_zh, column_en=col_en,
            unit=col.unit, value_type=col.value_type,
            row_variants_zh=tuple(row_vars), column_variants_zh=tuple(col_vars),
        )
