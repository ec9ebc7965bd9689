"""Synthetic stored reports at volume, without a crawl (bench/export.py, tests/export).

A few distinct reports are rendered by the fixture renderer (:func:`portalsim.render.render_report`,
HTML layout) and parsed once with the real parser (:func:`pipelines.parsing.parse_document`). Report
``i`` is then template ``i % templates`` under the agency ``<agency><i>`` (so it is its own
logical report: another agency, another content digest), with its source bytes naming that agency
(another SHA-256) at its own URL and seed. :func:`store_synthetic` saves them through the real
:meth:`pipelines.storage.store.ReportStore.save`, as the crawl's storage pipeline does.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from crawler.items import FetchedDocument
from pipelines.parsing import parse_document
from pipelines.storage.blobs import sha256_hex
from pipelines.storage.store import ReportStore
from portalsim.render import random_spec, render_report

PROVINCES = (("北京市", "110000"), ("江苏省", "320000"), ("福建省", "350000"), ("新疆维吾尔自治区", "650000"),
             ("河北省", "130000"))


@dataclass(frozen=True)
class Template:
    agency: str
    year: int
    body: bytes
    content_type: str
    parsed: dict[str, Any]  # canonical ogi-report/1 JSON, as the crawl's report pipeline stores it


def templates(count: int = 8, seed: int = 11) -> list[Template]:
    """``count`` distinct rendered and parsed reports (each parses ``ok``)."""
    rng = random.Random(seed)
    out: list[Template] = []
    while len(out) < count:
        spec = random_spec(rng, blanks=True)
        body, ctype = render_report(spec, "html")
        result = parse_document(body, content_type=ctype, filename="r.html")
        if result.status != "ok":
            raise AssertionError(f"fixture report {len(out)} did not parse: {result.to_json()['reason']}")
        out.append(Template(spec.agency, spec.year, body, ctype, result.to_json()))
    return out


def portal_id(i: int, portals: int) -> str:
    return f"synthetic_{i % portals:05d}"


def portal_rows(portals: int) -> list[dict[str, Any]]:
    """Seed rows for the synthetic portals (place names, so exports fill region columns)."""
    rows = []
    for n in range(portals):
        province, code = PROVINCES[n % len(PROVINCES)]
        rows.append({"id": portal_id(n, portals), "province": province, "city": None, "county": None,
                     "adcode": code, "level": "county", "agency": None,
                     "column_url": f"http://127.0.0.1/synthetic/{n}/", "platform": None, "active": True})
    return rows


def synthetic(i: int, tpl: Template, portals: int) -> tuple[FetchedDocument, dict[str, Any]]:
    """Report ``i``: ``tpl`` under agency ``<agency><i>`` (a document and its parse result)."""
    agency = f"{tpl.agency}{i}"
    parsed = dict(tpl.parsed)
    parsed["agency"] = agency
    if parsed.get("title"):
        parsed["title"] = str(parsed["title"]).replace(tpl.agency, agency)
    body = tpl.body.replace(tpl.agency.encode(), agency.encode())
    url = f"http://127.0.0.1/synthetic/{i % portals}/{tpl.year}/{i}.html"
    doc = FetchedDocument(url=url, final_url=url, status=200, body=body, fetched_at=datetime(2026, 1, 2, tzinfo=UTC),
                          content_type=tpl.content_type, filename=f"{i}.html", portal_id=portal_id(i, portals),
                          link_title=parsed.get("title"), sha256=sha256_hex(body))
    doc.parse_result = parsed
    return doc, parsed


def generate(count: int, tpls: list[Template], portals: int,
             start: int = 0) -> Iterator[tuple[FetchedDocument, dict[str, Any]]]:
    for i in range(start, start + count):
        yield synthetic(i, tpls[i % len(tpls)], portals)


def store_synthetic(store: ReportStore, count: int, tpls: list[Template], *, portals: int = 500,
                    start: int = 0) -> int:
    """Save reports ``start .. start+count-1``; the number of new logical reports."""
    if start == 0:
        store.upsert_portals(portal_rows(portals))
    created = 0
    for doc, parsed in generate(count, tpls, portals, start):
        outcome = store.save(doc, parsed)
        created += outcome.report_created
    return created
