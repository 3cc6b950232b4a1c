"""Wall time of ``envcheck bench cnn --quick`` end to end (budget: 60 s on a 2-core machine).

Includes everything a user waits for: envcheck's start-up, the worker's ``import torch``, the
timed run, the CPU comparison (on a GPU), held-out accuracy and the report. Prints each run's
wall time and the headline images/s; exits 1 if any run is over budget.

    .venv/bin/python benchmarks/bench_cnn_quick.py --python .venv-torch/bin/python
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUDGET_S = 60.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=os.environ.get("ENVCHECK_TORCH_PYTHON")
                        or str(ROOT / ".venv-torch" / "bin" / "python"))
    parser.add_argument("--runs", type=int, default=3)
    ns = parser.parse_args()
    worst = 0.0
    for i in range(ns.runs):
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "envcheck", "bench", "cnn", "--quick", "--json",
             "--python", ns.python],
            capture_output=True, text=True, cwd=ROOT, timeout=300, check=False,
        )
        wall = time.perf_counter() - start
        worst = max(worst, wall)
        if proc.returncode not in (0, 1):
            print(f"run {i + 1}: exit {proc.returncode}: {proc.stderr.strip()[-300:]}")
            return 1
        doc = json.loads(proc.stdout)
        print(f"run {i + 1}: {wall:5.1f} s wall, {doc['images_per_s']:,.0f} images/s on "
              f"{doc['device']}, {doc['steps_timed']} steps timed, accuracy "
              f"{doc['accuracy']:.0%}")
    print(f"slowest: {worst:.1f} s (budget {BUDGET_S:g} s): "
          f"{'ok' if worst <= BUDGET_S else 'OVER BUDGET'}")
    return 0 if worst <= BUDGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
