"""Wall time of `envcheck recommend --json --cuda 12.1 --torch 2.2.1` (target ≤ 0.25 s).

Usage: .venv/bin/python benchmarks/recommend_speed.py [--runs N]

Runs the command as a subprocess N times (default 7) after one warm-up run and prints the median.
Bytecode caching is allowed in the child (PYTHONDONTWRITEBYTECODE is removed), as in an installed
package whose .pyc files exist.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

ARGS = ["recommend", "--json", "--cuda", "12.1", "--torch", "2.2.1"]
EXPECTED = "--index-url https://download.pytorch.org/whl/cu121"

def _run(argv: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    return time.perf_counter() - start, done


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    argv = [sys.executable, "-m", "envcheck", *ARGS]
    _, probe = _run(argv, env)  # also the warm-up (writes the bytecode)
    if probe.returncode != 0 or EXPECTED not in probe.stdout:
        sys.exit(f"recommend did not produce the expected command:\n{probe.stderr}")
    samples = [_run(argv, env)[0] for _ in range(max(args.runs, 5))]
    median = statistics.median(samples)
    print(f"python -m envcheck {' '.join(ARGS)}")
    print(
        f"median {median:.3f} s over {len(samples)} runs (min {min(samples):.3f}, "
        f"max {max(samples):.3f}); target ≤ 0.25 s: {'ok' if median <= 0.25 else 'OVER'}"
    )


if __name__ == "__main__":
    main()
