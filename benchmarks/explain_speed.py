"""Time `envcheck explain --json` on a generated 6 MB paste (target ≤ 3 s).

Usage: .venv/bin/python benchmarks/explain_speed.py [--runs N] [--mb SIZE] [--lang en|zh]

The paste mixes what huge real pastes hold: whole collect_env reports, tracebacks, pip logs,
prose in English and Chinese, and very long log lines. It is generated (seeded, so every run
sees the same text), written to a temporary file and explained N times (default 5) as a
subprocess after one warm-up; the median wall time and the child's CPU time are printed.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
PIECES = (
    "Traceback (most recent call last):\n  File \"train.py\", line 3, in <module>\n"
    "    model.cuda()\nRuntimeError: No CUDA GPUs are available",
    "显卡是 RTX 3060，但是 torch.cuda.is_available() 一直是 False",
    "pip install torch==2.1.0+cu121 -f https://download.pytorch.org/whl/torch_stable.html",
    "Successfully installed filelock-3.13.1 torch-2.1.0 typing-extensions-4.8.0",
    "docker run --rm -it pytorch/pytorch python train.py",
    "os.environ['CUDA_VISIBLE_DEVICES'] = '1'",
    "ERROR: the step failed with a message nobody recognises " + "x" * 200,
    "epoch 3 loss 0.1234 " * 250,
)


def make_paste(size: int) -> str:
    rng = random.Random(1)
    collect_env = (HERE / "tests/data/explain/collect_env_2.1_linux_cu121.md").read_text()
    out: list[str] = []
    total = 0
    while total < size:
        chunk = collect_env if rng.random() < 0.1 else rng.choice(PIECES)
        out.append(chunk)
        total += len(chunk.encode()) + 1
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--mb", type=float, default=6.0)
    parser.add_argument("--lang", choices=("en", "zh"), default="en")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory() as tmp:
        paste = Path(tmp) / "paste.txt"
        paste.write_text(make_paste(int(args.mb * 1_000_000)), encoding="utf-8")
        argv = [sys.executable, "-m", "envcheck", "explain", "--json", "--lang", args.lang,
                str(paste)]
        walls: list[float] = []
        cpus: list[float] = []
        for run in range(args.runs + 1):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            done = subprocess.run(argv, capture_output=True, env=env, check=False, cwd=HERE)
            wall = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if done.returncode not in (0, 1):
                sys.exit(f"explain failed: {done.stderr.decode(errors='replace')[:500]}")
            if run:  # the first run is the warm-up (writes bytecode)
                walls.append(wall)
                cpus.append((after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime))
        size = paste.stat().st_size / 1e6
    print(f"envcheck explain --json --lang {args.lang} on a {size:.1f} MB paste, "
          f"{args.runs} runs")
    median = statistics.median(walls)
    print(f"wall: median {median:.2f} s (min {min(walls):.2f}, max {max(walls):.2f})")
    print(f"cpu:  median {statistics.median(cpus):.2f} s   target: wall <= 3 s")


if __name__ == "__main__":
    main()
