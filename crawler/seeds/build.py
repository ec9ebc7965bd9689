"""Build the nationwide seed rows from ``../shared/places`` (``scrapy seeds import-places``).

Reads ``homepages.csv`` (one row per 2024 region code: the government's homepage, whether two
independent lists agree, flags) at build time and rewrites the seed files so that:

* every file has a ``homepage`` column (appended after the existing columns when missing);
* every existing row keeps its text byte-for-byte, except that the new ``homepage`` cell is
  appended, and an empty ``homepage`` cell of a government row is filled from the places;
* every government (province, prefecture, county level) of the 2024 codes without a row of level
  ``province``/``prefecture``/``county`` and the same adcode gets one, appended in adcode order, with
  its homepage, no column (state NEEDS-COLUMN until discovery finds one) and the places' flags in
  ``notes``.

Running it again changes nothing (the rows it added are matched by adcode and level). The places
files themselves are never copied into the repository.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from crawler import patterns as P
from crawler.seeds.reading import seed_files

HOMEPAGES_FILE = "homepages.csv"
#: 2024 codes of places outside the regulation (it binds the administrative organs of the mainland)
OUTSIDE_REGULATION = {
    "710000": "台湾省：不适用《政府信息公开条例》 / outside the regulation (not administered by the mainland)",
    "810000": "香港特别行政区：不适用《政府信息公开条例》 / outside the regulation (special administrative region)",
    "820000": "澳门特别行政区：不适用《政府信息公开条例》 / outside the regulation (special administrative region)",
    # claimed by 福建省泉州市 but administered from Taiwan: no mainland organ publishes for it
    "350527": "金门县：实际由台湾当局管辖，不适用《政府信息公开条例》 / outside the regulation in practice "
              "(administered from Taiwan)",
}
NEEDS_COLUMN_NOTE = "需要栏目地址：从主页查找年报栏目 / NEEDS COLUMN: discover the 年报 column from the homepage"
UNCONFIRMED_NOTE = "主页仅见于一个名录 / homepage from one list only (unconfirmed)"
NO_HOMEPAGE_NOTE = "主页未知 / no homepage known"
FLAG_NOTES = {
    "qianxian_host_shared_with_other_row": "主页与另一地相同，至少一处有误 / flag qianxian_host_shared_with_other_row: "
                                           "the host is also listed for another place, so at least one is wrong",
    "qianxian_host_not_gov.cn": "主页不在 gov.cn 下 / flag qianxian_host_not_gov.cn: the host is not under gov.cn",
}
FLAG_OLD_CODE = "qianxian_uses_old_code_"
PREFECTURE_ADMIN_OFFICE = ("地区", "盟")  # 行政公署, not 人民政府
SPECIAL_ADMINISTRATIVE_REGIONS = ("810000", "820000")  # 香港特别行政区政府, 澳门特别行政区政府


@dataclass(frozen=True)
class Place:
    """One row of ``homepages.csv``."""

    adcode: str
    name: str
    level: str
    province: str
    prefecture: str
    homepage: str
    confirmed: bool
    flags: tuple[str, ...]


def read_places(places_dir: Path) -> list[Place]:
    with (places_dir / HOMEPAGES_FILE).open(encoding="utf-8-sig", newline="") as fh:
        return [
            Place(adcode=r["adcode"].strip(), name=r["name"].strip(), level=r["level"].strip(),
                  province=r["province"].strip(), prefecture=r["prefecture"].strip(),
                  homepage=r["homepage"].strip(), confirmed=r["confirmed"].strip() == "yes",
                  flags=tuple(f for f in r["flags"].strip().split(";") if f))
            for r in csv.DictReader(fh)
        ]


def agency_name(place: Place) -> str:
    """The government's name: 河北省人民政府, 石家庄市人民政府, 兴安盟行政公署, 石家庄市长安区人民政府,
    香港特别行政区政府."""
    if place.adcode in SPECIAL_ADMINISTRATIVE_REGIONS:
        return f"{place.name}政府"
    if place.level == "prefecture" and place.name.endswith(PREFECTURE_ADMIN_OFFICE):
        return f"{place.name}行政公署"
    if place.level == "county" and place.name.endswith("区"):
        # district names repeat across the country (朝阳区, 鼓楼区): name the city as well
        parent = place.prefecture or place.province
        return f"{parent}{place.name}人民政府"
    return f"{place.name}人民政府"


def place_notes(place: Place) -> tuple[bool, str]:
    """``(active, notes)`` of a new government row."""
    if place.adcode in OUTSIDE_REGULATION:
        return False, OUTSIDE_REGULATION[place.adcode]
    notes = [NEEDS_COLUMN_NOTE]
    if not place.homepage:
        notes.append(NO_HOMEPAGE_NOTE)
    elif not place.confirmed:
        notes.append(UNCONFIRMED_NOTE)
    for flag in place.flags:
        if flag in FLAG_NOTES:
            notes.append(FLAG_NOTES[flag])
        elif flag.startswith(FLAG_OLD_CODE):
            old = flag[len(FLAG_OLD_CODE):]
            notes.append(f"名录用旧代码 {old} / flag {flag}: a list gives this host under the retired code {old}")
    # A flagged homepage is still only where discovery starts: discovery confirms a column by this
    # agency's report titles, so a wrong host finds nothing rather than a wrong column.
    return True, "; ".join(notes)


def _serialise(cells: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(cells)
    return buffer.getvalue()


def _new_row(place: Place, header: list[str], taken: set[str]) -> str:
    prov = P.PROVINCES_BY_CODE[place.adcode[:2]]
    seed_id = f"{place.adcode}_{'xzgs' if agency_name(place).endswith('行政公署') else 'rmzf'}"
    n = 2
    while seed_id in taken:
        seed_id = f"{place.adcode}_rmzf-{n}"
        n += 1
    taken.add(seed_id)
    active, notes = place_notes(place)
    values = {
        "id": seed_id, "province": prov.short,
        "city": place.prefecture if place.level == "county" else (place.name if place.level == "prefecture" else ""),
        "county": place.name if place.level == "county" else "",
        "adcode": place.adcode, "level": place.level, "agency": agency_name(place), "column_url": "",
        "platform": P.PLATFORM_AUTO, "active": "true" if active else "false", "notes": notes,
        P.SEED_HOMEPAGE: place.homepage,
    }
    return _serialise([values.get(column, "") for column in header])


def _file_for(seeds_dir: Path, code: str) -> Path:
    prov = P.PROVINCES_BY_CODE[code]
    return seeds_dir / f"{code}_{prov.pinyin}.csv"


def update_file(path: Path, places: list[Place], taken: set[str]) -> tuple[str, int, int]:
    """New text of one seed file: ``(text, rows filled with a homepage, rows added)``."""
    text = path.read_text(encoding="utf-8") if path.exists() else ",".join(P.SEED_COLUMNS) + "\n"
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    header = next(csv.reader([lines[0]]))
    appended = P.SEED_HOMEPAGE not in header
    if appended:
        header.append(P.SEED_HOMEPAGE)
        lines[0] = f"{lines[0]},{P.SEED_HOMEPAGE}"
    by_code = {p.adcode: p for p in places}
    home_at = header.index(P.SEED_HOMEPAGE)
    present: set[str] = set()
    filled = 0
    for i in range(1, len(lines)):
        if not lines[i].strip():
            continue
        cells = next(csv.reader([lines[i]]))
        row = dict(zip(header, cells, strict=False))
        taken.add(row.get("id", ""))
        government = row.get("level") in P.GOVERNMENT_LEVELS
        if government:
            present.add(row.get("adcode", ""))
        place = by_code.get(row.get("adcode", "")) if government else None
        homepage = place.homepage if place else ""
        if appended:
            lines[i] = f"{lines[i]},{_serialise([homepage])}" if homepage else f"{lines[i]},"
            filled += bool(homepage)
        elif homepage and len(cells) > home_at and not cells[home_at]:
            cells[home_at] = homepage
            lines[i] = _serialise(cells)
            filled += 1
    added = [_new_row(p, header, taken) for p in sorted(places, key=lambda p: p.adcode) if p.adcode not in present]
    return "\n".join(lines + added) + "\n", filled, len(added)


def build(places_dir: Path, seeds_dir: Path) -> dict[str, int]:
    """Rewrite the seed files of ``seeds_dir`` from ``places_dir``; returns figures for a summary line."""
    places = read_places(places_dir)
    by_province: dict[str, list[Place]] = {}
    for place in places:
        by_province.setdefault(place.adcode[:2], []).append(place)
    taken: set[str] = set()
    for path in seed_files(seeds_dir):  # every id in use, across files, before any new one is issued
        with path.open(encoding="utf-8", newline="") as fh:
            taken.update(row.get("id", "") for row in csv.DictReader(fh))
    figures = {"places": len(places), "files": 0, "filled": 0, "added": 0}
    for code in sorted(by_province):
        path = _file_for(seeds_dir, code)
        text, filled, added = update_file(path, by_province[code], taken)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8", newline="")
            figures["files"] += 1
        figures["filled"] += filled
        figures["added"] += added
    return figures
