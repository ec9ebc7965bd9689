"""The farm's dedupe traps (opt-in), the manifest's logical_key and the grouping score."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

from portalsim import Farm, FarmOptions, FarmServer
from portalsim import bodies
from portalsim.dedupe import expected_labels, score_grouping
from portalsim.families.base import body_of
from pipelines.cleaning import is_near_duplicate
from pipelines.identity import Relation, relation, report_key

TRAPS = FarmOptions(dedupe_traps=True)
TAG = re.compile(r"<[^>]+>")


def _text(farm: Farm, portal, doc) -> str:
    return TAG.sub("", bodies.body_html(body_of(farm, portal, doc)))


def _trap_docs(farm: Farm, trap: str) -> list[tuple]:
    return [(p, d) for p in farm.portals for d in p.documents if d.trap == trap and not d.same_as]


def test_traps_are_opt_in():
    plain = Farm.generate(portals=6, seed=3)
    assert not any(d.trap or d.body_variant for p in plain.portals for d in p.documents)
    off = Farm.generate(portals=6, seed=3, options=FarmOptions(dedupe_traps=False))
    assert [(p.portal_id, [(d.doc_id, d.body_format, d.text_id) for d in p.documents]) for p in off.portals] == \
        [(p.portal_id, [(d.doc_id, d.body_format, d.text_id) for d in p.documents]) for p in plain.portals]
    with FarmServer(plain, port=0) as server:
        manifest = server.manifest()
    assert manifest["farm"]["options"]["dedupe_traps"] is False
    assert all(r["trap"] is None and r["logical_key"] for r in manifest["reports"])


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_zero_table_trap_agencies_differ_by_name_only(seed: int):
    farm = Farm.generate(portals=5, seed=seed, options=TRAPS)
    twins = _trap_docs(farm, "zero-tables")
    assert len(twins) >= 2 and len({p.agency for p, _ in twins}) == len(twins)
    assert len({d.year for _, d in twins}) == 1 and twins[0][1].year >= 2019
    assert all(p.fault is None for p, _ in twins)
    texts = [_text(farm, p, d) for p, d in twins]
    assert len({t.replace(p.agency, "某机关") for t, (p, _) in zip(texts, twins)}) == 1
    for (p, d) in twins:
        cells = dict(body_of(farm, p, d).cells)
        assert cells and set(cells.values()) == {0}
    # content alone cannot tell them apart; the agency does
    a, b = (report_key(p.agency, d.year, t) for t, (p, d) in zip(texts[:2], twins[:2]))
    assert is_near_duplicate(a.fingerprint, b.fingerprint)
    assert relation(a, b) is Relation.DIFFERENT


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_consecutive_years_trap_is_about_ninety_percent_the_same_text(seed: int):
    farm = Farm.generate(portals=5, seed=seed, options=TRAPS)
    pair = sorted(_trap_docs(farm, "consecutive-years"), key=lambda pd: pd[1].year)
    assert len(pair) == 2 and pair[0][0] is pair[1][0] and pair[1][1].year == pair[0][1].year + 1
    (portal, earlier), (_, later) = pair
    assert earlier.text_id == later.text_id
    a, b = (body_of(farm, portal, d) for d in (earlier, later))
    assert a.source == b.source == "seed_text" and len(a.paragraphs) == len(b.paragraphs)
    same_but_year = [x.replace(str(earlier.year), "Y").replace(str(earlier.year + 1), "Y1")
                     == y.replace(str(later.year), "Y1").replace(str(later.year - 1), "Y")
                     for x, y in zip(a.paragraphs, b.paragraphs)]
    changed = same_but_year.count(False) / len(same_but_year)
    assert 0.05 <= changed <= 0.2, changed
    ka = report_key(portal.agency, earlier.year, _text(farm, portal, earlier))
    kb = report_key(portal.agency, later.year, _text(farm, portal, later))
    assert is_near_duplicate(ka.fingerprint, kb.fingerprint)   # content says "the same"
    assert relation(ka, kb) is Relation.DIFFERENT               # identity says otherwise


def test_logical_key_joins_editions_and_copies_only():
    farm = Farm.generate(portals=5, seed=3, options=TRAPS)
    with FarmServer(farm, port=0) as server:
        manifest = server.manifest()
    reports = manifest["reports"]
    by_logical: dict[str, list[dict]] = defaultdict(list)
    for report in reports:
        by_logical[report["logical_key"]].append(report)
    keys = {r["key"]: r for r in reports}
    for report in reports:
        if report["same_as"]:
            assert report["logical_key"] == keys[report["same_as"]]["logical_key"]
            assert report["agency"] == keys[report["same_as"]]["agency"]
    for members in by_logical.values():
        assert len({(r["agency"], r["year"]) for r in members}) == 1
        plain = [r for r in members if not r["edition"] and not r["same_as"]]
        assert len(plain) <= 1
    assert any(len(m) > 1 and {r["edition"] for r in m} >= {"图片版", "文字版"} for m in by_logical.values())
    assert any(len(m) > 1 and "更正版" in {r["edition"] for r in m} for m in by_logical.values())
    labels = expected_labels(manifest)   # no URL claimed by two logical reports
    assert set(labels.values()) == set(by_logical)


def test_score_grouping():
    labels = {"a1": "A", "a2": "A", "a3": "A", "b1": "B", "c1": "C"}
    perfect = score_grouping(labels, [("a1", 1), ("a2", 1), ("a3", 1), ("b1", 2), ("c1", 3), ("x", 1)])
    assert (perfect.recall, perfect.precision, perfect.logical_reports, perfect.groups) == (1.0, 1.0, 3, 3)
    split = score_grouping(labels, [("a1", 1), ("a2", 1), ("a3", 4), ("b1", 2)])
    assert split.recall == pytest.approx(1 / 3) and split.precision == 1.0 and split.split == {"A": [1, 4]}
    merged = score_grouping(labels, [("a1", 1), ("a2", 1), ("b1", 1), ("c1", 3)])
    assert merged.recall == 1.0 and merged.precision == pytest.approx(1 / 3)
    assert merged.merged == {1: ["A", "B"]}
    twice = score_grouping(labels, [("a1", 1), ("a1", 2)])   # one URL stored in two groups
    assert twice.recall == 0.0 and twice.split == {"A": [1, 2]}
    assert "dedupe_recall=1.0000 dedupe_precision=1.0000" in perfect.line()
    with pytest.raises(ValueError):
        expected_labels({"reports": [{"logical_key": "A", "detail_urls": ["u"]},
                                     {"logical_key": "B", "detail_urls": ["u"]}]})


def test_every_portal_of_a_large_farm_is_its_own_agency() -> None:
    """Two portals of one agency would be one logical report each year in the store, but two in
    the ground truth (seen at 100 portals before the generator picked a free department)."""
    from collections import Counter

    from portalsim import Farm

    farm = Farm.generate(portals=100, seed=1, faults=True)
    twice = [agency for agency, n in Counter(p.agency for p in farm.portals).items() if n > 1]
    assert twice == []
