"""JSON serialisation of queued requests (scrapy-redis ``SCHEDULER_SERIALIZER``): never pickle.

scrapy-redis hands this module the dict of :meth:`scrapy.Request.to_dict` (callback
and errback as method names) and gets it back from :func:`loads` for
:func:`~scrapy.utils.request.request_from_dict`. The dict is walked explicitly, so nothing reaches
the queue that JSON cannot say plainly:

- ``bytes`` (body, header names and values) as ``{"__bytes__": base64}``;
- a dict whose keys are not all strings (headers) as ``{"__items__": [[key, value], ...]}``;
- the dataclasses the spiders put in ``cb_kwargs`` — :class:`crawler.seeds.Seed` and
  :class:`crawler.spiders.links.ReportLink` — as ``{"__seed__": {...}}`` / ``{"__link__": {...}}``;
- tuples as lists; str, int, float, bool and None as themselves.

Anything else (a set, a datetime, another class) is refused with :class:`TypeError` naming where it
sits, so a spider that starts putting an object in ``meta`` fails loudly in tests, not later in a
worker on another machine.
"""

from __future__ import annotations

import base64
import dataclasses
import json
from pathlib import Path
from typing import Any

from crawler.seeds import Seed
from crawler.spiders.links import ReportLink

_BYTES, _ITEMS, _SEED, _LINK = "__bytes__", "__items__", "__seed__", "__link__"


def _encode(value: Any, where: str) -> Any:
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, bytes):
        return {_BYTES: base64.b64encode(value).decode("ascii")}
    if isinstance(value, list | tuple):
        return [_encode(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value) and not ({_BYTES, _ITEMS, _SEED, _LINK} & value.keys()):
            return {k: _encode(v, f"{where}.{k}") for k, v in value.items()}
        return {_ITEMS: [[_encode(k, f"{where} key"), _encode(v, f"{where}[{k!r}]")] for k, v in value.items()]}
    if isinstance(value, Seed):
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        fields["source"] = str(value.source) if value.source is not None else None
        return {_SEED: _encode(fields, f"{where}.seed")}
    if isinstance(value, ReportLink):
        return {_LINK: {"url": value.url, "title": value.title, "year": value.year}}
    raise TypeError(f"cannot queue {type(value).__name__} at {where} as JSON: keep request meta and "
                    "cb_kwargs to plain values (crawler/frontier/serializer.py)")


def _decode(obj: dict[str, Any]) -> Any:
    if _BYTES in obj and len(obj) == 1:
        return base64.b64decode(obj[_BYTES])
    if _ITEMS in obj and len(obj) == 1:
        return {_hashable(k): v for k, v in obj[_ITEMS]}
    if _SEED in obj and len(obj) == 1:
        fields = dict(obj[_SEED])
        fields["source"] = Path(fields["source"]) if fields.get("source") else None
        return Seed(**fields)
    if _LINK in obj and len(obj) == 1:
        return ReportLink(**obj[_LINK])
    return obj


def _hashable(key: Any) -> Any:
    return tuple(key) if isinstance(key, list) else key


def dumps(request_dict: dict[str, Any]) -> str:
    return json.dumps(_encode(request_dict, "request"), ensure_ascii=False, separators=(",", ":"))


def loads(text: str | bytes) -> dict[str, Any]:
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    result = json.loads(text, object_hook=_decode)
    if not isinstance(result, dict):
        raise ValueError(f"a queued request must be a JSON object, got {type(result).__name__}")
    return result
