"""The cell catalogue (pipelines/parsing/schema.py) against what the parser, renderer and checks use."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from pipelines.parsing import schema
from portalsim import render
from pipelines.parsing.checks import run_checks
from pipelines.parsing.types import Cell
from pipelines.parsing.values import norm_label

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reports"
GOLDEN = sorted(FIXTURES.glob("*/expected.json"))


def _golden() -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in GOLDEN]


def test_catalogue_keys_equal_the_keys_the_parser_emits_on_the_goldens() -> None:
    emitted = {k for exp in _golden() for k in exp["cells"]}
    assert emitted, "no golden cells"
    assert sorted(schema.keys() - emitted) == []  # catalogue cells no golden exercises
    assert sorted(emitted - schema.keys()) == []  # parser keys missing from the catalogue


def test_golden_cells_belong_to_their_tables_format() -> None:
    for path, exp in zip(GOLDEN, _golden()):
        for key in exp["cells"]:
            fmt = exp["formats"][key.split(".")[0]]
            assert key in schema.keys(fmt), f"{path.parent.name}: {key} is not a {fmt} cell"


def test_keys_are_unique_per_format_and_well_formed() -> None:
    for fmt in schema.FORMATS:
        defs = list(schema.cells(fmt))
        assert len(defs) == len({d.key for d in defs}), fmt
    for d in schema.cells():
        assert d.key.split(".")[0] == d.table.key
        assert d.column.value_type in schema.VALUE_TYPES
    # 2019 tables 2-3 never reuse a 2021-only row: （六）其他处理's sub-rows are 2021 only.
    assert not any(".other.fee_unpaid." in k for k in schema.keys("2019"))


def test_lookup_helpers() -> None:
    assert schema.cell("t2.a8.admin_fee.amount").column.unit == "万元"
    assert schema.cell("t3.other.single.total").formats == ("2021", "2019")
    assert schema.cell("t3.other.fee_unpaid.total").formats == ("2021",)
    with pytest.raises(KeyError):
        schema.cell("t3.other.total_2019.total")
    with pytest.raises(KeyError):
        schema.t3_row("other.group")
    # Table-2 labels are looked up after norm_label: they must already be normalised.
    for label in schema.t2_row_labels():
        assert norm_label(label) == label


class _Recording(dict):
    """A spec's cells that remember every key read."""

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.read: set[str] = set()

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        self.read.add(key)
        return super().get(key, default)

    def __contains__(self, key) -> bool:
        self.read.add(key)
        return super().__contains__(key)


@pytest.mark.parametrize("fmt", schema.FORMATS)
def test_renderer_layout_covers_every_catalogue_cell(fmt: str) -> None:
    # One spec per way of printing （六）其他处理 that random_spec draws for this format.
    specs = {}
    for seed in range(100):
        spec = render.random_spec(random.Random(seed), fmt=fmt)
        specs.setdefault(spec.other_single, spec)
    assert len(specs) == (2 if fmt == "2021" else 1)
    printed: set[str] = set()
    for spec in specs.values():
        spec.cells = _Recording(spec.cells)
        for layout in ("html", "text_b"):
            render.render_report(spec, layout)
        assert spec.cells.read == set(spec.cells), "the renderer prints exactly the spec's cells"
        printed |= spec.cells.read
    assert printed == schema.keys(fmt)


def _full_cells(fmt: str, *, single: bool) -> dict[str, Cell]:
    rows = {r.key for r in schema.t3_rows(single=single)}
    return {d.key: Cell(raw="1", value=1, semantic="NUMERIC") for d in schema.cells(fmt)
            if d.table is not schema.T3 or d.row.key in rows}


@pytest.mark.parametrize(("fmt", "single"), [("2021", False), ("2021", True), ("2019", True)])
def test_checks_reference_only_catalogue_keys(fmt: str, single: bool) -> None:
    full = _full_cells(fmt, single=single)
    # Whole tables, and each table alone with a row cut off (truncated reports).
    variants = [full] + [{k: v for k, v in full.items() if k.startswith(t)} for t in ("t2.", "t3.", "t4.")]
    variants.append({k: v for k, v in full.items() if ".carried_out." not in k})
    for cells in variants:
        rec = _Recording(cells)
        results = run_checks(rec)
        assert results
        stray = sorted(rec.read - schema.keys(fmt))
        assert stray == [], f"checks read keys outside the {fmt} catalogue: {stray}"
    rules = {r.rule for r in run_checks(_Recording(full))}
    assert {"R3.balance", "R3.results_sum", "R3.row_total", "R4.review_sum", "R2.types"} <= rules


def test_data_dictionary_labels_every_key() -> None:
    entries = list(schema.data_dictionary())
    assert [e.key for e in entries] == list(dict.fromkeys(d.key for d in schema.cells()))
    assert {e.key for e in entries} == schema.keys()
    for e in entries:
        for field in ("table_zh", "row_zh", "column_zh", "table_en", "row_en", "column_en", "unit"):
            assert getattr(e, field), (e.key, field)
        assert e.formats and set(e.formats) <= set(schema.FORMATS)
        if e.table == "t2":
            assert e.part_zh and e.part_zh.startswith("第二十条第")
    by_key = {e.key: e for e in entries}
    fee = by_key["t2.a8.admin_fee.amount"]
    assert (fee.row_zh, fee.column_zh, fee.unit, fee.value_type) == (
        "行政事业性收费", "本年收费金额（单位：万元）", "万元", schema.AMOUNT)
    secret = by_key["t3.deny.state_secret.commercial"]
    assert secret.group_zh == "三、本年度办理结果 / （三）不予公开"
    assert secret.column_zh == "法人或其他组织 / 商业企业"
    # A key printed differently in the two formats lists the other wording.
    assert by_key["t2.a5.admin_license.decisions"].column_variants_zh == ("处理决定数量",)
    assert by_key["t4.lit_direct.total"].group_zh == "行政诉讼"
