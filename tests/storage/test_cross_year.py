"""Cross-year checks (issue 11): this year's 上年结转 equals last year's 结转下年度继续办理, per column
of table 3, recorded strictly and leniently on the later year's versions; flagged, never corrected."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from crawler.items import FetchedDocument
from pipelines.parsing.checks import CROSS_YEAR_RULE, cross_year_checks
from pipelines.parsing.types import Cell
from pipelines.parsing.values import parse_value
from pipelines.storage.blobs import sha256_hex
from pipelines.storage.crossyear import evaluate_cross_year
from pipelines.storage.db import make_engine, upgrade_to_head
from pipelines.storage.models import CheckOutcome, Report, ReportCell
from pipelines.storage.store import ReportStore

COLUMNS = ("natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org", "total")
AGENCY = "某县教育局"


def _row(row: str, raws: list[str]) -> dict[str, dict]:
    return {f"t3.{row}.{c}": parse_value(r).to_json() for c, r in zip(COLUMNS, raws, strict=True)}


def parsed(year: int, carried_in: list[str], carried_out: list[str], agency: str = AGENCY) -> dict:
    return {
        "schema": "ogi-report/1", "status": "ok", "reason": None,
        "title": f"{agency}{year}年政府信息公开工作年度报告", "agency": agency, "year": year,
        "published": f"{year + 1}-01-20", "formats": {"t2": "2021", "t3": "2021", "t4": "2021"},
        "sections": [{"key": "s1", "heading": "一、总体情况", "text": f"{agency}{year}年度工作情况……"}],
        "cells": {**_row("carried_in", carried_in), **_row("carried_out", carried_out)},
        "incomplete": {}, "checks": [], "warnings": [], "source_format": "html", "parser_version": "test",
    }


def doc(url: str) -> FetchedDocument:
    body = url.encode()
    return FetchedDocument(url=url, final_url=url, status=200, body=body, fetched_at=datetime(2026, 1, 2, tzinfo=UTC),
                           content_type="text/html", portal_id="p1", sha256=sha256_hex(body))


@pytest.fixture
def store(request: pytest.FixtureRequest, db_url: str) -> ReportStore:
    """A store on SQLite and on PostgreSQL (conftest's db_url)."""
    upgrade_to_head(db_url)
    engine = make_engine(db_url)
    request.addfinalizer(engine.dispose)
    return ReportStore(engine)


def outcomes(store: ReportStore, report_id: int) -> dict[str, tuple[str, str, str | None]]:
    with store.sessions() as session:
        return {o.scope: (o.strict, o.lenient, o.detail) for o in session.scalars(
            select(CheckOutcome).where(CheckOutcome.report_id == report_id, CheckOutcome.rule == CROSS_YEAR_RULE))}


# --- the rule (pure) ------------------------------------------------------------------------

def _cells(row: str, raws: list[str]) -> dict[str, Cell]:
    return {f"t3.{row}.{c}": parse_value(r) for c, r in zip(COLUMNS, raws, strict=True)}


def test_rule_pass_fail_and_lenient_blanks() -> None:
    before = _cells("carried_out", ["3", "", "0", "1", "0", "无", "4"])
    now = _cells("carried_in", ["3", "0", "0", "2", "0", "0", "4"])
    got = {r.scope: (r.strict, r.lenient) for r in cross_year_checks(before, now, previous_year=2022, year=2023)}
    assert got == {"natural_person": ("pass", "pass"), "commercial": ("not_assessable", "pass"),
                   "research": ("pass", "pass"), "social_welfare": ("fail", "fail"),
                   "legal_service": ("pass", "pass"), "other_org": ("not_assessable", "pass"),
                   "total": ("pass", "pass")}
    detail = next(r.detail for r in cross_year_checks(before, now, previous_year=2022, year=2023)
                  if r.scope == "social_welfare")
    assert detail is not None and "2023" in detail and "'2'" in detail and "'1'" in detail


def test_rule_needs_table_3() -> None:
    assert cross_year_checks({}, {}) == []
    missing = cross_year_checks({}, _cells("carried_in", ["1"] * 7))
    assert {(r.strict, r.lenient) for r in missing} == {("not_assessable", "not_assessable")}


# --- evaluated where both years are stored ----------------------------------------------------

def test_consecutive_years_pass(store: ReportStore) -> None:
    store.save(doc("http://127.0.0.1/2022.html"), parsed(2022, ["1"] * 7, ["2", "0", "0", "0", "0", "0", "2"]))
    first = store.save(doc("http://127.0.0.1/2021.html"), parsed(2021, ["1"] * 7, ["9"] * 7))
    later = store.save(doc("http://127.0.0.1/2023.html"), parsed(2023, ["2", "0", "0", "0", "0", "0", "2"], ["0"] * 7))
    got = outcomes(store, later.report_id)
    assert set(got) == set(COLUMNS)
    assert {(s, le) for s, le, _ in got.values()} == {("pass", "pass")}
    assert outcomes(store, first.report_id) == {}  # no 2020 report stored: nothing to compare with


def test_mismatch_fails_and_is_not_corrected(store: ReportStore) -> None:
    store.save(doc("http://127.0.0.1/2022.html"), parsed(2022, ["0"] * 7, ["5", "0", "0", "0", "0", "0", "5"]))
    later = store.save(doc("http://127.0.0.1/2023.html"), parsed(2023, ["4", "0", "0", "0", "0", "0", "4"], ["0"] * 7))
    got = outcomes(store, later.report_id)
    assert got["natural_person"][:2] == ("fail", "fail") and got["total"][:2] == ("fail", "fail")
    assert got["commercial"][:2] == ("pass", "pass")
    assert "previous report" in (got["natural_person"][2] or "")
    with store.sessions() as session:  # the printed value stays as printed
        cell = session.scalars(select(ReportCell).where(ReportCell.report_id == later.report_id,
                                                        ReportCell.key == "t3.carried_in.natural_person")).one()
        assert cell.value == 4


def test_blank_versus_zero_fails_strictly_passes_leniently(store: ReportStore) -> None:
    store.save(doc("http://127.0.0.1/2022.html"), parsed(2022, ["0"] * 7, ["", "0", "0", "0", "0", "0", "0"]))
    later = store.save(doc("http://127.0.0.1/2023.html"), parsed(2023, ["0"] * 7, ["0"] * 7))
    assert outcomes(store, later.report_id)["natural_person"][:2] == ("not_assessable", "pass")


def test_earlier_year_stored_after_later_one_and_re_evaluation_is_idempotent(store: ReportStore) -> None:
    later = store.save(doc("http://127.0.0.1/2023.html"), parsed(2023, ["3"] * 7, ["0"] * 7))
    assert outcomes(store, later.report_id) == {}
    earlier = store.save(doc("http://127.0.0.1/2022.html"), parsed(2022, ["0"] * 7, ["3"] * 7))
    assert {(s, le) for s, le, _ in outcomes(store, later.report_id).values()} == {("pass", "pass")}
    assert outcomes(store, earlier.report_id) == {}
    counts = store.counts()
    assert later.group_id is not None and earlier.group_id is not None
    assert evaluate_cross_year(store, later.group_id) == 0
    assert evaluate_cross_year(store, earlier.group_id) == 0
    assert store.counts() == counts


def test_other_agency_and_failed_reports_are_not_compared(store: ReportStore) -> None:
    store.save(doc("http://127.0.0.1/a2022.html"), parsed(2022, ["0"] * 7, ["3"] * 7, agency="某县财政局"))
    later = store.save(doc("http://127.0.0.1/b2023.html"), parsed(2023, ["1"] * 7, ["0"] * 7))
    assert outcomes(store, later.report_id) == {}


def test_changed_previous_year_updates_outcomes(store: ReportStore) -> None:
    """A re-evaluation after last year's cells change (what a reparse does) follows the change."""
    earlier = store.save(doc("http://127.0.0.1/2022.html"), parsed(2022, ["0"] * 7, ["3"] * 7))
    later = store.save(doc("http://127.0.0.1/2023.html"), parsed(2023, ["3"] * 7, ["0"] * 7))
    with store.sessions.begin() as session:
        cell = session.scalars(select(ReportCell).where(ReportCell.report_id == earlier.report_id,
                                                        ReportCell.key == "t3.carried_out.research")).one()
        cell.raw, cell.value = "7", 7
        assert evaluate_cross_year(session, earlier.group_id) == 1
    assert outcomes(store, later.report_id)["research"][:2] == ("fail", "fail")
    with store.sessions() as session:
        assert session.get(Report, later.report_id) is not None
