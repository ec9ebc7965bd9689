"""Cross-year checks (issue 11) evaluated where both years are stored.

The rule itself is :func:`pipelines.parsing.checks.cross_year_checks` (one source with the other
checks); this module finds the pair of logical reports (``report_groups``) of one agency for two
consecutive years, and records the outcomes in ``check_outcomes`` on every parsed (``ok``)
version of the later year, compared with the canonical version of the earlier year. Outcomes
are flagged, never corrected. Re-evaluating is idempotent: rows are updated in place, added or
removed, so an unchanged pair changes nothing.

Call :func:`evaluate_cross_year` after anything that changes a group's versions or canonical
version: :meth:`ReportStore.save` does, and so must a reparse.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipelines.parsing.checks import CROSS_YEAR_RULE, cross_year_checks
from pipelines.parsing.types import Cell, Semantic
from pipelines.storage.models import CheckOutcome, Report, ReportCell, ReportGroup

if TYPE_CHECKING:
    from pipelines.storage.store import ReportStore

__all__ = ["CROSS_YEAR_RULE", "evaluate_cross_year"]


def evaluate_cross_year(session_or_store: Session | ReportStore, group_id: int) -> int:
    """Re-evaluate the cross-year checks of the two year pairs ``group_id`` belongs to: (its year
    − 1, its year) and (its year, its year + 1), for the same agency. ``session_or_store``: an
    open :class:`Session` (the caller commits) or a :class:`ReportStore` (one transaction here).
    Returns the number of outcome rows added, changed or removed."""
    if isinstance(session_or_store, Session):
        return _evaluate(session_or_store, group_id)
    with session_or_store.sessions.begin() as session:
        return _evaluate(session, group_id)


def _evaluate(session: Session, group_id: int) -> int:
    session.flush()
    group = session.get(ReportGroup, group_id)
    if group is None or group.agency is None or group.year is None:
        return 0
    changed = 0
    # both neighbouring years in one query (ordered by id within each year)
    around = list(session.scalars(select(ReportGroup).where(
        ReportGroup.agency == group.agency, ReportGroup.year.in_((group.year - 1, group.year + 1)))
        .order_by(ReportGroup.id)))
    earlier = [g for g in around if g.year == group.year - 1]
    later = [g for g in around if g.year == group.year + 1]
    changed += _evaluate_pair(session, _canonical_ok(session, earlier), group)
    previous = _canonical_ok(session, [group])
    for g in later:
        changed += _evaluate_pair(session, previous, g)
    return changed


def _canonical_ok(session: Session, groups: list[ReportGroup]) -> Report | None:
    """The canonical parsed version of the first of ``groups`` that has one."""
    for g in groups:
        if g.canonical_report_id is None:
            continue
        report = session.get(Report, g.canonical_report_id)
        if report is not None and report.status == "ok":
            return report
    return None


def _cells(session: Session, report_id: int) -> dict[str, Cell]:
    rows = session.execute(select(ReportCell.key, ReportCell.raw, ReportCell.value, ReportCell.semantic)
                           .where(ReportCell.report_id == report_id))
    return {key: Cell(raw=raw, value=value, semantic=cast(Semantic, semantic)) for key, raw, value, semantic in rows}


def _evaluate_pair(session: Session, previous: Report | None, group: ReportGroup) -> int:
    """Bring the cross-year outcomes of ``group``'s versions in line with ``previous`` (None: no
    earlier report to compare with, so no outcome)."""
    versions = list(session.scalars(select(Report).where(Report.group_id == group.id).order_by(Report.id)))
    before = _cells(session, previous.id) if previous is not None else None
    changed = 0
    for version in versions:
        existing = {row.scope: row for row in session.scalars(select(CheckOutcome).where(
            CheckOutcome.report_id == version.id, CheckOutcome.rule == CROSS_YEAR_RULE))}
        wanted = {}
        if before is not None and previous is not None and version.status == "ok":
            for result in cross_year_checks(before, _cells(session, version.id),
                                            previous_year=group.year - 1 if group.year else None,
                                            year=group.year):
                detail = result.detail
                if detail is not None:
                    detail = f"{detail} (previous report {previous.id})"
                wanted[result.scope] = (result.strict, result.lenient, detail)
        for scope, row in existing.items():
            if scope not in wanted:
                session.delete(row)
                changed += 1
        for scope, (strict, lenient, detail) in wanted.items():
            current = existing.get(scope)
            if current is None:
                session.add(CheckOutcome(report_id=version.id, rule=CROSS_YEAR_RULE, scope=scope,
                                         strict=strict, lenient=lenient, detail=detail))
                changed += 1
            elif (current.strict, current.lenient, current.detail) != (strict, lenient, detail):
                current.strict, current.lenient, current.detail = strict, lenient, detail
                changed += 1
    session.flush()
    return changed
