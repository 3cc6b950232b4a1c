"""How much does envcheck's bench harness cost against a bare hand-written training loop?

The bench's headline figure is images/s from the median step time of its timed loop
(``timed_loop`` in ``envcheck/bench/worker.py``: a Trainer's steps in synchronised blocks, with
progress records and the distributed stop check between blocks). This script runs that loop
and a bare loop (zero_grad, forward, loss, backward, step; a synchronised timer around blocks
of as many steps as the harness chose) on the same network, initial weights, synthetic data,
batch and device, in one process, alternating short rounds so that both sides see the same
host: on a shared machine, separate runs seconds apart differ by ±15 % from noise alone, which
hides a 2 % overhead.

Each round gives each side a figure from its median step; the ratio harness/bare is taken per
round (pairs adjacent in time), and the median of those ratios must stay >= 0.98 (exit 1 when
it does not). The ratio of the two sides' overall medians is printed too.

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
BENCH_DIR = ROOT / "envcheck" / "bench"
THRESHOLD = 0.98
RESULT = "OVERHEAD-RESULT "

# Runs in the target interpreter: argv = bench dir, model, device, batch, rounds, round seconds,
# threads (0: torch's default).
INTERLEAVED = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
import torch
from torch.nn import functional as F
import nets, worker

model_name, device_name = sys.argv[2], sys.argv[3]
batch, rounds, round_s, threads = int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6]), \
    int(sys.argv[7])
if threads:
    torch.set_num_threads(threads)
dev = torch.device(device_name)
args = {"model": model_name, "channels_last": False, "classes": 10, "image_size": None}
harness = worker.Trainer(args, dev, "fp32", batch)

# The bare side: the same network, initial weights and data, trained by hand.
torch.manual_seed(worker.SEED)
model = nets.build(model_name).to(dev)
opt = torch.optim.SGD(model.parameters(), lr=worker.LR, momentum=0.9)
xs, ys = worker.make_dataset(model_name, batch, 4, dev, None, 10, worker.SEED + 1, False)
n = 0

def sync():
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)

def bare_step():
    global n
    x, y = xs[n % 4], ys[n % 4]
    n += 1
    opt.zero_grad(set_to_none=True)
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    opt.step()

def bare_round(seconds, block):
    blocks, start = [], time.perf_counter()
    while time.perf_counter() - start < seconds:
        sync()
        t0 = time.perf_counter()
        for _ in range(block):
            bare_step()
        sync()
        blocks.append((time.perf_counter() - t0) / block)
    return blocks

def harness_round(seconds, block):
    times, _, _ = worker.timed_loop(harness, block, seconds, 1, 10 ** 9, "overhead")
    return times

for _ in range(20):  # warm both sides up
    harness.step()
    bare_step()
sync()
block = worker.block_for(sorted(harness.timed_block(1)[0] for _ in range(5))[2])
out = []
for r in range(rounds):
    if r % 2 == 0:
        h, b = harness_round(round_s, block), bare_round(round_s, block)
    else:
        b, h = bare_round(round_s, block), harness_round(round_s, block)
    out.append({"harness": batch / sorted(h)[len(h) // 2], "bare": batch / sorted(b)[len(b) // 2],
                "harness_steps": len(h) * block, "bare_steps": len(b) * block})
print("OVERHEAD-RESULT " + json.dumps({"block": block, "rounds": out}))
"""


def measure(python: str, model: str, device: str, batch: int, rounds: int, round_s: float,
            threads: int) -> dict[str, object]:
    """Run the interleaved comparison in the target interpreter; its parsed result."""
    proc = subprocess.run(
        [python, "-c", INTERLEAVED, str(BENCH_DIR), model, device, str(batch), str(rounds),
         str(round_s), str(threads)],
        capture_output=True, text=True, timeout=60 + rounds * round_s * 4, check=False)
    line = next((x for x in proc.stdout.splitlines()[::-1] if x.startswith(RESULT)), None)
    if proc.returncode != 0 or line is None:
        raise SystemExit(f"bench_overhead: the comparison failed: {proc.stderr.strip()[-2000:]}")
    result: dict[str, object] = json.loads(line[len(RESULT):])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=os.environ.get("ENVCHECK_TORCH_PYTHON")
                        or str(ROOT / ".venv-torch" / "bin" / "python"))
    parser.add_argument("--model", default="mnist_cnn")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--round-seconds", type=float, default=0.5)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (0: torch's default). One thread keeps a busy "
                        "shared host from stalling OpenMP barriers.")
    ns = parser.parse_args()
    print(f"model {ns.model}, batch {ns.batch}, device {ns.device}, {ns.threads or 'default'} "
          f"thread(s), {ns.rounds} alternating rounds of {ns.round_seconds:g} s per side; "
          f"python {ns.python}")
    result = measure(ns.python, ns.model, ns.device, ns.batch, ns.rounds, ns.round_seconds,
                     ns.threads)
    rounds = result["rounds"]
    assert isinstance(rounds, list)
    print(f"both sides time blocks of {result['block']} steps between synchronisations "
          "(the harness's own choice)")
    print(f"{'round':>5} {'harness':>9} {'bare':>9} {'ratio':>6}   (images/s from each side's "
          "median step)")
    ratios = []
    for i, row in enumerate(rounds):
        ratio = row["harness"] / row["bare"]
        ratios.append(ratio)
        print(f"{i + 1:>5} {row['harness']:>9,.0f} {row['bare']:>9,.0f} {ratio:>6.3f}")
    median = statistics.median(ratios)
    q = statistics.quantiles(ratios, n=4)
    overall = (statistics.median(r["harness"] for r in rounds)
               / statistics.median(r["bare"] for r in rounds))
    verdict = "ok" if median >= THRESHOLD else "TOO MUCH OVERHEAD"
    print(f"median of per-round ratios harness/bare: {median:.3f} (IQR {q[0]:.3f}-{q[2]:.3f}; "
          f"must be >= {THRESHOLD}): {verdict}")
    print(f"ratio of the overall medians: {overall:.3f}")
    return 0 if median >= THRESHOLD else 1


if __name__ == "__main__":
    sys.exit(main())
