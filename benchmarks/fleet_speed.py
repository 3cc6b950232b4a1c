"""Wall time of `envcheck fleet summarize` over N generated node reports (target: 1,000 in ≤ 2 s).

Usage: .venv/bin/python benchmarks/fleet_speed.py [--nodes 1000] [--runs 3]

Writes N `doctor --json`-shaped reports of 8-GPU nodes (every catalogue fact present, about
15 KB each, as a real report) into a temporary folder, with one planted driver drift on three
nodes, then runs the real command as a subprocess on the folder and prints the median wall
time of the runs (after one warm-up run, so .pyc files exist as in an installed package). It
also checks the summary names the drifted nodes and their driver, so a fast wrong answer does
not pass.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fleet_reports import bench_result, doctor_report

DRIFTED = {17: "535.104.05", 401: "535.104.05", 888: "535.104.05"}


def write_reports(folder: Path, nodes: int) -> None:
    """One doctor report per node (node0001 …) and a bench result for every tenth node."""
    for i in range(nodes):
        name = f"node{i:04d}"
        report = doctor_report(name, driver=DRIFTED.get(i, "550.54.15"))
        (folder / f"{name}.json").write_text(json.dumps(report, indent=2))
        if i % 10 == 0:
            bench = bench_result(3000.0 if i != 500 else 1400.0)
            (folder / "bench").mkdir(exist_ok=True)
            (folder / "bench" / f"{name}.json").write_text(json.dumps(bench, indent=2))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory(prefix="envcheck-fleet-") as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        write_reports(folder, args.nodes)
        size = sum(p.stat().st_size for p in folder.rglob("*.json"))
        print(f"generated {args.nodes} reports ({size / 1e6:.1f} MB) in "
              f"{time.perf_counter() - start:.2f} s")
        argv = [sys.executable, "-m", "envcheck", "fleet", "summarize", "--json", str(folder)]
        times = []
        done = None
        for run in range(args.runs + 1):
            began = time.perf_counter()
            done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
            if run:
                times.append(time.perf_counter() - began)
        assert done is not None
        if done.returncode != 0:
            sys.exit(f"fleet summarize failed ({done.returncode}): {done.stderr.strip()}")
        data = json.loads(done.stdout)
        driver = next(d for d in data["drift"] if d["key"] == "nvidia.driver_version")
        drifted = driver["values"][1]
        expected = sorted(f"node{i:04d}" for i in DRIFTED)
        if drifted != {"value": "535.104.05", "nodes": expected}:
            sys.exit(f"wrong drift: {drifted}")
        print(f"drift found: driver {drifted['value']} on {', '.join(drifted['nodes'])}")
        print(f"outliers: {len(data['outliers'])}")
        print(f"fleet summarize, {args.nodes} nodes: median {statistics.median(times):.2f} s "
              f"over {len(times)} runs (min {min(times):.2f} s, max {max(times):.2f} s)")


if __name__ == "__main__":
    main()
