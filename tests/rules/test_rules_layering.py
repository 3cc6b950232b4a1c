"""The rules stay a pure function of facts, tables and what they are handed."""

from __future__ import annotations

import ast
from pathlib import Path

from envcheck.fix_writer import planner_fix_writer
from envcheck.rules import diagnose
from envcheck.rules.messages import RECOMMEND_FALLBACK

RULES = Path(__file__).resolve().parents[2] / "envcheck" / "rules"
_PLANNER = ("envcheck.recommend", "envcheck.install_commands", "envcheck.fix_writer")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_no_rule_module_imports_the_planner() -> None:
    offenders = {
        f"{path.name}: {name}"
        for path in RULES.glob("*.py")
        for name in _imports(path)
        if name.startswith(_PLANNER)
    }
    assert offenders == set()


CPU_TORCH_ON_GPU = {
    "os.name": "linux",
    "os.arch": "x86_64",
    "python.version": "3.11.9",
    "nvidia.driver_version": "550.54.14",
    "nvidia.gpu_count": 1,
    "nvidia.gpus": [{"index": 0, "name": "NVIDIA GeForce RTX 4090", "compute_capability": "8.9"}],
    "torch.version": "2.3.1+cpu",
    "torch.build_label": "cpu",
}


def test_reinstall_fixes_come_from_the_writer_handed_in() -> None:
    handed = diagnose(CPU_TORCH_ON_GPU, {}, (), planner_fix_writer())
    alone = diagnose(CPU_TORCH_ON_GPU, {}, ())
    assert handed[0].id == alone[0].id == "cpu_build.cpu_torch_on_gpu_machine"
    commands = [c for fix in handed[0].fixes for c in fix.commands]
    assert any("download.pytorch.org/whl/cu" in c for c in commands), commands
    # Without a planner the rules still diagnose, and say how to get the command.
    assert RECOMMEND_FALLBACK in alone[0].fixes
