"""The seed list's data: a seed (one agency's 年报 column), a problem found in a seed file, a load result."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler import patterns as P
from crawler.seeds.urls import mask_credentials

ERROR = "error"
WARNING = "warning"

#: :attr:`Problem.kind` of a warning that a seed's host is an internal or numeric address: printed
#: by ``scrapy seeds check``, but a run logs these at debug level with one info line counting them
#: (the simulated portal farm's seeds are all on 127.0.0.1)
ADDRESS = "address"


@dataclass(frozen=True)
class Problem:
    """One finding about a seed file, printed as ``file:line: message``.

    The message never shows a password: a URL's ``user:password@`` in it is masked as ``user:***@``
    whoever wrote the message (a seed file's text is quoted in many messages)."""

    path: Path
    line: int
    message: str
    severity: str = ERROR
    kind: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", mask_credentials(self.message))

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
    def homepage(self) -> str:
        """The government's homepage (optional ``homepage`` column): where column discovery starts."""
        return self.extra.get(P.SEED_HOMEPAGE, "")

    @property
    def location(self) -> str:
        return f"{self.source}:{self.line}"

    def portal_row(self) -> dict[str, Any]:
        """The seed as a row of the ``portals`` table (written by the run that crawls it)."""
        return {"id": self.id, "province": self.province, "city": self.city, "county": self.county,
                "adcode": self.adcode, "level": self.level, "agency": self.agency,
                "column_url": self.column_url, "platform": self.platform, "active": self.active}


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
