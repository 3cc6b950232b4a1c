"""How much does envcheck's bench harness cost against a bare hand-written training loop?

Runs the harness (``envcheck/bench/worker.py``) and a plain loop (zero_grad, forward, loss,
backward, step; a synchronised timer around each block of 10 steps) on the same model, batch,
data kind and device, alternating, ``--runs`` times each. Each side's figure comes from its
median step time, the statistic the bench reports (mean figures are printed too). Prints every
pair and the median ratio harness/bare, which must stay >= 0.98; exits 1 when it does not.

    .venv/bin/python benchmarks/bench_overhead.py --python .venv-torch/bin/python
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORKER = ROOT / "envcheck" / "bench" / "worker.py"
PREFIX = "ENVCHECK-BENCH "
THRESHOLD = 0.98

BARE_LOOP = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
import torch
from torch.nn import functional as F
import nets

model_name, device, batch, warmup, seconds = sys.argv[2], sys.argv[3], int(sys.argv[4]), \
    int(sys.argv[5]), float(sys.argv[6])
if int(sys.argv[7]):
    torch.set_num_threads(int(sys.argv[7]))
torch.manual_seed(0)
dev = torch.device(device)
model = nets.build(model_name).to(dev)
opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
# The same kind of data as the harness (class prototypes plus noise, four batches in turn):
# a loss that falls to ~0 changes the arithmetic (tiny gradients), so random labels would not
# be the same workload.
shape = nets.input_shape(model_name)
protos = torch.randn((10, *shape), device=dev)
ys = [torch.randint(0, 10, (batch,), device=dev) for _ in range(4)]
xs = [protos[y] + 0.5 * torch.randn((batch, *shape), device=dev) for y in ys]

def sync():
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)

n = 0

def step():
    global n
    x, y = xs[n % 4], ys[n % 4]
    n += 1
    opt.zero_grad(set_to_none=True)
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    opt.step()

for _ in range(warmup):
    step()
sync()
blocks, start = [], time.perf_counter()
while time.perf_counter() - start < seconds:
    t0 = time.perf_counter()
    for _ in range(10):
        step()
    sync()
    blocks.append((time.perf_counter() - t0) / 10)
blocks.sort()
median = blocks[len(blocks) // 2]
print(json.dumps({"median": batch / median, "mean": batch * len(blocks) / sum(blocks),
                  "steps": 10 * len(blocks)}))
"""


def harness(python: str, model: str, device: str, batch: int, seconds: float,
            threads: int) -> dict[str, float]:
    """One harness run: its mean (images/time) and median-step throughput."""
    args = {"kind": "train", "model": model, "device": device, "batch": batch,
            "seconds": seconds, "classes": 10, "cpu_compare": False, "extra_row": False,
            "checks": False, "min_warmup": 10, "max_warmup": 10, "threads": threads}
    proc = subprocess.run([python, str(WORKER), "--json-args", json.dumps(args)],
                          capture_output=True, text=True, timeout=600, check=True)
    line = next(x for x in proc.stdout.splitlines()[::-1] if x.startswith(PREFIX))
    run = json.loads(line[len(PREFIX):])["runs"][0]
    return {"mean": run["images_per_s_mean"], "median": run["images_per_s"],
            "steps": run["steps_timed"]}


def bare(python: str, model: str, device: str, batch: int, seconds: float,
         threads: int) -> dict[str, float]:
    """One bare-loop run."""
    proc = subprocess.run(
        [python, "-c", BARE_LOOP, str(WORKER.parent), model, device, str(batch), "10",
         str(seconds), str(threads)], capture_output=True, text=True, timeout=600, check=True)
    out: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=os.environ.get("ENVCHECK_TORCH_PYTHON")
                        or str(ROOT / ".venv-torch" / "bin" / "python"))
    parser.add_argument("--model", default="mnist_cnn")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads on both sides (0: torch's default). One thread "
                        "keeps a busy shared host from stalling OpenMP barriers.")
    ns = parser.parse_args()
    print(f"model {ns.model}, batch {ns.batch}, device {ns.device}, {ns.threads or 'default'} "
          f"thread(s), {ns.seconds:g} s timed per run, {ns.runs} alternating pairs; "
          f"python {ns.python}")
    print("images/s from the median step (the bench's headline figure) and from the mean")
    print(f"{'pair':>4} {'harness':>9} {'bare':>9} {'ratio':>6}   {'harness':>9} {'bare':>9} "
          f"{'ratio':>6}")
    print(f"{'':>4} {'(median)':>9} {'(median)':>9} {'':>6}   {'(mean)':>9} {'(mean)':>9}")
    ratios, mean_ratios = [], []
    for i in range(ns.runs):
        # Alternate which side goes first so drift on a shared host hits both equally.
        if i % 2 == 0:
            h = harness(ns.python, ns.model, ns.device, ns.batch, ns.seconds, ns.threads)
            b = bare(ns.python, ns.model, ns.device, ns.batch, ns.seconds, ns.threads)
        else:
            b = bare(ns.python, ns.model, ns.device, ns.batch, ns.seconds, ns.threads)
            h = harness(ns.python, ns.model, ns.device, ns.batch, ns.seconds, ns.threads)
        ratio, mean_ratio = h["median"] / b["median"], h["mean"] / b["mean"]
        ratios.append(ratio)
        mean_ratios.append(mean_ratio)
        print(f"{i + 1:>4} {h['median']:>9,.0f} {b['median']:>9,.0f} {ratio:>6.3f}   "
              f"{h['mean']:>9,.0f} {b['mean']:>9,.0f} {mean_ratio:>6.3f}")
    median = statistics.median(ratios)
    verdict = "ok" if median >= THRESHOLD else "TOO MUCH OVERHEAD"
    print(f"median ratio harness/bare (median-step figures): {median:.3f} "
          f"(must be >= {THRESHOLD}): {verdict}")
    print(f"median ratio harness/bare (mean figures): {statistics.median(mean_ratios):.3f}")
    return 0 if median >= THRESHOLD else 1


if __name__ == "__main__":
    sys.exit(main())
