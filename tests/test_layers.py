"""The layers of design.md hold: no Qt outside ``vcsedesk.ui``, arrows point down, and the
command line starts without the ORM.

* Every module outside ``vcsedesk.ui`` (found with :func:`pkgutil.walk_packages`, so new modules
  are covered without touching this file) is imported in a fresh interpreter, which must end
  with neither ``PySide6`` nor ``shiboken6`` in ``sys.modules``.  An import hook names the chain
  of our files that pulled Qt in.
* The arrows are checked statically over the source with :mod:`ast` (every ``import``,
  including those inside functions and ``if TYPE_CHECKING:``).
"""

from __future__ import annotations

import ast
import json
import os
import pkgutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import vcsedesk

SRC = Path(vcsedesk.__file__).resolve().parent
QT = ("PySide6", "shiboken6")
UI = "vcsedesk.ui"

#: Modules that are scripts, not libraries: importing them runs them.  They still get the
#: static checks below.
SCRIPTS = {
    "vcsedesk.__main__": "runs the command line",
    "vcsedesk.store.migrations.env": "is run by Alembic with a connection handed in",
}

#: (layer, forbidden targets, why).  A layer is a package; a target is a module or package.
FORBIDDEN: list[tuple[str, tuple[str, ...], str]] = [
    *(
        (layer, ("vcsedesk.ui", "vcsedesk.cli"), "only ui and cli sit above the services")
        for layer in (
            "vcsedesk.domain",
            "vcsedesk.store",
            "vcsedesk.services",
            "vcsedesk.io",
            "vcsedesk.sync",
        )
    ),
    *(
        (layer, ("vcsedesk.services",), "services sit above store, domain and io: no reaching up")
        for layer in ("vcsedesk.domain", "vcsedesk.store", "vcsedesk.io")
    ),
]


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def discovered_modules() -> list[str]:
    """Every module of the package outside ``vcsedesk.ui``, by pkgutil.walk_packages."""
    failures: list[str] = []
    names = [
        info.name
        for info in pkgutil.walk_packages(vcsedesk.__path__, "vcsedesk.", onerror=failures.append)
        if not within(info.name, UI)
    ]
    assert not failures, f"packages that failed to import while walking: {failures}"
    return ["vcsedesk", *sorted(names)]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def imports_of(path: Path) -> Iterator[tuple[str, int]]:
    """Every module an ``import`` in ``path`` may load, with its line (relative ones resolved)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            yield target, node.lineno
            for alias in node.names:  # `from vcsedesk import cli` loads vcsedesk.cli
                yield f"{target}.{alias.name}", node.lineno


# -- no Qt outside the ui ---------------------------------------------------------------------

PROBE = r"""
import importlib, json, sys, traceback

QT = tuple(json.loads(sys.argv[1]))
SRC = sys.argv[2]
chains = {}


class Spy:
    # Records which of our files asked for Qt first; lets the import itself go ahead.
    def find_spec(self, fullname, path=None, target=None):
        top = fullname.partition(".")[0]
        if top in QT and top not in chains:
            chains[top] = [
                f"{f.filename[len(SRC) + 1:]}:{f.lineno}"
                for f in traceback.extract_stack()
                if f.filename.startswith(SRC)
            ]
        return None


sys.meta_path.insert(0, Spy())
for name in json.loads(sys.stdin.read()):
    importlib.import_module(name)
    loaded = sorted(m for m in sys.modules if m.partition(".")[0] in QT)
    if loaded:
        print(json.dumps({"module": name, "loaded": loaded[:5], "chains": chains}))
        sys.exit(1)
print(json.dumps({"ok": True}))
"""


def test_no_module_outside_ui_imports_qt(tmp_path: Path) -> None:
    modules = [m for m in discovered_modules() if m not in SCRIPTS]
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(QT), str(SRC)],
        input=json.dumps(modules),
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert result.returncode in (0, 1), f"importing the non-UI modules failed:\n{result.stderr}"
    report = json.loads(result.stdout.strip().splitlines()[-1])
    if not report.get("ok"):
        chains = "\n".join(f"  {top}: {' -> '.join(chain)}" for top, chain in report["chains"].items())
        pytest.fail(
            f"importing {report['module']} loaded {', '.join(report['loaded'])}; only vcsedesk.ui may "
            f"import Qt. Import chain in our files:\n{chains}"
        )


def test_every_source_file_is_walked() -> None:
    """A folder without __init__.py would be skipped by the walk above (and by setuptools)."""
    walked = set(discovered_modules()) | set(SCRIPTS)
    missing = [
        str(p.relative_to(SRC.parent))
        for p in source_files()
        if not within(module_name(p), UI) and module_name(p) not in walked
    ]
    assert not missing, f"not reachable as modules (is an __init__.py missing?): {missing}"


def test_scripts_do_not_import_qt_directly() -> None:
    for name in SCRIPTS:
        path = SRC.parent.joinpath(*name.split(".")).with_suffix(".py")
        qt = [(t, line) for t, line in imports_of(path) if t.partition(".")[0] in QT]
        assert not qt, f"{name} imports Qt: {qt}"


# -- arrows point down ------------------------------------------------------------------------


def test_domain_imports_nothing_of_ours_outside_domain() -> None:
    wrong = [
        f"{module_name(path)} line {line}: {target}"
        for path in source_files()
        if within(module_name(path), "vcsedesk.domain")
        for target, line in imports_of(path)
        if within(target, "vcsedesk") and not within(target, "vcsedesk.domain")
    ]
    assert not wrong, "vcsedesk.domain must import nothing of ours outside it:\n" + "\n".join(wrong)


@pytest.mark.parametrize(
    ("layer", "targets", "why"), FORBIDDEN, ids=[f"{layer}-x-{'+'.join(t)}" for layer, t, _ in FORBIDDEN]
)
def test_no_layer_reaches_up(layer: str, targets: tuple[str, ...], why: str) -> None:
    wrong = sorted(
        {
            f"{module_name(path)} line {line}: imports {target}"
            for path in source_files()
            if within(module_name(path), layer)
            for target, line in imports_of(path)
            if any(within(target, t) for t in targets)
        }
    )
    assert not wrong, f"{layer} must not import {' or '.join(targets)} ({why}):\n" + "\n".join(wrong)


def test_the_static_check_sees_imports() -> None:
    """Guard the checker itself: it finds absolute, relative, from-package and nested imports."""
    sample = SRC / "services" / "base.py"
    targets = {t for t, _ in imports_of(sample)}
    assert "vcsedesk.store.database" in targets
    assert "vcsedesk.domain.errors" in targets
    cli_targets = {t for t, _ in imports_of(SRC / "cli.py")}
    assert any(within(t, "vcsedesk.services") for t in cli_targets)  # imports inside functions


# -- the command line starts light ------------------------------------------------------------

HEAVY = ("sqlalchemy", "alembic", *QT)


def loaded_heavy(modules: list[str]) -> list[str]:
    return sorted({m.partition(".")[0] for m in modules if m.partition(".")[0] in HEAVY})


def test_importing_the_cli_loads_neither_the_orm_nor_qt(tmp_path: Path) -> None:
    code = "import json, sys, vcsedesk.cli; print(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=60, check=True
    )
    heavy = loaded_heavy(json.loads(result.stdout))
    assert heavy == [], f"import vcsedesk.cli loaded {heavy}: import them inside the commands that need them"


def vcsedesk_command() -> list[str]:
    script = Path(sys.executable).with_name("vcsedesk")
    return [str(script)] if script.exists() else [sys.executable, "-m", "vcsedesk"]


@pytest.mark.parametrize("args", [["--help"], ["check", "--help"]], ids=["help", "check-help"])
def test_vcsedesk_help_loads_neither_the_orm_nor_qt(args: list[str], tmp_path: Path) -> None:
    # -X importtime's log (PYTHONPROFILEIMPORTTIME) names every module the real command loads.
    env = os.environ | {"PYTHONPROFILEIMPORTTIME": "1"}
    result = subprocess.run(
        [*vcsedesk_command(), *args], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "usage: vcsedesk" in result.stdout
    imported = [
        line.rpartition("|")[2].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:")
    ]
    assert "vcsedesk.cli" in imported  # the log really is there
    heavy = loaded_heavy(imported)
    assert heavy == [], f"vcsedesk {' '.join(args)} loaded {heavy}: keep them off the start-up path"
