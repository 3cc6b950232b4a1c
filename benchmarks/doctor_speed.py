"""Wall time of `envcheck doctor` against `import torch` in the same target env, side by side.

Usage: .venv/bin/python benchmarks/doctor_speed.py [--torch-python PATH] [--runs N]

Prints the median of N alternating runs of each command and the ratios the issue asks for:
doctor / import torch (target ≤ 1.15), collect_env / import torch (for context), doctor on a
target without torch (≤ 0.35 s) and `envcheck --help` (≤ 0.25 s).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENVCHECK = str(Path(sys.executable).with_name("envcheck"))


def _time(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                   check=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--torch-python", default=os.environ.get(
        "ENVCHECK_TORCH_PYTHON", str(ROOT / ".venv-torch" / "bin" / "python")))
    parser.add_argument("--bare-python", default=sys.executable,
                        help="a target interpreter without torch")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    # No active env (the target is named explicitly), and bytecode caching on as on a user's
    # machine: with PYTHONDONTWRITEBYTECODE set, every run would recompile envcheck's modules.
    dropped = ("VIRTUAL_ENV", "CONDA_PREFIX", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    commands = {
        "import torch": [args.torch_python, "-c", "import torch"],
        "envcheck doctor (torch target)": [ENVCHECK, "doctor", "--json", "--python",
                                           args.torch_python],
        "collect_env": [args.torch_python, "-m", "torch.utils.collect_env"],
        "envcheck doctor (no torch)": [ENVCHECK, "doctor", "--json", "--python",
                                       args.bare_python],
        "envcheck --help": [ENVCHECK, "--help"],
    }
    for argv in commands.values():  # warm the page cache and write bytecode once
        _time(argv, env)
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, argv in commands.items():
            samples[name].append(_time(argv, env))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    for name, value in medians.items():
        print(f"{name:34s} median {value:.3f} s  (runs: {args.runs})")
    base = medians["import torch"]
    print(f"doctor / import torch      = {medians['envcheck doctor (torch target)'] / base:.2f}"
          "  (target ≤ 1.15)")
    print(f"collect_env / import torch = {medians['collect_env'] / base:.2f}")
    print(f"doctor without torch       = {medians['envcheck doctor (no torch)']:.3f} s"
          "  (target ≤ 0.35 s)")
    print(f"envcheck --help            = {medians['envcheck --help']:.3f} s  (target ≤ 0.25 s)")


if __name__ == "__main__":
    main()
