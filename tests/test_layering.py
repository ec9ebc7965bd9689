"""Import layering between the project's top-level packages (issue #9).

Every ``.py`` file is parsed with :mod:`ast` (never imported), and every import statement counts,
including those inside functions and ``if TYPE_CHECKING`` blocks:

- the product (``crawler/``, ``pipelines/``) does not import ``portalsim`` (the simulated portal
  farm and fixture renderer), except ``scrapy farm`` and ``scrapy demo``, and those only inside a
  function body, so loading the Scrapy project never loads the simulator;
- ``pipelines/`` does not import ``crawler.spiders``;
- ``bench/`` does not import ``tests``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
# The only product modules allowed to import portalsim, and only inside a function body.
LAZY_PORTALSIM = {"crawler/commands/farm.py", "crawler/commands/demo.py"}


@dataclass(frozen=True)
class Import:
    path: str        # file relative to the repository root, with "/" separators
    line: int
    module: str      # absolute dotted name of the imported module
    top_level: bool  # executed when the module is imported (not inside a def/lambda)


def _package_of(path: Path) -> list[str]:
    """The dotted package a module file lives in, as a list of names."""
    return list(path.relative_to(REPO_ROOT).parts[:-1])


def _absolute(node: ast.ImportFrom, path: Path) -> list[str]:
    """Absolute module names an ``from ... import ...`` statement can load."""
    if node.level:
        base = _package_of(path)
        base = base[: len(base) - (node.level - 1)]
        prefix = ".".join(base + ([node.module] if node.module else []))
    else:
        prefix = node.module or ""
    # ``from pkg import name`` may load the submodule pkg.name: report both
    return [prefix] + [f"{prefix}.{alias.name}" for alias in node.names if alias.name != "*"]


def _imports_in(path: Path) -> list[Import]:
    tree = ast.parse(path.read_text("utf-8"), filename=str(path))
    rel = path.relative_to(REPO_ROOT).as_posix()
    found: list[Import] = []

    def visit(node: ast.AST, top_level: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                found.extend(Import(rel, child.lineno, alias.name, top_level) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                found.extend(Import(rel, child.lineno, name, top_level) for name in _absolute(child, path))
            inner = top_level and not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            visit(child, inner)

    visit(tree, True)
    return found


def imports_under(*packages: str) -> list[Import]:
    return [imp for package in packages for path in sorted((REPO_ROOT / package).rglob("*.py"))
            for imp in _imports_in(path)]


def _is(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_the_walker_sees_imports_inside_functions() -> None:
    # guards the tests below against a walker that silently finds nothing
    farm = [i for i in imports_under("crawler") if i.path == "crawler/commands/farm.py" and _is(i.module, "portalsim")]
    assert farm and not any(i.top_level for i in farm)
    assert any(i.module == "pipelines.parsing.patterns" for i in imports_under("pipelines"))


def test_product_does_not_import_portalsim() -> None:
    offenders = [i for i in imports_under("crawler", "pipelines") if _is(i.module, "portalsim")
                 and (i.path not in LAZY_PORTALSIM or i.top_level)]
    assert offenders == [], "the product imports the portal simulator (only scrapy farm/demo may, lazily)"


def test_pipelines_do_not_import_spiders() -> None:
    offenders = [i for i in imports_under("pipelines") if _is(i.module, "crawler.spiders")]
    assert offenders == []


def test_bench_does_not_import_tests() -> None:
    offenders = [i for i in imports_under("bench") if _is(i.module, "tests")]
    assert offenders == []
