"""The worker side runs inside the target interpreter, where envcheck may not be installed: its
modules import only the standard library, torch and one another, never envcheck (so never the
typed results of :mod:`envcheck.bench.document`)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "envcheck" / "bench"
WORKER_SIDE = ("worker", "devices", "hardware", "nets", "bench_math")


def _imported(path: Path) -> set[str]:
    """Modules imported at run time (``if TYPE_CHECKING:`` blocks are for mypy only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING"):
            node.body = []
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add("." if node.level else (node.module or "").split(".")[0])
    return names


@pytest.mark.parametrize("module", WORKER_SIDE)
def test_worker_side_imports_no_envcheck_module(module: str) -> None:
    imported = _imported(BENCH / f"{module}.py")
    assert imported, module
    assert not imported & {"envcheck", ".", "document", "result", "references", "telemetry",
                           "launch", "findings"}, (module, sorted(imported))
