"""Golden tests: saved documents (raw bytes + meta.json) → the reviewed expected.json.

Writing the expected files: ``UPDATE_GOLDEN=1 PYTHONPATH=. python -m pytest tests/parsing/test_golden.py``
(re)writes ``expected.json`` of every case from the current parser (add ``-k <case>`` for one);
review the result with ``git diff`` before committing. A case without ``expected.json`` fails.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pipelines.parsing import parse_document

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reports"
CASES = sorted(p for p in FIXTURES.iterdir() if p.is_dir())
UPDATE_COMMAND = "UPDATE_GOLDEN=1 PYTHONPATH=. python -m pytest tests/parsing/test_golden.py -k {name}"


def _parse(case: Path) -> dict:
    meta = json.loads((case / "meta.json").read_text(encoding="utf-8"))
    body = next(p for p in case.iterdir() if p.name.startswith("body")).read_bytes()
    return parse_document(body, content_type=meta.get("content_type"), filename=meta["filename"]).to_json()


def _failed_checks(got: dict) -> list[str]:
    return sorted(f"{c['rule']}:{c['scope']}" for c in got.get("checks", []) if "fail" in (c["strict"], c["lenient"]))


def expected_of(got: dict) -> dict:
    """The reviewed subset of a parse result that a golden file pins."""
    out = {k: got.get(k) for k in ("status", "title", "agency", "year", "published", "formats", "cells", "incomplete")}
    out["sections"] = [s["key"] for s in got.get("sections", [])]
    out["failed_checks"] = _failed_checks(got)
    return out


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden(case: Path) -> None:
    target = case / "expected.json"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        target.write_text(json.dumps(expected_of(_parse(case)), ensure_ascii=False, indent=1), encoding="utf-8")
        pytest.skip(f"UPDATE_GOLDEN=1: wrote {target}; review it with git diff")
    if not target.exists():
        pytest.fail(f"{case.name}: no expected.json. Write it from the current parser with\n  "
                    f"{UPDATE_COMMAND.format(name=case.name)}\nthen review it before committing.")
    got = _parse(case)
    expected = json.loads(target.read_text(encoding="utf-8"))
    assert got["status"] == expected["status"]
    for key in ("title", "agency", "year", "published", "formats", "incomplete"):
        assert got[key] == expected[key], key
    assert [s["key"] for s in got["sections"]] == expected["sections"]
    assert got["cells"] == expected["cells"]
    assert _failed_checks(got) == expected["failed_checks"]


def test_every_case_has_a_body_and_meta() -> None:
    for case in CASES:
        assert (case / "meta.json").exists(), case.name
        assert any(p.name.startswith("body") for p in case.iterdir()), case.name


def test_seed_001_truncation_is_missing_not_zero() -> None:
    body = (FIXTURES / "seed_001" / "body.txt").read_bytes()
    got = parse_document(body, filename="001.txt")
    assert got.incomplete["t3"] is True
    # The table stops after (四)2: later rows are absent, never padded with zeros.
    assert "t3.unable.unclear.total" not in got.cells
    assert "t3.results_total.total" not in got.cells
    assert not any(k.startswith("t4.") for k in got.cells)
    # 规章 prints only two of three values: the blank is EMPTY with value None.
    cell = got.cells["t2.a1.regulations.in_force"]
    assert cell.semantic == "EMPTY" and cell.value is None
    # Checks that need missing rows are not assessable, in both readings.
    balance = [c for c in got.checks if c.rule == "R3.balance"]
    assert balance and all(c.strict == c.lenient == "not_assessable" for c in balance)


def test_seed_002_nested_outline_sections() -> None:
    body = (FIXTURES / "seed_002" / "body.txt").read_bytes()
    got = parse_document(body, filename="002.txt")
    headings = {s.key: s.heading for s in got.sections}
    assert headings["s2"].replace(" ", "") == "二、主动公开政府信息情况"
    assert "一、概述" in next(s.text for s in got.sections if s.key == "s1")


def test_lossy_label_assigned_by_position_and_flagged() -> None:
    body = (FIXTURES / "seed_004" / "body.txt").read_text(encoding="utf-8")
    assert "5.属于三类内部事务" in body
    damaged = body.replace("5.属于三类内部事务", "5.属于三类")  # no keyword of the row survives
    got = parse_document(damaged.encode("utf-8"), filename="004_damaged.txt")
    original = parse_document(body.encode("utf-8"), filename="004.txt")
    assert got.cells == original.cells
    assert any("assigned by position to row deny.internal_affairs" in w for w in got.warnings)
    assert not any("assigned by position" in w for w in original.warnings)


def test_unplaceable_label_leaves_row_missing() -> None:
    body = (FIXTURES / "seed_004" / "body.txt").read_text(encoding="utf-8")
    # Two adjacent rows lose their keywords: the position is ambiguous, nothing is guessed.
    damaged = body.replace("5.属于三类内部事务", "5.属于三类").replace("6.属于四类过程性信", "6.属于四类")
    got = parse_document(damaged.encode("utf-8"), filename="004_damaged.txt")
    assert "t3.deny.internal_affairs.total" not in got.cells
    assert "t3.deny.process_info.total" not in got.cells
    assert got.incomplete["t3"] is True
