"""Every fact key a rule reads is in the catalogue (``envcheck.fact_keys.CATALOGUE``).

The fact view answers ``None`` for a key nobody emits, so a misspelt key in a rule reads as
"unknown" and the rule silently never fires. This guard reads the rule modules' source and
fails on any literal key passed to a :class:`~envcheck.rules.facts_view.FactsView` lookup that
the catalogue does not hold.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

from envcheck.fact_keys import CATALOGUE
from envcheck.rules.facts_view import FactsView

RULES = Path(__file__).resolve().parents[2] / "envcheck" / "rules"

LOOKUPS = frozenset(
    name
    for name, member in inspect.getmembers(FactsView, inspect.isfunction)
    if list(inspect.signature(member).parameters)[1:2] == ["key"]
)
"""FactsView methods whose first argument is a fact key (``str_``, ``bool_``, ``dicts`` ...)."""


def _literal_keys(path: Path) -> list[tuple[int, str, str]]:
    """(line, method, key) for each ``view.<lookup>("key")`` (``self.`` inside the view)."""
    found: list[tuple[int, str, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        receiver = node.func.value
        if node.func.attr not in LOOKUPS or not isinstance(receiver, ast.Name):
            continue
        if receiver.id not in ("view", "self") or not node.args:
            continue
        first = node.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            found.append((node.lineno, node.func.attr, first.value))
    return found


def test_the_lookups_are_found() -> None:
    assert {"str_", "bool_", "int_", "dicts", "version", "has"} <= LOOKUPS
    keys = [key for path in sorted(RULES.glob("*.py")) for _, _, key in _literal_keys(path)]
    assert len(keys) > 100, "the scan no longer sees the rules' lookups"


def test_every_key_a_rule_reads_is_in_the_catalogue() -> None:
    missing = [
        f"{path.name}:{line}: view.{method}({key!r})"
        for path in sorted(RULES.glob("*.py"))
        for line, method, key in _literal_keys(path)
        if key not in CATALOGUE
    ]
    assert missing == [], "keys not in envcheck.fact_keys.CATALOGUE:\n" + "\n".join(missing)


def test_the_guard_catches_a_misspelt_key(tmp_path: Path) -> None:
    rule = tmp_path / "rule.py"
    rule.write_text('def r(view):\n    return view.str_("nvidia.driver_verison")\n')
    assert _literal_keys(rule) == [(2, "str_", "nvidia.driver_verison")]
    assert "nvidia.driver_verison" not in CATALOGUE
