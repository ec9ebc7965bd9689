"""Saved-response fixtures (raw bytes + ``.meta.json``) and small spider-driving helpers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scrapy.http import HtmlResponse, Request, Response, TextResponse
from scrapy.utils.test import get_crawler

from crawler.items import FetchedDocument, PortalOutcome
from crawler.seeds import Seed
from crawler.spiders import links as L

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def raw(name: str) -> tuple[bytes, dict[str, Any]]:
    meta = json.loads((FIXTURES / f"{name}.meta.json").read_text(encoding="utf-8"))
    return (FIXTURES / name).read_bytes(), meta


def page(name: str) -> tuple[str, str]:
    """(decoded text, URL) of a fixture."""
    body, meta = raw(name)
    return L.decode_body(body, meta["headers"].get("Content-Type")), meta["url"]


def response(name: str, request: Request | None = None, url: str | None = None) -> Response:
    body, meta = raw(name)
    url = url or (request.url if request is not None else meta["url"])
    request = request or Request(url)
    cls = HtmlResponse if meta["headers"].get("Content-Type", "").startswith("text/html") else TextResponse
    return cls(url=url, status=meta["status"], headers=meta["headers"], body=body, request=request)


def seed(column_url: str, platform: str, seed_id: str = "110105_test") -> Seed:
    return Seed(id=seed_id, province="北京市", city="", county="朝阳区", adcode="110105", level="county",
                agency="某区人民政府", column_url=column_url, platform=platform, active=True)


def spider(cls, **kwargs):  # type: ignore[no-untyped-def]
    crawler = get_crawler(cls)
    return cls.from_crawler(crawler, **kwargs)


def split(outputs) -> tuple[list[Request], list[FetchedDocument], list[PortalOutcome]]:  # type: ignore[no-untyped-def]
    outs = list(outputs or [])
    return ([o for o in outs if isinstance(o, Request)], [o for o in outs if isinstance(o, FetchedDocument)],
            [o for o in outs if isinstance(o, PortalOutcome)])


def prime(sp, s) -> None:  # type: ignore[no-untyped-def]
    """Mark the seed's column request as scheduled (as ``start`` does) before calling callbacks."""
    sp.pending_listings[s.id] += 1


def stat(sp, key: str) -> int:  # type: ignore[no-untyped-def]
    return sp.crawler.stats.get_value(key, 0)
