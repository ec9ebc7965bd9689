"""Datasette metadata for browsing a harvest database or an exported SQLite file (issue 11).

Titles and descriptions come from the one cell catalogue (:func:`pipelines.parsing.schema.
data_dictionary`): the panel query has one column per cell key, described by its statutory
table, row and column labels. Canned queries: the panel of one province, reports with failed
checks, overdue agencies. SQLite only (Datasette reads SQLite); pure data, no server here.
"""

from __future__ import annotations

from typing import Any

from pipelines.parsing.schema import data_dictionary


def _label(entry: Any) -> str:
    parts = [entry.table_zh, entry.part_zh, entry.group_zh, entry.row_zh, entry.column_zh]
    return " / ".join(p for p in parts if p)


def panel_sql() -> str:
    """One row per canonical parsed report of a province's agencies: one column per cell key."""
    columns = ",\n  ".join(
        f"max(case when c.key = '{e.key}' then c.value end) as \"{e.key}\"" for e in data_dictionary())
    return f"""select r.id as report_id, r.agency, r.year, p.province, r.published,
  {columns}
from reports r
join report_cells c on c.report_id = r.id
join (select rs.report_id, min(d.portal_id) as portal_id from report_sources rs
      join documents d on d.id = rs.document_id group by rs.report_id) src on src.report_id = r.id
join portals p on p.id = src.portal_id
where r.canonical = 1 and r.status = 'ok' and (:province = '' or p.province = :province)
group by r.id order by r.agency, r.year"""


FAILED_SQL = """select r.id as report_id, r.agency, r.year, count(*) as failed_checks,
  group_concat(o.rule || '[' || o.scope || ']', ', ') as rules
from reports r join check_outcomes o on o.report_id = r.id
where r.canonical = 1 and (o.strict = 'fail' or o.lenient = 'fail')
group by r.id order by failed_checks desc, r.agency, r.year"""

OVERDUE_SQL = """select p.id as portal_id, p.province, p.agency, max(r.year) as newest_report_year
from portals p
left join documents d on d.portal_id = p.id
left join report_sources rs on rs.document_id = d.id
left join reports r on r.id = rs.report_id and r.status = 'ok'
where p.active = 1
group by p.id having coalesce(max(r.year), 0) < cast(:due_year as integer)
order by p.province, p.agency"""

TABLES = {
    "reports": ("报告版本 Report versions",
                "One parsed version of an annual report; canonical = 1 is the logical report's chosen version."),
    "report_groups": ("逻辑报告 Logical reports", "One agency's annual report for one year, across its versions."),
    "report_cells": ("表格单元格 Table cells", "One statutory-table cell in long form: printed text, value, "
                     "semantic, and where it was read (provenance)."),
    "check_outcomes": ("勾稽关系检查 Consistency checks",
                       "Each rule evaluated strictly and leniently; R3.cross_year compares with the previous year."),
    "documents": ("文档 Documents", "Every fetched resource with the SHA-256 of its archived bytes."),
    "portals": ("门户 Portals (seeds)", "One portal's annual-report column."),
}


def metadata(database: str) -> dict[str, Any]:
    """Datasette metadata for the database file named ``database`` (its stem)."""
    keys = "; ".join(f"{e.key} = {_label(e)}" for e in data_dictionary())
    return {
        "title": "政府信息公开工作年度报告 ogi-harvest",
        "description": "Annual reports on government information disclosure, as harvested and parsed.",
        "license": "Data: as published by the issuing agencies",
        "databases": {database: {
            "tables": {name: {"title": title, "description": text} for name, (title, text) in TABLES.items()}
            | {"report_cells": {"title": TABLES["report_cells"][0], "description": TABLES["report_cells"][1],
                                "columns": {"key": "Cell key; see the panel query's description for every key",
                                            "provenance": "Document SHA-256 and page / table,row,col / span"}}},
            "queries": {
                "panel": {"sql": panel_sql(), "title": "省份面板 Panel of one province",
                          "description": "One row per agency × year (canonical parsed report); empty province = all. "
                                         "Columns: " + keys},
                "failed_checks": {"sql": FAILED_SQL, "title": "未通过检查的报告 Reports with failed checks",
                                  "description": "Canonical reports with at least one failed check "
                                                 "(strict or lenient)."},
                "overdue": {"sql": OVERDUE_SQL, "title": "逾期机关 Overdue agencies",
                            "description": "Active portals whose newest parsed report is older than due_year "
                                           "(the last year already due, see scrapy health)."},
            },
        }},
    }
