"""envcheck.parsers is the bottom layer: standard library and packaging only."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import envcheck.parsers

PARSERS = Path(envcheck.parsers.__file__).parent
SCRIPTS = Path(envcheck.parsers.__file__).parent.parent / "probes"


def _imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.ImportFrom):
            names.add("." * node.level + (node.module or ""))
    return names


def test_parsers_import_only_stdlib_packaging_and_each_other() -> None:
    modules = sorted(PARSERS.glob("*.py"))
    assert len(modules) >= 4
    for path in modules:
        for name in _imported(path):
            top = name.split(".")[0]
            allowed = (
                top in sys.stdlib_module_names
                or top == "packaging"
                or name.startswith("envcheck.parsers")
            )
            assert allowed, f"{path.name} imports {name}"


def test_scripts_run_in_other_interpreters_stay_self_contained() -> None:
    for script in ("target_script.py", "torch_script.py"):
        imported = _imported(SCRIPTS / script)
        assert not [name for name in imported if name.startswith(("envcheck", "."))], script


def test_explain_reads_formats_through_the_parsers_not_the_probes() -> None:
    """explain shares the probes' parsers through envcheck.parsers, never by importing a
    probe module (which would pull system access into a pure reader)."""
    explain = PARSERS.parent / "explain"
    for path in sorted(explain.glob("*.py")):
        probes = [n for n in _imported(path) if n.startswith("envcheck.probes")]
        assert probes == [], f"{path.name} imports {probes}"
